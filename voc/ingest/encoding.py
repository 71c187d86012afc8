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


_EXPECTED = (
    (0x00A0, 0x024F),  # Latin-1 supplement and extended Latin (names, currency signs)
    (0x2000, 0x206F),  # general punctuation
    (0x2100, 0x27BF),  # symbols, arrows, dingbats
    (0x3000, 0x303F),  # CJK punctuation
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xFF00, 0xFFEF),  # full-width forms
    (0x1F000, 0x1FAFF),  # emoji
)


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _expected_share(text: str) -> float:
    """Share of non-ASCII characters that Chinese feedback plausibly contains."""
    wide = [ch for ch in text if ord(ch) > 127]
    if not wide:
        return 1.0
    return sum(any(lo <= ord(ch) <= hi for lo, hi in _EXPECTED) for ch in wide) / len(wide)


def _gbk_read_as_utf8(lines: list[bytes]) -> bool:
    """True when short GBK text happens to be valid UTF-8 too (转 = D7 AA = Hebrew ת).

    Only flips the verdict when the UTF-8 reading is mostly implausible characters and the
    GB18030 reading is almost all plausible, so genuine UTF-8 text never loses.
    """
    as_utf8 = "".join(x.decode("utf-8", "replace") for x in lines)
    as_gbk = "".join(x.decode("gb18030", "replace") for x in lines)
    return _expected_share(as_utf8) < 0.5 and _expected_share(as_gbk) >= 0.9


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
    majority = [
        c for c in ("utf-8", "gb18030") if sum(_decodes(x, c) for x in wide) * 2 > len(wide)
    ]
    if majority == ["utf-8", "gb18030"] and _gbk_read_as_utf8(wide):
        return "gb18030"
    if majority:
        return majority[0]
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
