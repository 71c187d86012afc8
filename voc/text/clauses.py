"""Split feedback into clauses, so "界面好看，但是审批太慢" scores as praise + complaint.

Clauses end at sentence punctuation (。！？；… and newlines). A comma ends a clause only
when a turn word (但是, 不过, 可是, 然而, 就是, 只是, 结果…) follows it; the strong turn words
also split without a comma ("界面好看但是审批太慢"). Short comma-joined phrases stay together
so "转账一直转圈，最后提示系统繁忙" keeps its subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TURN_WORDS = ("但是", "不过", "可是", "然而", "就是", "只是", "结果", "但", "却")
STRONG_TURN_WORDS = ("但是", "不过", "可是", "然而")
_SENTENCE_END = re.compile(r"[。！？!?；;…\n]+|\.{3,}|(?<![0-9A-Za-z])\.(?![0-9A-Za-z])")
_COMMA_TURN = re.compile(r"[，,、~～\s]+(?=(?:" + "|".join(TURN_WORDS) + "))")
_STRONG_TURN = re.compile(r"(?<=[^\s，,。！？!?；;])(?=(?:" + "|".join(STRONG_TURN_WORDS) + "))")
_CONTENT = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]")


@dataclass(frozen=True, slots=True)
class Clause:
    """A clause with its character span in the original text."""

    text: str
    start: int
    end: int


def _split_at(
    pattern: re.Pattern[str], spans: list[tuple[int, int]], text: str
) -> list[tuple[int, int]]:
    out = []
    for start, end in spans:
        cursor = start
        for match in pattern.finditer(text, start, end):
            if match.start() > cursor:
                out.append((cursor, match.start()))
            cursor = max(cursor, match.end())
        if cursor < end:
            out.append((cursor, end))
    return out


def split_clauses(text: str, min_chars: int = 2) -> list[Clause]:
    """Clauses of `text`; pieces with fewer than `min_chars` word characters join a neighbour.

    Trailing punctuation such as ！！ or ？ stays with the clause it closes (it carries tone).
    """
    spans = _split_at(_COMMA_TURN, _sentence_spans(text), text)
    spans = _split_at(_STRONG_TURN, spans, text)
    clauses: list[Clause] = []
    for start, end in spans:
        piece = text[start:end].strip().strip("，,、").strip()
        if not piece:
            continue
        offset = text.index(piece, start)
        clause = Clause(piece, offset, offset + len(piece))
        if clauses and len(_CONTENT.findall(piece)) < min_chars:
            last = clauses[-1]
            clauses[-1] = Clause(text[last.start : clause.end], last.start, clause.end)
            continue
        if clauses and len(_CONTENT.findall(clauses[-1].text)) < min_chars:
            last = clauses.pop()
            clause = Clause(text[last.start : clause.end], last.start, clause.end)
        clauses.append(clause)
    return clauses


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans ending after each run of sentence punctuation (punctuation kept in the span)."""
    spans = []
    cursor = 0
    for match in _SENTENCE_END.finditer(text):
        if match.end() > cursor:
            spans.append((cursor, match.end()))
            cursor = match.end()
    if cursor < len(text):
        spans.append((cursor, len(text)))
    return spans
