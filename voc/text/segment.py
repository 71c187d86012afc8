"""Chinese word segmentation with the finance user dictionary and stopword list.

Segmenters are chosen by name and unknown names fail (a whitespace tokenizer silently turns
Chinese sentences into single "words"). `jieba` is the one shipped; a faster binding such
as `rjieba` can be registered once it is shown to cut the same with the user dictionary.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from voc.resources import data_path

_WORDLIKE = re.compile(r"[\u4e00-\u9fffA-Za-z]")
_NUMBERISH = re.compile(r"^[\d.,%:：/\-+]+$")


def default_userdict() -> Path:
    """The shipped finance/banking jieba dictionary."""
    return data_path("lexicons", "finance_userdict.txt")


def default_stopwords() -> Path:
    """The shipped stopword list."""
    return data_path("lexicons", "stopwords.txt")


@lru_cache(maxsize=8)
def load_stopwords(path: Path) -> frozenset[str]:
    """One word per line; blank lines ignored."""
    with open(path, encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


class JiebaSegmenter:
    """jieba with the finance user dictionary; `tokens` drops stopwords, numbers, punctuation.

    Args:
        userdict: jieba user dictionary (`word freq pos` lines); None: the shipped one.
        stopwords: stopword file used by `tokens`; None: the shipped list.
        hmm: jieba's HMM for unknown words.
    """

    name = "jieba"

    def __init__(
        self,
        userdict: Path | None = None,
        stopwords: Path | None = None,
        hmm: bool = True,
    ) -> None:
        self.userdict = userdict if userdict is not None else default_userdict()
        self.stopwords = stopwords if stopwords is not None else default_stopwords()
        self.hmm = hmm
        self._tokenizer = None
        self._stop: frozenset[str] = frozenset()

    def _ready(self):  # type: ignore[no-untyped-def]
        if self._tokenizer is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            if self.userdict:
                tokenizer.load_userdict(str(self.userdict))
            self._stop = load_stopwords(self.stopwords) if self.stopwords else frozenset()
            self._tokenizer = tokenizer
        return self._tokenizer

    def cut(self, text: str) -> list[str]:
        """Every word of `text` in order, whitespace removed."""
        return [w for w in self._ready().lcut(text, HMM=self.hmm) if w.strip()]

    def tokens(self, text: str) -> list[str]:
        """Content words for vectorizers: no stopwords, no numbers, no punctuation."""
        words = self.cut(text)
        return [
            w.lower()
            for w in words
            if w not in self._stop and _WORDLIKE.search(w) and not _NUMBERISH.match(w)
        ]

    def __call__(self, text: str) -> list[str]:
        """Callable form for `CountVectorizer(tokenizer=segmenter)`."""
        return self.tokens(text)


SEGMENTERS: dict[str, Callable[..., JiebaSegmenter]] = {"jieba": JiebaSegmenter}


def make_segmenter(name: str = "jieba", **options: object) -> JiebaSegmenter:
    """A segmenter by name; unknown names fail with the valid ones."""
    try:
        factory = SEGMENTERS[name]
    except KeyError:
        raise ValueError(f"unknown segmenter {name!r}; valid: {sorted(SEGMENTERS)}") from None
    return factory(**options)
