"""Who is calling and may they: API keys from `Authorization: Bearer` or `X-API-Key`, roles.

Roles nest viewer ⊂ handler ⊂ admin; `ingest` may only write feedback (admin may too).
Each route states the role it needs with one of the `*Dep` annotations below.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from voc.api.errors import ApiError
from voc.api.keys import CREATE_KEY_HINT, Principal, authenticate, hash_key
from voc.api.settings import DEV_ADMIN_KEY, MIN_KEY_CHARS, ApiSettings
from voc.config import Settings

bearer_scheme = HTTPBearer(
    auto_error=False, description="`Authorization: Bearer voc_…` (create with `voc keys create`)"
)
header_scheme = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="The same key in an `X-API-Key` header."
)
SETTINGS_ADMIN = Principal("settings", "VOC_API_ADMIN_KEY", "admin")


class InsecureConfigError(RuntimeError):
    """The server must not start with these settings."""


def settings_key_hashes(api_settings: ApiSettings) -> dict[str, Principal]:
    """Hash -> principal for keys given in the settings (the environment's admin key)."""
    if api_settings.admin_key is None:
        return {}
    return {hash_key(api_settings.admin_key.get_secret_value()): SETTINGS_ADMIN}


def check_startup(settings: Settings, api_settings: ApiSettings, active_keys: int) -> list[str]:
    """Refuse insecure setups outside dev; returns warnings for dev.

    Raises:
        InsecureConfigError: non-dev with no usable key, or with a default/short admin key.
    """
    problems = []
    admin = api_settings.admin_key.get_secret_value() if api_settings.admin_key else None
    if admin is not None and (admin == DEV_ADMIN_KEY or len(admin) < MIN_KEY_CHARS):
        problems.append(
            f"VOC_API_ADMIN_KEY is a default or shorter than {MIN_KEY_CHARS} characters"
        )
    if admin is None and active_keys == 0:
        problems.append(f"no API keys; {CREATE_KEY_HINT}")
    if "*" in api_settings.cors_origins:
        problems.append("VOC_API_CORS_ORIGINS contains '*'; list the allowed origins")
    if problems and settings.env != "dev":
        raise InsecureConfigError(
            f"refusing to start with VOC_ENV={settings.env!r}: " + "; ".join(problems)
        )
    return problems


def _presented_key(
    credentials: HTTPAuthorizationCredentials | None, header_key: str | None
) -> str | None:
    if credentials is not None and credentials.credentials:
        return credentials.credentials.strip()
    if header_key:
        return header_key.strip()
    return None


def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    header_key: Annotated[str | None, Depends(header_scheme)],
) -> Principal:
    """The caller behind the presented key; 401 when there is none or it is not valid."""
    key = _presented_key(credentials, header_key)
    challenge = {"WWW-Authenticate": "Bearer"}
    if not key:
        raise ApiError(
            401,
            "missing API key: send `Authorization: Bearer <key>` or `X-API-Key: <key>`",
            headers=challenge,
        )
    digest = hash_key(key)
    known_keys = request.app.state.settings_keys.items()
    principal = next((p for h, p in known_keys if hmac.compare_digest(h, digest)), None)
    if principal is None:
        engine: Engine = request.app.state.engine
        principal = authenticate(engine, key)
    if principal is None:
        raise ApiError(401, "API key is not valid or was revoked", headers=challenge)
    request.state.principal = principal
    return principal


def require(role: str) -> Callable[[Principal], Principal]:
    """A dependency that lets through callers holding `role`, else 403."""

    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.can(role):
            raise ApiError(
                403,
                f"role {principal.role!r} may not do this; needs {role!r}",
                details={"role": principal.role, "required": role},
            )
        return principal

    check.__name__ = f"require_{role}"
    return check


Viewer = Annotated[Principal, Depends(require("viewer"))]
Handler = Annotated[Principal, Depends(require("handler"))]
Ingest = Annotated[Principal, Depends(require("ingest"))]
Admin = Annotated[Principal, Depends(require("admin"))]
