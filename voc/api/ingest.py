"""Ingest over HTTP with the CLI's own pipeline, then analyse exactly the new items.

Records and uploads are written to a file and read by the same adapters, preparer and
ingestor as `voc ingest`, so validation, normalising, PII masking, de-duplication and rejects
are identical. A JSON batch becomes JSON Lines, so a reject's line is its record index + 1.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func, select

from voc.analysis.pipeline import Analyzer
from voc.config import Settings
from voc.ingest.columns import ColumnMapping
from voc.ingest.pipeline import FeedbackPreparer, Ingestor, file_sha256
from voc.store.tables import feedback, ingest_runs, rejects
from voc.text.pii import mask_pii

if TYPE_CHECKING:
    from voc.api.search import SearchService

Progress = Callable[[str, int, int | None], None]
MAX_REJECTS_RETURNED = 200
# Analysis batches hold the model lock; small ones let /v1/analyze calls in between.
API_ANALYZE_BATCH = 64


@dataclass
class IngestOutcome:
    """Counts of one ingest, the rejects (masked) and the ids of newly stored items."""

    read: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    analysed: int = 0
    rejects: list[dict[str, Any]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Just the counters."""
        return {
            "read": self.read,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "analysed": self.analysed,
        }


def upload_dir(settings: Settings) -> Path:
    """Where uploads wait for their job (inside VOC_HOME: the same disk as the database)."""
    folder = settings.home / "api-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def new_work_dir(settings: Settings) -> Path:
    """A fresh private folder for one request's files."""
    return Path(tempfile.mkdtemp(prefix="req-", dir=upload_dir(settings)))


def remove_dir(path: Path) -> None:
    """Delete a request's folder (files held PII before ingest masked it)."""
    shutil.rmtree(path, ignore_errors=True)


def write_records(folder: Path, records: Sequence[dict[str, Any]]) -> Path:
    """A JSON Lines file with one record per line."""
    path = folder / "records.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    return path


def parse_mapping(folder: Path, mapping: dict[str, Any] | None) -> ColumnMapping | None:
    """A `ColumnMapping` from the mapping-file shape, checked by the CLI's own loader."""
    if not mapping:
        return None
    path = folder / "mapping.json"
    path.write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")
    return ColumnMapping.from_file(path)


def _run_id(engine: Engine, path: Path) -> int | None:
    query = select(func.max(ingest_runs.c.id)).where(ingest_runs.c.path == str(path))
    with engine.connect() as connection:
        return connection.scalar(query)


def _rejects(engine: Engine, sha: str, source: str) -> list[dict[str, Any]]:
    query = (
        select(rejects.c.line, rejects.c.reason)
        .where(rejects.c.file_sha256 == sha, rejects.c.source == source)
        .order_by(rejects.c.line)
        .limit(MAX_REJECTS_RETURNED)
    )
    with engine.connect() as connection:
        return [{"line": line, "reason": reason} for line, reason in connection.execute(query)]


def analyse_ids(
    engine: Engine,
    analyzer: Analyzer,
    ids: Sequence[str],
    *,
    lock: AbstractContextManager,
    batch_size: int = 256,
    progress: Progress | None = None,
) -> int:
    """Analyse the given stored items in batches (model lock per batch); returns the count."""
    report = analyzer.analyse_ids(
        engine,
        ids,
        batch_size,
        guard=lock,
        on_progress=(lambda done, total: progress("analyse", done, total)) if progress else None,
    )
    return report.analysed


def ingest_and_analyse(
    engine: Engine,
    settings: Settings,
    analyzer: Analyzer,
    path: Path,
    source: str,
    *,
    lock: AbstractContextManager,
    mapping: ColumnMapping | None = None,
    encoding: str | None = None,
    total_rows: int | None = None,
    progress: Progress | None = None,
    search: SearchService | None = None,
) -> IngestOutcome:
    """Ingest one file like `voc ingest`, then analyse the items it stored.

    With `search`, the new items are then linked to known problems and added to the case
    index, so they are searchable when this returns.

    Raises:
        FileError: nothing in the file was readable (message names the file and why).
        ValueError: unknown source.
    """
    ingestor = Ingestor(engine, FeedbackPreparer(settings.pii_salt), settings.ingest_batch_size)
    timezone = (mapping.timezone if mapping and mapping.timezone else None) or (
        settings.default_timezone
    )
    summary = ingestor.ingest_file(
        path,
        source,
        mapping=mapping,
        encoding=encoding,
        timezone=timezone,
        on_progress=(lambda n: progress("ingest", n, total_rows)) if progress else None,
    )
    outcome = IngestOutcome(**summary.as_dict())
    run_id = _run_id(engine, path)
    with engine.connect() as connection:
        outcome.ids = list(
            connection.scalars(
                select(feedback.c.id)
                .where(feedback.c.ingest_run_id == run_id)
                .order_by(feedback.c.id)
            )
        )
    if outcome.rejected:
        outcome.rejects = _rejects(engine, file_sha256(path), source)
    outcome.analysed = analyse_ids(
        engine,
        analyzer,
        outcome.ids,
        lock=lock,
        batch_size=min(settings.analyze_batch_size, API_ANALYZE_BATCH),
        progress=progress,
    )
    if search is not None and outcome.analysed:
        if progress:
            progress("index", 0, outcome.analysed)
        search.refresh(outcome.ids)
        if progress:
            progress("index", outcome.analysed, outcome.analysed)
    return outcome


def safe_message(exc: Exception, folder: Path) -> str:
    """An error message without the server's folder names or personal data."""
    return mask_pii(str(exc).replace(f"{folder}/", "").replace(str(folder), ""))


def count_lines_safe(path: Path) -> int | None:
    """Data rows of a text upload for progress (None for binary or unreadable files)."""
    from voc.ingest.pipeline import count_lines

    try:
        lines = count_lines(path)
    except OSError:
        return None
    return None if lines is None else max(0, lines - (1 if path.suffix in (".csv", ".tsv") else 0))
