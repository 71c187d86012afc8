"""`voc eval topics`: how well topics recover known categories (NMI, ARI, outlier share).

Uses the shipped path: texts embedded as `voc analyze` does (clauses pooled), the same
`TopicModel` and the same default parameters as `voc topics fit`. Outliers count as one
cluster in NMI and ARI, as the contract in DESIGN.md says.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from voc.analysis.pipeline import POOLING
from voc.models.encoders import Encoder
from voc.models.topics import OUTLIER, Anchor, TopicModel
from voc.topics.embedding import embed_texts
from voc.topics.service import default_min_topic_size


def _digest(encoder: str, texts: Sequence[str]) -> str:
    joined = "\x1f".join([encoder, *texts])
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()


def document_embeddings(
    encoder: Encoder, texts: Sequence[str], cache: Path | None = None
) -> np.ndarray:
    """Pooled document vectors; with `cache` (.npy) reused when encoder and texts match."""
    digest = _digest(f"{encoder.name}|{POOLING}", texts)
    sidecar = cache.with_suffix(".json") if cache else None
    if cache and sidecar and cache.is_file() and sidecar.is_file():
        with open(sidecar, encoding="utf-8") as handle:
            meta = json.load(handle)
        if meta.get("digest") == digest:
            return np.load(cache, allow_pickle=False)
    vectors = embed_texts(encoder, texts).documents
    if cache and sidecar:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, vectors, allow_pickle=False)
        with open(sidecar, "w", encoding="utf-8") as handle:
            json.dump({"digest": digest, "encoder": encoder.name, "n": len(texts)}, handle)
    return vectors


def cluster_scores(labels: Sequence[object], topics: np.ndarray) -> dict[str, float]:
    """NMI and ARI with all outliers (-1) as one cluster, plus the outlier share."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    truth = [str(x) for x in labels]
    predicted = np.asarray(topics, dtype=int)
    return {
        "nmi": round(float(normalized_mutual_info_score(truth, predicted)), 4),
        "ari": round(float(adjusted_rand_score(truth, predicted)), 4),
        "outlier_share": round(float((predicted == OUTLIER).mean()), 4),
    }


def fit_for_eval(
    texts: Sequence[str],
    embeddings: np.ndarray,
    *,
    random_state: int = 42,
    anchor: Anchor | None = None,
    **params: object,
) -> TopicModel:
    """The model `voc topics fit` would build for this many documents."""
    params.setdefault("min_topic_size", default_min_topic_size(len(texts)))
    model = TopicModel(random_state=random_state, **params)  # type: ignore[arg-type]
    return model.fit(list(texts), embeddings, anchor=anchor)


def evaluate_topics(
    encoder: Encoder,
    texts: Sequence[str],
    labels: Sequence[object],
    *,
    cache: Path | None = None,
    random_state: int = 42,
) -> dict[str, object]:
    """Embed, fit, score. `seconds` is the whole run; `fit_seconds` the clustering alone."""
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    texts = [str(t) for t in texts]
    started = time.perf_counter()
    embeddings = document_embeddings(encoder, texts, cache)
    fit_started = time.perf_counter()
    model = fit_for_eval(texts, embeddings, random_state=random_state)
    done = time.perf_counter()
    topics = model.document_topics_
    return {
        "n": len(texts),
        **cluster_scores(labels, topics),
        "n_topics": len(model.topic_ids_),
        "seconds": round(done - started, 2),
        "fit_seconds": round(done - fit_started, 2),
        "n_labels": len({str(x) for x in labels}),
        "raw_outlier_share": round(model.raw_outlier_share_, 4),
    }


def bertopic_default_topics(
    texts: Sequence[str], embeddings: np.ndarray, random_state: int = 42
) -> np.ndarray:
    """BERTopic with its defaults (UMAP+HDBSCAN, min_topic_size=10) and a jieba vectorizer.

    The baseline the issue compares against; no outlier reduction.
    """
    from bertopic import BERTopic
    from sklearn.feature_extraction.text import CountVectorizer
    from umap import UMAP

    from voc.text.segment import make_segmenter

    vectorizer = CountVectorizer(tokenizer=make_segmenter("jieba"), token_pattern=None)
    umap = UMAP(
        n_neighbors=15,
        n_components=5,
        min_dist=0.0,
        metric="cosine",
        random_state=random_state,
        n_jobs=1,
    )
    model = BERTopic(
        embedding_model=None, umap_model=umap, vectorizer_model=vectorizer, language="multilingual"
    )
    topics, _ = model.fit_transform(list(texts), embeddings=embeddings)
    return np.asarray(topics, dtype=int)
