"""Tables for pain-point topics (`voc.topics`); migration creates them."""

from __future__ import annotations

from voc.store.meta import metadata

__all__ = ["metadata"]
