"""Import and export the problem library as YAML or CSV (what service teams edit)."""

from __future__ import annotations

import csv
from pathlib import Path

import yaml
from pydantic import ValidationError

from voc.schema import Problem

FIELDS = ("id", "title", "description", "touchpoint", "root_cause", "fix", "status", "owner")


def read_problems(path: Path) -> list[Problem]:
    """Problems from `{problems: [...]}` YAML or a CSV with the FIELDS columns."""
    if path.suffix.lower() in (".yaml", ".yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
        items = data.get("problems") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise ValueError(f"{path}: expected a 'problems' list")
        origin = [f"{path}: problems[{i}]" for i in range(len(items))]
    elif path.suffix.lower() == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as handle:
            items = [{k: (v or None) for k, v in row.items()} for row in csv.DictReader(handle)]
        origin = [f"{path}:{i + 2}" for i in range(len(items))]
    else:
        raise ValueError(f"{path}: unsupported problem file; valid: .yaml, .yml, .csv")
    problems = []
    for where, item in zip(origin, items, strict=True):
        try:
            cleaned = {k: v for k, v in dict(item).items() if v is not None}
            problems.append(Problem(**cleaned))
        except (ValidationError, TypeError) as exc:
            raise ValueError(f"{where}: {exc}") from None
    return problems


def write_problems(path: Path, problems: list[Problem]) -> None:
    """Write problems as YAML or CSV (by suffix), fields in the library's order."""
    rows = [{k: getattr(p, k) for k in FIELDS} for p in problems]
    if path.suffix.lower() in (".yaml", ".yml"):
        text = yaml.safe_dump({"problems": rows}, allow_unicode=True, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
