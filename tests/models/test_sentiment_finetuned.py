"""Tests for voc.models.sentiment_finetuned (base + delta loading, checks, calibration)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from voc.config import Settings
from voc.models.base_build import default_output_dir, read_build_info
from voc.models.sentiment_finetuned import DELTA_FILE, LABELS, NAME, FinetunedSentiment
from voc.registry import build_sentiment

TEXTS = ["太好用了，转账秒到账", "垃圾软件，又闪退了", "请问信用卡分期可以提前还款吗"]


def _write_model(folder: Path, base: Path, overrides: dict | None = None) -> Path:
    """A model folder whose delta is a seeded head plus one shifted top-layer bias."""
    import torch
    from safetensors.torch import save_file

    generator = torch.Generator().manual_seed(7)
    delta = {
        "head.weight": torch.randn(3, 384, generator=generator) * 0.5,
        "head.bias": torch.zeros(3),
        "encoder.encoder.layer.11.output.dense.bias": torch.full((384,), 0.01).half(),
    }
    folder.mkdir(parents=True, exist_ok=True)
    save_file(delta, str(folder / DELTA_FILE))
    config = {
        "name": NAME,
        "labels": list(LABELS),
        "prefix": "query: ",
        "base": {"source_sha256": (read_build_info(base) or {})["source_sha256"]},
        "recipe": {"mode": "top", "top_layers": 1, "max_len": 64},
        "temperature": 1.0,
    }
    config.update(overrides or {})
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def test_sentiment_finetuned_loads_base_plus_delta(base_dir: Path, tmp_path: Path) -> None:
    model = FinetunedSentiment.load(_write_model(tmp_path / "m", base_dir), base=base_dir)
    proba = model.predict_proba(TEXTS)
    assert proba.shape == (3, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert model.predict(TEXTS) == [LABELS[i] for i in proba.argmax(axis=1)]
    assert model.version.startswith(f"{NAME}:") and "unloaded" not in model.version
    assert model.predict_proba([]).shape == (0, 3)
    bias = model.net_.encoder.encoder.layer[11].output.dense.bias
    assert float(bias.detach().float().mean()) == pytest.approx(0.01, abs=1e-4)


def test_sentiment_finetuned_batches_do_not_change_results(base_dir: Path, tmp_path: Path) -> None:
    folder = _write_model(tmp_path / "m", base_dir)
    one = FinetunedSentiment(folder, base=base_dir, batch_size=1)._load().predict_proba(TEXTS)
    many = FinetunedSentiment.load(folder, base=base_dir).predict_proba(TEXTS)
    np.testing.assert_allclose(one, many, atol=1e-5)


def test_sentiment_finetuned_calibrate_sets_temperature(base_dir: Path, tmp_path: Path) -> None:
    model = FinetunedSentiment.load(_write_model(tmp_path / "m", base_dir), base=base_dir)
    before = model.version
    assert model.calibrate(TEXTS * 4, [2, 0, 1] * 4) is model
    assert model.weights_[0] != 1.0 and model.weights_[1] == 0.0  # no TF-IDF part: a temperature
    assert model.version != before


def test_sentiment_finetuned_pools_with_a_linear_part(base_dir: Path, tmp_path: Path) -> None:
    from voc.models.sentiment import SentimentClassifier

    texts = ["转账失败，太差了", "服务很好，点赞", "请问怎么开户"] * 4
    labels = [0, 2, 1] * 4
    folder = _write_model(tmp_path / "m", base_dir, {"linear": "linear", "weights": [1.0, 1.0]})
    tfidf = SentimentClassifier(n_features=2**12, min_df=1, embedding_scale=0)
    tfidf.fit(texts, labels, np.zeros((len(texts), 1), dtype=np.float32)).save(folder / "linear")
    pooled = FinetunedSentiment.load(folder, base=base_dir)
    alone = FinetunedSentiment.load(_write_model(tmp_path / "n", base_dir), base=base_dir)
    assert pooled.linear_ is not None and pooled.version != alone.version
    assert not pooled.needs_embeddings and not alone.needs_embeddings
    expected = np.log(tfidf.predict_proba(TEXTS, None) + 1e-9) + alone.logits(TEXTS)
    expected = np.exp(expected - expected.max(axis=1, keepdims=True))
    np.testing.assert_allclose(
        pooled.predict_proba(TEXTS), expected / expected.sum(axis=1, keepdims=True), atol=1e-5
    )
    pooled.calibrate(texts, labels)
    assert pooled.weights_[1] > 0  # the TF-IDF part fits these texts, so it earns weight


def test_sentiment_finetuned_pools_experts_per_source(base_dir: Path, tmp_path: Path) -> None:
    from voc.models.sentiment_experts import SourceExperts
    from voc.models.sentiment_finetuned import pool_experts

    texts = ["转账失败，太差了", "服务很好，点赞", "请问怎么开户", "外卖太慢了", "外卖很好吃"] * 3
    labels = [0, 2, 1, 0, 2] * 3
    sources = ["bank", "bank", "bank", "takeaway", "takeaway"] * 3
    weights = [[1.0, 0.5], [0.5, 2.0]]
    folder = _write_model(
        tmp_path / "m", base_dir, {"experts": "experts", "source_weights": weights}
    )
    experts = SourceExperts(min_df=1, gate_min_df=1).fit(texts, labels, sources)
    experts.save(folder / "experts")
    pooled = FinetunedSentiment.load(folder, base=base_dir)
    alone = FinetunedSentiment.load(_write_model(tmp_path / "n", base_dir), base=base_dir)
    assert pooled.experts_ is not None and pooled.version != alone.version
    gate, expert_log = experts.parts(TEXTS)
    expected = np.zeros((len(TEXTS), 3))
    for g, (a, b) in enumerate(weights):
        z = a * alone.logits(TEXTS) + b * expert_log[:, g]
        z = np.exp(z - z.max(axis=1, keepdims=True))
        expected += gate[:, g : g + 1] * z / z.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(pooled.predict_proba(TEXTS), expected, atol=1e-5)
    np.testing.assert_allclose(
        pool_experts(alone.logits(TEXTS), gate, expert_log, np.array(weights)), expected, atol=1e-5
    )
    with pytest.raises(ValueError, match="'other' column"):
        pool_experts(alone.logits(TEXTS), np.ones((3, 3)) / 3, expert_log, np.array(weights))
    before = pooled.version
    pooled.calibrate(texts, labels)
    assert pooled.source_weights_.shape == (2, 2) and pooled.version != before
    assert (pooled.source_weights_[:, 1] > 0.01).any()  # the experts fit these texts


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "voc.sentiment.v1"}, "is not 'voc.sentiment.ft'"),
        ({"base": {"source_sha256": "0" * 64}}, "trained on base '0000"),
        ({"recipe": {"mode": "lora", "max_len": 64}}, "LoRA deltas are not supported"),
    ],
)
def test_sentiment_finetuned_refuses_mismatches(
    base_dir: Path, tmp_path: Path, overrides: dict, message: str
) -> None:
    folder = _write_model(tmp_path / "m", base_dir, overrides)
    with pytest.raises(ValueError, match=message):
        FinetunedSentiment.load(folder, base=base_dir)


def test_sentiment_finetuned_predict_before_load_raises(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="not loaded"):
        FinetunedSentiment(tmp_path).predict_proba(TEXTS)


def test_registry_builds_sentiment_by_config_name(base_dir: Path, tmp_path: Path) -> None:
    if base_dir != default_output_dir():
        pytest.skip("the registry loads the base from the models cache")
    folder = _write_model(tmp_path / "m", base_dir)
    model = build_sentiment(Settings(sentiment_model=folder, encoder_dtype="float32"))
    assert isinstance(model, FinetunedSentiment)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config["name"] = "voc.sentiment.v9"
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(ValueError, match=r"unknown sentiment model 'voc\.sentiment\.v9'"):
        build_sentiment(Settings(sentiment_model=folder))


def test_sentiment_finetuned_shipped_model_gets_clear_bank_cases_right() -> None:
    """The shipped sentiment-v3 on plain bank feedback (its dev figures are in the card)."""
    from voc.models.sentiment import default_model_dir

    model = build_sentiment(Settings(sentiment_model=default_model_dir()))
    assert isinstance(model, FinetunedSentiment)
    texts = [
        "太好用了，转账秒到账，点赞",
        "垃圾软件，又闪退了",
        "客服态度很差，打了三次电话都没解决",
        "请问信用卡分期可以提前还款吗",
    ]
    positive, negative, complaint, question = model.predict(texts)
    assert (positive, negative, complaint) == ("positive", "negative", "negative")
    assert question != "negative"
