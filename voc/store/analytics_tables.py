"""Tables for analytics rollups and alerts (`voc.analytics`); migration creates them."""

from __future__ import annotations

from voc.store.meta import metadata

__all__ = ["metadata"]
