"""Canonical form for customer text before any mining step.

Customer feedback arrives from apps, call-centre notes, WeChat and Hong Kong /
Taiwan channels, so the same complaint can be written with full-width Latin
letters and digits, Traditional characters, stray control characters and
irregular whitespace. Every downstream step (PII masking, segmentation,
dedup, clustering) is simpler and more stable on one canonical form.

Decisions:

* Full-width ASCII forms U+FF01..U+FF5E become half-width (``ＡＴＭ１２３`` ->
  ``ATM123``, ``＠`` -> ``@``, ``％`` -> ``%``, ``～`` -> ``~``), **except** the
  Chinese sentence punctuation that shares that block: ``！（），：；？``. Those,
  together with ``。、“”‘’《》【】`` (which live outside the block), are kept
  because clause splitting relies on them and doubled marks such as ``！！！``
  carry sentiment.
* Traditional Chinese is converted to Simplified with OpenCC ``t2s``.
* Every whitespace character (``\\t \\r \\n``, NBSP, U+3000, ...) becomes a space;
  runs collapse to one space and the ends are stripped.
* Other control / format characters (Unicode Cc, Cf) and lone surrogates are
  deleted. Zero-width characters (U+200B, U+200C, U+2060, U+FEFF) are deleted
  rather than turned into a space, so ``转\\u200b账`` stays one word for the
  segmenter. A zero-width joiner between two emoji is kept so ZWJ emoji
  sequences (e.g. family emoji) survive; elsewhere it is deleted.
* Emoji and Latin punctuation (``???``, ``~``) are left alone: they carry
  sentiment.

The OpenCC converter and the translation table are built on first use, so
importing this module is cheap.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    import opencc

__all__ = ["TextNormaliser", "normalise_text"]

#: Chinese punctuation inside the full-width block that must not be converted.
KEPT_FULLWIDTH = "！（），：；？"

_ZWJ = "\u200d"
# Characters that may sit on either side of a meaningful zero-width joiner.
_EMOJI_CLASS = "\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff"
_STRAY_ZWJ_RE = re.compile(
    f"(?<![{_EMOJI_CLASS}\ufe0f\U0001f3fb-\U0001f3ff])\u200d|\u200d(?![{_EMOJI_CLASS}])"
)

# Control characters that act as line/field breaks and so become a space; the
# other Cc characters (including the U+001C..U+001F separators) are deleted.
_CONTROL_SPACES = "\t\n\x0b\x0c\r\x85"

# Unicode planes that contain every Cc/Cf/whitespace code point (checked against
# unicodedata): the BMP, the SMP and the tag block in plane 14.
_SCAN_RANGES = (range(0x0000, 0x20000), range(0xE0000, 0xE1000))


@functools.lru_cache(maxsize=1)
def _translation_table() -> dict[int, Any]:
    """Build the single-pass ``str.translate`` table (once, ~40 ms)."""
    table: dict[int, Any] = {}
    for cp in range(0xFF01, 0xFF5F):
        if chr(cp) not in KEPT_FULLWIDTH:
            table[cp] = cp - 0xFEE0
    for scan in _SCAN_RANGES:
        for cp in scan:
            ch = chr(cp)
            category = unicodedata.category(ch)
            if ch.isspace() and (category != "Cc" or ch in _CONTROL_SPACES):
                if ch != " ":
                    table[cp] = " "
            elif category in ("Cc", "Cf", "Cs"):
                table[cp] = None
    table.pop(ord(_ZWJ), None)  # handled by _STRAY_ZWJ_RE
    return table


@functools.lru_cache(maxsize=8)
def _converter(config: str) -> opencc.OpenCC:
    """Create (once per config) the OpenCC converter; loading dictionaries is slow."""
    import opencc

    return opencc.OpenCC(config)


class TextNormaliser:
    """Callable normaliser; holds the lazily created OpenCC converter.

    Args:
        opencc_config: OpenCC configuration name; ``"t2s"`` converts
            Traditional to Simplified Chinese.

    The converter is not pickled (it is a C++ object); it is recreated on first
    use after unpickling, so instances can be shipped to worker processes.
    """

    def __init__(self, opencc_config: str = "t2s") -> None:
        self.opencc_config = opencc_config
        self._cc: opencc.OpenCC | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"opencc_config": self.opencc_config}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.opencc_config = state["opencc_config"]
        self._cc = None

    @property
    def converter(self) -> opencc.OpenCC:
        """The OpenCC converter, created on first access."""
        if self._cc is None:
            self._cc = _converter(self.opencc_config)
        return self._cc

    def __call__(self, text: str) -> str:
        return self.normalise(text)

    def normalise(self, text: str) -> str:
        """Return the canonical form of ``text`` (see module docstring)."""
        if not text:
            return ""
        s = text.translate(_translation_table())
        if _ZWJ in s:
            s = _STRAY_ZWJ_RE.sub("", s)
        s = " ".join(s.split())
        if s.isascii():
            return s
        return self.converter.convert(s)


@functools.lru_cache(maxsize=1)
def _default() -> TextNormaliser:
    return TextNormaliser()


def normalise_text(text: str) -> str:
    """Normalise one customer text to the canonical form used by the pipeline.

    Full-width letters/digits/symbols become ASCII (Chinese sentence punctuation
    is kept), Traditional becomes Simplified, whitespace is collapsed and
    invisible control characters are removed. Emoji are kept.

    Args:
        text: Raw customer text.

    Returns:
        The normalised text (``""`` for empty input).
    """
    return _default().normalise(text)
