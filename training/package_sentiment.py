"""Turn a fine-tuning checkpoint into the shipped sentiment model folder, with its figures.

    python -m training.package_sentiment --delta /work/cache/ft/sent-top6/epoch2 \
        --run /work/cache/ft/sent-top6 --out data/models/sentiment-v2

Steps: copy the delta; with `--linear tfidf` (or `tfidf+embedding`, the frozen recipe of
sentiment-v1: TF-IDF + the frozen encoder's query embedding of the first 256 characters), fit
a logistic regression on the same fit rows as the network (pooled sets, weights ∝ n^alpha,
no domain features) into `linear/`; or with `--linear experts` (sentiment-v3) a source gate
and one TF-IDF expert per training source (`voc.models.sentiment_experts`, fit rows plus the
rest of the online-shopping train split) into `experts/`, pooled per source; fit the pooling
weights on the validation parts (never on dev); score the dev splits and
`eval/bank_sentiment.csv` once — the pooled model and each part alone — and write
`config.json` (name `voc.sentiment.ft`). `--run` is the training run's output folder: its
`config.json` holds the recipe and the base it was trained on.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd

from training.sentiment_experiments import ece
from training.splits import BINARY_SETS
from voc.evaluation.sentiment import macro_f1, parse_labels
from voc.models.sentiment_finetuned import (
    DELTA_FILE,
    LABELS,
    NAME,
    FinetunedSentiment,
    pool_experts,
)

BANK_SET = Path("eval/bank_sentiment.csv")


def expected_calibration_error(proba: np.ndarray, truth: np.ndarray) -> float:
    """Top-label ECE, 15 equal-width bins (the recipe comparison's `ece`)."""
    return ece(proba.max(axis=1), proba.argmax(axis=1) == truth)


def score(
    model: FinetunedSentiment, texts: list[str], truth: np.ndarray, binary: bool, embed
) -> dict:  # type: ignore[no-untyped-def]
    """Accuracy, macro-F1 and ECE; binary sets compare P(pos) with P(neg) only. Also the
    accuracy of each part alone (`net_accuracy`, `linear_accuracy`). `docs_per_s` includes
    the encoder when the linear part needs embeddings."""
    start = time.perf_counter()
    embeddings = embed(texts) if model.needs_embeddings else None
    net, linear = model.parts(texts, embeddings)
    general = model.pool(net, linear)
    proba = general
    if model.experts_ is not None:
        gate, expert_log = model.experts_.parts(texts)
        proba = pool_experts(net, gate, expert_log, model.source_weights_, general)
    seconds = time.perf_counter() - start
    alone = {"net_accuracy": _accuracy(net, truth, binary)}
    if model.linear_ is not None:
        alone["linear_accuracy"] = _accuracy(linear, truth, binary)
    if model.experts_ is not None:
        experts = np.log(model.experts_.predict_proba(texts))
        alone["experts_accuracy"] = _accuracy(experts, truth, binary)
        alone["general_accuracy"] = _accuracy(general, truth, binary)
        if model.experts_.has_other_:
            alone["other_share"] = round(float(gate[:, -1].mean()), 4)
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
        **alone,
    }


def _accuracy(scores: np.ndarray, truth: np.ndarray, binary: bool) -> float:
    predicted = np.where(scores[:, 2] >= scores[:, 0], 2, 0) if binary else scores.argmax(axis=1)
    return round(float(np.mean(predicted == truth)), 4)


def fit_linear(fit: pd.DataFrame, alpha: float, folder: Path, embed) -> None:  # type: ignore[no-untyped-def]
    """The linear part: the frozen recipe (C 3, min_df 2, alpha 0.5; chosen on the validation
    parts, training/README.md), with the embedding block when `embed` is given."""
    from training.finetune_sentiment import set_weights
    from voc.models.sentiment import SentimentClassifier

    texts = [str(t).strip() for t in fit["text"]]
    model = SentimentClassifier(c=3.0, embedding_scale=1.0 if embed else 0, min_df=2)
    weights = set_weights(fit["group"].to_numpy(), alpha)
    embeddings = embed(texts) if embed else np.zeros((len(texts), 1), np.float32)
    model.fit(texts, fit["y3"].to_numpy(), embeddings, weights)
    model.save(folder)


def fit_experts(fit: pd.DataFrame, data_dir: Path | None, folder: Path) -> None:
    """Per-source experts on the network's fit rows plus every other online-shopping train
    row (TF-IDF trains in minutes, so it gets the whole split; the validation part stays out),
    and a gate whose `other` class is unlabelled bank text."""
    from training.sentiment_data import bank_domain_texts, shopping_extra
    from training.splits import DEFAULT_DATA_DIR
    from voc.models.sentiment_experts import SourceExperts

    extra = shopping_extra(data_dir or DEFAULT_DATA_DIR, 10**9)
    rows = pd.concat([fit, extra.assign(group="online_shopping_10_cats")], ignore_index=True)
    others = bank_domain_texts(data_dir or DEFAULT_DATA_DIR)
    experts = SourceExperts().fit(
        list(rows["text"]), rows["y3"].to_numpy(), list(rows["group"]), others
    )
    experts.save(folder)
    print(f"experts: {len(rows)} rows, sources {experts.sources_}; {len(others)} other", flush=True)


def cached_embedder(encoder, cache: Path):  # type: ignore[no-untyped-def]
    """Query embeddings of the first 256 characters, cached on disk by text digest."""
    import hashlib

    def embed(texts: list[str]) -> np.ndarray:
        cut = [str(t).strip()[:256] for t in texts]
        key = hashlib.sha1("\x1f".join(cut).encode()).hexdigest()[:16]
        path = cache / f"{encoder.name}-{key}.npy"
        if path.is_file():
            return np.load(path)
        vectors = encoder.encode(cut, kind="query")
        cache.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
        return vectors

    return embed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delta", type=Path, required=True, help="folder with delta.safetensors")
    parser.add_argument("--run", type=Path, required=True, help="the training run's --out")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--linear", choices=("none", "tfidf", "tfidf+embedding", "experts"), default="none"
    )
    parser.add_argument("--cache", type=Path, default=Path("/work/cache/ft/embeddings"))
    parser.add_argument(
        "--validation-only",
        action="store_true",
        help="score the validation parts instead of dev (choosing a checkpoint or recipe)",
    )
    parser.add_argument(
        "--linear-shopping-rows",
        type=int,
        default=0,
        help="online-shopping train rows beyond the network's sample for the TF-IDF part",
    )
    parser.add_argument("--linear-from", type=Path, help="reuse this fitted linear/ folder")
    parser.add_argument("--experts-from", type=Path, help="reuse this fitted experts/ folder")
    parser.add_argument("--dtype", default="auto", help="encoder precision (as VOC_ENCODER_DTYPE)")
    args = parser.parse_args(argv)

    from training.finetune_sentiment import pooled_frames
    from training.sentiment_data import shopping_extra
    from training.splits import DEFAULT_DATA_DIR

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
        "weights": [1.0, 0.0],
    }
    fit, val, dev = pooled_frames(args.data_dir, None, run["recipe"]["seed"])
    from voc.config import Settings
    from voc.registry import build_encoder

    encoder = build_encoder(Settings(encoder_threads=args.threads, encoder_dtype=args.dtype))
    embed = cached_embedder(encoder, args.cache)
    if args.linear == "experts":  # experts + the general TF-IDF part for `other` text
        if args.experts_from:  # the experts depend on the data only: reuse a fitted set
            shutil.copytree(args.experts_from, args.out / "experts", dirs_exist_ok=True)
        else:
            fit_experts(fit, args.data_dir, args.out / "experts")
        config["experts"] = "experts"
        config["source_weights"] = [[1.0, 0.0]] * 4
    if args.linear_from:
        shutil.copytree(args.linear_from, args.out / "linear", dirs_exist_ok=True)
        config["linear"] = "linear"
    elif args.linear != "none":
        with_embedding = args.linear == "tfidf+embedding"
        linear_rows = fit
        if args.linear_shopping_rows:  # TF-IDF is cheap: it may see more shopping rows
            extra = shopping_extra(args.data_dir or DEFAULT_DATA_DIR, args.linear_shopping_rows)
            extra = extra.assign(group="online_shopping_10_cats")
            linear_rows = pd.concat([fit, extra], ignore_index=True)
        fit_linear(
            linear_rows,
            run["recipe"]["alpha"],
            args.out / "linear",
            embed if with_embedding else None,
        )
        config["linear"] = "linear"
    (args.out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")

    model = FinetunedSentiment.load(args.out, threads=args.threads, dtype=args.dtype)
    val_texts = list(val["text"])
    val_embeddings = embed(val_texts) if model.needs_embeddings else None
    model.calibrate(val_texts, val["y3"].to_numpy(), val_embeddings)
    figures: dict[str, dict] = {}
    scored = val if args.validation_only else dev
    for name in sorted(scored["group"].unique()):
        rows = scored[scored["group"] == name]
        truth = rows["y3"].to_numpy()
        figures[name] = score(model, list(rows["text"]), truth, name in BINARY_SETS, embed)
        print(name, figures[name], flush=True)
    bank = pd.read_csv(BANK_SET)
    truth, binary = parse_labels(bank["label"])
    figures["bank_sentiment"] = score(model, list(bank["text"].astype(str)), truth, binary, embed)
    print("bank_sentiment", figures["bank_sentiment"], flush=True)

    config["weights"] = list(model.weights_)
    if model.experts_ is not None:
        config["source_weights"] = model.source_weights_.round(4).tolist()
    config["delta_mb"] = round((args.out / DELTA_FILE).stat().st_size / 1e6, 2)
    config["validation" if args.validation_only else "dev"] = figures
    (args.out / "config.json").write_text(
        json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(
        json.dumps(
            {"weights": config.get("source_weights", model.weights_), "dev": figures},
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
