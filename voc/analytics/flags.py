"""Flags beyond the score: score–text disagreement and escalation-risk cues."""

from __future__ import annotations

import re

ESCALATION = re.compile(
    r"12378|银保监|金融监管|监管|投诉到媒体|曝光|媒体|起诉|律师|法院|再次来电|多次投诉"
)


def escalation_cues(text: str) -> list[str]:
    """Escalation cues named in a text (regulator hotline, media, lawsuit, repeat contact)."""
    return sorted(set(ESCALATION.findall(text)))


def disagrees(
    nps: int | None, csat: int | None, p_negative: float, p_positive: float, cut: float = 0.7
) -> str | None:
    """`high_score_negative_text` / `low_score_positive_text` when score and text disagree."""
    high = (nps is not None and nps >= 9) or (csat is not None and csat >= 5)
    low = (nps is not None and nps <= 2) or (csat is not None and csat <= 1)
    if high and p_negative >= cut:
        return "high_score_negative_text"
    if low and p_positive >= cut:
        return "low_score_positive_text"
    return None
