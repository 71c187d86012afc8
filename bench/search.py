"""Vector index benchmark: build time, memory, single-query latency and recall@10.

Usage: python bench/search.py [--sizes 100000,1000000] [--threads N] [--with-encoder]

Vectors are synthetic, 384-d, normalised: a Gaussian mixture of 1,000 clusters around a
shared direction, shaped so that at 10k vectors its statistics match real e5-small
embeddings of finance sentences (mean cosine 0.88 vs 0.87, top-1 0.92 vs 0.93, top-10 0.91
vs 0.91, same IVF recall curve). They are generated chunk by chunk from a fixed seed, so
1M vectors never sit in memory at once (that alone would be 1.5 GB) and the exact search
regenerates them. Queries are held out (not in the index).

Each size runs in two fresh processes so that peak RSS means something: one builds and
saves the index (build time and peak RSS, file size), one loads it as a service would and
measures load time, serving peak RSS, single-query latency over `--queries` queries
(1 OpenMP thread, the encoder excluded) and recall@10 against exact brute-force search on
`--recall-queries` queries. `--with-encoder` adds the encoder's time (`--encoder`, default
the shipped e5-small-torch) for 200 short Chinese texts and the search latency with the
encoder's threading runtime loaded in the same process.
Targets: 1M vectors in <= 1.2 GB, p99 <= 10 ms, recall@10 >= 0.95.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

DIM = 384
CLUSTERS = 1_000
CHUNK = 20_000
ENCODER_NAME = "synthetic-384"


def _centres(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng([seed, 0])
    common = rng.standard_normal(DIM).astype(np.float32)
    centres = rng.standard_normal((CLUSTERS, DIM)).astype(np.float32)
    return common / np.linalg.norm(common), centres / np.linalg.norm(centres, axis=1)[:, None]


def _mixture(n: int, rng: np.random.Generator, seed: int) -> np.ndarray:
    common, centres = _centres(seed)
    labels = rng.integers(0, CLUSTERS, n)
    x = rng.standard_normal((n, DIM), dtype=np.float32)  # built in place: peak RSS counts
    x *= 0.45 / np.sqrt(DIM)
    x += 0.3 * centres[labels]
    x += 1.45 * common
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def chunk(index: int, size: int, total: int, seed: int) -> np.ndarray:
    """Rows [index*size, ...) of the base set; the same every time for the same seed."""
    n = min(size, total - index * size)
    return _mixture(n, np.random.default_rng([seed, 1, index]), seed)


def queries(n: int, seed: int) -> np.ndarray:
    """Held-out queries from the same mixture."""
    return _mixture(n, np.random.default_rng([seed, 2]), seed)


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(path: str, size: int, seed: int, threads: int | None) -> dict[str, Any]:
    """Build and save an index of `size` vectors; runs in its own process."""
    from voc.search.index import VectorIndex

    start = time.perf_counter()
    index = VectorIndex.create(path, ENCODER_NAME, DIM, expected_size=size, batch_threads=threads)
    for i in range(0, (size + CHUNK - 1) // CHUNK):
        index.add(
            np.arange(i * CHUNK, i * CHUNK + min(CHUNK, size - i * CHUNK)),
            chunk(i, CHUNK, size, seed),
        )
    index.save()
    return {
        "kind": index.kind,
        "ef": index.meta.ef_search,
        "calibrated": index.meta.calibrated_recall,
        "build_s": time.perf_counter() - start,
        "build_rss_mb": peak_rss_mb(),
        "file_mb": sum(p.stat().st_size for p in Path(path).parent.glob("*")) / 2**20,
    }


def exact_top10(q: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Exact top-10 ids by brute force over the regenerated base set, chunk by chunk."""
    best_s = np.full((len(q), 10), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(q), 10), dtype=np.int64)
    for i in range(0, (size + CHUNK - 1) // CHUNK):
        scores = q @ chunk(i, CHUNK, size, seed).T
        all_s = np.hstack([best_s, scores])
        all_i = np.hstack(
            [best_i, np.broadcast_to(i * CHUNK + np.arange(scores.shape[1]), scores.shape)]
        )
        top = np.argpartition(-all_s, 9, axis=1)[:, :10]
        best_s, best_i = np.take_along_axis(all_s, top, 1), np.take_along_axis(all_i, top, 1)
    return best_i


def latencies(index: Any, q: np.ndarray) -> np.ndarray:
    """Seconds per single-query search (k=10), one query at a time."""
    out = np.empty(len(q))
    for i, vector in enumerate(q):
        start = time.perf_counter()
        index.search(vector, k=10)
        out[i] = time.perf_counter() - start
    return out


def short_texts(n: int) -> list[str]:
    """Short Chinese texts: demo survey answers and review titles, cut to 40 characters."""
    from voc.resources import data_path

    texts: list[str] = []
    for name, column in (("surveys.csv", "text"), ("app_reviews.csv", "title")):
        with open(data_path("demo", name), encoding="utf-8") as handle:
            texts += [row[column][:40] for row in csv.DictReader(handle) if row[column].strip()]
    return [texts[i % len(texts)] for i in range(n)]


def serve(path: str, size: int, seed: int, args: argparse.Namespace) -> dict[str, Any]:
    """Load the index and measure it as a service would; runs in its own process."""
    from voc.search.index import VectorIndex

    start = time.perf_counter()
    index = VectorIndex.load(path, ENCODER_NAME, DIM)
    result: dict[str, Any] = {"load_s": time.perf_counter() - start}
    q = queries(max(args.queries, args.recall_queries), seed)
    latencies(index, q[:50])  # warm-up
    lat = latencies(index, q[: args.queries])
    result.update(
        p50_ms=float(np.percentile(lat, 50) * 1e3),
        p99_ms=float(np.percentile(lat, 99) * 1e3),
        serve_rss_mb=peak_rss_mb(),
    )
    if args.with_encoder:
        from voc.models.encoders import make_encoder

        encoder = make_encoder(args.encoder, threads=args.encoder_threads)
        texts = short_texts(200)
        encoder.encode(texts[:5], kind="query")  # load the engine
        enc, found = np.empty(len(texts)), np.empty(len(texts))
        for i, text in enumerate(texts):
            t0 = time.perf_counter()
            vector = encoder.encode([text], kind="query")
            t1 = time.perf_counter()
            index.search(vector, k=10)
            enc[i], found[i] = t1 - t0, time.perf_counter() - t1
        result.update(
            enc_p50_ms=float(np.percentile(enc, 50) * 1e3),
            enc_p99_ms=float(np.percentile(enc, 99) * 1e3),
            mixed_p99_ms=float(np.percentile(found, 99) * 1e3),
        )
    rq = q[: args.recall_queries]
    _, got = index.search(rq, k=10)
    truth = exact_top10(rq, size, seed)
    result["recall_at_10"] = float(
        np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got, truth, strict=True)])
    )
    return result


def run_size(size: int, args: argparse.Namespace) -> dict[str, Any]:
    """Build then serve one size, each in a fresh process."""
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="voc-bench-search-") as folder:
        path = str(Path(folder) / "bench.faiss")
        with context.Pool(1) as pool:
            row = pool.apply(build, (path, size, args.seed, args.threads))
        with context.Pool(1) as pool:
            row |= pool.apply(serve, (path, size, args.seed, args))
    return {"size": size, **row}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated sizes")
    parser.add_argument("--queries", type=int, default=2_000, help="single-query latency runs")
    parser.add_argument("--recall-queries", type=int, default=1_000)
    parser.add_argument("--threads", type=int, default=None, help="build threads (all cores)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--with-encoder", action="store_true", help="time the encoder as well")
    parser.add_argument("--encoder", default="e5-small-torch", help="encoder registry name")
    parser.add_argument("--encoder-threads", type=int, default=1, help="encoder threads")
    args = parser.parse_args()
    columns = [
        ("size", 9, ","),
        ("kind", 9, ""),
        ("ef", 4, ""),
        ("build_s", 8, ".1f"),
        ("build_rss_mb", 12, ".0f"),
        ("file_mb", 8, ".1f"),
        ("load_s", 7, ".2f"),
        ("serve_rss_mb", 12, ".0f"),
        ("p50_ms", 7, ".2f"),
        ("p99_ms", 7, ".2f"),
        ("recall_at_10", 12, ".4f"),
    ]
    if args.with_encoder:
        columns += [("enc_p50_ms", 10, ".1f"), ("enc_p99_ms", 10, ".1f")]
        columns += [("mixed_p99_ms", 12, ".2f")]
    print(" ".join(f"{name:>{width}}" for name, width, _ in columns))
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        row = run_size(size, args)
        print(" ".join(f"{row[name]:>{width}{spec}}" for name, width, spec in columns), flush=True)


if __name__ == "__main__":
    main()
