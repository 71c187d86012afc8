"""Shared steps of the table-shaped adapters: field access with limits, draft building."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import tzinfo
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from voc.ingest.columns import ColumnMapping, ColumnResolver
from voc.ingest.errors import FileError, RowError
from voc.ingest.rows import read_table
from voc.ingest.values import clean_str, zone
from voc.schema import FeedbackDraft, RejectedRow

MAX_FIELD_CHARS = 20_000
FIXED_HEADER_SUFFIXES = {".csv", ".tsv", ".xlsx", ".xlsm"}


class Fields:
    """Read canonical fields from one row, enforcing types and the field-length limit."""

    def __init__(
        self, data: Mapping[str, Any], columns: Mapping[str, list[str]], max_chars: int
    ) -> None:
        self._data = data
        self._columns = columns
        self._max_chars = max_chars

    def raw(self, name: str) -> Any:
        """The first column's raw value for `name` (None when not mapped)."""
        headers = self._columns.get(name)
        return self._data.get(headers[0]) if headers else None

    def text(self, name: str) -> str | None:
        """A stripped string value, checked for type and length."""
        return self._check(name, self.raw(name))

    def texts(self, name: str) -> list[tuple[str, str]]:
        """(header, value) for every non-blank column mapped to `name`."""
        found = []
        for header in self._columns.get(name, []):
            value = self._check(name, self._data.get(header))
            if value:
                found.append((header, value))
        return found

    def _check(self, name: str, value: Any) -> str | None:
        if isinstance(value, dict | list | bool):
            raise RowError(f"{name}: expected text, got {type(value).__name__}")
        text = clean_str(value)
        if text is not None and len(text) > self._max_chars:
            raise RowError(f"{name}: {len(text)} characters, limit is {self._max_chars}")
        return text


def draft(**values: Any) -> FeedbackDraft:
    """Build a draft, turning pydantic's errors into one short `RowError` reason."""
    try:
        return FeedbackDraft(**values)
    except ValidationError as exc:
        reasons = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "record"
            reasons.append(f"{where}: {error['msg']}")
        raise RowError("; ".join(reasons)) from exc


RowConverter = Callable[[Fields, str, tzinfo], FeedbackDraft]


def file_zone(mapping: ColumnMapping | None, timezone: str) -> tzinfo:
    """The mapping's time zone, else `timezone`; an unknown name fails the file."""
    try:
        return zone((mapping.timezone if mapping and mapping.timezone else None) or timezone)
    except ValueError as exc:
        raise FileError(str(exc)) from exc


def read_records(
    path: Path,
    aliases: Mapping[str, tuple[str, ...]],
    required: tuple[str, ...],
    convert: RowConverter,
    *,
    mapping: ColumnMapping | None = None,
    encoding: str | None = None,
    timezone: str = "Asia/Shanghai",
    max_chars: int = MAX_FIELD_CHARS,
) -> Iterator[FeedbackDraft | RejectedRow]:
    """Drafts or rejects for every row of a tabular export.

    Args:
        required: canonical fields without which a row is useless; missing from a fixed
            header (CSV/XLSX) the whole file fails at once with the headers it has.
        convert: turns one row's `Fields` into a draft or raises `RowError`.
    """
    resolver = ColumnResolver(aliases, mapping)
    tz = file_zone(mapping, timezone)
    fixed_header = path.suffix.lower() in FIXED_HEADER_SUFFIXES
    for row in read_table(path, encoding):
        origin = f"{path}:{row.line}"
        if row.error is not None or row.data is None:
            yield RejectedRow(path=str(path), line=row.line, reason=row.error or "", raw=row.raw)
            continue
        columns = resolver.resolve(row.data.keys(), strict=fixed_header)
        missing = [name for name in required if name not in columns]
        if missing and fixed_header:
            raise FileError(
                f"{path}: no column for {missing}; header is {list(row.data)}; "
                f"name it with --map FIELD=COLUMN or a mapping file"
            )
        try:
            if missing:
                raise RowError(f"missing field(s) {missing}")
            yield convert(Fields(row.data, columns, max_chars), origin, tz)
        except RowError as exc:
            yield RejectedRow(path=str(path), line=row.line, reason=str(exc), raw=row.raw)
