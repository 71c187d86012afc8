"""Tables for the HTTP API (`voc.api`); migration 0007 creates them.

- `api_keys`: one row per issued key; only a SHA-256 of the key is kept, never the key.
- `audit_log`: who (key id, name, role) did what (action) to which object, and when.
- `jobs`: background work (large uploads) with progress, result and error.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, Index, Integer, String, Table, Text

from voc.store.meta import metadata

__all__ = ["api_keys", "audit_log", "jobs", "metadata"]

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("key_hash", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("actor_id", String(16), nullable=False),
    Column("actor_name", String(200), nullable=False),
    Column("actor_role", String(20), nullable=False),
    Column("action", String(50), nullable=False),
    Column("target_type", String(50), nullable=False),
    Column("target_id", String(200)),
    Column("detail", JSON),
    Index("ix_audit_log_at", "at"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(30), nullable=False),
    Column("status", String(20), nullable=False),
    Column("phase", String(20)),
    Column("done", Integer, nullable=False, default=0),
    Column("total", Integer),
    Column("created_by", String(16), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("started_at", DateTime),
    Column("finished_at", DateTime),
    Column("params", JSON),
    Column("result", JSON),
    Column("error", Text),
)
