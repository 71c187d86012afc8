"""Admin: API keys (create, list, revoke) and the audit log."""

from __future__ import annotations

from datetime import UTC

from fastapi import APIRouter, Query, status

from voc.api import keys as key_store
from voc.api.audit import list_entries, record
from voc.api.deps import EngineDep, PageDep
from voc.api.errors import ERROR_RESPONSES, ApiError
from voc.api.schemas import AuditList, KeyIn, KeyList, KeyOut, NewKey
from voc.api.security import Admin

router = APIRouter(prefix="/v1", tags=["admin"], responses=ERROR_RESPONSES)


def _aware(row: dict) -> dict:
    return {
        k: v.replace(tzinfo=UTC) if k in ("created_at", "revoked_at") and v else v
        for k, v in row.items()
    }


@router.get("/keys", response_model=KeyList, summary="List API keys (never the keys themselves)")
def list_keys(principal: Admin, engine: EngineDep) -> KeyList:
    """Every issued key with its id, name, role and revocation time."""
    return KeyList(items=[_aware(k) for k in key_store.list_keys(engine)])


@router.post(
    "/keys", response_model=NewKey, status_code=status.HTTP_201_CREATED, summary="Issue a key"
)
def create_key(body: KeyIn, principal: Admin, engine: EngineDep) -> NewKey:
    """A new key for `role`; the response is the only time the key is shown."""
    created, key = key_store.create_key(engine, body.role, body.name)
    record(engine, principal, "key.create", "api_key", created.key_id, {"role": body.role})
    row = next(k for k in key_store.list_keys(engine) if k["id"] == created.key_id)
    return NewKey(**_aware(row), key=key)


@router.delete("/keys/{key_id}", response_model=KeyOut, summary="Revoke a key")
def revoke_key(key_id: str, principal: Admin, engine: EngineDep) -> KeyOut:
    """Revoke at once (every request checks the store); revoking twice is harmless."""
    try:
        row = key_store.revoke_key(engine, key_id)
    except KeyError:
        raise ApiError(404, f"unknown key id {key_id!r}") from None
    record(engine, principal, "key.revoke", "api_key", key_id, None)
    return KeyOut(**_aware(row))


@router.get("/audit", response_model=AuditList, summary="The audit log, newest first")
def audit(
    principal: Admin,
    engine: EngineDep,
    page: PageDep,
    action: str | None = Query(default=None, max_length=50, examples=["problem.update"]),
) -> AuditList:
    """Who ingested, uploaded, changed problems or keys, and when."""
    rows, total = list_entries(engine, action=action, limit=page.limit, offset=page.offset)
    return AuditList(items=rows, total=total, limit=page.limit, offset=page.offset)
