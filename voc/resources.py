"""Where the shipped data files live (taxonomy, lexicons, models, demo corpus)."""

from __future__ import annotations

from pathlib import Path


def data_dir() -> Path:
    """The repository's `data/` folder, next to the `voc` package (editable installs)."""
    return Path(__file__).resolve().parent.parent / "data"


def data_path(*parts: str) -> Path:
    """A path under `data/`."""
    return data_dir().joinpath(*parts)
