"""`voc eval sentiment`: accuracy and macro-F1 of the shipped sentiment model on a file.

Binary files (labels 0/1 or negative/positive only) are scored binary: positive where
P(positive) >= P(negative), as the DESIGN contract says. Three-class files use argmax.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from voc.analysis.pipeline import SentimentModel
from voc.models.encoders import Encoder
from voc.models.sentiment import LABELS, label_index

_BINARY_NAMES = {"negative": 0, "neg": 0, "positive": 1, "pos": 1, "负面": 0, "正面": 1}


def _plain(value: object) -> str:
    """'1.0' -> '1' (CSV writers turn int columns with gaps into floats); names lower-cased."""
    text = str(value).strip().lower()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


def parse_labels(raw: Sequence[object]) -> tuple[np.ndarray, bool]:
    """Labels as LABELS indices plus whether the set is binary (0=neg, 1=pos)."""
    cleaned = [_plain(v) for v in raw]
    distinct = set(cleaned)
    if distinct <= {"0", "1"} or distinct <= set(_BINARY_NAMES):
        binary = [_BINARY_NAMES[v] if v in _BINARY_NAMES else int(v) for v in cleaned]
        return np.asarray([0 if b == 0 else 2 for b in binary]), True
    return np.asarray([label_index(v) for v in cleaned]), False


def macro_f1(truth: np.ndarray, predicted: np.ndarray, classes: Sequence[int]) -> float:
    """Unweighted mean F1 over `classes`."""
    scores = []
    for cls in classes:
        tp = np.sum((predicted == cls) & (truth == cls))
        fp = np.sum((predicted == cls) & (truth != cls))
        fn = np.sum((predicted != cls) & (truth == cls))
        denominator = 2 * tp + fp + fn
        scores.append(2 * tp / denominator if denominator else 0.0)
    return float(np.mean(scores))


def evaluate_sentiment(
    model: SentimentModel, encoder: Encoder, texts: list[str], raw_labels: Sequence[object]
) -> dict[str, float | int | str]:
    """Score the model end to end (encoder included in `docs_per_s`)."""
    truth, binary = parse_labels(raw_labels)
    texts = [str(t) for t in texts]
    start = time.perf_counter()
    needs_embeddings = getattr(model, "needs_embeddings", True)
    embeddings = encoder.encode(texts, kind="query") if needs_embeddings else None
    proba = model.predict_proba(texts, embeddings)
    seconds = time.perf_counter() - start
    if binary:
        predicted = np.where(proba[:, 2] >= proba[:, 0], 2, 0)
        classes: list[int] = [0, 2]
    else:
        predicted = proba.argmax(axis=1)
        classes = [0, 1, 2]
    return {
        "n": len(texts),
        "task": "binary" if binary else "3-class",
        "accuracy": round(float(np.mean(predicted == truth)), 4),
        "macro_f1": round(macro_f1(truth, predicted, classes), 4),
        "docs_per_s": round(len(texts) / seconds, 2) if seconds else 0.0,
        "model": model.version,
        "labels": ",".join(LABELS[c] for c in classes),
    }
