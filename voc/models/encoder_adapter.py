"""The rebuilt e5 with a fine-tuned retrieval adapter: bank questions that mean the same
thing land closer together than with the general-purpose weights.

The adapter folder (`data/models/retrieval-v1`) holds only the fine-tuned top layers
(`delta.safetensors`, fp16) and a `config.json` naming the base it was trained on (checked
by source hash), the encoder name its vectors are stored under, the prefixes it was trained
with, and the cosine thresholds chosen for it (its cosines run lower than the frozen
model's, so the link and touchpoint thresholds differ; see the model card).
"""

from __future__ import annotations

import json
from pathlib import Path

from voc.models.base_build import DELTA_FILE
from voc.models.encoders import SentenceTransformerEncoder
from voc.resources import data_path

ADAPTER_NAME = "voc.encoder.adapter"


def default_adapter_dir() -> Path:
    """The shipped retrieval adapter."""
    return data_path("models", "retrieval-v1")


def read_adapter_config(folder: Path) -> dict:
    """The adapter's `config.json`, refused unless it names itself as an encoder adapter."""
    config = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8"))
    if config.get("name") != ADAPTER_NAME:
        raise ValueError(f"{folder}: {config.get('name')!r} is not {ADAPTER_NAME!r}")
    return config


def adapted_encoder(
    folder: Path | None = None,
    threads: int | None = None,
    batch_size: int = 32,
    model_path: Path | None = None,
    dtype: str = "float32",
) -> SentenceTransformerEncoder:
    """The rebuilt base (built first if missing) with the adapter's tensors loaded over it.

    Args:
        folder: adapter folder (default: the shipped `retrieval-v1`).
        model_path: the rebuilt base folder (default: build or reuse it in the models cache).
    """
    from voc.models.base_build import build_base, check_trained_on

    folder = Path(folder) if folder is not None else default_adapter_dir()
    config = read_adapter_config(folder)
    base = Path(model_path) if model_path is not None else build_base().path
    check_trained_on(base, config["base"]["source_sha256"], folder)
    return SentenceTransformerEncoder(
        base,
        prefixes=config["prefixes"],
        batch_size=batch_size,
        threads=threads,
        name=config["encoder_name"],
        dtype=dtype,
        delta=folder / DELTA_FILE,
    )


def adapter_thresholds(folder: Path | None = None) -> dict[str, float]:
    """Thresholds chosen for the adapter's cosine scale (`link_threshold`, ...)."""
    config = read_adapter_config(folder or default_adapter_dir())
    return {k: float(v) for k, v in config.get("thresholds", {}).items()}
