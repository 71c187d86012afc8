"""Topics on the store (real SQLite): fit, stable refit, incremental assignment, weekly series."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, insert, select, update

from tests.topics.synthetic import fast_parts, make_data
from voc.models.topics import TopicModel
from voc.store.tables import analyses, clauses, feedback
from voc.store.topic_tables import feedback_topics, topic_history, topic_weekly, topics
from voc.topics.service import assign_new_feedback, fit_topics, load_current, model_dir

ENCODER = "test-encoder"


def fast_model(**params) -> TopicModel:  # type: ignore[no-untyped-def]
    """The service's TopicModel with PCA in the reducer slot (no numba compile in tests)."""
    return TopicModel(**params, **fast_parts(params.get("random_state", 0)))


def _stock(engine, texts, vectors, names, start: int = 0) -> list[str]:
    base = datetime(2026, 10, 5, 2, 0)
    ids = []
    with engine.begin() as connection:
        for i, (text, vector, name) in enumerate(zip(texts, vectors, names, strict=True)):
            fid = f"f{start + i:05d}"
            ids.append(fid)
            created = base + timedelta(days=(start + i) % 21)
            connection.execute(
                insert(feedback).values(
                    id=fid,
                    source="app_review",
                    created_at=created,
                    text=text,
                    ingested_at=created,
                )
            )
            negative = 0.8 if name != "branch" else 0.2
            connection.execute(
                insert(analyses).values(
                    feedback_id=fid,
                    version="v",
                    sentiment="negative" if negative > 0.5 else "neutral",
                    p_negative=negative,
                    p_neutral=1 - negative,
                    p_positive=0.0,
                    touchpoint="app_transfer" if name == "transfer" else None,
                    n_clauses=1,
                    encoder=ENCODER,
                    embedding=vector.astype(np.float32).tobytes(),
                    analysed_at=created,
                )
            )
            connection.execute(
                insert(clauses).values(
                    feedback_id=fid,
                    position=0,
                    speaker="customer",
                    text=text,
                    start=0,
                    end=len(text),
                    sentiment="negative",
                    p_negative=negative,
                    p_neutral=1 - negative,
                    p_positive=0.0,
                )
            )
    return ids


def _count(engine, table) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(table)))


def test_service_fit_stores_topics_assignments_history_and_weeks(engine, settings) -> None:
    texts, vectors, names = make_data()
    _stock(engine, texts, vectors, names)
    report = fit_topics(engine, settings, min_topic_size=10, model_factory=fast_model)
    assert report.n_topics == 4 and report.events["new"] == 4
    assert report.outlier_share <= 0.10
    assert _count(engine, feedback_topics) == len(texts)  # one row per item
    assert (model_dir(settings) / "centroids.safetensors").is_file()
    with engine.connect() as connection:
        weekly = connection.execute(select(topic_weekly)).fetchall()
        events = connection.execute(select(topic_history.c.event)).scalars().all()
    assert set(events) == {"new"}
    assert all(re.fullmatch(r"\d{4}-W\d{2}", w.week) for w in weekly)
    assert {"2026-W41", "2026-W42", "2026-W43"} <= {w.week for w in weekly}
    transfer_weeks = [w for w in weekly if "app_transfer" in w.touchpoint_mix]
    assert transfer_weeks and all(w.negative_share == 1.0 for w in transfer_weeks)
    assert sum(w.count for w in weekly) == len(texts) - round(report.outlier_share * len(texts))


def test_service_fit_uses_the_encoders_topic_identity_threshold(engine, settings) -> None:
    """A fine-tuned encoder's cosine scale brings its own 'same topic' threshold."""
    texts, vectors, names = make_data()
    _stock(engine, texts, vectors, names)
    adapted = settings.model_copy(update={"topic_same_similarity": 0.68})
    fit_topics(engine, adapted, min_topic_size=10, model_factory=fast_model)
    saved = load_current(adapted)
    assert saved is not None and saved[0].merge_similarity == 0.68


def test_service_refit_same_data_other_seed_keeps_ids_and_labels(engine, settings) -> None:
    texts, vectors, names = make_data()
    _stock(engine, texts, vectors, names)
    fit_topics(engine, settings, min_topic_size=10, random_state=1, model_factory=fast_model)
    with engine.connect() as connection:
        before = dict(
            connection.execute(
                select(feedback_topics.c.feedback_id, feedback_topics.c.topic_id)
            ).fetchall()
        )
        labels = dict(connection.execute(select(topics.c.id, topics.c.label)).fetchall())
    report = fit_topics(
        engine, settings, min_topic_size=10, random_state=2, model_factory=fast_model
    )
    assert report.events["kept"] == 4 and report.events["new"] == 0
    with engine.connect() as connection:
        after = dict(
            connection.execute(
                select(feedback_topics.c.feedback_id, feedback_topics.c.topic_id)
            ).fetchall()
        )
        labels_after = dict(connection.execute(select(topics.c.id, topics.c.label)).fetchall())
    same = np.mean([before[k] == after[k] for k in before])
    assert same >= 0.9
    assert labels_after == labels


def test_service_assign_new_feedback_without_refit(engine, settings) -> None:
    texts, vectors, names = make_data(seed=3)
    _stock(engine, texts, vectors, names)
    assert assign_new_feedback(engine, settings) == 0  # no model yet: nothing to do
    fit_topics(engine, settings, min_topic_size=10, model_factory=fast_model)
    saved = (model_dir(settings) / "config.json").stat().st_mtime_ns
    with engine.connect() as connection:
        topic_of = dict(
            connection.execute(
                select(feedback_topics.c.feedback_id, feedback_topics.c.topic_id)
            ).fetchall()
        )
    # New week of feedback: same themes, fresh noise.
    more_texts, more_vectors, more_names = make_data(per_theme=5, seed=3)
    rng = np.random.default_rng(9)
    jitter = more_vectors + 0.003 * rng.normal(size=more_vectors.shape).astype(np.float32)
    new_ids = _stock(engine, more_texts, jitter, more_names, start=1000)
    n_before = _count(engine, feedback_topics)
    assert assign_new_feedback(engine, settings) == len(new_ids)
    assert _count(engine, feedback_topics) == n_before + len(new_ids)
    assert (model_dir(settings) / "config.json").stat().st_mtime_ns == saved  # no refit
    with engine.connect() as connection:
        got = dict(
            connection.execute(
                select(feedback_topics.c.feedback_id, feedback_topics.c.topic_id).where(
                    feedback_topics.c.feedback_id.in_(new_ids)
                )
            ).fetchall()
        )
    # Each new item lands in the topic of the old item with the same theme and phrase.
    old_ids = [f"f{i:05d}" for i in range(len(texts))]
    votes: dict[str, list[int]] = {}
    for fid, name in zip(old_ids, names, strict=True):
        if topic_of[fid] is not None:
            votes.setdefault(name, []).append(topic_of[fid])
    theme_topic = {name: max(set(v), key=v.count) for name, v in votes.items()}
    assert (
        np.mean([got[f] == theme_topic[n] for f, n in zip(new_ids, more_names, strict=True)]) >= 0.9
    )
    assert assign_new_feedback(engine, settings) == 0  # nothing left to assign


def test_service_reassigns_items_analysed_again(engine, settings) -> None:
    """A re-analysis (new models or pooling) gives an item a new vector: it gets a new topic
    row on the next assignment, without a refit."""
    texts, vectors, names = make_data(seed=4)
    ids = _stock(engine, texts, vectors, names)
    fit_topics(engine, settings, min_topic_size=10, model_factory=fast_model)
    assert assign_new_feedback(engine, settings) == 0
    with engine.begin() as connection:
        assigned = connection.scalar(select(func.max(feedback_topics.c.assigned_at)))
        connection.execute(
            update(analyses)
            .where(analyses.c.feedback_id.in_(ids[:5]))
            .values(analysed_at=assigned + timedelta(milliseconds=1))
        )
    assert assign_new_feedback(engine, settings) == 5
    assert assign_new_feedback(engine, settings) == 0
    assert _count(engine, feedback_topics) == len(ids)


def test_service_fit_without_analysed_feedback_fails_clearly(engine, settings) -> None:
    with pytest.raises(ValueError, match="voc analyze"):
        fit_topics(engine, settings)


def test_service_clause_level_reads_the_embedding_cache(engine, settings) -> None:
    from voc.store.embeddings import EmbeddingCache, text_hash

    texts, vectors, names = make_data()
    _stock(engine, texts, vectors, names)
    EmbeddingCache(engine).put_many(
        ENCODER, "query", {text_hash(t): v for t, v in zip(texts, vectors, strict=True)}
    )
    report = fit_topics(
        engine, settings, level="clause", min_topic_size=10, model_factory=fast_model
    )
    assert report.level == "clause" and report.n_topics == 4
    assert _count(engine, feedback_topics) == report.n_items


def test_service_fit_since_assigns_older_items_by_transform(engine, settings) -> None:
    texts, vectors, names = make_data()
    _stock(engine, texts, vectors, names)
    since = datetime(2026, 10, 9, tzinfo=UTC)
    report = fit_topics(engine, settings, since=since, min_topic_size=10, model_factory=fast_model)
    assert report.n_items < len(texts)
    assert _count(engine, feedback_topics) == len(texts)
