"""Tables for the HTTP API: keys, audit log, jobs (`voc.api`); migration creates them."""

from __future__ import annotations

from voc.store.meta import metadata

__all__ = ["metadata"]
