"""Pain-point topics: BERTopic on precomputed embeddings, with Chinese keywords and labels.

Every stage is injected or built in `fit`: the embeddings come from the project encoder (the
model never encodes), UMAP reduces, HDBSCAN clusters, a `CountVectorizer` whose tokenizer is
the project's jieba segmenter feeds c-TF-IDF (BERTopic's default vectorizer drops Chinese),
and each topic gets a short label from its top keywords. HDBSCAN leaves many documents as
outliers; those close enough (cosine) to a topic centroid join it, the rest stay -1.

A fitted model keeps only what assignment needs: centroids in the encoder's space, the
threshold, keywords and labels. `transform` is nearest-centroid, so new feedback is assigned
fast and without refitting. Saved as `centroids.safetensors` + `config.json`, never pickle.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voc.topics.stability import Alignment

FORMAT = "voc.topics"
FORMAT_VERSION = 1
OUTLIER = -1


class _MemoTokenizer:
    """Segment each distinct text once: BERTopic vectorises the corpus twice during `fit`."""

    def __init__(self, tokenize: Callable[[str], list[str]]) -> None:
        self.tokenize = tokenize
        self.memo: dict[str, list[str]] = {}

    def __call__(self, text: str) -> list[str]:
        words = self.memo.get(text)
        if words is None:
            words = self.memo[text] = self.tokenize(text)
        return words


@contextmanager
def _quiet_bertopic() -> Iterator[None]:
    """Hide BERTopic's warning that custom assignments must come last (they do, here)."""
    logger = logging.getLogger("BERTopic")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def readable_label(
    words: Sequence[str], n: int = 3, coverage: dict[str, float] | None = None
) -> str:
    """`n` keywords joined by spaces, skipping words already contained in a chosen one.

    With `coverage` (share of the topic's documents containing each word) the most common
    of the top keywords come first: c-TF-IDF favours distinctive but rare words ("五遍"),
    a label should name what most members talk about ("转账 失败").
    """
    chosen: list[str] = []
    multi = [w for w in words if len(w) > 1] or list(words)
    if coverage:
        rank = {w: i for i, w in enumerate(multi)}
        multi = sorted(multi, key=lambda w: (-round(coverage.get(w, 0.0), 2), rank[w]))
    for word in multi:
        if any(word in c or c in word for c in chosen):
            continue
        chosen.append(word)
        if len(chosen) == n:
            break
    return " ".join(chosen) if chosen else "（无关键词）"


@dataclass
class Anchor:
    """What a refit keeps ids against: the previous model and each text's topic in it."""

    model: TopicModel
    topics: np.ndarray
    next_id: int


def _drop_empty(alignment: Alignment, empty: list[int]) -> Alignment:
    """Topics that end up with no documents are not issued; a kept one is retired."""
    from voc.topics.stability import KEPT, NEW, RETIRED, SPLIT, TopicEvent

    gone = set(empty)
    events = []
    for event in alignment.events:
        if event.topic_id in gone and event.event in (NEW, SPLIT):
            continue
        if event.topic_id in gone and event.event == KEPT:
            event = TopicEvent(RETIRED, event.topic_id, [], {"reason": "no documents"})
        events.append(event)
    return Alignment({k: v for k, v in alignment.mapping.items() if v not in gone}, events)


class TopicModel:
    """Cluster feedback embeddings into pain-point topics with Chinese keywords and labels.

    Args:
        min_topic_size: smallest cluster HDBSCAN keeps (also BERTopic's `min_topic_size`).
        n_neighbors: UMAP neighbourhood; larger gives fewer, broader topics.
        n_components: UMAP output dimensions the clusterer sees.
        outlier_threshold: cosine to the nearest topic centroid at or above which a document
            joins that topic; below it: -1. None: calibrated in `fit` (see below).
        outlier_quantile: with no fixed threshold, the threshold is this quantile of the
            cosines of HDBSCAN's own members to their centroid: a document joins a topic only
            when it is as close as all but this share of the topic's core members.
        anchor_weight: on a refit, share of a persisting topic's old centroid in its new one
            (1: frozen, 0: jumps to the new cluster); ids stay put either way.
        merge_similarity: on a refit, centroid cosine at which a new topic is an old one, and
            at which two old topics may merge (below it the old topic is held, see
            `_anchor`); on the encoder's cosine scale (`VOC_TOPIC_SAME_SIMILARITY`).
        top_n_words: keywords kept per topic.
        label_words: keywords joined into the label.
        random_state: seed of the reducer (and anything else random).
        reducer: replaces UMAP (anything with `fit`/`transform`); None builds UMAP in `fit`.
        clusterer: replaces HDBSCAN (anything with `fit` and `labels_`); None: HDBSCAN.
        vectorizer: replaces the jieba `CountVectorizer`; None builds it from `segmenter`.
        segmenter: registry name of the segmenter the default vectorizer uses.
        encoder_name: the encoder whose space the embeddings are in (checked on assignment).
    """

    def __init__(
        self,
        *,
        min_topic_size: int = 10,
        n_neighbors: int = 15,
        n_components: int = 5,
        outlier_threshold: float | None = None,
        outlier_quantile: float = 0.03,
        anchor_weight: float = 0.8,
        merge_similarity: float = 0.95,
        top_n_words: int = 10,
        label_words: int = 3,
        random_state: int = 42,
        reducer: Any = None,
        clusterer: Any = None,
        vectorizer: Any = None,
        segmenter: str = "jieba",
        encoder_name: str | None = None,
    ) -> None:
        self.min_topic_size = min_topic_size
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.outlier_threshold = outlier_threshold
        self.outlier_quantile = outlier_quantile
        self.anchor_weight = anchor_weight
        self.merge_similarity = merge_similarity
        self.top_n_words = top_n_words
        self.label_words = label_words
        self.random_state = random_state
        self.reducer = reducer
        self.clusterer = clusterer
        self.vectorizer = vectorizer
        self.segmenter = segmenter
        self.encoder_name = encoder_name

    # ------------------------------------------------------------------ building blocks
    def _params(self) -> dict[str, Any]:
        return {
            "min_topic_size": self.min_topic_size,
            "n_neighbors": self.n_neighbors,
            "n_components": self.n_components,
            "outlier_threshold": self.outlier_threshold,
            "outlier_quantile": self.outlier_quantile,
            "anchor_weight": self.anchor_weight,
            "merge_similarity": self.merge_similarity,
            "top_n_words": self.top_n_words,
            "label_words": self.label_words,
            "random_state": self.random_state,
            "segmenter": self.segmenter,
            "encoder_name": self.encoder_name,
        }

    def _build_reducer(self, n: int) -> Any:
        if self.reducer is not None:
            return self.reducer
        from umap import UMAP

        return UMAP(
            n_neighbors=min(self.n_neighbors, max(2, n - 1)),
            n_components=self.n_components,
            min_dist=0.0,
            metric="cosine",
            random_state=self.random_state,
            n_jobs=1,  # a seed makes UMAP single-threaded anyway; saying so avoids a warning
        )

    def _build_clusterer(self) -> Any:
        if self.clusterer is not None:
            return self.clusterer
        from hdbscan import HDBSCAN

        return HDBSCAN(
            min_cluster_size=self.min_topic_size,
            metric="euclidean",
            cluster_selection_method="eom",
            prediction_data=False,
        )

    def _build_vectorizer(self) -> Any:
        if self.vectorizer is not None:
            return self.vectorizer
        from sklearn.feature_extraction.text import CountVectorizer

        from voc.text.segment import make_segmenter

        tokenizer = _MemoTokenizer(make_segmenter(self.segmenter))
        return CountVectorizer(tokenizer=tokenizer, token_pattern=None, lowercase=False)

    # ------------------------------------------------------------------ fitting
    def fit(
        self, texts: Sequence[str], embeddings: np.ndarray, *, anchor: Anchor | None = None
    ) -> TopicModel:
        """Cluster `embeddings` (rows aligned with `texts`) and describe each topic.

        With `anchor` (the previous model and each text's previous topic) this is a refit:
        topics that persist keep their id, label and (averaged) centroid, the rest is
        named in `alignment_` (new / split / merged / retired).

        Every document goes to its nearest centroid, -1 below the threshold, exactly as
        `transform` does later. Sets `topic_ids_`, `centroids_`, `keywords_`, `labels_`,
        `sizes_`, `examples_`, `threshold_`, `alignment_`, `document_topics_` and
        `document_scores_` (cosine to the nearest centroid).
        """
        from bertopic import BERTopic
        from bertopic.vectorizers import ClassTfidfTransformer

        texts = [str(t) for t in texts]
        vectors = _normalise(embeddings)
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise ValueError(
                f"embeddings must be [n_texts, dim]; got {vectors.shape} for {len(texts)} texts"
            )
        if len(texts) < max(3, self.min_topic_size):
            raise ValueError(
                f"need at least {max(3, self.min_topic_size)} texts to fit topics; got {len(texts)}"
            )
        vectorizer = self._build_vectorizer()
        ctfidf = ClassTfidfTransformer(reduce_frequent_words=True)
        engine = BERTopic(
            embedding_model=None,
            umap_model=self._build_reducer(len(texts)),
            hdbscan_model=self._build_clusterer(),
            vectorizer_model=vectorizer,
            ctfidf_model=ctfidf,
            top_n_words=self.top_n_words,
            min_topic_size=self.min_topic_size,
            language="multilingual",
            calculate_probabilities=False,
        )
        raw, _ = engine.fit_transform(texts, embeddings=vectors)
        raw = np.asarray(raw, dtype=int)
        found = sorted(set(raw.tolist()) - {OUTLIER})
        if not found:
            # No cluster at all: one topic for everything, so the model still assigns.
            raw = np.zeros(len(texts), dtype=int)
            found = [0]
        self.raw_topics_ = raw
        self.raw_outlier_share_ = float((raw == OUTLIER).mean())
        centroids = _normalise(np.vstack([vectors[raw == t].mean(axis=0) for t in found]))
        threshold = self._threshold(vectors, raw, found, centroids, anchor)
        ids, centroids, labels, alignment = self._anchor(found, centroids, raw, anchor)
        # Nearest centroid for every document; topics nobody is nearest to are dropped.
        sims = vectors @ centroids.T
        best = sims.argmax(axis=1)
        scores = sims[np.arange(len(vectors)), best].astype(np.float32)
        slot = np.where(scores >= threshold, best, OUTLIER)
        used = [k for k in range(len(ids)) if (slot == k).any()]
        alignment = _drop_empty(alignment, [ids[k] for k in range(len(ids)) if k not in used])
        renumber = {k: i for i, k in enumerate(used)}
        slot = np.asarray([renumber.get(int(k), OUTLIER) for k in slot])
        ids = [ids[k] for k in used]
        centroids = centroids[used]
        # Keywords from the final assignment (outliers that joined a topic count too).
        with _quiet_bertopic():
            engine.update_topics(
                texts,
                topics=slot.tolist(),
                top_n_words=self.top_n_words,
                vectorizer_model=vectorizer,
                ctfidf_model=ctfidf,
            )
        self.threshold_ = float(threshold)
        self.n_features_in_ = vectors.shape[1]
        self.alignment_ = alignment
        self._describe(engine, vectorizer.build_analyzer(), texts, vectors, slot, ids, centroids)
        for topic, label in labels.items():
            if topic in self.labels_:
                self.labels_[topic] = label
        self.document_topics_ = np.asarray([ids[k] if k != OUTLIER else OUTLIER for k in slot])
        self.document_scores_ = scores
        return self

    def _threshold(
        self,
        vectors: np.ndarray,
        raw: np.ndarray,
        found: list[int],
        centroids: np.ndarray,
        anchor: Anchor | None,
    ) -> float:
        """Fixed, kept from the anchor, or the `outlier_quantile` of members' cosines.

        Cosines of one encoder sit in a narrow band (e5: 0.9-0.98 to a topic centroid), so
        a fixed number does not carry across encoders; the members' own spread does.
        """
        if self.outlier_threshold is not None:
            return float(self.outlier_threshold)
        if anchor is not None:
            return float(anchor.model.threshold_)
        index = {t: i for i, t in enumerate(found)}
        members = raw != OUTLIER
        own = np.asarray([index[t] for t in raw[members]])
        cosines = np.einsum("ij,ij->i", vectors[members], centroids[own])
        return float(np.quantile(cosines, self.outlier_quantile))

    def _anchor(
        self, found: list[int], centroids: np.ndarray, raw: np.ndarray, anchor: Anchor | None
    ) -> tuple[list[int], np.ndarray, dict[int, str], Alignment]:
        """Stable ids, centroids and kept labels for the clusters just found."""
        from voc.topics.stability import KEPT, MERGED, TopicEvent, align_topics

        if anchor is None:
            return (
                list(found),
                centroids,
                {},
                align_topics([], centroids[:0], found, centroids, next_id=0),
            )
        old = anchor.model
        alignment = align_topics(
            old.topic_ids_,
            old.centroids_,
            found,
            centroids,
            next_id=anchor.next_id,
            old_assign=np.asarray(anchor.topics),
            new_assign=raw,
            min_similarity=self.merge_similarity,
        )
        old_row = {t: i for i, t in enumerate(old.topic_ids_)}
        ids = [alignment.mapping[t] for t in found]
        moved = centroids.copy()
        kept = {e.topic_id for e in alignment.events if e.event == KEPT}
        for k, topic in enumerate(ids):
            if topic in kept:  # a persisting topic drifts a little, it does not jump
                w = self.anchor_weight
                moved[k] = w * old.centroids_[old_row[topic]] + (1 - w) * centroids[k]
        # A merge of two old topics that were clearly apart is more likely a different
        # cut of the new clustering than a real merge: hold the old topic, let the
        # nearest-centroid step decide, and say so in the history.
        held, events = [], []
        for event in alignment.events:
            target = event.related_ids[0] if event.related_ids else None
            if event.event == MERGED and target in old_row:
                cosine = float(
                    old.centroids_[old_row[event.topic_id]] @ old.centroids_[old_row[target]]
                )
                if cosine < self.merge_similarity:
                    held.append(event.topic_id)
                    event = TopicEvent(
                        KEPT, event.topic_id, [], {"held": True, "cosine": round(cosine, 3)}
                    )
            events.append(event)
        if held:
            ids = ids + held
            moved = np.vstack([moved, old.centroids_[[old_row[t] for t in held]]])
            kept |= set(held)
            alignment = Alignment(alignment.mapping, events)
        labels = {t: old.labels_[t] for t in kept if t in old.labels_}
        return ids, _normalise(moved), labels, alignment

    def _describe(
        self,
        engine: Any,
        analyzer: Callable[[str], list[str]],
        texts: list[str],
        vectors: np.ndarray,
        slot: np.ndarray,
        ids: list[int],
        centroids: np.ndarray,
    ) -> None:
        self.topic_ids_ = [int(t) for t in ids]
        self.centroids_ = centroids.astype(np.float32)
        self.keywords_: dict[int, list[tuple[str, float]]] = {}
        self.labels_: dict[int, str] = {}
        self.sizes_: dict[int, int] = {}
        self.examples_: dict[int, list[str]] = {}
        for row, topic in enumerate(self.topic_ids_):
            words = engine.get_topic(row) or []
            self.keywords_[topic] = [(str(w), round(float(s), 5)) for w, s in words if w]
            members = np.flatnonzero(slot == row)
            words_in = [set(analyzer(texts[i])) for i in members]
            coverage = {
                w: sum(w in d for d in words_in) / max(1, len(members))
                for w, _ in self.keywords_[topic]
            }
            self.labels_[topic] = readable_label(
                [w for w, _ in self.keywords_[topic]], self.label_words, coverage
            )
            self.sizes_[topic] = len(members)
            closest = members[np.argsort(-(vectors[members] @ self.centroids_[row]))]
            seen: list[str] = []
            for index in closest:
                if texts[index] not in seen:
                    seen.append(texts[index])
                if len(seen) == 3:
                    break
            self.examples_[topic] = seen

    # ------------------------------------------------------------------ using
    def _check_fitted(self) -> None:
        if not hasattr(self, "centroids_"):
            raise RuntimeError("TopicModel is not fitted; call fit() or TopicModel.load()")

    def transform(self, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Topic id per row (nearest centroid, -1 below the threshold) and its cosine."""
        self._check_fitted()
        vectors = _normalise(embeddings)
        if vectors.ndim != 2 or vectors.shape[1] != self.n_features_in_:
            raise ValueError(
                f"embeddings must be [n, {self.n_features_in_}]; got {tuple(vectors.shape)}"
            )
        if len(vectors) == 0:
            return np.zeros(0, dtype=int), np.zeros(0, dtype=np.float32)
        sims = vectors @ self.centroids_.T
        best = sims.argmax(axis=1)
        best_sim = sims[np.arange(len(vectors)), best]
        topics = np.asarray(self.topic_ids_, dtype=int)[best]
        topics[best_sim < self.threshold_] = OUTLIER
        return topics, best_sim.astype(np.float32)

    # ------------------------------------------------------------------ persistence
    def save(self, folder: str | Path) -> Path:
        """Write `config.json` + `centroids.safetensors` into `folder` (created)."""
        from safetensors.numpy import save_file

        self._check_fitted()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        save_file(
            {"centroids": np.ascontiguousarray(self.centroids_, dtype=np.float32)},
            str(folder / "centroids.safetensors"),
        )
        config = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "params": self._params(),
            "threshold": self.threshold_,
            "dim": int(self.n_features_in_),
            "topic_ids": self.topic_ids_,
            "labels": {str(t): v for t, v in self.labels_.items()},
            "keywords": {str(t): v for t, v in self.keywords_.items()},
            "sizes": {str(t): v for t, v in self.sizes_.items()},
            "examples": {str(t): v for t, v in self.examples_.items()},
        }
        with open(folder / "config.json", "w", encoding="utf-8") as handle:
            json.dump(config, handle, ensure_ascii=False, indent=1)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> TopicModel:
        """Read a saved model; a different format or version is refused, not guessed."""
        from safetensors.numpy import load_file

        folder = Path(folder)
        config_path = folder / "config.json"
        if not config_path.is_file():
            raise FileNotFoundError(f"{folder}: no topic model (config.json missing)")
        with open(config_path, encoding="utf-8") as handle:
            config = json.load(handle)
        found = (config.get("format"), config.get("format_version"))
        if found != (FORMAT, FORMAT_VERSION):
            raise ValueError(
                f"{config_path}: topic model format {found!r} is not supported; "
                f"expected {(FORMAT, FORMAT_VERSION)!r} (refit with `voc topics fit`)"
            )
        model = cls(**config["params"])
        centroids = load_file(str(folder / "centroids.safetensors"))["centroids"]
        if centroids.shape != (len(config["topic_ids"]), config["dim"]):
            raise ValueError(f"{folder}: centroids {centroids.shape} do not match config.json")
        model.centroids_ = centroids.astype(np.float32)
        model.topic_ids_ = [int(t) for t in config["topic_ids"]]
        model.threshold_ = float(config["threshold"])
        model.n_features_in_ = int(config["dim"])
        model.labels_ = {int(t): v for t, v in config["labels"].items()}
        model.keywords_ = {
            int(t): [(str(w), float(s)) for w, s in v] for t, v in config["keywords"].items()
        }
        model.sizes_ = {int(t): int(v) for t, v in config["sizes"].items()}
        model.examples_ = {int(t): list(v) for t, v in config["examples"].items()}
        return model
