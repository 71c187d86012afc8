"""Tables for similar-case search and problem linking; migration creates them."""

from __future__ import annotations

from voc.store.meta import metadata

__all__ = ["metadata"]
