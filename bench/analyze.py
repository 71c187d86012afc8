"""End-to-end analysis throughput: docs/s and the encoder's share of the time.

Usage: python bench/analyze.py [--short 10000] [--calls 1000] [--threads N]

Inputs are generated from the demo corpus (short texts: pairs of demo clauses joined, so
nearly all are unique and the embedding cache does not flatter the figure; calls: demo
customer turns regrouped into new calls). Each run starts with an empty embedding cache.
Targets (2 cores): >= 60 docs/s for short texts, pipeline overhead <= 15% of the time.
Overhead = everything but the neural networks: the encoder and, when the sentiment model is
the fine-tuned network, its forward passes (`model_share`); `encoder_share` is printed too.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from voc.config import Settings
from voc.ingest.pipeline import FeedbackPreparer, Ingestor
from voc.registry import build_analyzer
from voc.resources import data_path
from voc.store.db import open_engine
from voc.text.clauses import split_clauses


def demo_clauses() -> tuple[list[str], list[list[dict]]]:
    """Clauses of demo surveys/reviews, and the demo calls' turn lists."""
    import csv

    clauses: list[str] = []
    for name in ("surveys.csv", "app_reviews.csv"):
        with open(data_path("demo", name), encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                clauses.extend(c.text for c in split_clauses(row["text"]))
    calls = []
    with open(data_path("demo", "call_transcripts.jsonl"), encoding="utf-8") as handle:
        for line in handle:
            calls.append(json.loads(line)["turns"])
    return clauses, calls


def write_inputs(folder: Path, n_short: int, n_calls: int, seed: int = 11) -> tuple[Path, Path]:
    """A review CSV of short texts and a JSONL of calls, both new combinations."""
    rng = random.Random(seed)
    clauses, calls = demo_clauses()
    start = datetime(2026, 9, 1, tzinfo=UTC)
    short = folder / "short.csv"
    with open(short, "w", encoding="utf-8") as handle:
        handle.write("review_id,created_at,rating,text\n")
        for i in range(n_short):
            text = f"{rng.choice(clauses)}，{rng.choice(clauses)}".replace(",", "，")
            stamp = (start + timedelta(minutes=i)).isoformat()
            handle.write(f"b{i},{stamp},{rng.randint(1, 5)},{text}\n")
    turns = [t for call in calls for t in call]
    long = folder / "calls.jsonl"
    with open(long, "w", encoding="utf-8") as handle:
        for i in range(n_calls):
            picked = rng.sample(turns, k=rng.randint(4, 10))
            if not any(t["speaker"] == "customer" for t in picked):
                picked.append(next(t for t in turns if t["speaker"] == "customer"))
            record = {
                "call_id": f"bc{i}",
                "started_at": (start + timedelta(hours=i)).isoformat(),
                "turns": picked,
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return short, long


def run(source: str, path: Path, threads: int | None) -> dict:
    """Ingest then analyse one file in a fresh VOC_HOME; report throughput and stage times."""
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), encoder_threads=threads)
        engine = open_engine(settings)
        Ingestor(engine, FeedbackPreparer(settings.pii_salt)).ingest_file(path, source)
        analyzer = build_analyzer(settings, engine)
        analyzer.encoder.encode(["预热"], kind="query")
        report = analyzer.run(engine, batch_size=settings.analyze_batch_size)
    stages = {k: round(v, 2) for k, v in report.stage_seconds.items()}
    # A text-only sentiment model (the fine-tuned network) is model time like the encoder;
    # the linear v1 model over TF-IDF + embeddings is counted as pipeline overhead.
    network = not getattr(analyzer.sentiment, "needs_embeddings", True)
    model_seconds = report.encoder_seconds + (stages.get("sentiment", 0.0) if network else 0.0)
    return {
        "source": source,
        "docs": report.analysed,
        "clauses": report.clauses,
        "seconds": round(report.seconds, 1),
        "docs_per_s": round(report.docs_per_s, 1),
        "sentiment_model": analyzer.sentiment.version,
        "encoder_dtype": settings.encoder_dtype,
        "encoder_share": round(report.encoder_seconds / report.seconds, 3),
        "model_share": round(model_seconds / report.seconds, 3),
        "overhead_share": round(1 - model_seconds / report.seconds, 3),
        "stage_seconds": stages,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=1_000)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        short, calls = write_inputs(Path(folder), args.short, args.calls)
        for source, path in (("app_review", short), ("call_transcript", calls)):
            print(json.dumps(run(source, path, args.threads), ensure_ascii=False))


if __name__ == "__main__":
    main()
