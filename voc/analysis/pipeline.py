"""Analyse stored feedback in batches: clauses -> embeddings -> sentiment -> touchpoints.

Results land next to the feedback (tables `analyses` and `clauses`), one transaction per
batch. An item is analysed again only when the analysis version (models + taxonomy +
encoder + pooling) changed, so re-running is idempotent and a model upgrade re-analyses.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import numpy as np
from sqlalchemy import Engine, delete, func, insert, or_, select

from voc.analysis.units import ClauseUnit, clause_units, document_text
from voc.models.encoders import Encoder
from voc.models.touchpoints import NONE, TouchpointClassifier
from voc.store.feedback import feedback_from_row, to_utc_naive
from voc.store.tables import analyses, clauses, feedback
from voc.text.formulaic import PHRASES_DIGEST, is_formulaic

SENTIMENT_LABELS = ("negative", "neutral", "positive")


class SentimentModel(Protocol):
    """A fitted sentiment model: probabilities for negative / neutral / positive.

    Models that read text only set `needs_embeddings = False` and get None for embeddings.
    """

    version: str

    def predict_proba(self, texts: list[str], embeddings: np.ndarray | None) -> np.ndarray:
        """[n, 3] probabilities in SENTIMENT_LABELS order."""
        ...


@dataclass
class AnalysisReport:
    """Counts and where the time went (the encoder share matters for throughput)."""

    analysed: int = 0
    clauses: int = 0
    seconds: float = 0.0
    encoder_seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def docs_per_s(self) -> float:
        """Documents analysed per second of wall time."""
        return self.analysed / self.seconds if self.seconds else 0.0


# Part of the analysis version: formulaic clauses (voc.text.formulaic) are left out of the
# pooled vector and get no touchpoint; a change of these rules or phrases re-analyses stores.
POOLING = f"formulaic.v2-{PHRASES_DIGEST}"


def clause_weights(texts: Sequence[str], formulaic: Sequence[bool] | None = None) -> np.ndarray:
    """Pooling weight of each clause: its length, or 0 for a formulaic clause (greeting,
    thanks, identity answer) unless every clause is one. `formulaic`: the flags, when the
    caller has them already."""
    if formulaic is None:
        formulaic = [is_formulaic(t) for t in texts]
    lengths = np.asarray([max(1, len(t)) for t in texts], dtype=np.float32)
    content = ~np.asarray(formulaic, dtype=bool)
    return lengths * content if content.any() else lengths


def pooled_embedding(vectors: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean of clause vectors, re-normalised: the document's embedding."""
    mean = (vectors * weights[:, None]).sum(axis=0)
    norm = float(np.linalg.norm(mean))
    return (mean / norm if norm else mean).astype(np.float32)


class Analyzer:
    """Compose the analysis stages; every model is injected.

    Args:
        encoder: embeds clauses (kind "query"); wrap it in `CachedEncoder` to reuse vectors.
        sentiment: fitted sentiment model applied to documents and clauses.
        touchpoints: fitted touchpoint classifier applied to clauses.
    """

    def __init__(
        self, encoder: Encoder, sentiment: SentimentModel, touchpoints: TouchpointClassifier
    ) -> None:
        self.encoder = encoder
        self.sentiment = sentiment
        self.touchpoints = touchpoints

    @property
    def version(self) -> str:
        """Identifies the models behind a stored analysis."""
        return f"{self.sentiment.version}|{self.touchpoints.version_}|{self.encoder.name}|{POOLING}"

    def _timed(self, report: AnalysisReport, stage: str, fn: Callable[[], object]) -> object:
        start = time.perf_counter()
        result = fn()
        report.stage_seconds[stage] = report.stage_seconds.get(stage, 0.0) + (
            time.perf_counter() - start
        )
        return result

    def _sentiment(
        self, clauses: list[str], vectors: np.ndarray, docs: list[str], doc_matrix: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Clause and document probabilities. A model that reads text only scores each
        distinct text once: a one-clause review is usually its own document."""
        if getattr(self.sentiment, "needs_embeddings", True):
            return (
                self.sentiment.predict_proba(clauses, vectors),
                self.sentiment.predict_proba(docs, doc_matrix),
            )
        unique = list(dict.fromkeys(clauses + docs))
        row = {text: i for i, text in enumerate(unique)}
        proba = self.sentiment.predict_proba(unique, None)  # type: ignore[arg-type]
        return proba[[row[t] for t in clauses]], proba[[row[t] for t in docs]]

    def analyse_items(self, items: list, report: AnalysisReport | None = None) -> list[dict]:
        """Analysis results for feedback items (no database): one dict per item."""
        report = report or AnalysisReport()
        units: list[list[ClauseUnit]] = [clause_units(item) for item in items]
        flat = [u for group in units for u in group]
        vectors = self._timed(
            report, "encoder", lambda: self.encoder.encode([u.text for u in flat], kind="query")
        )
        assert isinstance(vectors, np.ndarray)
        offsets = np.cumsum([0] + [len(g) for g in units])
        formulaic = [is_formulaic(u.text) for u in flat]
        docs, doc_vectors = [], []
        for index, item in enumerate(items):
            own = slice(offsets[index], offsets[index + 1])
            weights = clause_weights([u.text for u in units[index]], formulaic[own])
            docs.append(document_text(item))
            doc_vectors.append(pooled_embedding(vectors[own], weights))
        doc_matrix = np.vstack(doc_vectors) if doc_vectors else vectors[:0]
        clause_texts = [u.text for u in flat]
        clause_proba, doc_proba = self._timed(
            report, "sentiment", lambda: self._sentiment(clause_texts, vectors, docs, doc_matrix)
        )
        matches = self._timed(
            report, "touchpoints", lambda: self.touchpoints.predict(clause_texts, vectors)
        )
        results = []
        for index, item in enumerate(items):
            rows = []
            for k in range(offsets[index], offsets[index + 1]):
                unit = flat[k]
                p = clause_proba[k]
                match = matches[k]
                rows.append(
                    {
                        "position": unit.position,
                        "speaker": unit.speaker,
                        "text": unit.text,
                        "start": unit.start,
                        "end": unit.end,
                        "touchpoint": None
                        if match.touchpoint == NONE or formulaic[k]
                        else match.touchpoint,
                        "touchpoint_score": round(match.score, 4),
                        "sentiment": SENTIMENT_LABELS[int(np.argmax(p))],
                        "p_negative": float(p[0]),
                        "p_neutral": float(p[1]),
                        "p_positive": float(p[2]),
                    }
                )
            results.append(
                {
                    "feedback_id": item.id,
                    "sentiment": SENTIMENT_LABELS[int(np.argmax(doc_proba[index]))],
                    "proba": doc_proba[index],
                    "touchpoint": _document_touchpoint(rows),
                    "embedding": doc_matrix[index],
                    "clauses": rows,
                }
            )
        report.analysed += len(items)
        report.clauses += len(flat)
        return results

    def run(
        self,
        engine: Engine,
        *,
        since: datetime | None = None,
        redo_all: bool = False,
        batch_size: int = 256,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> AnalysisReport:
        """Analyse stored feedback that has no current analysis (or all with `redo_all`)."""
        report = AnalysisReport()
        started = time.perf_counter()
        version = self.version
        total = self._count_todo(engine, version, since, redo_all)
        last_id = ""
        while True:
            query = (
                select(feedback)
                .outerjoin(analyses, analyses.c.feedback_id == feedback.c.id)
                .where(feedback.c.id > last_id)
                .order_by(feedback.c.id)
                .limit(batch_size)
            )
            query = self._filter(query, version, since, redo_all)
            with engine.connect() as connection:
                rows = connection.execute(query).fetchall()
            if not rows:
                break
            items = [feedback_from_row(r) for r in rows]
            last_id = items[-1].id
            results = self.analyse_items(items, report)
            self._timed(report, "store", lambda res=results: self._store(engine, res, version))
            if on_progress:
                on_progress(report.analysed, total)
        report.seconds = time.perf_counter() - started
        report.encoder_seconds = report.stage_seconds.get("encoder", 0.0)
        return report

    def analyse_ids(
        self,
        engine: Engine,
        ids: Sequence[str],
        batch_size: int = 64,
        *,
        guard: AbstractContextManager | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> AnalysisReport:
        """Analyse exactly these stored items (say, just ingested), whatever their state.

        Args:
            engine: the store; ids it does not hold are skipped.
            ids: feedback ids, analysed in this order in batches of `batch_size`.
            guard: entered around each batch's model calls only (a server's model lock),
                so other requests reach the models between batches and while results
                are written.
            on_progress: called with (items analysed, ids given) after each batch.
        """
        report = AnalysisReport()
        started = time.perf_counter()
        version = self.version
        for start in range(0, len(ids), batch_size):
            chunk = list(ids[start : start + batch_size])
            query = select(feedback).where(feedback.c.id.in_(chunk)).order_by(feedback.c.id)
            with engine.connect() as connection:
                rows = connection.execute(query).fetchall()
            if rows:
                items = [feedback_from_row(r) for r in rows]
                with guard if guard is not None else nullcontext():
                    results = self.analyse_items(items, report)
                self._timed(report, "store", lambda res=results: self._store(engine, res, version))
            if on_progress:
                on_progress(report.analysed, len(ids))
        report.seconds = time.perf_counter() - started
        report.encoder_seconds = report.stage_seconds.get("encoder", 0.0)
        return report

    @staticmethod
    def _filter(query, version: str, since: datetime | None, redo_all: bool):  # type: ignore[no-untyped-def]
        if since is not None:
            query = query.where(feedback.c.created_at >= to_utc_naive(since))
        if not redo_all:
            query = query.where(
                or_(analyses.c.feedback_id.is_(None), analyses.c.version != version)
            )
        return query

    def _count_todo(
        self, engine: Engine, version: str, since: datetime | None, redo_all: bool
    ) -> int:
        query = select(func.count()).select_from(
            feedback.outerjoin(analyses, analyses.c.feedback_id == feedback.c.id)
        )
        query = self._filter(query, version, since, redo_all)
        with engine.connect() as connection:
            return int(connection.scalar(query) or 0)

    def _store(self, engine: Engine, results: list[dict], version: str) -> None:
        now = datetime.now(UTC).replace(tzinfo=None)
        ids = [r["feedback_id"] for r in results]
        analysis_rows = []
        clause_rows = []
        for r in results:
            p = r["proba"]
            analysis_rows.append(
                {
                    "feedback_id": r["feedback_id"],
                    "version": version,
                    "sentiment": r["sentiment"],
                    "p_negative": float(p[0]),
                    "p_neutral": float(p[1]),
                    "p_positive": float(p[2]),
                    "touchpoint": r["touchpoint"][0],
                    "touchpoint_score": r["touchpoint"][1],
                    "n_clauses": len(r["clauses"]),
                    "encoder": self.encoder.name,
                    "embedding": np.asarray(r["embedding"], dtype=np.float32).tobytes(),
                    "analysed_at": now,
                }
            )
            clause_rows.extend({"feedback_id": r["feedback_id"], **c} for c in r["clauses"])
        with engine.begin() as connection:
            connection.execute(delete(clauses).where(clauses.c.feedback_id.in_(ids)))
            connection.execute(delete(analyses).where(analyses.c.feedback_id.in_(ids)))
            connection.execute(insert(analyses), analysis_rows)
            if clause_rows:
                connection.execute(insert(clauses), clause_rows)


def _document_touchpoint(rows: list[dict]) -> tuple[str | None, float | None]:
    """The touchpoint with the largest summed clause score, negative clauses counting double."""
    totals: dict[str, float] = {}
    for row in rows:
        if row["touchpoint"]:
            weight = 2.0 if row["sentiment"] == "negative" else 1.0
            totals[row["touchpoint"]] = (
                totals.get(row["touchpoint"], 0.0) + weight * row["touchpoint_score"]
            )
    if not totals:
        return None, None
    best = max(totals, key=totals.__getitem__)
    scores = [r["touchpoint_score"] for r in rows if r["touchpoint"] == best]
    return best, max(scores)
