"""Ingest one file: adapter -> normalise -> mask PII -> hash customer -> dedupe -> store.

Each batch is written in one transaction together with its rejects, so a crash leaves whole
batches only; ids are content hashes, so a re-run skips what landed and completes the rest.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from voc.ingest import app_reviews, complaints, surveys, transcripts
from voc.ingest.columns import ColumnMapping
from voc.ingest.errors import FileError
from voc.schema import Feedback, FeedbackDraft, RejectedRow
from voc.store import feedback as store

Adapter = Callable[..., Iterator[FeedbackDraft | RejectedRow]]
ADAPTERS: dict[str, Adapter] = {
    "survey": surveys.read,
    "app_review": app_reviews.read,
    "call_transcript": transcripts.read,
    "complaint": complaints.read,
}
TextStep = Callable[[str], str]
MAX_RAW_KEPT = 5000
SUFFIXES: tuple[str, ...] = (
    ".csv",
    ".tsv",
    ".xlsx",
    ".xlsm",
    ".json",
    ".jsonl",
    ".ndjson",
    ".txt",
    ".srt",
    ".vtt",
)
"""File suffixes the adapters read (`voc ingest` folders, API uploads)."""


def adapter_for(source: str) -> Adapter:
    """The adapter registered for `source`, failing with the valid names."""
    try:
        return ADAPTERS[source]
    except KeyError:
        raise ValueError(f"unknown source {source!r}; valid: {sorted(ADAPTERS)}") from None


@dataclass
class IngestSummary:
    """What happened to a file's rows; `read` counts rows seen, good or bad."""

    read: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counts, as the `--json` contract prints them."""
        return asdict(self)

    def add(self, other: IngestSummary) -> None:
        """Accumulate another file's counts (directory ingest)."""
        for key, value in asdict(other).items():
            setattr(self, key, getattr(self, key) + value)


def _default_normalise() -> TextStep:
    from voc.text.normalise import normalise_text

    return normalise_text


def _default_mask() -> TextStep:
    from voc.text.pii import mask_pii

    return mask_pii


class FeedbackPreparer:
    """Turn a draft into a storable `Feedback`: normalise, mask, hash, derive the id.

    Args:
        salt: secret for the customer-key HMAC; the raw customer id is never kept.
        normalise: text normaliser (full-width, Traditional -> Simplified, whitespace).
        mask: PII masker applied after normalising, so full-width digits are caught too.
    """

    def __init__(self, salt: str, normalise: TextStep | None = None, mask: TextStep | None = None):
        self.salt = salt
        self.normalise = normalise or _default_normalise()
        self.mask = mask or _default_mask()

    def clean(self, text: str) -> str:
        """Normalised and masked text."""
        return self.mask(self.normalise(text))

    def customer_key(self, customer_id: str | None) -> str | None:
        """A salted hash of the customer id (stable per salt, not reversible)."""
        if not customer_id:
            return None
        digest = hmac.new(self.salt.encode(), customer_id.strip().encode(), hashlib.sha256)
        return digest.hexdigest()[:32]

    def _clean_meta(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.clean(value)
        if isinstance(value, dict):
            return {k: self._clean_meta(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._clean_meta(v) for v in value]
        return value

    def prepare(self, item: FeedbackDraft) -> Feedback:
        """The masked, storable record for `item`."""
        text = self.clean(item.text)
        ticket = item.ticket
        if ticket is not None and ticket.resolution:
            ticket = ticket.model_copy(update={"resolution": self.clean(ticket.resolution)})
        turns = [t.model_copy(update={"text": self.clean(t.text)}) for t in item.turns]
        key_id = item.external_id or item.created_at.isoformat()
        digest = hashlib.sha256(f"{item.source}\x1f{key_id}\x1f{text}".encode()).hexdigest()
        values = {
            name: getattr(item, name)
            for name in (
                "source",
                "external_id",
                "channel",
                "created_at",
                "csat",
                "nps",
                "rating",
                "product",
                "app_version",
                "touchpoint_hint",
                "branch",
            )
        }
        return Feedback.model_construct(
            **values,
            id=digest[:32],
            text=text,
            customer_key=self.customer_key(item.customer_id),
            turns=turns,
            ticket=ticket,
            meta=self._clean_meta(item.meta) if item.meta else {},
            ingested_at=None,
        )


def file_sha256(path: Path) -> str:
    """Content hash of a file, streamed."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def count_lines(path: Path) -> int | None:
    """Physical line count of a text file (for the progress bar), None for binary formats."""
    if path.suffix.lower() in (".xlsx", ".xlsm", ".json", ".srt", ".vtt"):
        return None
    with open(path, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


class Ingestor:
    """Write drafts from one adapter into the store in transactional batches."""

    def __init__(self, engine: Engine, preparer: FeedbackPreparer, batch_size: int = 2000):
        self.engine = engine
        self.preparer = preparer
        self.batch_size = batch_size

    def ingest_file(
        self,
        path: Path,
        source: str,
        *,
        mapping: ColumnMapping | None = None,
        encoding: str | None = None,
        timezone: str = "Asia/Shanghai",
        on_progress: Callable[[int], None] | None = None,
    ) -> IngestSummary:
        """Ingest `path`; a `FileError` means nothing from this file was readable."""
        adapter = adapter_for(source)
        if not path.is_file():
            raise FileError(f"{path}: no such file")
        sha = file_sha256(path)
        run_id = store.start_run(self.engine, str(path), sha, source)
        summary = IngestSummary()
        good: list[Feedback] = []
        bad: list[RejectedRow] = []
        try:
            records = adapter(path, mapping=mapping, encoding=encoding, timezone=timezone)
            for record in records:
                summary.read += 1
                if isinstance(record, RejectedRow):
                    bad.append(self._masked_reject(record))
                else:
                    good.append(self.preparer.prepare(record))
                if len(good) + len(bad) >= self.batch_size:
                    self._flush(good, bad, summary, sha, source, run_id)
                    if on_progress:
                        on_progress(summary.read)
            self._flush(good, bad, summary, sha, source, run_id)
            if on_progress:
                on_progress(summary.read)
        except FileError as exc:
            store.finish_run(self.engine, run_id, "failed", summary.as_dict(), str(exc))
            raise
        except BaseException as exc:
            store.finish_run(self.engine, run_id, "crashed", summary.as_dict(), repr(exc)[:500])
            raise
        store.finish_run(self.engine, run_id, "done", summary.as_dict())
        return summary

    def _masked_reject(self, row: RejectedRow) -> RejectedRow:
        return RejectedRow(
            path=row.path,
            line=row.line,
            reason=self.preparer.mask(row.reason),
            raw=self.preparer.mask(row.raw[:MAX_RAW_KEPT]),
        )

    def _flush(
        self,
        good: list[Feedback],
        bad: list[RejectedRow],
        summary: IngestSummary,
        sha: str,
        source: str,
        run_id: int,
    ) -> None:
        if not good and not bad:
            return
        now = datetime.now(UTC).replace(tzinfo=None)
        unique: dict[str, Feedback] = {}
        for item in good:
            unique.setdefault(item.id, item)
        with self.engine.begin() as connection:
            known = store.existing_ids(connection, list(unique))
            rows = [store.feedback_row(f, run_id, now) for i, f in unique.items() if i not in known]
            store.insert_feedback(connection, rows)
            store.insert_rejects(
                connection, bad, source=source, file_sha256=sha, run_id=run_id, now=now
            )
        summary.stored += len(rows)
        summary.duplicates += len(good) - len(rows)
        summary.rejected += len(bad)
        good.clear()
        bad.clear()
