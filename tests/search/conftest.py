"""Search fixtures: a tiny deterministic encoder and a store with analysed items."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import Engine, insert

from voc.store.tables import analyses, clauses, feedback


class BigramEncoder:
    """Hashed character-bigram counts, L2-normalised: similar strings get similar vectors.

    A real (if tiny) encoder with the project protocol, so ranking and linking logic can be
    tested exactly without loading a transformer.
    """

    name = "test-bigram-64"
    dim = 64

    def encode(self, texts: Sequence[str], kind: str = "passage") -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            chars = [c for c in text if c.isalnum()]
            for a, b in zip(chars, chars[1:] or chars, strict=False):
                slot = int(hashlib.md5((a + b).encode()).hexdigest()[:8], 16) % self.dim
                out[row, slot] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


@pytest.fixture
def encoder() -> BigramEncoder:
    return BigramEncoder()


def feedback_id(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def add_analysed(
    engine: Engine,
    encoder: BigramEncoder,
    text: str,
    *,
    source: str = "complaint",
    sentiment: str = "negative",
    touchpoint: str | None = None,
    created_at: datetime | None = None,
    resolution: str | None = None,
) -> str:
    """Store one feedback item with an analysis row (embedding from `encoder`)."""
    item_id = feedback_id(text)
    now = datetime.now(UTC).replace(tzinfo=None)
    vector = encoder.encode([text])[0]
    with engine.begin() as connection:
        connection.execute(
            insert(feedback).values(
                id=item_id,
                source=source,
                created_at=(created_at or datetime(2026, 10, 5, 12)).replace(tzinfo=None),
                text=text,
                ticket_resolution=resolution,
                ingested_at=now,
            )
        )
        connection.execute(
            insert(analyses).values(
                feedback_id=item_id,
                version="test",
                sentiment=sentiment,
                p_negative=0.8,
                p_neutral=0.1,
                p_positive=0.1,
                touchpoint=touchpoint,
                n_clauses=1,
                encoder=encoder.name,
                embedding=vector.tobytes(),
                analysed_at=now,
            )
        )
    return item_id


def add_clauses(engine: Engine, feedback_id: str, texts: Sequence[str]) -> None:
    """Store customer clause rows (neutral) for an analysed item, in order."""
    with engine.begin() as connection:
        connection.execute(
            insert(clauses),
            [
                {
                    "feedback_id": feedback_id,
                    "position": position,
                    "speaker": "customer",
                    "text": text,
                    "start": 0,
                    "end": len(text),
                    "sentiment": "neutral",
                    "p_negative": 0.1,
                    "p_neutral": 0.8,
                    "p_positive": 0.1,
                }
                for position, text in enumerate(texts)
            ],
        )
