"""Carrying cosine thresholds to another encoder's scale (synthetic spaces, no model)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from training.match_cosine_scale import (
    centre,
    centroid_cosines,
    matched_threshold,
    pair_cosines,
    write_thresholds,
)
from voc.models.encoder_adapter import ADAPTER_NAME, adapter_thresholds


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_matched_threshold_follows_a_monotone_rescaling() -> None:
    rng = np.random.default_rng(0)
    reference = rng.uniform(0.6, 1.0, size=20_000)
    candidate = reference**4  # same order, lower and wider scale
    matched = matched_threshold(reference, candidate, 0.9)
    assert abs(matched - 0.9**4) < 0.005
    share_above = np.mean(candidate >= matched)
    assert abs(share_above - np.mean(reference >= 0.9)) < 0.001


def test_pair_cosines_counts_each_unordered_pair_once() -> None:
    vectors = _unit(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
    cosines = pair_cosines(vectors)
    assert cosines.shape == (3,)
    assert np.allclose(sorted(cosines), [0.0, np.sqrt(0.5), np.sqrt(0.5)])


def test_centroid_cosines_use_the_same_groups_in_both_spaces() -> None:
    rng = np.random.default_rng(1)
    reference = _unit(rng.normal(size=(120, 8)))
    candidate = reference.copy()  # identical spaces give identical centroid cosines
    ref, cand = centroid_cosines(reference, candidate, counts=(4, 6))
    assert len(ref) == 4 * 3 // 2 + 6 * 5 // 2
    assert np.allclose(ref, cand)


def test_write_thresholds_keeps_the_adapters_other_thresholds(tmp_path: Path) -> None:
    config = {"name": ADAPTER_NAME, "thresholds": {"link_threshold": 0.77}, "recipe": {"x": 1}}
    (tmp_path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    write_thresholds(tmp_path, {"topic_same_similarity": 0.68})
    written = json.loads((tmp_path / "config.json").read_text(encoding="utf-8"))
    assert written["thresholds"] == {"link_threshold": 0.77, "topic_same_similarity": 0.68}
    assert written["recipe"] == {"x": 1}
    with pytest.raises(ValueError, match="lacks thresholds"):  # two of four: refused
        adapter_thresholds(tmp_path)
    given = {"touchpoint_min_similarity", "problem_group_similarity"}  # set by the user
    assert adapter_thresholds(tmp_path, given=given)["topic_same_similarity"] == 0.68


def test_centre_removes_the_shared_direction() -> None:
    rng = np.random.default_rng(2)
    shared = np.zeros(16)
    shared[0] = 8.0
    vectors = _unit(shared + rng.normal(size=(400, 16)))
    assert pair_cosines(vectors).mean() > 0.8
    assert abs(pair_cosines(centre(vectors)).mean()) < 0.05
