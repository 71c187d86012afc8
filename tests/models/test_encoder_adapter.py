"""Tests for voc.models.encoder_adapter (rebuilt e5 + fine-tuned top-layer delta)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from voc.config import Settings
from voc.models.base_build import read_build_info
from voc.models.encoder_adapter import (
    ADAPTER_NAME,
    DELTA_FILE,
    adapted_encoder,
    adapter_thresholds,
    default_adapter_dir,
)
from voc.models.encoders import make_encoder

TEXTS = ["转账失败怎么办", "转账一直不成功", "信用卡年费太贵"]


def _write_adapter(folder: Path, base: Path, overrides: dict | None = None) -> Path:
    """An adapter whose delta shifts one top-layer bias (enough to move every vector)."""
    import torch
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    delta = {"encoder.layer.11.output.dense.bias": torch.full((384,), 0.5).half()}
    save_file(delta, str(folder / DELTA_FILE))
    config = {
        "name": ADAPTER_NAME,
        "encoder_name": "e5-test-adapter",
        "prefixes": {"query": "query: ", "passage": "query: "},
        "base": {"source_sha256": (read_build_info(base) or {})["source_sha256"]},
        "thresholds": {"link_threshold": 0.7, "touchpoint_min_similarity": 0.8},
    }
    config.update(overrides or {})
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def test_adapter_loads_its_delta_over_the_base(base_dir: Path, tmp_path: Path) -> None:
    folder = _write_adapter(tmp_path / "a", base_dir)
    adapted = adapted_encoder(folder, model_path=base_dir)
    base = make_encoder("e5-small-torch", model_path=base_dir)
    moved = adapted.encode(TEXTS, kind="query")
    frozen = base.encode(TEXTS, kind="query")
    assert adapted.name == "e5-test-adapter" and moved.shape == frozen.shape
    np.testing.assert_allclose(np.linalg.norm(moved, axis=1), 1.0, rtol=1e-4)
    assert float(np.min(np.sum(moved * frozen, axis=1))) < 0.999  # the delta took effect
    # symmetric prefixes: a passage is embedded exactly like a query
    np.testing.assert_allclose(adapted.encode(TEXTS, kind="passage"), moved, atol=1e-6)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "voc.sentiment.ft"}, "is not 'voc.encoder.adapter'"),
        ({"base": {"source_sha256": "0" * 64}}, "trained on base '0000"),
    ],
)
def test_adapter_refuses_mismatches(
    base_dir: Path, tmp_path: Path, overrides: dict, message: str
) -> None:
    folder = _write_adapter(tmp_path / "a", base_dir, overrides)
    with pytest.raises(ValueError, match=message):
        adapted_encoder(folder, model_path=base_dir)


def test_adapter_refuses_tensors_the_model_lacks(base_dir: Path, tmp_path: Path) -> None:
    import torch
    from safetensors.torch import save_file

    folder = _write_adapter(tmp_path / "a", base_dir)
    save_file({"encoder.layer.99.output.dense.bias": torch.zeros(384)}, str(folder / DELTA_FILE))
    with pytest.raises(ValueError, match="tensors not in the model"):
        adapted_encoder(folder, model_path=base_dir).encode(["x"])


def test_shipped_adapter_sets_its_thresholds_unless_given() -> None:
    shipped = adapter_thresholds(default_adapter_dir())
    assert set(shipped) == {
        "link_threshold",
        "touchpoint_min_similarity",
        "problem_group_similarity",
        "topic_same_similarity",
    }
    settings = Settings(encoder="e5-small-bank")
    for field, value in shipped.items():
        assert getattr(settings, field) == value
    explicit = Settings(encoder="e5-small-bank", link_threshold=0.8)
    assert explicit.link_threshold == 0.8
    frozen = Settings(encoder="e5-small-torch")
    assert (frozen.link_threshold, frozen.problem_group_similarity) == (0.92, 0.35)
    assert frozen.topic_same_similarity == 0.95


def test_shipped_adapter_brings_paraphrases_closer(base_dir: Path) -> None:
    """Same-problem bank questions: the adapter should not rank them below an unrelated one."""
    adapted = make_encoder("e5-small-bank", model_path=base_dir)
    vectors = adapted.encode(TEXTS, kind="query")
    assert adapted.name == "e5-small-bank"
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2]) + 0.2
