"""Similar-case search for the API: one case index and problem matcher, kept fresh in place.

The FAISS case index and the problem matcher are shared by every request. Searches read
them; ingest (new cases), problem edits (refit) and linking write them. `VectorIndex` is
not safe to change while it is searched, so readers and the one writer go through a
readers-writer lock. Lock order is always linking lock, index lock, then model lock
(encoders take the model lock themselves through `LockedEncoder`), so none deadlock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine

from voc.config import Settings
from voc.models.encoders import Encoder, Kind
from voc.search.linking import LinkReport, link_feedback
from voc.search.problems import ProblemMatch
from voc.search.similar import CaseFilters, SimilarResult, SimilarSearch
from voc.store.problems import list_problems


class ReadWriteLock:
    """Many readers or one writer; a waiting writer holds back new readers (no starvation)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        """Shared access (searches)."""
        with self._cond:
            while self._writer or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        """Exclusive access (index sync, matcher refit, linking)."""
        with self._cond:
            self._writers_waiting += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class LockedEncoder:
    """An encoder whose calls hold the model lock, so search code can share the models.

    Never call it while already holding that lock (it is not re-entrant).
    """

    def __init__(self, encoder: Encoder, lock: AbstractContextManager) -> None:
        self.encoder = encoder
        self.lock = lock
        self.name = encoder.name

    @property
    def dim(self) -> int:
        """Width of the wrapped encoder."""
        return self.encoder.dim

    def encode(self, texts: Sequence[str], kind: Kind = "passage") -> np.ndarray:
        """Embed under the model lock."""
        with self.lock:
            return self.encoder.encode(texts, kind=kind)


@dataclass
class FreshnessReport:
    """What one refresh after ingest did: items linked, cases added to / removed from the index."""

    linked: LinkReport
    added: int
    removed: int


class SearchService:
    """Similar cases, problem matching and keeping both in step with the store.

    Args:
        engine: the store.
        similar: the composed search (its encoder should be a `LockedEncoder`).
        link_encoder: embeds stored clause texts when linking (the store-cached encoder,
            wrapped in `LockedEncoder`).
        lock: the readers-writer lock guarding the case index and the matcher.
    """

    def __init__(
        self,
        engine: Engine,
        similar: SimilarSearch,
        link_encoder: Encoder,
        lock: ReadWriteLock | None = None,
    ) -> None:
        self.engine = engine
        self.similar = similar
        self.link_encoder = link_encoder
        self.lock = lock or ReadWriteLock()
        self._linking = threading.Lock()
        self._sync_state = threading.Condition()
        self._sync_requested = 0
        self._sync_done = 0
        self._syncing = False
        self._last_sync = (0, 0)

    @property
    def version(self) -> str:
        """The problem matcher's version (encoder, mode, threshold, library digest)."""
        return self.similar.matcher.version_

    def search(self, text: str, k: int = 10, filters: CaseFilters | None = None) -> SimilarResult:
        """Best problem and k nearest past cases for an already masked text."""
        with self.lock.read():
            return self.similar.search(text, k, filters)

    def match(self, text: str, vectors: np.ndarray) -> ProblemMatch:
        """The best problem for a text's pooled + clause vectors (link threshold applied)."""
        with self.lock.read():
            return self.similar.matcher.match(text, vectors)

    def problem_title(self, problem_id: str) -> str | None:
        """The title of a problem the matcher knows (None when it was removed since)."""
        from voc.store.problems import get_problem

        try:
            return get_problem(self.engine, problem_id).title
        except KeyError:
            return None

    def refresh(self, ids: Sequence[str] | None = None) -> FreshnessReport:
        """After ingest + analysis: link new items to problems, add them to the case index.

        Linking only reads the matcher, so searches go on meanwhile (linkers take turns);
        the index sync is the one step that excludes them. `ids`: the items just analysed
        (None: every stale item, as after a library change).
        """
        linked = self.relink(ids)
        added, removed = self.sync_index()
        return FreshnessReport(linked, added, removed)

    def relink(self, ids: Sequence[str] | None = None) -> LinkReport:
        """Match eligible items (`ids`, or all) whose match is missing or from an older library."""
        with self._linking, self.lock.read():
            return link_feedback(self.engine, self.similar.matcher, self.link_encoder, ids=ids)

    def sync_index(self) -> tuple[int, int]:
        """Bring the case index in step with the store; returns (added, removed).

        Group commit: a sync rereads the whole store, so callers that arrive while one runs
        share the next one instead of queueing one each. Each caller returns only after a
        sync that started after its call, so its own items are in the index.
        """
        with self._sync_state:
            self._sync_requested += 1
            target = self._sync_requested
            while self._sync_done < target:
                if self._syncing:
                    self._sync_state.wait()
                    continue
                self._syncing = True
                covers = self._sync_requested
                self._sync_state.release()
                try:
                    with self.lock.write():
                        counts = self.similar.cases.sync()
                finally:
                    self._sync_state.acquire()
                    self._syncing = False
                    self._sync_state.notify_all()
                self._sync_done = covers
                self._last_sync = counts
                if covers >= target:
                    return counts
            return self._last_sync

    def refit_problems(self) -> str:
        """Re-embed the problem library after a change; returns the new matcher version.

        Links made under the old version are refreshed by `relink` (the API runs it as a
        job after a change), the next `refresh`, or `voc problems relink`.
        """
        with self.lock.write():
            self.similar.matcher.fit(list_problems(self.engine))
            return self.similar.matcher.version_


def build_search(
    settings: Settings,
    engine: Engine,
    *,
    stored: Encoder,
    plain: Encoder,
    model_lock: AbstractContextManager,
) -> SearchService:
    """Case index + problem matcher over the served encoder (no second model load).

    Args:
        stored: the encoder that caches vectors in the store (problem texts, stored clauses).
        plain: the same model without the cache, for ad-hoc query texts (they leave no trace).
        model_lock: the lock the analyzers hold around model calls.
    """
    from voc.registry import build_case_index, build_problem_matcher

    cached = LockedEncoder(stored, model_lock)
    query = LockedEncoder(plain, model_lock)
    similar = SimilarSearch(
        engine,
        query,  # type: ignore[arg-type]
        build_case_index(settings, engine, cached),
        build_problem_matcher(settings, engine, cached),
    )
    return SearchService(engine, similar, cached)  # type: ignore[arg-type]
