"""Fixture-file writers for the adapter tests: CSV/TSV in any encoding, XLSX, JSON, text."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

SHANGHAI = ZoneInfo("Asia/Shanghai")


def cst(*parts: int) -> datetime:
    """An aware datetime in Asia/Shanghai, the zone naive export times are read in."""
    return datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


class Files:
    """Write small export files into one test's tmp_path and return their paths."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def bytes(self, name: str, data: bytes) -> Path:
        path = self.root / name
        path.write_bytes(data)
        return path

    def text(self, name: str, content: str, encoding: str = "utf-8") -> Path:
        return self.bytes(name, content.encode(encoding))

    def csv(
        self,
        name: str,
        rows: Sequence[Sequence[Any]],
        encoding: str = "utf-8",
        delimiter: str = ",",
    ) -> Path:
        """Rows (header first) as CSV; `utf-8-sig` writes a BOM, `gbk` is what Excel writes."""
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
        return self.text(name, buffer.getvalue(), encoding)

    def xlsx(self, name: str, rows: Sequence[Sequence[Any]]) -> Path:
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        for row in rows:
            sheet.append(list(row))
        path = self.root / name
        workbook.save(path)
        return path

    def json(self, name: str, value: Any, encoding: str = "utf-8") -> Path:
        return self.text(name, json.dumps(value, ensure_ascii=False, indent=1), encoding)

    def jsonl(self, name: str, values: Sequence[Any], encoding: str = "utf-8") -> Path:
        lines = [v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in values]
        return self.text(name, "\n".join(lines) + "\n", encoding)


@pytest.fixture
def files(tmp_path: Path) -> Files:
    """Writers for fixture files under tmp_path."""
    return Files(tmp_path)


def split(records: Any) -> tuple[list[Any], list[Any]]:
    """(drafts, rejects) from an adapter's output, keeping order within each."""
    from voc.schema import RejectedRow

    items = list(records)
    return (
        [r for r in items if not isinstance(r, RejectedRow)],
        [r for r in items if isinstance(r, RejectedRow)],
    )
