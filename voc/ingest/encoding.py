"""Detect a text file's encoding and decode it line by line, so one bad line loses one row.

Chinese bank exports arrive as UTF-8 (with or without BOM) or GBK/GB18030 from Excel on
Windows. Both are stateless encodings, so every physical line can be decoded on its own:
a line with bytes that do not decode is marked bad instead of killing the whole file.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from voc.ingest.errors import FileError

SAMPLE_BYTES = 256 * 1024


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path, sample_bytes: int = SAMPLE_BYTES) -> str:
    """Best encoding for `path`: BOM first, then UTF-8, then GB18030 (a GBK superset).

    The vote is per line over the sample's non-ASCII lines, so a few lines with bad bytes do
    not change the answer (those lines are rejected later); GBK text is almost never valid
    UTF-8, so a majority of UTF-8 lines is decisive.
    """
    with open(path, "rb") as handle:
        sample = handle.read(sample_bytes)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    lines = sample.split(b"\n")
    if len(sample) == sample_bytes and len(lines) > 1:
        lines.pop()  # the sample may end in the middle of a character
    wide = [line for line in lines if not line.isascii()]
    if not wide:
        return "utf-8"
    for candidate in ("utf-8", "gb18030"):
        if sum(_decodes(line, candidate) for line in wide) * 2 > len(wide):
            return candidate
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise FileError(f"{path}: cannot detect the text encoding; pass --encoding")
    return best.encoding


class DecodedLines:
    """Iterate the decoded physical lines of a binary stream, remembering undecodable ones.

    `line_no` is the 1-based number of the last line handed out; `bad_lines` holds the numbers
    of lines whose bytes did not decode (they are handed out with replacement characters).
    """

    def __init__(self, stream: BinaryIO, encoding: str) -> None:
        name = codecs.lookup(encoding).name
        self._stream = stream
        self._encoding = "utf-8" if name == "utf-8-sig" else name
        self.line_no = 0
        self.bad_lines: set[int] = set()

    def __iter__(self) -> Iterator[str]:
        if self._encoding.lower().startswith("utf-16"):
            yield from self._iter_wide()
            return
        for raw in self._stream:
            self.line_no += 1
            if self.line_no == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                yield raw.decode(self._encoding)
            except UnicodeDecodeError:
                self.bad_lines.add(self.line_no)
                yield raw.decode(self._encoding, errors="replace")

    def _iter_wide(self) -> Iterator[str]:
        # UTF-16 lines cannot be split on b"\n"; decode through a text wrapper instead.
        import io

        text = io.TextIOWrapper(self._stream, encoding=self._encoding, errors="replace", newline="")
        for line in text:
            self.line_no += 1
            if "\ufffd" in line:
                self.bad_lines.add(self.line_no)
            yield line


def check_encoding_name(encoding: str) -> str:
    """Validate a user-given encoding name, failing with the name that arrived."""
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise FileError(
            f"unknown encoding {encoding!r}; try utf-8, utf-8-sig, gbk or gb18030"
        ) from exc
    return encoding
