"""The rebuilt e5 with a fine-tuned retrieval adapter: bank questions that mean the same
thing land closer together than with the general-purpose weights.

The adapter folder (`data/models/retrieval-v1`) holds only the fine-tuned top layers
(`delta.safetensors`, fp16) and a `config.json` naming the base it was trained on (checked
by source hash), the encoder name its vectors are stored under, the prefixes it was trained
with, and the cosine thresholds chosen for it (its cosines run on another scale than the
frozen model's, so the link, touchpoint, problem-grouping and topic-identity thresholds
differ; see the model card).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path

from voc.models.base_build import DELTA_FILE
from voc.models.encoders import SentenceTransformerEncoder
from voc.resources import data_path

ADAPTER_NAME = "voc.encoder.adapter"
# Every cosine threshold the pipeline applies: an adapter must bring each on its own scale.
THRESHOLDS = (
    "link_threshold",
    "touchpoint_min_similarity",
    "problem_group_similarity",
    "topic_same_similarity",
)


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


def adapter_thresholds(folder: Path | None = None, given: Collection[str] = ()) -> dict[str, float]:
    """Thresholds chosen for the adapter's cosine scale (all of `THRESHOLDS`).

    Refused when one is missing and not `given` by the user: the frozen model's value would
    silently mean something else on this scale.
    """
    folder = folder or default_adapter_dir()
    found = {k: float(v) for k, v in read_adapter_config(folder).get("thresholds", {}).items()}
    missing = [name for name in THRESHOLDS if name not in found and name not in given]
    if missing:
        raise ValueError(
            f"{folder}: config.json lacks thresholds {missing} for its cosine scale; "
            "see training/package_retrieval.py and training/match_cosine_scale.py"
        )
    return found
