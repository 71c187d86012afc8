"""App-store review exports (CSV, XLSX, JSON, JSONL) and one-review-per-line text files."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, tzinfo
from pathlib import Path

from voc.ingest.columns import APP_REVIEW_ALIASES, ColumnMapping
from voc.ingest.encoding import DecodedLines, check_encoding_name, detect_encoding
from voc.ingest.errors import FileError, RowError
from voc.ingest.records import MAX_FIELD_CHARS, Fields, draft, file_zone, read_records
from voc.ingest.values import parse_datetime, parse_score
from voc.schema import FeedbackDraft, RejectedRow

_DATED_LINE = re.compile(
    r"^(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?)\t(.*)$"
)


def _convert(fields: Fields, origin: str, tz: tzinfo) -> FeedbackDraft:
    title = fields.text("title")
    body = fields.text("text")
    if not body and not title:
        raise RowError("text: review has no title and no body")
    text = body or ""
    if title and title not in text:
        text = f"{title}\n{text}" if text else title
    return draft(
        source="app_review",
        external_id=fields.text("review_id"),
        created_at=parse_datetime(fields.raw("created_at"), tz, "created_at"),
        text=text,
        rating=parse_score(fields.raw("rating"), "rating", 1, 5),
        app_version=fields.text("app_version"),
        channel=fields.text("store"),
        product=fields.text("app"),
        meta={"title": title} if title else {},
        origin=origin,
    )


def read_lines(
    path: Path, *, encoding: str | None = None, timezone: str = "Asia/Shanghai"
) -> Iterator[FeedbackDraft | RejectedRow]:
    """One review per line; a line may start with `DATE<TAB>`, else the file's time is used.

    The external id is `file name:line`, so re-ingesting the file stores nothing new while
    two customers who wrote the same words on different lines both count.
    """
    if not path.is_file():
        raise FileError(f"{path}: no such file")
    enc = check_encoding_name(encoding) if encoding else detect_encoding(path)
    tz = file_zone(None, timezone)
    file_time = datetime.fromtimestamp(path.stat().st_mtime, tz=tz)
    with open(path, "rb") as stream:
        lines = DecodedLines(stream, enc)
        for line in lines:
            number = lines.line_no
            text = line.strip()
            if not text:
                continue
            if number in lines.bad_lines:
                yield RejectedRow(
                    path=str(path),
                    line=number,
                    reason=f"undecodable bytes for encoding {enc}",
                    raw=text,
                )
                continue
            try:
                if len(text) > MAX_FIELD_CHARS:
                    raise RowError(f"text: {len(text)} characters, limit is {MAX_FIELD_CHARS}")
                match = _DATED_LINE.match(line.strip(" \r\n"))  # keep a tab after the date
                created = parse_datetime(match.group(1), tz, "date") if match else file_time
                body = match.group(2).strip() if match else text
                if not body:
                    raise RowError("text: no review after the date")
                yield draft(
                    source="app_review",
                    external_id=f"{path.name}:{number}",
                    created_at=created,
                    text=body,
                    meta={} if match else {"created_at_from": "file_mtime"},
                    origin=f"{path}:{number}",
                )
            except RowError as exc:
                yield RejectedRow(path=str(path), line=number, reason=str(exc), raw=text)


def read(
    path: Path,
    *,
    mapping: ColumnMapping | None = None,
    encoding: str | None = None,
    timezone: str = "Asia/Shanghai",
) -> Iterator[FeedbackDraft | RejectedRow]:
    """Reviews from an export; `.txt` files are read one review per line."""
    if path.suffix.lower() == ".txt":
        if mapping and mapping.columns:
            raise FileError(f"{path}: a column mapping makes no sense for a one-per-line file")
        tz_name = mapping.timezone if mapping and mapping.timezone else timezone
        return read_lines(path, encoding=encoding, timezone=tz_name)
    return read_records(
        path,
        APP_REVIEW_ALIASES,
        ("created_at", "text"),
        _convert,
        mapping=mapping,
        encoding=encoding,
        timezone=timezone,
    )
