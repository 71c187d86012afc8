"""What gets analysed in a feedback item: its clauses, each with the speaker who said it.

Call transcripts contribute customer turns only (agent speech is not the customer's voice);
other sources contribute their whole (masked) text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voc.schema import Feedback
from voc.text.clauses import split_clauses

_WORD = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]")


@dataclass(frozen=True, slots=True)
class ClauseUnit:
    """One clause to score, with its span inside the analysed document text."""

    position: int
    speaker: str
    text: str
    start: int
    end: int


def document_text(item: Feedback) -> str:
    """The text whose sentiment is the document's: customer speech for calls."""
    if item.source == "call_transcript" and item.turns:
        return "\n".join(t.text for t in item.turns if t.speaker == "customer" and t.text.strip())
    return item.text


def clause_units(item: Feedback, max_clauses: int = 64) -> list[ClauseUnit]:
    """Clauses of the document text (at most `max_clauses`, so one huge call stays bounded)."""
    return text_units(document_text(item), max_clauses)


def text_units(text: str, max_clauses: int = 64) -> list[ClauseUnit]:
    """Clauses of a customer's text, as `clause_units` cuts a stored item's (ad-hoc queries)."""
    pieces = [c for c in split_clauses(text) if _WORD.search(c.text)][:max_clauses]
    units = [ClauseUnit(i, "customer", c.text, c.start, c.end) for i, c in enumerate(pieces)]
    if not units and text.strip():
        units = [ClauseUnit(0, "customer", text.strip(), 0, len(text))]
    return units
