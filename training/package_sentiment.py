"""Turn a fine-tuning checkpoint into the shipped sentiment model folder, with its figures.

    python -m training.package_sentiment --delta /work/cache/ft/sent-top6/epoch2 \
        --run /work/cache/ft/sent-top6 --out data/models/sentiment-v2

Steps: copy the delta, fit the softmax temperature on the validation parts (never on dev),
score the dev splits and `eval/bank_sentiment.csv` once with the calibrated model, and
write `config.json` (name `voc.sentiment.ft`) and `MODEL_CARD.md`. `--run` is the training
run's output folder: its `config.json` holds the recipe and the base it was trained on.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd

from voc.evaluation.sentiment import macro_f1, parse_labels
from voc.models.sentiment_finetuned import DELTA_FILE, LABELS, NAME, FinetunedSentiment

BINARY_SETS = ("chnsenticorp_htl", "waimai_10k", "online_shopping_10_cats")
BANK_SET = Path("eval/bank_sentiment.csv")


def expected_calibration_error(proba: np.ndarray, truth: np.ndarray, bins: int = 15) -> float:
    """Top-label ECE over equal-width confidence bins."""
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == truth
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for low, high in itertools.pairwise(edges):
        rows = (confidence > low) & (confidence <= high)
        if rows.any():
            total += rows.mean() * abs(correct[rows].mean() - confidence[rows].mean())
    return float(total)


def score(model: FinetunedSentiment, texts: list[str], truth: np.ndarray, binary: bool) -> dict:
    """Accuracy, macro-F1 and ECE; binary sets compare P(pos) with P(neg) only."""
    start = time.perf_counter()
    proba = model.predict_proba(texts)
    seconds = time.perf_counter() - start
    if binary:
        predicted = np.where(proba[:, 2] >= proba[:, 0], 2, 0)
        pair = proba[:, [0, 2]] / proba[:, [0, 2]].sum(axis=1, keepdims=True)
        ece = expected_calibration_error(pair, (truth == 2).astype(int))
        classes = [0, 2]
    else:
        predicted = proba.argmax(axis=1)
        ece = expected_calibration_error(proba, truth)
        classes = [0, 1, 2]
    return {
        "n": len(texts),
        "accuracy": round(float(np.mean(predicted == truth)), 4),
        "macro_f1": round(macro_f1(truth, predicted, classes), 4),
        "ece": round(ece, 4),
        "docs_per_s": round(len(texts) / seconds, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delta", type=Path, required=True, help="folder with delta.safetensors")
    parser.add_argument("--run", type=Path, required=True, help="the training run's --out")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    from training.finetune_sentiment import pooled_frames

    run = json.loads((args.run / "config.json").read_text(encoding="utf-8"))
    args.out.mkdir(parents=True, exist_ok=True)
    if args.delta.resolve() != args.out.resolve():
        shutil.copyfile(args.delta / DELTA_FILE, args.out / DELTA_FILE)
    config = {
        "name": NAME,
        "labels": list(LABELS),
        "prefix": run["prefix"],
        "base": run["base"],
        "recipe": {**run["recipe"], "checkpoint": args.delta.name},
        "temperature": 1.0,
    }
    (args.out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")

    model = FinetunedSentiment.load(args.out, threads=args.threads)
    _, val, dev = pooled_frames(args.data_dir, None, run["recipe"]["seed"])
    model.calibrate(list(val["text"]), val["y3"].to_numpy())
    figures: dict[str, dict] = {}
    for name in sorted(dev["group"].unique()):
        rows = dev[dev["group"] == name]
        figures[name] = score(model, list(rows["text"]), rows["y3"].to_numpy(), name in BINARY_SETS)
        print(name, figures[name], flush=True)
    bank = pd.read_csv(BANK_SET)
    truth, binary = parse_labels(bank["label"])
    figures["bank_sentiment"] = score(model, list(bank["text"].astype(str)), truth, binary)
    print("bank_sentiment", figures["bank_sentiment"], flush=True)

    config["temperature"] = model.temperature_
    config["delta_mb"] = round((args.out / DELTA_FILE).stat().st_size / 1e6, 2)
    config["dev"] = figures
    (args.out / "config.json").write_text(
        json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(json.dumps({"temperature": model.temperature_, "dev": figures}, ensure_ascii=False))


if __name__ == "__main__":
    main()
