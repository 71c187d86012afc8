"""Tests for the metric helpers in voc.evaluation (pairs, retrieval, sentiment)."""

from __future__ import annotations

import numpy as np
import pytest

from voc.evaluation.pairs import best_threshold, roc_auc
from voc.evaluation.retrieval import rank_metrics
from voc.evaluation.sentiment import macro_f1, parse_labels

# ------------------------------------------------------------------- roc_auc


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_roc_auc_matches_sklearn_with_ties(seed: int) -> None:
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=200)
    # rounded scores: many ties, inside and across the classes
    scores = np.round(rng.normal(size=200) + labels * 0.7, 1)
    assert len(np.unique(scores)) < 100
    assert roc_auc(labels, scores) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)


@pytest.mark.parametrize(
    ("labels", "scores", "expected"),
    [
        ([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], 1.0),
        ([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9], 0.0),
        ([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5], 0.5),
        ([0, 1, 1], [0.3, 0.3, 0.9], 0.75),
    ],
)
def test_metrics_roc_auc_hand_cases(
    labels: list[int], scores: list[float], expected: float
) -> None:
    assert roc_auc(np.asarray(labels), np.asarray(scores)) == pytest.approx(expected)


@pytest.mark.parametrize("labels", [[1, 1, 1], [0, 0, 0]])
def test_metrics_roc_auc_needs_both_classes(labels: list[int]) -> None:
    with pytest.raises(ValueError, match="both positive and negative"):
        roc_auc(np.asarray(labels), np.asarray([0.1, 0.2, 0.3]))


# ----------------------------------------------------------- best_threshold


def test_metrics_best_threshold_separates_separable_scores() -> None:
    labels = np.asarray([0, 0, 0, 1, 1])
    scores = np.asarray([0.10, 0.30, 0.20, 0.70, 0.60])
    threshold = best_threshold(labels, scores)
    assert threshold == pytest.approx(0.45)
    assert np.mean((scores >= threshold) == (labels == 1)) == 1.0


def test_metrics_best_threshold_maximises_accuracy_with_overlap() -> None:
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, size=60)
    scores = rng.normal(size=60) + labels * 1.5
    threshold = best_threshold(labels, scores)
    best = np.mean((scores >= threshold) == (labels == 1))
    for t in np.linspace(scores.min() - 1, scores.max() + 1, 101):
        assert np.mean((scores >= t) == (labels == 1)) <= best + 1e-12


def test_metrics_best_threshold_single_score_is_that_score() -> None:
    assert best_threshold(np.asarray([0, 1]), np.asarray([0.5, 0.5])) == 0.5


# -------------------------------------------------------------- rank_metrics


def test_metrics_rank_metrics_hand_built_ranking() -> None:
    ranked = [
        ["a", "b", "c"],  # hit at rank 1
        ["b", "b", "a"],  # hit at rank 3
        ["x", "y", "z", "w", "v", "b"],  # hit at rank 6: outside @5, inside MRR@10
        ["p", "q"],  # miss
        [*"abcdefghij", "k"],  # truth 'k' at rank 11: beyond the MRR@10 cut
    ]
    truth = ["a", "a", "b", "c", "k"]
    assert rank_metrics(ranked, truth) == {
        "recall_at_1": 0.2,
        "recall_at_5": 0.4,
        "mrr_at_10": round((1 + 1 / 3 + 1 / 6) / 5, 4),
    }


def test_metrics_rank_metrics_perfect_and_length_mismatch() -> None:
    assert rank_metrics([["a"], ["b"]], ["a", "b"]) == {
        "recall_at_1": 1.0,
        "recall_at_5": 1.0,
        "mrr_at_10": 1.0,
    }
    with pytest.raises(ValueError):
        rank_metrics([["a"]], ["a", "b"])


# ------------------------------------------------------------------ macro_f1


@pytest.mark.parametrize("seed", [0, 1])
def test_metrics_macro_f1_matches_sklearn(seed: int) -> None:
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, size=100)
    predicted = np.where(rng.random(100) < 0.6, truth, rng.integers(0, 3, size=100))
    expected = f1_score(truth, predicted, average="macro", labels=[0, 1, 2])
    assert macro_f1(truth, predicted, [0, 1, 2]) == pytest.approx(expected)


def test_metrics_macro_f1_binary_classes_and_absent_class() -> None:
    from sklearn.metrics import f1_score

    truth = np.asarray([0, 0, 2, 2, 2, 0])
    predicted = np.asarray([0, 2, 2, 2, 0, 0])
    expected = f1_score(truth, predicted, average="macro", labels=[0, 2])
    assert macro_f1(truth, predicted, [0, 2]) == pytest.approx(expected)
    # a class that is neither true nor predicted scores 0 (sklearn's zero_division=0)
    assert macro_f1(truth, predicted, [0, 1, 2]) == pytest.approx(expected * 2 / 3)


# -------------------------------------------------------------- parse_labels


@pytest.mark.parametrize(
    ("raw", "indices", "binary"),
    [
        (["0", "1", "1", "0"], [0, 2, 2, 0], True),
        ([0, 1, 1], [0, 2, 2], True),
        (["negative", "positive"], [0, 2], True),
        (["neg", "POS", " positive "], [0, 2, 2], True),
        (["负面", "正面"], [0, 2], True),
        (["negative", "neutral", "positive"], [0, 1, 2], False),
        (["负面", "中性", "正面", "中性"], [0, 1, 2, 1], False),
        (["0", "1", "2"], [0, 1, 2], False),
        ([2, 0, 1], [2, 0, 1], False),
    ],
)
def test_metrics_parse_labels_binary_or_three_class(
    raw: list[object], indices: list[int], binary: bool
) -> None:
    parsed, is_binary = parse_labels(raw)
    assert parsed.tolist() == indices
    assert is_binary is binary


def test_metrics_parse_labels_unknown_label_raises() -> None:
    with pytest.raises(ValueError, match="unknown sentiment label 'great'"):
        parse_labels(["positive", "great", "neutral"])


def test_metrics_parse_labels_accepts_float_formatted_binary_labels() -> None:
    parsed, is_binary = parse_labels(["1.0", "0.0", 1.0])
    assert (parsed.tolist(), is_binary) == ([2, 0, 2], True)
