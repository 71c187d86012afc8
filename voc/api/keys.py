"""API keys: `voc_<id>_<secret>`, stored as SHA-256 only, looked up by their id part.

The id is public (logs, audit rows, `voc keys list`); the secret is 32 random bytes and
leaves the process once, when the key is created.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Engine, func, insert, select, update

from voc.store.api_tables import api_keys

Role = Literal["viewer", "handler", "ingest", "admin"]
ROLES: tuple[str, ...] = ("viewer", "handler", "ingest", "admin")
# What each role may do: viewer ⊂ handler ⊂ admin; ingest only writes feedback; admin all.
GRANTS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"viewer"}),
    "handler": frozenset({"viewer", "handler"}),
    "ingest": frozenset({"ingest"}),
    "admin": frozenset(ROLES),
}
CREATE_KEY_HINT = "create one with `voc keys create --role admin`"
_KEY = re.compile(r"^voc_([0-9a-f]{12})_([A-Za-z0-9_\-]{43})$")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's public id, its name and role."""

    key_id: str
    name: str
    role: str

    def can(self, role: str) -> bool:
        """Whether this caller holds `role` (directly or through a wider role)."""
        return role in GRANTS.get(self.role, frozenset())


def check_role(role: str) -> str:
    """`role` if valid, else a ValueError naming the valid roles."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; valid: {list(ROLES)}")
    return role


def hash_key(key: str) -> str:
    """SHA-256 hex of the full key (the key is random, so no salt or slow hash is needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """A fresh (key id, full key)."""
    key_id = secrets.token_hex(6)
    return key_id, f"voc_{key_id}_{secrets.token_urlsafe(32)}"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def create_key(engine: Engine, role: str, name: str = "") -> tuple[Principal, str]:
    """Store a new key for `role`; returns its principal and the full key (shown once)."""
    check_role(role)
    key_id, key = new_key()
    with engine.begin() as connection:
        connection.execute(
            insert(api_keys).values(
                id=key_id,
                name=name or f"{role}-{key_id}",
                role=role,
                key_hash=hash_key(key),
                created_at=_now(),
            )
        )
    return Principal(key_id, name or f"{role}-{key_id}", role), key


def list_keys(engine: Engine, include_revoked: bool = True) -> list[dict]:
    """Keys without their hashes, oldest first."""
    columns = [c for c in api_keys.c if c.name != "key_hash"]
    query = select(*columns).order_by(api_keys.c.created_at, api_keys.c.id)
    if not include_revoked:
        query = query.where(api_keys.c.revoked_at.is_(None))
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(query)]


def revoke_key(engine: Engine, key_id: str) -> dict:
    """Revoke a key by id (idempotent); unknown ids raise KeyError."""
    with engine.begin() as connection:
        row = connection.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
        if row is None:
            raise KeyError(f"unknown key id {key_id!r}")
        if row.revoked_at is None:
            connection.execute(
                update(api_keys).where(api_keys.c.id == key_id).values(revoked_at=_now())
            )
    return next(k for k in list_keys(engine) if k["id"] == key_id)


def count_active_keys(engine: Engine) -> int:
    """Number of keys that still work."""
    query = select(func.count()).select_from(api_keys).where(api_keys.c.revoked_at.is_(None))
    with engine.connect() as connection:
        return int(connection.scalar(query) or 0)


def authenticate(engine: Engine, key: str) -> Principal | None:
    """The principal of a valid, unrevoked stored key, else None."""
    match = _KEY.match(key)
    if match is None:
        return None
    with engine.connect() as connection:
        row = connection.execute(select(api_keys).where(api_keys.c.id == match.group(1))).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.key_hash, hash_key(key)):
        return None
    return Principal(row.id, row.name, row.role)
