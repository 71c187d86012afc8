"""The analysis stage end to end on a small store: clauses, sentiment, touchpoints, versions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from voc.analysis.pipeline import Analyzer
from voc.config import Settings
from voc.ingest.pipeline import FeedbackPreparer, Ingestor
from voc.models.encoders import CachedEncoder, E5SmallQ4Encoder
from voc.models.sentiment import SentimentClassifier
from voc.models.touchpoints import (
    NONE,
    TouchpointClassifier,
    default_taxonomy_path,
    load_taxonomy,
)
from voc.store.db import open_engine
from voc.store.embeddings import EmbeddingCache
from voc.store.tables import analyses, clauses

TRAIN = [
    ("转账秒到账，太方便了", "positive"), ("客服态度很好，点赞", "positive"),
    ("界面清爽好用", "positive"), ("审批很快，满意", "positive"),
    ("垃圾软件，老是闪退", "negative"), ("转账失败，气死了", "negative"),
    ("手续费太高，坑人", "negative"), ("排队两小时，太差了", "negative"),
    ("请问怎么开通短信提醒", "neutral"), ("分期可以提前还款吗", "neutral"),
    ("网点几点下班", "neutral"), ("信用卡怎么激活", "neutral"),
]  # fmt: skip
SURVEYS = (
    "response_id,submitted_at,csat,nps,text\n"
    "s1,2026-10-05 10:00,2,3,APP界面挺好看，但是转账一直失败\n"
    "s2,2026-10-05 11:00,5,10,客服很耐心，点赞\n"
    "s3,2026-10-06 09:00,1,0,分期手续费太高了，坑人\n"
)
CALL = {
    "call_id": "c1", "started_at": "2026-10-06T10:00:00+08:00",
    "turns": [
        {"speaker": "agent", "start": 0, "end": 3, "text": "您好，很高兴为您服务"},
        {"speaker": "customer", "start": 3, "end": 8, "text": "信用卡激活不了，验证码收不到"},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def encoder(tmp_path_factory) -> CachedEncoder:
    """One cached encoder for the module, so the taxonomy prototypes are embedded once."""
    cache_engine = open_engine(Settings(home=tmp_path_factory.mktemp("cache")))
    return CachedEncoder(E5SmallQ4Encoder(), EmbeddingCache(cache_engine))


@pytest.fixture(scope="module")
def sentiment(encoder) -> SentimentClassifier:
    texts = [t for t, _ in TRAIN]
    return SentimentClassifier(c=10.0, min_df=1).fit(
        texts, [y for _, y in TRAIN], encoder.encode(texts, kind="query")
    )


def _analyzer(engine, encoder, sentiment, taxonomy_path: Path | None = None) -> Analyzer:
    touchpoints = TouchpointClassifier(encoder).fit(load_taxonomy(taxonomy_path))
    return Analyzer(encoder, sentiment, touchpoints)


@pytest.fixture
def stocked(engine, settings, tmp_path):
    surveys = tmp_path / "s.csv"
    surveys.write_text(SURVEYS, encoding="utf-8")
    calls = tmp_path / "c.jsonl"
    calls.write_text(json.dumps(CALL, ensure_ascii=False) + "\n", encoding="utf-8")
    ingestor = Ingestor(engine, FeedbackPreparer(settings.pii_salt))
    ingestor.ingest_file(surveys, "survey")
    ingestor.ingest_file(calls, "call_transcript")
    return engine


def _count(engine, table) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table))


def test_pipeline_stores_document_and_clause_results(stocked, encoder, sentiment) -> None:
    report = _analyzer(stocked, encoder, sentiment).run(stocked)
    assert report.analysed == 4 and _count(stocked, analyses) == 4
    with stocked.connect() as connection:
        rows = connection.execute(select(clauses).order_by(clauses.c.id)).fetchall()
        docs = connection.execute(select(analyses)).fetchall()
    mixed = [r for r in rows if "转账一直失败" in r.text or "界面挺好看" in r.text]
    assert [r.text for r in mixed] == ["APP界面挺好看", "但是转账一直失败"]
    assert mixed[1].touchpoint == "app_transfer"
    assert all(r.speaker == "customer" for r in rows)
    assert not any("很高兴为您服务" in r.text for r in rows), "agent speech is not analysed"
    for doc in docs:
        assert abs(doc.p_negative + doc.p_neutral + doc.p_positive - 1) < 1e-5
        vector = np.frombuffer(doc.embedding, dtype=np.float32)
        assert vector.shape == (384,) and abs(np.linalg.norm(vector) - 1) < 1e-4


def test_pipeline_rerun_is_idempotent(stocked, encoder, sentiment) -> None:
    analyzer = _analyzer(stocked, encoder, sentiment)
    analyzer.run(stocked)
    clause_count = _count(stocked, clauses)
    assert analyzer.run(stocked).analysed == 0
    assert analyzer.run(stocked, redo_all=True).analysed == 4
    assert _count(stocked, clauses) == clause_count


def test_pipeline_taxonomy_edit_triggers_reanalysis(stocked, encoder, sentiment, tmp_path) -> None:
    _analyzer(stocked, encoder, sentiment).run(stocked)
    edited = tmp_path / "touchpoints.yaml"
    shutil.copy(default_taxonomy_path(), edited)
    with open(edited, "a", encoding="utf-8") as handle:
        handle.write(
            "  - id: sms_code\n    name: 短信验证码\n    stage: 留存\n"
            "    description: 客户反映收不到短信验证码\n    keywords: [验证码收不到, 短信验证码]\n"
        )
    report = _analyzer(stocked, encoder, sentiment, edited).run(stocked)
    assert report.analysed == 4
    with stocked.connect() as connection:
        touched = connection.scalars(select(clauses.c.touchpoint)).all()
    assert "sms_code" in touched


class _TextOnly:
    """A TF-IDF-only model presented as a text-only model, recording what it was asked."""

    needs_embeddings = False

    def __init__(self, model: SentimentClassifier) -> None:
        self.model = model
        self.version = f"text-only:{model.version}"
        self.calls: list[tuple[list[str], object]] = []

    def predict_proba(self, texts, embeddings):  # type: ignore[no-untyped-def]
        self.calls.append((list(texts), embeddings))
        return self.model.predict_proba(texts, None)


def test_pipeline_text_only_sentiment_scores_each_distinct_text_once(stocked, encoder) -> None:
    texts = [t for t, _ in TRAIN]
    tfidf = SentimentClassifier(c=10.0, min_df=1, embedding_scale=0)
    model = _TextOnly(tfidf.fit(texts, [y for _, y in TRAIN], np.zeros((len(texts), 1))))
    _analyzer(stocked, encoder, model).run(stocked)  # type: ignore[arg-type]
    assert len(model.calls) == 1 and model.calls[0][1] is None
    scored = model.calls[0][0]
    assert len(scored) == len(set(scored))
    assert "客服很耐心，点赞" in scored  # a one-clause survey: its clause is its document
    with stocked.connect() as connection:
        rows = connection.execute(select(clauses.c.text, clauses.c.p_negative)).fetchall()
    for text, p_negative in rows:
        expected = tfidf.predict_proba([text], None)[0, 0]
        assert p_negative == pytest.approx(float(expected), abs=1e-6)


def test_pipeline_formulaic_clauses_get_no_touchpoint(
    engine, settings, tmp_path, encoder, sentiment
) -> None:
    """An identity answer names a card but is no card complaint: no touchpoint, and it does
    not pull the call's vector (see tests/analysis/test_pooling.py)."""
    call = {
        "call_id": "c2",
        "started_at": "2026-10-07T10:00:00+08:00",
        "turns": [
            {"speaker": "agent", "start": 0, "end": 2, "text": "请提供卡号"},
            {"speaker": "customer", "start": 2, "end": 5, "text": "卡号是6222021234567890128。"},
            {"speaker": "customer", "start": 5, "end": 9, "text": "信用卡激活不了，验证码收不到"},
            {"speaker": "customer", "start": 9, "end": 10, "text": "好的，谢谢。"},
        ],
    }
    classifier = _analyzer(engine, encoder, sentiment).touchpoints
    identity = "卡号是[银行卡]。"
    alone = classifier.predict([identity], encoder.encode([identity], kind="query"))[0]
    assert alone.touchpoint != NONE  # the classifier alone would give it one
    path = tmp_path / "c2.jsonl"
    path.write_text(json.dumps(call, ensure_ascii=False) + "\n", encoding="utf-8")
    Ingestor(engine, FeedbackPreparer(settings.pii_salt)).ingest_file(path, "call_transcript")
    _analyzer(engine, encoder, sentiment).run(engine)
    with engine.connect() as connection:
        rows = connection.execute(select(clauses.c.text, clauses.c.touchpoint)).fetchall()
    by_text = dict(rows)
    assert by_text["卡号是[银行卡]。"] is None and by_text["好的，谢谢。"] is None
    assert any(tp for text, tp in rows if "激活" in text)
