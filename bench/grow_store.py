"""Grow an analysed demo store to N cases for the API bench (`bench/api.py --home`).

Usage: python bench/grow_store.py --home DIR --cases 100000 [--seed 7]

`--home` must hold an analysed demo database (run `voc demo --no-serve` there first). New
cases are pairs of stored clauses joined into one text, with the pooled embedding of the
two clause vectors the analysis stored (plus small noise), so the case index sees real
e5 geometry and the API's encoder sees real queries. Rows go straight into `feedback` and
`analyses` (no re-embedding), so growing to 100k takes about a minute.
"""

from __future__ import annotations

import argparse
import hashlib
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import insert, select

from voc.config import Settings
from voc.store.db import open_engine
from voc.store.embeddings import text_hash
from voc.store.tables import analyses, clauses, embedding_cache, feedback


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", required=True)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    settings = Settings(home=args.home)
    engine = open_engine(settings)
    with engine.connect() as connection:
        encoder = connection.scalar(select(analyses.c.encoder).limit(1))
        texts = sorted(set(connection.scalars(select(clauses.c.text)).all()))
        cached = dict(
            connection.execute(
                select(embedding_cache.c.text_hash, embedding_cache.c.vector).where(
                    embedding_cache.c.encoder == encoder, embedding_cache.c.kind == "query"
                )
            ).fetchall()
        )
    vectors = {}
    for text in texts:
        blob = cached.get(text_hash(text))
        if blob is not None:
            vectors[text] = np.frombuffer(blob, dtype=np.float32)
    pool = list(vectors)
    rng = np.random.default_rng(args.seed)
    start = datetime(2026, 6, 29, tzinfo=UTC).replace(tzinfo=None)
    now = datetime.now(UTC).replace(tzinfo=None)
    batch_f, batch_a = [], []
    for i in range(args.cases):
        a, b = (pool[j] for j in rng.integers(0, len(pool), 2))
        text = f"{a}，{b}"
        vector = vectors[a] * len(a) + vectors[b] * len(b)
        vector = vector + rng.normal(0, 0.01, vector.shape).astype(np.float32)
        vector = (vector / np.linalg.norm(vector)).astype(np.float32)
        item_id = hashlib.sha256(f"grow:{args.seed}:{i}:{text}".encode()).hexdigest()[:32]
        created = start + timedelta(minutes=int(rng.integers(0, 150 * 24 * 60)))
        batch_f.append(
            {
                "id": item_id,
                "source": "complaint",
                "created_at": created,
                "text": text,
                "ingested_at": now,
            }
        )
        batch_a.append(
            {
                "feedback_id": item_id,
                "version": "bench-grow",
                "sentiment": "negative",
                "p_negative": 0.8,
                "p_neutral": 0.1,
                "p_positive": 0.1,
                "n_clauses": 2,
                "encoder": encoder,
                "embedding": vector.tobytes(),
                "analysed_at": now,
            }
        )
        if len(batch_f) == 10_000 or i == args.cases - 1:
            with engine.begin() as connection:
                connection.execute(insert(feedback), batch_f)
                connection.execute(insert(analyses), batch_a)
            batch_f, batch_a = [], []
    print(f"added {args.cases} cases from {len(pool)} clause vectors (encoder {encoder})")


if __name__ == "__main__":
    main()
