"""Embed the topic measurement sets once and keep them as .npy under /work/cache/topics.

    nice -n 10 .venv/bin/python -m training.topics_embed icbc jining shopping

Each set: `<name>_docs.npy` (pooled document vectors, rows aligned with `<name>.csv`),
`<name>_clauses.npy` + `<name>_clauses.json` (clause texts and their document index).
Embedding is resumable per chunk. Encoder: the shipped e5-small-q4, kind "query".
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from voc.models.encoders import make_encoder
from voc.topics.embedding import embed_texts

DATA = Path("/work/shared/data")
CACHE = Path("/work/cache/topics")
SEED = 20261128
ICBC_N = 4400  # 4,000 base + 10% added for the refit-stability check
# `jining`/`shopping` are smaller than the sizes (the encoder ran at ~5 texts/s on the
# shared 2 cores); `jining_full` (all questions) and `shopping10k` are the sizes.
JINING_N = 4000
SHOPPING_N = 2000


def load_set(name: str) -> pd.DataFrame:
    """Fixed, seeded samples with a `text` column (and `label` where one exists)."""
    if name == "icbc":
        df = pd.read_csv(DATA / "icbc_app_reviews" / "reviews.csv")
        df = df[df["text"].astype(str).str.strip().str.len() > 0]
        df = df.sample(ICBC_N, random_state=SEED).reset_index(drop=True)
        return pd.DataFrame({"id": df["review_id"], "text": df["text"].astype(str)})
    if name in ("jining", "jining_full"):
        df = pd.read_csv(DATA / "jining_bank_faq" / "paraphrases_train.csv")
        if name == "jining":
            df = df.sample(JINING_N, random_state=SEED).reset_index(drop=True)
        return pd.DataFrame({"text": df["question"].astype(str), "label": df["category"]})
    if name in ("shopping", "shopping10k"):
        df = pd.read_csv(DATA / "online_shopping_10_cats" / "train.csv")
        n = SHOPPING_N if name == "shopping" else 10_000
        df = df.sample(n, random_state=SEED).reset_index(drop=True)
        return pd.DataFrame({"text": df["review"].astype(str), "label": df["cat"]})
    raise ValueError(
        f"unknown set {name!r}; valid: ['icbc', 'jining', 'jining_full', 'shopping', 'shopping10k']"
    )


def embed_set(name: str, chunk: int = 250, encoder_name: str = "e5-small-q4") -> None:
    """Write the CSV and its embeddings (resuming from finished chunks)."""
    df = load_set(name)
    df.to_csv(CACHE / f"{name}.csv", index=False)
    if (CACHE / f"{name}_docs.npy").exists():
        print(f"{name}: cached", file=sys.stderr)
        return
    encoder = make_encoder(encoder_name, threads=2)
    parts = CACHE / f"{name}.parts"
    parts.mkdir(exist_ok=True)
    texts = df["text"].tolist()
    started = time.perf_counter()
    docs, clauses, clause_texts, owners = [], [], [], []
    for index, start in enumerate(range(0, len(texts), chunk)):
        part = parts / f"{index:05d}.npz"
        if not part.exists():
            emb = embed_texts(encoder, texts[start : start + chunk])
            np.savez(
                part,
                docs=emb.documents,
                clauses=emb.clauses,
                owner=emb.clause_doc + start,
                texts=np.asarray(emb.clause_texts, dtype=object),
            )
            rate = min(start + chunk, len(texts)) / (time.perf_counter() - started)
            print(f"{name}: {start + chunk}/{len(texts)} {rate:.1f}/s", file=sys.stderr)
        data = np.load(part, allow_pickle=True)  # our own file, written just above
        docs.append(data["docs"])
        clauses.append(data["clauses"])
        owners.append(data["owner"])
        clause_texts.extend(str(t) for t in data["texts"])
    np.save(CACHE / f"{name}_clauses.npy", np.vstack(clauses))
    with open(CACHE / f"{name}_clauses.json", "w", encoding="utf-8") as handle:
        json.dump({"texts": clause_texts, "doc": np.concatenate(owners).tolist()}, handle)
    np.save(CACHE / f"{name}_docs.npy", np.vstack(docs))
    print(f"{name}: done in {time.perf_counter() - started:.0f}s", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sets", nargs="+")
    parser.add_argument("--encoder", default="e5-small-q4", help="encoder registry name")
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    for name in args.sets:
        embed_set(name, encoder_name=args.encoder)


if __name__ == "__main__":
    main()
