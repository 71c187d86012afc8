"""TopicModel: Chinese keywords, outlier reduction, transform, save/load without pickle."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from tests.topics.synthetic import THEMES, fast_parts, make_data
from voc.models.topics import OUTLIER, Anchor, TopicModel, readable_label

CHINESE_WORD = re.compile(r"^[\u4e00-\u9fff]{1,6}$")


@pytest.fixture(scope="module")
def fitted() -> tuple[TopicModel, list[str], np.ndarray, list[str]]:
    texts, vectors, names = make_data()
    model = TopicModel(min_topic_size=10, **fast_parts()).fit(texts, vectors)
    return model, texts, vectors, names


def test_topics_keywords_are_chinese_words_not_sentences(fitted) -> None:
    model, texts, _, _ = fitted
    assert len(model.topic_ids_) == len(THEMES)
    for topic in model.topic_ids_:
        words = [w for w, _ in model.keywords_[topic]]
        assert len(words) >= 3
        assert all(CHINESE_WORD.match(w) for w in words), words
        assert not set(words) & set(texts)  # whole texts as "words": the whitespace failure
        assert re.search(r"[\u4e00-\u9fff]{2}", model.labels_[topic])


def test_topics_keywords_name_the_theme(fitted) -> None:
    model, _, _, names = fitted
    by_theme = {}
    for topic, name in zip(model.document_topics_, names, strict=True):
        if topic != OUTLIER:
            by_theme.setdefault(name, set()).add(int(topic))
    assert all(len(ids) == 1 for ids in by_theme.values())
    assert (model.document_topics_ == OUTLIER).mean() <= 0.10
    transfer = by_theme["transfer"].pop()
    assert "转账" in [w for w, _ in model.keywords_[transfer]][:3]
    assert "转账" in model.labels_[transfer]


class FixedClusterer:
    """A clusterer slot filled with known labels, so the outlier step is tested alone."""

    def __init__(self, labels: np.ndarray) -> None:
        self.labels = labels

    def fit(self, X, y=None):
        self.labels_ = self.labels
        return self


def test_topics_outliers_join_close_topics_and_far_ones_stay_out() -> None:
    texts, vectors, names = make_data(noise=0.3)
    theme = {n: i for i, n in enumerate(THEMES)}
    labels = np.asarray([theme[n] for n in names])
    labels[::3] = OUTLIER  # a third of the clustered points left as outliers
    rng = np.random.default_rng(1)
    far = rng.normal(size=(6, vectors.shape[1])).astype(np.float32)
    parts = {
        "reducer": fast_parts()["reducer"],
        "clusterer": FixedClusterer(np.concatenate([labels, np.full(6, OUTLIER)])),
    }
    model = TopicModel(min_topic_size=10, outlier_threshold=0.8, **parts).fit(
        texts + ["完全无关的一句话"] * 6, np.vstack([vectors, far])
    )
    topics = model.document_topics_
    assert model.raw_outlier_share_ > 0.3
    assert (topics[: len(texts)] == OUTLIER).mean() <= 0.10
    truth = np.asarray([theme[n] for n in names])
    inlier = labels != OUTLIER
    topic_of = {
        k: int(np.bincount(topics[: len(texts)][inlier & (truth == k)]).argmax())
        for k in theme.values()
    }
    joined = topics[: len(texts)][~inlier]
    expected = np.asarray([topic_of[k] for k in truth[~inlier]])
    assert (joined == expected).mean() >= 0.9  # they join their own theme's topic
    assert (topics[len(texts) :] == OUTLIER).all()  # unrelated points are not merged in


def test_topics_transform_is_nearest_centroid(fitted) -> None:
    model, _, vectors, _ = fitted
    topics, scores = model.transform(vectors)
    assert (topics == model.document_topics_).mean() >= 0.95
    assert scores.shape == (len(vectors),)
    far, _ = model.transform(-model.centroids_.sum(axis=0, keepdims=True))
    assert far[0] == OUTLIER


def test_topics_transform_checks_fit_and_shape(fitted) -> None:
    with pytest.raises(RuntimeError, match="not fitted"):
        TopicModel().transform(np.zeros((1, 4)))
    with pytest.raises(ValueError, match=r"embeddings must be \[n, 32\]"):
        fitted[0].transform(np.zeros((2, 5)))


def test_topics_save_load_round_trip_without_pickle(fitted, tmp_path) -> None:
    model, _, vectors, _ = fitted
    folder = model.save(tmp_path / "m")
    assert sorted(p.name for p in folder.iterdir()) == ["centroids.safetensors", "config.json"]
    loaded = TopicModel.load(folder)
    assert loaded.labels_ == model.labels_
    assert loaded.topic_ids_ == model.topic_ids_
    np.testing.assert_array_equal(loaded.transform(vectors)[0], model.transform(vectors)[0])


def test_topics_load_refuses_another_format_version(fitted, tmp_path) -> None:
    folder = fitted[0].save(tmp_path / "m")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config["format_version"] = 99
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(ValueError, match=r"format .* not supported"):
        TopicModel.load(folder)


def test_topics_anchored_refit_keeps_ids_labels_and_assignments(fitted) -> None:
    model, texts, vectors, _ = fitted
    old = model.document_topics_
    refit = TopicModel(min_topic_size=10, random_state=3, **fast_parts(3)).fit(
        texts, vectors, anchor=Anchor(model, old, next_id=50)
    )
    assert sorted(refit.topic_ids_) == sorted(model.topic_ids_)
    assert refit.labels_ == model.labels_
    assert (refit.document_topics_ == old).mean() >= 0.95
    assert refit.alignment_.count("kept") == len(model.topic_ids_)


def test_topics_fit_assignment_equals_transform(fitted) -> None:
    model, _, vectors, _ = fitted
    topics, _ = model.transform(vectors)
    np.testing.assert_array_equal(topics, model.document_topics_)


def test_readable_label_skips_contained_words_and_prefers_common_ones() -> None:
    assert readable_label(["转账", "转账失败", "系统繁忙", "慢"]) == "转账 系统繁忙"
    coverage = {"五遍": 0.1, "人工": 0.9, "客服": 0.8}
    assert readable_label(["五遍", "人工", "客服"], 2, coverage) == "人工 客服"
