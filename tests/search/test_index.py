"""VectorIndex on real FAISS with tiny synthetic data (both index kinds)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voc.search.index import (
    CorruptIndexError,
    IndexMismatchError,
    VectorIndex,
    id_to_int64,
    ids_path,
    meta_path,
    open_or_rebuild,
)

DIM = 32
ENCODER = "test-encoder"
ONE = {"batch_threads": 1}  # the test machine is shared: OpenMP on busy cores crawls


def clustered(n: int, dim: int = DIM, clusters: int = 20, seed: int = 0) -> np.ndarray:
    """Normalised Gaussian-mixture vectors (a shared direction plus cluster plus noise)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim))
    x = centres[rng.integers(0, clusters, n)] + 0.6 * rng.standard_normal((n, dim))
    x = (x + 1.5 * np.ones(dim) / np.sqrt(dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def exact_top(base: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-(queries @ base.T), axis=1)[:, :k]


def build(path: Path, n: int, large: bool, seed: int = 0) -> tuple[VectorIndex, np.ndarray]:
    """An index of n vectors with ids 1000..; `large` lowers the threshold to take HNSW."""
    x = clustered(n, seed=seed)
    threshold = n // 2 if large else 100_000
    index = VectorIndex.create(
        path, ENCODER, DIM, expected_size=n, large_threshold=threshold, **ONE
    )
    index.add(np.arange(1000, 1000 + n), x)
    assert index.kind == ("hnsw_fp16" if large else "flat")
    return index, x


def loader(x: np.ndarray, calls: list[int], batch: int = 150):
    """A store stand-in: yields (ids, vectors) batches and counts how often it is read."""

    def load_all():
        calls.append(1)
        for start in range(0, len(x), batch):
            stop = min(start + batch, len(x))
            yield np.arange(1000 + start, 1000 + stop), x[start:stop]

    return load_all


@pytest.mark.parametrize("large", [False, True], ids=["flat", "hnsw"])
def test_index_add_search_top1_is_itself(tmp_path: Path, large: bool) -> None:
    index, x = build(tmp_path / "i.faiss", 600, large)
    scores, ids = index.search(x[:50], k=5)
    assert ids.shape == scores.shape == (50, 5)
    assert (ids[:, 0] == np.arange(1000, 1050)).all()
    assert (np.diff(scores, axis=1) <= 1e-6).all()
    one_scores, one_ids = index.search(x[7], k=1)
    assert one_ids.tolist() == [[1007]]
    assert one_scores[0, 0] == pytest.approx(1.0, abs=0.02)


def test_index_pads_missing_results(tmp_path: Path) -> None:
    index = VectorIndex.create(tmp_path / "i.faiss", ENCODER, DIM)
    scores, ids = index.search(clustered(2), k=3)
    assert (ids == -1).all() and np.isneginf(scores).all()
    index.add([5, 6], clustered(2))
    scores, ids = index.search(clustered(1), k=3)
    assert sorted(ids[0, :2].tolist()) == [5, 6] and ids[0, 2] == -1
    assert np.isneginf(scores[0, 2])


@pytest.mark.parametrize("large", [False, True], ids=["flat", "hnsw"])
def test_index_remove_never_returns_removed(tmp_path: Path, large: bool) -> None:
    index, x = build(tmp_path / "i.faiss", 600, large)
    gone = np.arange(1000, 1600, 3)
    assert index.remove(gone) == len(gone)
    assert index.remove(gone) == 0
    assert len(index) == 600 - len(gone)
    _, ids = index.search(x, k=10)
    assert not np.isin(ids, gone).any()
    assert (ids >= 0).all()


@pytest.mark.parametrize("large", [False, True], ids=["flat", "hnsw"])
def test_index_readd_replaces(tmp_path: Path, large: bool) -> None:
    index, x = build(tmp_path / "i.faiss", 600, large)
    moved = clustered(10, seed=99)  # ids 1000..1009 now carry other vectors
    index.add(np.arange(1000, 1010), moved)
    assert len(index) == 600
    _, ids = index.search(moved, k=1)
    assert ids[:, 0].tolist() == list(range(1000, 1010))
    _, ids = index.search(x[:10], k=10)
    assert [row.tolist().count(1000 + i) for i, row in enumerate(ids)] == [0] * 10
    index.add([1, 1], x[:2])  # duplicates in one batch: the last one wins
    assert len(index) == 601
    assert index.search(x[1], k=1)[1][0, 0] == 1


@pytest.mark.parametrize("large", [False, True], ids=["flat", "hnsw"])
def test_index_save_load_round_trip(tmp_path: Path, large: bool) -> None:
    path = tmp_path / "sub" / "i.faiss"
    index, x = build(path, 600, large)
    index.remove([1001, 1002])
    index.save()
    assert meta_path(path).is_file() and ids_path(path).is_file()
    loaded = VectorIndex.load(path, ENCODER, DIM)
    assert (loaded.kind, len(loaded)) == (index.kind, 598)
    assert loaded.meta.ef_search == index.meta.ef_search
    before, after = index.search(x[:40], k=10), loaded.search(x[:40], k=10)
    np.testing.assert_array_equal(before[1], after[1])
    np.testing.assert_array_equal(before[0], after[0])


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[: min(64, len(data))] = b"\x07" * min(64, len(data))
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_truncate, _garble], ids=["truncated", "garbage"])
def test_index_corrupt_file_raises_and_rebuilds(tmp_path: Path, damage) -> None:
    path = tmp_path / "i.faiss"
    index, x = build(path, 300, large=False)
    index.save()
    expected = index.search(x[:20], k=5)
    damage(path)
    with pytest.raises(CorruptIndexError):
        VectorIndex.load(path, ENCODER, DIM)
    with pytest.raises(CorruptIndexError):  # faiss itself refuses it too
        VectorIndex.load(path, ENCODER, DIM, verify=False)
    calls: list[int] = []
    rebuilt = open_or_rebuild(path, ENCODER, DIM, loader(x, calls), expected_size=300)
    assert calls == [1] and len(rebuilt) == 300
    got = rebuilt.search(x[:20], k=5)
    np.testing.assert_array_equal(got[1], expected[1])
    np.testing.assert_allclose(got[0], expected[0], rtol=1e-6)
    assert len(VectorIndex.load(path, ENCODER, DIM)) == 300  # the rebuild was saved


def test_index_inconsistent_meta_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "i.faiss"
    index, _ = build(path, 100, large=False)
    index.save()
    meta_path(path).write_text("{not json", encoding="utf-8")
    with pytest.raises(CorruptIndexError):
        VectorIndex.load(path, ENCODER, DIM)
    ids_path(path).unlink()
    with pytest.raises(CorruptIndexError, match="missing"):
        VectorIndex.load(path, ENCODER, DIM)


def test_index_bad_sync_mark_is_corrupt_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "i.faiss"
    index, _ = build(path, 50, large=False)
    index.meta.synced_until = "2026-10-05T12:00:00"
    index.save()
    assert VectorIndex.load(path, ENCODER, DIM).meta.synced_until == "2026-10-05T12:00:00"
    text = meta_path(path).read_text(encoding="utf-8")
    meta_path(path).write_text(text.replace("2026-10-05T12:00:00", "yesterday"), encoding="utf-8")
    with pytest.raises(CorruptIndexError, match="synced_until"):
        VectorIndex.load(path, ENCODER, DIM)


def test_index_missing_file_rebuilds(tmp_path: Path) -> None:
    path = tmp_path / "none" / "i.faiss"
    x = clustered(300)
    with pytest.raises(CorruptIndexError, match="missing"):
        VectorIndex.load(path, ENCODER, DIM)
    calls: list[int] = []
    index = open_or_rebuild(path, ENCODER, DIM, loader(x, calls))
    assert calls == [1] and len(index) == 300 and path.is_file()
    again = open_or_rebuild(path, ENCODER, DIM, loader(x, calls))
    assert calls == [1] and len(again) == 300  # loaded, not rebuilt


def test_index_encoder_mismatch_is_refused_not_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "i.faiss"
    index, x = build(path, 100, large=False)
    index.save()
    with pytest.raises(IndexMismatchError, match=r"'test-encoder'.*'other-encoder'"):
        VectorIndex.load(path, "other-encoder", DIM)
    with pytest.raises(IndexMismatchError, match="dim 64"):
        VectorIndex.load(path, ENCODER, 64)
    calls: list[int] = []
    with pytest.raises(IndexMismatchError):
        open_or_rebuild(path, "other-encoder", DIM, loader(x, calls))
    assert calls == []
    assert VectorIndex.load(path, ENCODER, DIM).meta.encoder == ENCODER  # left untouched


def test_index_kind_follows_size_and_large_kind_keeps_recall(tmp_path: Path) -> None:
    small = VectorIndex.create(tmp_path / "s.faiss", ENCODER, DIM, expected_size=50)
    small.add(np.arange(50), clustered(50))
    assert small.kind == "flat" and small.meta.ef_search == 0

    data = clustered(5_200, clusters=50, seed=1)
    base, queries = data[:5_000], data[5_000:]
    large = VectorIndex.create(
        tmp_path / "l.faiss", ENCODER, DIM, expected_size=5_000, large_threshold=2_000, **ONE
    )
    for start in range(0, 5_000, 1_000):
        large.add(np.arange(start, start + 1_000), base[start : start + 1_000])
    assert large.kind == "hnsw_fp16" and len(large) == 5_000
    assert large.meta.ef_search > 0 and large.meta.calibrated_recall >= 0.95
    _, ids = large.search(queries, k=10)
    truth = exact_top(base, queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, truth, strict=True)])
    assert recall >= 0.95


def test_index_grows_from_flat_when_threshold_crossed(tmp_path: Path) -> None:
    index = VectorIndex.create(tmp_path / "g.faiss", ENCODER, DIM, large_threshold=400, **ONE)
    x = clustered(500)
    index.add(np.arange(300), x[:300])
    assert index.kind == "flat"
    index.add(np.arange(300, 500), x[300:])
    assert index.kind == "hnsw_fp16" and len(index) == 500 and index.meta.ef_search > 0
    assert index.search(x[42], k=1)[1][0, 0] == 42


def test_index_tombstone_heavy_index_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "t.faiss"
    index, x = build(path, 600, large=True)
    index.remove(np.arange(1000, 1300))
    index.save()
    calls: list[int] = []
    rebuilt = open_or_rebuild(
        path, ENCODER, DIM, loader(x[300:], calls), max_dead_fraction=0.2, **ONE
    )
    assert calls == [1] and rebuilt.dead_fraction == 0.0 and len(rebuilt) == 300


def test_index_single_query_uses_one_thread(tmp_path: Path) -> None:
    import faiss

    index, x = build(tmp_path / "i.faiss", 100, large=False)
    index.search(x[0], k=1)
    assert faiss.omp_get_max_threads() == 1


def test_index_id_to_int64_is_stable_and_non_negative() -> None:
    hex_id = "ffffffffffffffff0123456789abcdef"
    assert id_to_int64(hex_id) == id_to_int64(hex_id) == 2**60 - 1
    assert id_to_int64("0" * 32) == 0
    rng = np.random.default_rng(0)
    values = [id_to_int64(rng.bytes(16).hex()) for _ in range(200)]
    assert all(0 <= v < 2**63 for v in values) and len(set(values)) == 200
    with pytest.raises(ValueError):
        id_to_int64("xyz")
    with pytest.raises(ValueError):
        id_to_int64("g" * 32)


def test_index_accepts_hex_ids(tmp_path: Path) -> None:
    index = VectorIndex.create(tmp_path / "h.faiss", ENCODER, DIM)
    keys = ["a" * 32, "b" * 32]
    index.add(keys, clustered(2))
    _, ids = index.search(clustered(2), k=2)
    assert set(ids[0].tolist()) == {id_to_int64(k) for k in keys}
    assert index.remove(["a" * 32]) == 1 and len(index) == 1
    with pytest.raises(ValueError, match=">= 0"):
        index.add(np.array([-5]), clustered(1))
