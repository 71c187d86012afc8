"""Survey exports (CSV, XLSX, JSONL): CSAT / NPS scores and one or more free-text answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import tzinfo
from pathlib import Path

from voc.ingest.columns import SURVEY_ALIASES, ColumnMapping
from voc.ingest.errors import RowError
from voc.ingest.records import Fields, draft, read_records
from voc.ingest.values import parse_datetime, parse_score
from voc.schema import FeedbackDraft, RejectedRow


def _convert(fields: Fields, origin: str, tz: tzinfo) -> FeedbackDraft:
    answers = fields.texts("text") + fields.texts("suggestion")
    if not answers:
        raise RowError("text: no free-text answer")
    meta = {"answers": dict(answers)} if len(answers) > 1 else {}
    return draft(
        source="survey",
        external_id=fields.text("response_id"),
        created_at=parse_datetime(fields.raw("submitted_at"), tz, "submitted_at"),
        text="\n".join(value for _, value in answers),
        csat=parse_score(fields.raw("csat"), "csat", 1, 5),
        nps=parse_score(fields.raw("nps"), "nps", 0, 10),
        channel=fields.text("channel"),
        touchpoint_hint=fields.text("touchpoint"),
        customer_id=fields.text("customer_id"),
        product=fields.text("product"),
        branch=fields.text("branch"),
        meta=meta,
        origin=origin,
    )


def read(
    path: Path,
    *,
    mapping: ColumnMapping | None = None,
    encoding: str | None = None,
    timezone: str = "Asia/Shanghai",
) -> Iterator[FeedbackDraft | RejectedRow]:
    """Survey responses from `path`; one record per response, answers joined by newlines."""
    return read_records(
        path,
        SURVEY_ALIASES,
        ("submitted_at", "text"),
        _convert,
        mapping=mapping,
        encoding=encoding,
        timezone=timezone,
    )
