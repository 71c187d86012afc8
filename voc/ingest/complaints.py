"""Complaint-ticket exports (CSV, XLSX, JSONL): timestamps, category, status, resolution."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import tzinfo
from pathlib import Path

from voc.ingest.columns import COMPLAINT_ALIASES, ColumnMapping
from voc.ingest.errors import RowError
from voc.ingest.records import Fields, draft, read_records
from voc.ingest.values import is_blank, parse_datetime
from voc.schema import FeedbackDraft, RejectedRow

STATUS_WORDS: dict[str, str] = {
    **dict.fromkeys(
        [
            "open",
            "new",
            "pending",
            "待处理",
            "未处理",
            "新建",
            "已受理",
            "待受理",
            "待分派",
            "已登记",
            "重新打开",
        ],
        "open",
    ),
    **dict.fromkeys(
        [
            "in_progress",
            "in progress",
            "processing",
            "处理中",
            "跟进中",
            "受理中",
            "办理中",
            "已转办",
            "已回复",
            "待回访",
            "已升级",
        ],
        "in_progress",
    ),
    **dict.fromkeys(
        [
            "closed",
            "resolved",
            "done",
            "已结案",
            "已关闭",
            "已办结",
            "已解决",
            "已完成",
            "结案",
            "已处理",
            "处理完毕",
            "已撤销",
            "已回访",
        ],
        "closed",
    ),
}


def parse_status(value: str | None) -> str | None:
    """Map the many status words of ticket systems to open / in_progress / closed."""
    if value is None:
        return None
    status = STATUS_WORDS.get(value.strip().lower())
    if status is None:
        raise RowError(
            f"status: unknown value {value!r}; use open / in_progress / closed or a status word"
            f" such as 待处理 / 处理中 / 已结案"
        )
    return status


def _convert(fields: Fields, origin: str, tz: tzinfo) -> FeedbackDraft:
    opened = parse_datetime(fields.raw("opened_at"), tz, "opened_at")
    first = fields.raw("first_response_at")
    closed = fields.raw("closed_at")
    first_at = None if is_blank(first) else parse_datetime(first, tz, "first_response_at")
    closed_at = None if is_blank(closed) else parse_datetime(closed, tz, "closed_at")
    if first_at and first_at < opened:
        raise RowError("first_response_at is before opened_at")
    if closed_at and closed_at < opened:
        raise RowError("closed_at is before opened_at")
    text = fields.text("text")
    if not text:
        raise RowError("text: complaint has no text")
    status = parse_status(fields.text("status"))
    if status is None:
        status = "closed" if closed_at else "open"
    return draft(
        source="complaint",
        external_id=fields.text("ticket_id"),
        created_at=opened,
        text=text,
        channel=fields.text("channel"),
        customer_id=fields.text("customer_id"),
        product=fields.text("product"),
        branch=fields.text("branch"),
        ticket={
            "opened_at": opened,
            "first_response_at": first_at,
            "closed_at": closed_at,
            "category": fields.text("category"),
            "status": status,
            "resolution": fields.text("resolution"),
        },
        origin=origin,
    )


def read(
    path: Path,
    *,
    mapping: ColumnMapping | None = None,
    encoding: str | None = None,
    timezone: str = "Asia/Shanghai",
) -> Iterator[FeedbackDraft | RejectedRow]:
    """Complaint tickets from `path`; `created_at` is the time the ticket was opened."""
    return read_records(
        path,
        COMPLAINT_ALIASES,
        ("opened_at", "text"),
        _convert,
        mapping=mapping,
        encoding=encoding,
        timezone=timezone,
    )
