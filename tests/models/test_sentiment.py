"""Tests for voc.models.sentiment."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from voc.models.sentiment import (
    LABELS,
    SentimentClassifier,
    default_model_dir,
    label_index,
)

_NEGATIVE = [
    "转账一直失败，太耽误事了",
    "垃圾软件，又闪退了",
    "排队两个小时都没办完",
    "客服态度太差了",
    "手续费乱收，很坑",
    "审批拖了一个月还没结果",
    "登录总是验证码错误，烦死了",
    "额度被莫名其妙降了，很失望",
    "再也不用这个银行了",
    "打电话永远转不到人工",
]
_NEUTRAL = [
    "请问信用卡怎么办理分期",
    "我想查一下上个月的账单",
    "转账到账时间是多久",
    "网点周末营业吗",
    "怎么修改预留手机号",
    "理财产品的起购金额是多少",
    "请问年费怎么收取",
    "提前还款需要预约吗",
    "开户需要带什么证件",
    "积分可以兑换什么",
]
_POSITIVE = [
    "转账秒到账，点赞",
    "客服很耐心，问题解决了",
    "界面简洁，很好用",
    "柜员服务很专业，满意",
    "审批很快，第二天就放款了",
    "理财收益不错，推荐",
    "新版本流畅多了，好评",
    "大堂经理特别热情，感谢",
    "额度提升了，很开心",
    "办卡流程简单方便，非常满意",
]
TEXTS = [f"{prefix}{t}" for prefix in ("", "说实话") for t in _NEGATIVE + _NEUTRAL + _POSITIVE]
NAMES = (["negative"] * 10 + ["neutral"] * 10 + ["positive"] * 10) * 2


def _embeddings(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, 16)).astype(np.float32)


EMBEDDINGS = _embeddings(len(TEXTS))


def _model() -> SentimentClassifier:
    return SentimentClassifier(n_features=2**12)


@pytest.fixture(scope="module")
def fitted() -> SentimentClassifier:
    return _model().fit(TEXTS, NAMES, EMBEDDINGS)


# ---------------------------------------------------------------- labels


@pytest.mark.parametrize(
    ("value", "index"),
    [
        ("negative", 0), ("neutral", 1), ("positive", 2), (" Positive ", 2), ("NEG", 0),
        ("neu", 1), ("pos", 2), ("负面", 0), ("中性", 1), ("正面", 2), (0, 0), (1, 1), (2, 2),
        ("2", 2), (np.int64(1), 1),
    ],
)  # fmt: skip
def test_sentiment_label_index_accepts_names_and_numbers(value: object, index: int) -> None:
    assert label_index(value) == index


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("good", "unknown sentiment label 'good'"),
        ("", "unknown sentiment label"),
        (None, "unknown sentiment label None"),
        (3, "out of range"),
        ("-1", "out of range"),
    ],
)
def test_sentiment_label_index_rejects_unknown(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        label_index(value)


@pytest.mark.parametrize("value", [1.5, 0.9])
def test_sentiment_label_index_rejects_fractional_numbers(value: float) -> None:
    with pytest.raises(ValueError):
        label_index(value)


# ------------------------------------------------------------- estimator


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.predict(TEXTS[:2], EMBEDDINGS[:2]),
        lambda m: m.predict_proba(TEXTS[:2], EMBEDDINGS[:2]),
        lambda m: m.decision_function(TEXTS[:2], EMBEDDINGS[:2]),
        lambda m: m.save(Path("/nonexistent/never-written")),
    ],
)
def test_sentiment_use_before_fit_raises(call) -> None:
    model = _model()
    assert model.version == "voc.sentiment.v1:unfitted"
    with pytest.raises(RuntimeError, match="not fitted"):
        call(model)


def test_sentiment_fit_returns_self_and_sets_classes() -> None:
    model = _model()
    assert model.fit(TEXTS, NAMES, EMBEDDINGS) is model
    assert model.classes_ == ["negative", "neutral", "positive"] == list(LABELS)
    assert model.temperature_ == 1.0
    assert model.version.startswith("voc.sentiment.v1:")
    assert model.version != "voc.sentiment.v1:unfitted"
    assert model.coef_.shape == (3, 2**12 + 16)


def test_sentiment_predict_proba_rows_are_distributions(fitted: SentimentClassifier) -> None:
    proba = fitted.predict_proba(TEXTS, EMBEDDINGS)
    assert proba.shape == (len(TEXTS), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert ((proba >= 0) & (proba <= 1)).all()
    predicted = fitted.predict(TEXTS, EMBEDDINGS)
    assert predicted == [LABELS[i] for i in proba.argmax(axis=1)]
    assert np.mean(np.asarray(predicted) == np.asarray(NAMES)) >= 0.9


def test_sentiment_empty_input_gives_empty_output(fitted: SentimentClassifier) -> None:
    assert fitted.predict_proba([], np.zeros((0, 16), dtype=np.float32)).shape == (0, 3)
    assert fitted.predict([], np.zeros((0, 16), dtype=np.float32)) == []


def test_sentiment_embeddings_must_match_texts(fitted: SentimentClassifier) -> None:
    with pytest.raises(ValueError, match="one row per text"):
        fitted.predict_proba(TEXTS[:3], EMBEDDINGS[:2])


@pytest.mark.parametrize(
    "labels",
    [
        [LABELS.index(n) for n in NAMES],
        [str(LABELS.index(n)) for n in NAMES],
        [{"negative": "负面", "neutral": "中性", "positive": "正面"}[n] for n in NAMES],
        [n.upper()[:3] for n in NAMES],
    ],
    ids=["ints", "digit-strings", "chinese", "short-upper"],
)
def test_sentiment_fit_accepts_names_or_numbers(
    fitted: SentimentClassifier, labels: list[object]
) -> None:
    model = _model().fit(TEXTS, labels, EMBEDDINGS)
    assert model.version == fitted.version
    np.testing.assert_allclose(
        model.predict_proba(TEXTS[:5], EMBEDDINGS[:5]),
        fitted.predict_proba(TEXTS[:5], EMBEDDINGS[:5]),
        atol=1e-6,
    )


def test_sentiment_fit_unknown_label_raises() -> None:
    labels = [*NAMES[:-1], "angry"]
    with pytest.raises(ValueError, match="unknown sentiment label 'angry'"):
        _model().fit(TEXTS, labels, EMBEDDINGS)


def test_sentiment_fit_needs_all_three_labels() -> None:
    keep = [i for i, n in enumerate(NAMES) if n != "neutral"]
    with pytest.raises(ValueError, match="negative, neutral and positive"):
        _model().fit([TEXTS[i] for i in keep], [NAMES[i] for i in keep], EMBEDDINGS[keep])


def test_sentiment_tfidf_only_model_ignores_embeddings() -> None:
    model = SentimentClassifier(n_features=2**12, embedding_scale=0).fit(TEXTS, NAMES, EMBEDDINGS)
    np.testing.assert_allclose(
        model.predict_proba(TEXTS[:4], None),  # type: ignore[arg-type]
        model.predict_proba(TEXTS[:4], _embeddings(4, seed=9)),
    )


# ------------------------------------------------------------ persistence


def test_sentiment_save_load_round_trip_without_pickle(
    fitted: SentimentClassifier, tmp_path: Path
) -> None:
    from safetensors.numpy import load_file

    folder = tmp_path / "model"
    fitted.save(folder, card={"trained_on": "unit-test"})
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "weights.safetensors"]
    assert not [p for p in folder.rglob("*") if p.suffix in (".pkl", ".pickle", ".joblib")]
    assert not (folder / "config.json").read_bytes().startswith(b"\x80")
    tensors = load_file(str(folder / "weights.safetensors"))
    assert set(tensors) == {
        "tfidf_index", "tfidf_idf", "coef_tfidf", "coef_embedding", "intercept",
        "embedding_mean", "embedding_std",
    }  # fmt: skip
    assert tensors["coef_embedding"].shape == (3, 16)
    assert tensors["coef_tfidf"].shape == (3, len(tensors["tfidf_index"]))
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    assert config["name"] == "voc.sentiment.v1"
    assert config["labels"] == ["negative", "neutral", "positive"]
    assert config["params"]["n_features"] == 2**12
    assert config["trained_on"] == "unit-test"
    assert config["digest"] == fitted.digest_

    loaded = SentimentClassifier.load(folder)
    assert loaded.classes_ == fitted.classes_
    assert loaded.version == fitted.version
    np.testing.assert_array_equal(
        loaded.predict_proba(TEXTS, EMBEDDINGS), fitted.predict_proba(TEXTS, EMBEDDINGS)
    )


def test_sentiment_load_refuses_another_model_name(
    fitted: SentimentClassifier, tmp_path: Path
) -> None:
    fitted.save(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    config["name"] = "other.model"
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match=r"'other\.model' is not 'voc\.sentiment\.v1'"):
        SentimentClassifier.load(tmp_path)


def test_sentiment_calibrate_changes_temperature_and_version(tmp_path: Path) -> None:
    model = _model().fit(TEXTS, NAMES, EMBEDDINGS)
    before_version = model.version
    before = model.predict_proba(TEXTS, EMBEDDINGS)
    assert model.calibrate(TEXTS, NAMES, EMBEDDINGS) is model
    assert model.temperature_ != 1.0
    assert 0.04 < model.temperature_ < 21
    assert model.version != before_version
    after = model.predict_proba(TEXTS, EMBEDDINGS)
    np.testing.assert_array_equal(after.argmax(axis=1), before.argmax(axis=1))
    y = np.asarray([label_index(n) for n in NAMES])
    rows = np.arange(len(y))
    assert -np.log(after[rows, y]).mean() < -np.log(before[rows, y]).mean()
    model.save(tmp_path)
    assert SentimentClassifier.load(tmp_path).temperature_ == pytest.approx(model.temperature_)
    assert SentimentClassifier.load(tmp_path).version == model.version


# ---------------------------------------------------------- shipped model

_V1 = default_model_dir().parent / "sentiment-v1"


@pytest.mark.skipif(not (_V1 / "config.json").is_file(), reason="sentiment-v1 not shipped")
def test_sentiment_shipped_model_gets_clear_cases_right() -> None:
    from voc.models.encoders import E5SmallQ4Encoder

    model = SentimentClassifier.load(_V1)
    texts = ["太好用了，转账秒到账，点赞", "垃圾软件，又闪退了", "请问信用卡分期可以提前还款吗"]
    embeddings = E5SmallQ4Encoder().encode(texts, kind="query")
    positive, negative, question = model.predict(texts, embeddings)
    assert (positive, negative) == ("positive", "negative")
    assert question != "negative"
