"""Similar past cases: the on-disk case index, kept in step with the analysed store.

The FAISS index lives in VOC_HOME/index/cases.faiss and holds each analysed item's
pooled embedding (the one `voc analyze` stored), keyed by `id_to_int64(feedback id)`. It
is rebuilt from the store when missing or corrupt, refused when built by another
encoder, and `sync` adds what was analysed since, replaces the vectors of items analysed
again (new models or pooling) and drops what was deleted. BM25 over the case texts is
built in memory when the search mode is hybrid.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, and_, func, or_, select

from voc.search.bm25 import BM25
from voc.search.index import VectorIndex, as_ids, open_or_rebuild
from voc.search.retriever import HybridRetriever, Mode
from voc.store.tables import analyses, feedback

log = logging.getLogger(__name__)

LOAD_BATCH = 20_000
# Share of indexed items analysed again above which a sync rebuilds instead of replacing.
REBUILD_SHARE = 0.2
IN_BATCH = 5_000  # ids per `IN (...)` query: below SQLite's bound-parameter limit


def case_index_path(home: Path) -> Path:
    """Where the case index of a VOC_HOME lives."""
    return home / "index" / "cases.faiss"


def _load_all(engine: Engine, encoder_name: str) -> Callable[[], Iterator]:  # type: ignore[type-arg]
    def batches() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        query = (
            select(analyses.c.feedback_id, analyses.c.embedding)
            .where(analyses.c.encoder == encoder_name)
            .order_by(analyses.c.feedback_id)
            .execution_options(yield_per=LOAD_BATCH)
        )
        with engine.connect() as connection:
            for part in connection.execute(query).partitions(LOAD_BATCH):
                ids = as_ids([r.feedback_id for r in part])
                vectors = np.vstack([np.frombuffer(r.embedding, dtype=np.float32) for r in part])
                yield ids, vectors

    return batches


def feedback_ids_for(engine: Engine, keys: list[int]) -> dict[int, str]:
    """Map index keys back to feedback ids (a key is the id's first 15 hex digits)."""
    if not keys:
        return {}
    prefixes = {format(k, "015x"): k for k in keys}
    clauses = [and_(feedback.c.id >= p, feedback.c.id < p + "g") for p in prefixes]
    with engine.connect() as connection:
        found = connection.scalars(select(feedback.c.id).where(or_(*clauses))).all()
    return {prefixes[i[:15]]: i for i in found}


class CaseIndex:
    """The searchable history of analysed feedback for one store and encoder.

    Args:
        engine: the store.
        path: FAISS file (see `case_index_path`).
        encoder_name: the encoder whose embeddings the index holds.
        dim: embedding size.
        mode: "dense", or "hybrid" to fuse with BM25 over the case texts.
        tokenizer: segmenter tokens for BM25.
    """

    def __init__(
        self,
        engine: Engine,
        path: Path,
        encoder_name: str,
        dim: int,
        *,
        mode: Mode = "hybrid",
        tokenizer: Callable[[str], list[str]] | None = None,
        candidates: int = 50,
        rrf_k: int = 60,
        lexical_weight: float = 1.0,
    ) -> None:
        if mode == "hybrid" and tokenizer is None:
            raise ValueError("hybrid search needs a tokenizer")
        self.engine = engine
        self.path = path
        self.encoder_name = encoder_name
        self.dim = dim
        self.mode = mode
        self.tokenizer = tokenizer
        self.options = {"candidates": candidates, "rrf_k": rrf_k, "lexical_weight": lexical_weight}
        self.index: VectorIndex | None = None
        self.retriever: HybridRetriever | None = None
        self._terms: dict[int, list[str]] = {}

    def _count(self) -> int:
        with self.engine.connect() as connection:
            query = select(func.count()).where(analyses.c.encoder == self.encoder_name)
            return int(connection.scalar(query.select_from(analyses)) or 0)

    def open(self) -> CaseIndex:
        """Load (or rebuild) the index, bring it in step with the store, build BM25."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.index = open_or_rebuild(
            self.path,
            self.encoder_name,
            self.dim,
            _load_all(self.engine, self.encoder_name),
            expected_size=self._count(),
        )
        self.sync()
        return self

    def sync(self) -> tuple[int, int]:
        """Add newly analysed items (and re-add items analysed again), remove deleted ones,
        save; returns (added or replaced, removed).

        Reads only ids from the store, then vectors and texts of the changed items only;
        BM25 term lists are cached per item, so a sync re-tokenises nothing already indexed.
        """
        if self.index is None:
            raise RuntimeError("CaseIndex is not open; call open() first")
        latest = self._latest_analysis()  # read first: later analyses wait for the next sync
        stored = self._stored_ids()
        present = self.index.ids()
        gone = np.setdiff1d(present, np.fromiter(stored, np.int64, len(stored)))
        indexed = set(present.tolist())
        new = [feedback_id for key, feedback_id in stored.items() if key not in indexed]
        again = self._analysed_again(indexed)
        if len(again) > REBUILD_SHARE * max(1, len(indexed)):
            # A store-wide re-analysis: replacing in place would leave as many HNSW
            # tombstones as live entries; building afresh is cheaper and leaves none.
            self._rebuild(len(stored))
            removed = len(gone)
        else:
            changed = new + again
            for start in range(0, len(changed), IN_BATCH):
                ids, vectors = self._vectors(changed[start : start + IN_BATCH])
                self.index.add(ids, vectors)
            removed = self.index.remove(gone) if len(gone) else 0
        new += again
        mark = latest.isoformat() if latest is not None else self.index.meta.synced_until
        moved = mark != self.index.meta.synced_until
        self.index.meta.synced_until = mark
        if new or removed or moved or not self.path.exists():
            self.index.save()
        self._build_retriever(stored)
        return len(new), removed

    def _rebuild(self, expected_size: int) -> None:
        """Replace the index by one built from the store's current vectors."""
        log.warning("rebuilding vector index %s: most items were analysed again", self.path)
        self.index = VectorIndex.create(
            self.path, self.encoder_name, self.dim, expected_size=expected_size
        )
        for ids, vectors in _load_all(self.engine, self.encoder_name)():
            self.index.add(ids, vectors)

    def _latest_analysis(self) -> datetime | None:
        query = select(func.max(analyses.c.analysed_at)).where(
            analyses.c.encoder == self.encoder_name
        )
        with self.engine.connect() as connection:
            return connection.scalar(query)

    def _analysed_again(self, indexed: set[int]) -> list[str]:
        """Indexed items analysed after the index's mark (an index without one counts from
        its creation), whose stored vector may differ from the indexed one."""
        assert self.index is not None
        meta = self.index.meta
        if meta.synced_until:
            since = datetime.fromisoformat(meta.synced_until)
        else:
            since = datetime.fromisoformat(meta.created_at).astimezone(UTC).replace(tzinfo=None)
        query = select(analyses.c.feedback_id).where(
            analyses.c.encoder == self.encoder_name, analyses.c.analysed_at > since
        )
        with self.engine.connect() as connection:
            ids = connection.scalars(query).all()
        keys = as_ids(ids).tolist() if ids else []
        return [feedback_id for key, feedback_id in zip(keys, ids, strict=True) if key in indexed]

    def _stored_ids(self) -> dict[int, str]:
        query = select(analyses.c.feedback_id).where(analyses.c.encoder == self.encoder_name)
        with self.engine.connect() as connection:
            ids = connection.scalars(query).all()
        return dict(zip(as_ids(ids).tolist(), ids, strict=True))

    def _vectors(self, feedback_ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
        query = select(analyses.c.feedback_id, analyses.c.embedding).where(
            analyses.c.feedback_id.in_(feedback_ids)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).fetchall()
        vectors = np.vstack([np.frombuffer(r.embedding, dtype=np.float32) for r in rows])
        return as_ids([r.feedback_id for r in rows]), vectors

    def _build_retriever(self, stored: dict[int, str]) -> None:
        lexical, lexical_ids = None, None
        if self.mode == "hybrid":
            for key in [k for k in self._terms if k not in stored]:
                del self._terms[key]
            missing = [feedback_id for key, feedback_id in stored.items() if key not in self._terms]
            for start in range(0, len(missing), IN_BATCH):
                part = missing[start : start + IN_BATCH]
                with self.engine.connect() as connection:
                    rows = connection.execute(
                        select(feedback.c.id, feedback.c.text).where(feedback.c.id.in_(part))
                    ).fetchall()
                analyser = BM25(self.tokenizer)  # type: ignore[arg-type]
                for row in rows:
                    self._terms[as_ids([row.id])[0].item()] = analyser.terms(row.text)
            if self._terms:
                lexical_ids = np.fromiter(self._terms, np.int64, len(self._terms))
                lexical = BM25(self.tokenizer).fit_terms(list(self._terms.values()))  # type: ignore[arg-type]
        assert self.index is not None
        self.retriever = HybridRetriever(
            self.index,
            lexical,
            lexical_ids if lexical is not None else None,
            **self.options,  # type: ignore[arg-type]
        )

    def search(
        self, vector: np.ndarray, text: str, k: int, *, widen: bool = False
    ) -> list[tuple[str, float, float | None]]:
        """(feedback id, rank score, cosine or None) of the k best cases; `widen` over-fetches."""
        if self.retriever is None:
            raise RuntimeError("CaseIndex is not open; call open() first")
        fetch = k * 20 if widen else k
        hits = self.retriever.search(vector[None, :], [text], k=fetch)[0]
        names = feedback_ids_for(self.engine, [h.id for h in hits])
        return [(names[h.id], h.score, h.cosine) for h in hits if h.id in names]


def in_date_range(value: datetime, start: datetime | None, end: datetime | None) -> bool:
    """Inclusive start, exclusive end; None bounds are open."""
    return (start is None or value >= start) and (end is None or value < end)
