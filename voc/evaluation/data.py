"""Read the labelled files `voc eval` takes (CSV/TSV/JSONL/XLSX) by named columns."""

from __future__ import annotations

from pathlib import Path

from voc.ingest.errors import FileError
from voc.ingest.rows import read_table


def read_columns(path: Path, columns: list[str]) -> dict[str, list]:
    """The named columns of a labelled file; a missing column fails with the ones present."""
    values: dict[str, list] = {c: [] for c in columns}
    for row in read_table(path):
        if row.data is None:
            raise FileError(f"{path}:{row.line}: {row.error}")
        missing = [c for c in columns if c not in row.data]
        if missing:
            raise FileError(f"{path}: no column {missing}; columns are {list(row.data)}")
        for column in columns:
            values[column].append(row.data[column])
    if not values[columns[0]]:
        raise FileError(f"{path}: no rows")
    return values
