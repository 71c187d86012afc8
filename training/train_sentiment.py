"""Train the shipped sentiment model `data/models/sentiment-v1` (seeded, one command).

    python -m training.train_sentiment --data-dir ../shared/data

Steps: pooled training sets (finfe 3-class + review sets, see `training/sentiment_data.py`)
-> cached e5 query embeddings -> fit on 85% of each train split with per-set weights
-> temperature calibration on the other 15% -> figures on the dev splits (never trained on)
and on our hand-written bank set `eval/bank_sentiment.csv` -> save config + safetensors.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from training.embedding_cache import DEFAULT_CACHE_DIR, cached_embeddings
from training.sentiment_data import training_frames
from training.splits import SEED, validation_split
from voc.evaluation.sentiment import macro_f1
from voc.models.encoders import E5SmallQ4Encoder
from voc.models.sentiment import SentimentClassifier, label_index

BINARY = ("chnsenticorp_htl", "waimai_10k", "online_shopping_10_cats")


def set_weights(groups: np.ndarray, alpha: float) -> np.ndarray:
    """Per-row weights giving each training set a total weight ∝ n_set ** alpha (mean 1)."""
    _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    weights = (counts.astype(float) ** alpha / counts)[inverse]
    return weights * len(weights) / weights.sum()


def score(
    model: SentimentClassifier, texts: list[str], vectors: np.ndarray, y3: np.ndarray, binary: bool
) -> dict[str, float]:
    """Accuracy (binary: P(pos) >= P(neg)) and macro-F1 on one dev set."""
    proba = model.predict_proba(texts, vectors)
    if binary:
        predicted = np.where(proba[:, 2] >= proba[:, 0], 2, 0)
        classes = [0, 2]
    else:
        predicted = proba.argmax(axis=1)
        classes = [0, 1, 2]
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y3
    bins = np.minimum((confidence * 10).astype(int), 9)
    ece = sum(
        abs(correct[bins == b].mean() - confidence[bins == b].mean()) * np.mean(bins == b)
        for b in range(10)
        if np.any(bins == b)
    )
    return {
        "n": len(y3),
        "accuracy": round(float(np.mean(predicted == y3)), 4),
        "macro_f1": round(macro_f1(y3, predicted, classes), 4),
        "ece_3class": round(float(ece), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--out", type=Path, default=Path("data/models/sentiment-v1"))
    parser.add_argument("--bank-eval", type=Path, default=Path("eval/bank_sentiment.csv"))
    parser.add_argument("--c", type=float, default=3.0)
    parser.add_argument("--embedding-scale", type=float, default=1.0)
    parser.add_argument("--alpha", type=float, default=0.5)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--only", nargs="*", help="train on these sets only (for quick checks)")
    args = parser.parse_args()

    encoder = E5SmallQ4Encoder(threads=args.threads)
    frames = training_frames(args.data_dir)
    if args.only:
        frames = {k: v for k, v in frames.items() if k in args.only}
    fit_parts, val_parts = [], []
    for name, (train, _) in frames.items():
        vectors = cached_embeddings(
            encoder, f"{name}_train", train["text"].tolist(), args.cache_dir
        )
        train = train.assign(vec=list(vectors), group=name)
        fit, val = validation_split(train, seed=SEED)
        fit_parts.append(fit)
        val_parts.append(val)
    fit = pd.concat(fit_parts, ignore_index=True)
    val = pd.concat(val_parts, ignore_index=True)
    model = SentimentClassifier(c=args.c, embedding_scale=args.embedding_scale)
    start = time.perf_counter()
    model.fit(
        fit["text"].tolist(),
        fit["y3"].tolist(),
        np.vstack(fit["vec"]),
        sample_weight=set_weights(fit["group"].to_numpy(), args.alpha),
    )
    fit_seconds = time.perf_counter() - start
    model.calibrate(val["text"].tolist(), val["y3"].tolist(), np.vstack(val["vec"]))

    figures: dict[str, dict] = {}
    for name, (_, dev) in frames.items():
        vectors = cached_embeddings(encoder, f"{name}_dev", dev["text"].tolist(), args.cache_dir)
        figures[name] = score(
            model, dev["text"].tolist(), vectors, dev["y3"].to_numpy(), name in BINARY
        )
    bank = pd.read_csv(args.bank_eval)
    bank_vectors = encoder.encode(bank["text"].tolist(), kind="query")
    bank_y = np.asarray([label_index(v) for v in bank["label"]])
    figures["bank_sentiment (eval/, hand-written)"] = score(
        model, bank["text"].tolist(), bank_vectors, bank_y, binary=False
    )
    card = {
        "trained_on": {name: len(train) for name, (train, _) in frames.items()},
        "recipe": {
            "features": "char 1-3-gram TF-IDF (hashed 2^20, sublinear, min_df 2) + "
            "standardised e5-small-q4 query embedding (texts cut to 256 chars)",
            "classifier": "multinomial logistic regression, per-set weights n**alpha",
            "alpha": args.alpha,
            "calibration": f"temperature {model.temperature_:.3f} on 15% validation parts",
            "seed": SEED,
            "fit_seconds": round(fit_seconds, 1),
        },
        "dev_figures": figures,
        "encoder": encoder.name,
    }
    card["only"] = args.only or []
    model.save(args.out, card)
    write_card(args.out / "MODEL_CARD.md", card, model)
    print(json.dumps(figures, indent=2, ensure_ascii=False))


def _shopping_note(card: dict) -> str:
    if "online_shopping_10_cats" in card["trained_on"]:
        return "Online shopping is subsampled (stratified by category and label)."
    return "Online shopping was not in this training run (its embeddings were not ready)."


def write_card(path: Path, card: dict, model: SentimentClassifier) -> None:
    """The model card: data, recipe, dev figures, known limits (figures from this run)."""
    rows = "\n".join(
        f"| {name} | {f['n']} | {f['accuracy']:.4f} | {f['macro_f1']:.4f} | {f['ece_3class']:.4f} |"
        for name, f in card["dev_figures"].items()
    )
    trained = ", ".join(f"{k} {v}" for k, v in card["trained_on"].items())
    path.write_text(
        f"""# sentiment-v1 — model card

**What**: 3-class sentiment (negative / neutral / positive) for Chinese bank feedback, used
per document and per clause by `voc analyze`. Version `{model.version}`.

**Data** (`../shared/data`, training parts only; dev splits of `training/splits.py`, seed
20261128, never trained on): {trained} rows. Review sets give polarity (negative -> 0,
positive -> 2); finfe gives three classes. {_shopping_note(card)}

**Recipe**: {card["recipe"]["features"]}; {card["recipe"]["classifier"]} (alpha
{card["recipe"]["alpha"]}, C {model.c}); {card["recipe"]["calibration"]}. Fit time
{card["recipe"]["fit_seconds"]} s on 2 CPU cores. Why this recipe: see
`training/README.md` (recipe comparison on the dev data).

**Dev figures** (binary review sets scored binary: positive where P(pos) >= P(neg)):

| set | n | accuracy | macro-F1 | ECE (3-class) |
|---|---|---|---|---|
{rows}

**Known limits**
- Sarcasm and irony ("呵呵，又闪退", "真是好银行，转个账要半小时") are read from surface
  words; praise words in a sarcastic complaint can pull it towards positive.
- Neutral is learned from finance forum posts (finfe) only; questions and requests in bank
  feedback ("请问分期可以提前还款吗") are neutral more often than the model says.
- Stock-forum and review vocabulary differ from bank complaints; check the bank set figure.
- Texts are embedded from their first 256 characters; the TF-IDF part reads the whole text.

Reproduce: `python -m training.train_sentiment --data-dir ../shared/data` (seeded).
""",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
