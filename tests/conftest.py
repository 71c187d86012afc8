"""Shared fixtures: an isolated VOC_HOME and a migrated database per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from voc.config import Settings, get_settings
from voc.store.db import open_engine


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at a fresh VOC_HOME under tmp_path."""
    return Settings(home=tmp_path / "home", ingest_batch_size=50)


@pytest.fixture
def engine(settings: Settings):  # type: ignore[no-untyped-def]
    """A migrated SQLite database in the test's VOC_HOME."""
    engine = open_engine(settings)
    yield engine
    engine.dispose()


@pytest.fixture
def voc_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Environment for CLI runs: VOC_HOME in tmp_path, settings cache cleared around the test."""
    home = tmp_path / "cli-home"
    monkeypatch.setenv("VOC_HOME", str(home))
    monkeypatch.delenv("VOC_DB_URL", raising=False)
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()
