"""Reciprocal-rank fusion: order, weights, missing entries."""

from __future__ import annotations

import pytest

from voc.search.fusion import reciprocal_rank_fusion


def test_rrf_rewards_items_ranked_well_by_both_lists() -> None:
    fused = reciprocal_rank_fusion([[1, 2, 4], [9, 2, 8]], k=60)
    assert [key for key, _ in fused] == [2, 1, 9, 4, 8]  # ties keep first appearance
    assert fused[0][1] == pytest.approx(2 / 62)


def test_rrf_ignores_missing_entries_and_applies_weights() -> None:
    fused = reciprocal_rank_fusion([[5, -1], [-1, 7]], k=1, weights=[1.0, 3.0])
    assert [key for key, _ in fused] == [7, 5]


def test_rrf_rejects_mismatched_weights() -> None:
    with pytest.raises(ValueError, match="weights"):
        reciprocal_rank_fusion([[1]], weights=[1.0, 2.0])
