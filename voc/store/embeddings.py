"""Embedding cache in the store: text hash + encoder + kind -> float32 vector."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
from sqlalchemy import Engine, select

from voc.store.feedback import insert_ignoring_conflicts
from voc.store.tables import embedding_cache


def text_hash(text: str) -> str:
    """Stable key for a text (sha1 of its UTF-8 bytes)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors already computed, so re-analysis and repeated short texts cost no encoder time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get_many(self, encoder: str, kind: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached vectors for the given hashes (missing ones are absent from the result)."""
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(hashes))
        with self.engine.connect() as connection:
            for start in range(0, len(unique), 900):
                chunk = unique[start : start + 900]
                rows = connection.execute(
                    select(embedding_cache.c.text_hash, embedding_cache.c.vector).where(
                        embedding_cache.c.encoder == encoder,
                        embedding_cache.c.kind == kind,
                        embedding_cache.c.text_hash.in_(chunk),
                    )
                )
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, encoder: str, kind: str, items: dict[str, np.ndarray]) -> None:
        """Store vectors; existing keys are left as they are."""
        rows = [
            {
                "encoder": encoder,
                "kind": kind,
                "text_hash": key,
                "vector": np.asarray(v, dtype=np.float32).tobytes(),
            }
            for key, v in items.items()
        ]
        with self.engine.begin() as connection:
            insert_ignoring_conflicts(connection, embedding_cache, rows)
