"""The models the API serves, loaded once in the app's lifespan and shared by every request.

Feature packages add their fitted parts here (topic model, similar-case index) as optional
fields, so routes reach them through one typed dependency.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from voc.analysis.pipeline import Analyzer
from voc.config import Settings
from voc.models.encoders import CachedEncoder

if TYPE_CHECKING:
    from voc.api.search import SearchService


@dataclass
class Components:
    """Fitted models for the API.

    Args:
        analyzer: analyses ingested feedback (its encoder may cache vectors in the store).
        adhoc: the same models over an uncached encoder, so ad-hoc texts leave no trace.
        lock: serialises model calls; the encoders are not documented as thread-safe and
            two cores gain nothing from running them side by side.
        extras: slots for later components (topics) keyed by name.
        search: similar cases and problem matching over the store (None until attached;
            the lifespan attaches one built on the same encoder when it is missing).
    """

    analyzer: Analyzer
    adhoc: Analyzer
    lock: threading.Lock = field(default_factory=threading.Lock)
    extras: dict[str, Any] = field(default_factory=dict)
    search: SearchService | None = None

    @classmethod
    def from_analyzer(cls, analyzer: Analyzer) -> Components:
        """Components around one analyzer; the ad-hoc twin drops the store cache."""
        encoder = analyzer.encoder
        plain = encoder.encoder if isinstance(encoder, CachedEncoder) else encoder
        return cls(analyzer, Analyzer(plain, analyzer.sentiment, analyzer.touchpoints))

    def with_search(self, settings: Settings, engine: Engine) -> Components:
        """A copy (same models and lock) with search built over this store and encoder.

        A copy, so components shared by several apps (tests, benchmarks) never mix stores.
        """
        from voc.api.search import build_search

        stored = self.analyzer.encoder
        search = build_search(
            settings, engine, stored=stored, plain=self.adhoc.encoder, model_lock=self.lock
        )
        return replace(self, search=search)

    def versions(self) -> dict[str, str]:
        """Model versions, for /metrics and responses."""
        return {
            "sentiment": str(self.analyzer.sentiment.version),
            "touchpoints": str(self.analyzer.touchpoints.version_),
            "encoder": str(self.analyzer.encoder.name),
        }

    def touchpoint_name(self, touchpoint_id: str | None) -> str | None:
        """The Chinese name of a touchpoint id (None for none/unknown)."""
        if not touchpoint_id:
            return None
        try:
            return self.analyzer.touchpoints.taxonomy_.get(touchpoint_id).name
        except (KeyError, AttributeError):
            return None


def build_components(settings: Settings, engine: Engine, search: bool = True) -> Components:
    """The configured models (same registry as the CLI), ready to serve.

    Unless `VOC_ENCODER_THREADS` says otherwise the encoder gets one thread: requests
    embed a few short texts each, and an OpenMP team per call on a busy 2-core machine
    measured 10x slower (1.7 s vs 0.12 s per /v1/analyze call under load).
    """
    from voc.registry import build_analyzer

    if settings.encoder_threads is None:
        settings = settings.model_copy(update={"encoder_threads": 1})
    components = Components.from_analyzer(build_analyzer(settings, engine))
    return components.with_search(settings, engine) if search else components
