"""The topic corpus read from the store: clause level leaves formulaic clauses out."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from sqlalchemy import insert

from tests.search.conftest import add_clauses
from voc.store.embeddings import EmbeddingCache, text_hash
from voc.store.tables import analyses, feedback
from voc.topics.corpus import load_corpus

ENCODER = "test-encoder"


def _item(engine, fid: str, texts: list[str]) -> None:  # type: ignore[no-untyped-def]
    when = datetime(2026, 10, 6, 10)
    vector = np.ones(4, dtype=np.float32) / 2
    with engine.begin() as connection:
        connection.execute(
            insert(feedback).values(
                id=fid,
                source="call_transcript",
                created_at=when,
                text="".join(texts),
                ingested_at=when,
            )
        )
        connection.execute(
            insert(analyses).values(
                feedback_id=fid,
                version="v",
                sentiment="neutral",
                p_negative=0.1,
                p_neutral=0.8,
                p_positive=0.1,
                n_clauses=len(texts),
                encoder=ENCODER,
                embedding=vector.tobytes(),
                analysed_at=when,
            )
        )
    add_clauses(engine, fid, texts)
    EmbeddingCache(engine).put_many(ENCODER, "query", {text_hash(t): vector for t in texts})


def test_clause_corpus_leaves_out_formulaic_clauses_unless_nothing_else(engine) -> None:
    _item(engine, "f1", ["卡号是[银行卡]。", "分期手续费太高了", "好的，谢谢。"])
    _item(engine, "f2", ["好的，谢谢。"])
    corpus = load_corpus(engine, "clause", encoder=ENCODER)
    assert sorted(corpus.texts) == ["分期手续费太高了", "好的，谢谢。"]
    owners = {
        text: corpus.feedback_ids[o] for text, o in zip(corpus.texts, corpus.owner, strict=True)
    }
    assert owners == {"分期手续费太高了": "f1", "好的，谢谢。": "f2"}
