"""Stream rows out of CSV, XLSX, JSONL and JSON exports as plain dicts with line numbers.

Nothing here knows about feedback sources; adapters map the dicts to `FeedbackDraft`s.
Files are streamed (CSV/JSONL line by line, XLSX in read-only mode) so memory stays flat.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voc.ingest.encoding import DecodedLines, check_encoding_name, detect_encoding
from voc.ingest.errors import FileError

TABLE_SUFFIXES = {".csv", ".tsv", ".xlsx", ".xlsm", ".jsonl", ".ndjson", ".json"}
csv.field_size_limit(10_000_000)


@dataclass(frozen=True, slots=True)
class SourceRow:
    """A row as read: its 1-based line (or sheet row) and values, or why it cannot be read."""

    line: int
    data: dict[str, Any] | None = None
    error: str | None = None
    raw: str = ""


def resolve_encoding(path: Path, encoding: str | None) -> str:
    """The user's encoding if given (validated), else the detected one."""
    return check_encoding_name(encoding) if encoding else detect_encoding(path)


def read_csv(path: Path, encoding: str | None = None) -> Iterator[SourceRow]:
    """Rows of a CSV/TSV file keyed by its header; the delimiter is sniffed from the header.

    A row that is not well-formed CSV (a stray quote) is one error row; reading goes on.
    """
    enc = resolve_encoding(path, encoding)
    with open(path, "rb") as stream:
        lines = DecodedLines(stream, enc)
        line_iter = iter(lines)
        header_line = next(line_iter, None)
        if header_line is None or not header_line.strip():
            raise FileError(f"{path}: file is empty, expected a header row")
        if lines.bad_lines:
            raise FileError(f"{path}:1: header is not valid {enc}; pass --encoding")
        if "\r" in header_line.rstrip("\r\n"):
            raise FileError(f"{path}: lines end in CR only (old Mac export); save as CSV UTF-8")
        delimiter = "\t" if header_line.count("\t") > header_line.count(",") else ","
        try:
            header = [h.strip() for h in next(csv.reader([header_line], delimiter=delimiter))]
        except csv.Error as exc:
            raise FileError(f"{path}:1: header is not valid CSV ({exc})") from exc
        consumed: list[str] = []  # the physical lines of the row being read, for `raw`

        def feed() -> Iterator[str]:
            for text in line_iter:
                consumed.append(text)
                yield text

        reader = csv.reader(feed(), delimiter=delimiter, strict=True)
        while True:
            line = lines.line_no + 1
            try:
                values: list[str] | None = next(reader)
                error = None
            except StopIteration:
                return
            except csv.Error as exc:
                values, error = None, f"malformed CSV ({exc})"
            raw = "".join(consumed).rstrip("\r\n")
            consumed.clear()
            if any(n in lines.bad_lines for n in range(line, lines.line_no + 1)):
                error = f"undecodable bytes for encoding {enc}"
            elif values is not None and len(values) > len(header):
                error = f"{len(values)} fields but the header has {len(header)}"
            if error is not None:
                yield SourceRow(line, error=error, raw=raw)
            elif values and any(v.strip() for v in values):
                values += [""] * (len(header) - len(values))  # trailing empty cells left out
                yield SourceRow(line, data=dict(zip(header, values, strict=True)), raw=raw)


def read_xlsx(path: Path) -> Iterator[SourceRow]:
    """Rows of the first sheet of an XLSX workbook keyed by its first row."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise FileError(f"{path}: not a readable XLSX workbook ({exc})") from exc
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header_values = next(rows, None)
        if not header_values:
            raise FileError(f"{path}: first sheet is empty, expected a header row")
        header = [str(h).strip() if h is not None else "" for h in header_values]
        for number, values in enumerate(rows, start=2):
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            data = {h: v for h, v in zip(header, values, strict=False) if h}
            raw = "\t".join("" if v is None else str(v) for v in values)
            yield SourceRow(number, data=data, raw=raw)
    finally:
        workbook.close()


def read_jsonl(path: Path, encoding: str | None = None) -> Iterator[SourceRow]:
    """One JSON object per line; a line that is not an object is one rejected row."""
    enc = resolve_encoding(path, encoding)
    with open(path, "rb") as stream:
        lines = DecodedLines(stream, enc)
        for text in lines:
            line = lines.line_no
            if not text.strip():
                continue
            if line in lines.bad_lines:
                yield SourceRow(line, error=f"undecodable bytes for encoding {enc}", raw=text)
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                yield SourceRow(line, error=f"invalid JSON ({exc.msg})", raw=text)
                continue
            if not isinstance(value, dict):
                yield SourceRow(line, error="expected a JSON object", raw=text)
                continue
            yield SourceRow(line, data=value, raw=text.rstrip("\n"))


def read_json(path: Path, encoding: str | None = None) -> Iterator[SourceRow]:
    """A JSON array of objects (or an object holding one under a list-valued key).

    Rows are numbered by their position in the array (1-based), as JSON has no useful lines;
    a file holding one object per line is read as JSON Lines.
    """
    enc = resolve_encoding(path, encoding)
    try:
        with open(path, encoding=enc) as handle:
            value = json.loads(handle.read().lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # JSON Lines saved as .json
            yield from read_jsonl(path, encoding)
            return
        raise FileError(f"{path}: not valid JSON ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise FileError(f"{path}: not valid JSON ({exc})") from exc
    if isinstance(value, dict):
        lists = [v for v in value.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise FileError(f"{path}: expected a JSON array of records")
        value = lists[0]
    if not isinstance(value, list):
        raise FileError(f"{path}: expected a JSON array of records")
    for index, item in enumerate(value, start=1):
        raw = json.dumps(item, ensure_ascii=False)
        if isinstance(item, dict):
            yield SourceRow(index, data=item, raw=raw)
        else:
            yield SourceRow(index, error="expected a JSON object", raw=raw)


def read_table(path: Path, encoding: str | None = None) -> Iterator[SourceRow]:
    """Dispatch on the file suffix; unknown suffixes fail with the allowed ones."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise FileError(f"{path}: no such file")
    if suffix in (".csv", ".tsv"):
        return read_csv(path, encoding)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    if suffix in (".jsonl", ".ndjson"):
        return read_jsonl(path, encoding)
    if suffix == ".json":
        return read_json(path, encoding)
    raise FileError(f"{path}: unsupported file type {suffix!r}; valid: {sorted(TABLE_SUFFIXES)}")
