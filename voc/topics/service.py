"""Fit topics on the analysed feedback in the store, keep ids stable, assign new feedback.

`fit_topics` is the explicit (e.g. weekly) refit: it clusters, maps the new topics onto the
ids already issued, records what changed in `topic_history`, re-assigns every analysed item
and rebuilds `topic_weekly`. `assign_new_feedback` is the cheap path `voc analyze` takes:
nearest-centroid assignment of items that have no topic yet, no refit.

The model lives in `<home>/models/topics/` (`config.json`, `centroids.safetensors`,
`service.json` with the model version and the level it was fitted on).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from voc.config import Settings
from voc.models.topics import OUTLIER, Anchor, TopicModel
from voc.topics import store
from voc.topics.corpus import Corpus, Level, check_level, item_topics, load_corpus
from voc.topics.stability import Alignment, TopicEvent

DEFAULT_LEVEL: Level = "document"
SERVICE_FILE = "service.json"


def model_dir(settings: Settings) -> Path:
    """Where the fitted topic model is kept."""
    return settings.home / "models" / "topics"


def default_min_topic_size(n_units: int) -> int:
    """Grow the smallest topic with the corpus so 100k items do not give 1,000 topics."""
    return int(max(10, round(n_units / 400)))


@dataclass
class FitReport:
    """What a refit did (printed by `voc topics fit`)."""

    model_version: str
    level: str
    n_items: int
    n_units: int
    n_topics: int
    outlier_share: float
    seconds: float
    events: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return asdict(self)


def _read_service(folder: Path) -> dict | None:
    path = folder / SERVICE_FILE
    if not path.is_file():
        return None
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def load_current(settings: Settings) -> tuple[TopicModel, dict] | None:
    """The saved model and its service info, or None before the first fit."""
    folder = model_dir(settings)
    info = _read_service(folder)
    if info is None:
        return None
    return TopicModel.load(folder), info


def _save(model: TopicModel, info: dict, folder: Path) -> None:
    """Write beside the old model, then swap, so a crash never leaves half a model."""
    staging = folder.with_name(folder.name + ".new")
    if staging.exists():
        shutil.rmtree(staging)
    model.save(staging)
    with open(staging / SERVICE_FILE, "w", encoding="utf-8") as handle:
        json.dump(info, handle, ensure_ascii=False, indent=1)
    if folder.exists():
        shutil.rmtree(folder)
    staging.rename(folder)


def _renumber(model: TopicModel, mapping: dict[int, int]) -> TopicModel:
    """Give a first fit's topics fresh ids (ids are never reused after a reset)."""
    model.topic_ids_ = [mapping[t] for t in model.topic_ids_]
    for attr in ("keywords_", "labels_", "sizes_", "examples_"):
        setattr(model, attr, {mapping[t]: v for t, v in getattr(model, attr).items()})
    model.document_topics_ = np.asarray(
        [mapping.get(int(t), OUTLIER) for t in model.document_topics_]
    )
    model.alignment_ = Alignment(
        dict(mapping), [TopicEvent("new", t, []) for t in model.topic_ids_]
    )
    return model


def _unit_assign(model: TopicModel, corpus: Corpus) -> tuple[np.ndarray, np.ndarray]:
    topics, scores = model.transform(corpus.embeddings)
    return item_topics(corpus, topics, scores)


def fit_topics(
    engine: Engine,
    settings: Settings,
    *,
    since: datetime | None = None,
    level: Level = DEFAULT_LEVEL,
    min_topic_size: int | None = None,
    outlier_threshold: float | None = None,
    random_state: int = 42,
    model_factory: Callable[..., TopicModel] = TopicModel,
) -> FitReport:
    """Refit topics on analysed feedback (since a date), keeping ids where topics persist.

    `model_factory` builds the estimator from keyword parameters (tests inject cheap parts).
    """
    check_level(level)
    started = time.perf_counter()
    corpus = load_corpus(engine, level, since=since)
    if corpus.n_items == 0 or len(corpus.texts) == 0:
        raise ValueError("no analysed feedback to fit topics on; run `voc analyze` first")
    size = min_topic_size or default_min_topic_size(len(corpus.texts))
    previous = load_current(settings)
    with engine.connect() as connection:
        next_id = max(store.issued_ids(connection), default=-1) + 1
    anchor = None
    if previous is not None and previous[0].encoder_name == corpus.encoder:
        old_items = store.current_assignments(engine, corpus.feedback_ids)
        anchor = Anchor(previous[0], old_items[corpus.owner], next_id)
    model = model_factory(
        min_topic_size=size,
        outlier_threshold=outlier_threshold,
        random_state=random_state,
        merge_similarity=settings.topic_same_similarity,
        encoder_name=corpus.encoder,
    ).fit(corpus.texts, corpus.embeddings, anchor=anchor)
    if anchor is None:  # first fit: issue fresh ids after any ever used
        fresh = {t: next_id + i for i, t in enumerate(model.topic_ids_)}
        model = _renumber(model, fresh)
    alignment = model.alignment_
    new_items, new_scores = item_topics(corpus, model.document_topics_, model.document_scores_)
    version = f"topics.v1-{store.utcnow():%Y%m%dT%H%M%S}"
    info = {
        "model_version": version,
        "level": level,
        "fitted_at": store.utcnow().isoformat(),
        "n_items": corpus.n_items,
        "since": since.isoformat() if since else None,
    }
    _save(model, info, model_dir(settings))

    # Items outside this fit (before --since) are assigned to the new topics by transform.
    rest = load_corpus(engine, level, encoder=corpus.encoder) if since is not None else None
    ids, topic_ids, scores = list(corpus.feedback_ids), new_items, new_scores
    if rest is not None and rest.n_items:
        fitted = set(corpus.feedback_ids)
        keep = [i for i, f in enumerate(rest.feedback_ids) if f not in fitted]
        rest_topics, rest_scores = _unit_assign(model, rest)
        ids += [rest.feedback_ids[i] for i in keep]
        topic_ids = np.concatenate([topic_ids, rest_topics[keep]])
        scores = np.concatenate([scores, rest_scores[keep]])
    with engine.begin() as connection:
        store.write_topics(connection, model, version, alignment.events)
        store.write_history(connection, version, alignment.events)
        store.write_assignments(connection, ids, topic_ids, scores, version, replace=True)
        store.refresh_sizes(connection)
        store.refresh_weekly(connection, settings.default_timezone)
    return FitReport(
        model_version=version,
        level=level,
        n_items=corpus.n_items,
        n_units=len(corpus.texts),
        n_topics=len(model.topic_ids_),
        outlier_share=round(float((new_items == OUTLIER).mean()), 4),
        seconds=round(time.perf_counter() - started, 2),
        events={e: alignment.count(e) for e in ("kept", "new", "split", "merged", "retired")},
    )


def assign_new_feedback(engine: Engine, settings: Settings) -> int:
    """Assign analysed items that have no topic yet, or were analysed again since, to the
    existing topics (no refit).

    Returns how many items got a row in `feedback_topics` (unassigned ones get a NULL topic,
    so they are not looked at again until the next fit). Without a fitted model: 0.
    """
    current = load_current(settings)
    if current is None:
        return 0
    model, info = current
    corpus = load_corpus(
        engine, info.get("level", DEFAULT_LEVEL), pending_only=True, encoder=model.encoder_name
    )
    if corpus.n_items == 0:
        return 0
    topics, scores = _unit_assign(model, corpus)
    with engine.begin() as connection:
        store.write_assignments(
            connection, corpus.feedback_ids, topics, scores, info["model_version"]
        )
        store.refresh_sizes(connection)
        store.refresh_weekly(connection, settings.default_timezone)
    return corpus.n_items
