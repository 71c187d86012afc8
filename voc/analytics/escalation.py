"""Escalation-risk alerts: customers naming the regulator, the media, a lawyer or a repeat
contact in recent weeks (SEED: complaints that escalate cost far more than early handling).

Cues are matched in the stored (masked) text of the last `escalation_weeks` weeks only,
so a refresh reads a bounded slice of feedback, not the whole store.
"""

from __future__ import annotations

from collections import Counter
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from voc.analytics.detectors import Signal
from voc.analytics.evidence import cell_items, quotes
from voc.analytics.flags import escalation_cues
from voc.analytics.periods import shift_week
from voc.analytics.settings import AnalyticsSettings
from voc.analytics.trends import Episode

KIND = "escalation_risk"


def escalation_episodes(
    connection: Connection, last_week: str, settings: AnalyticsSettings
) -> list[tuple[Episode, dict]]:
    """One episode per recent week whose items with cues reach `escalation_min_count` and
    `escalation_min_ratio` times their mean over the `baseline_weeks` before it.

    Returns (episode, evidence) pairs; the evidence quotes the items with cues themselves.
    """
    zone = ZoneInfo(settings.timezone)
    out = []
    for back in range(settings.escalation_weeks - 1, -1, -1):
        week = shift_week(last_week, -back)
        items = cell_items(connection, week, week, zone)
        flagged = [(item, escalation_cues(item.text)) for item in items]
        flagged = [(item, cues) for item, cues in flagged if cues]
        if len(flagged) < settings.escalation_min_count:
            continue
        before = cell_items(
            connection, shift_week(week, -settings.baseline_weeks), shift_week(week, -1), zone
        )
        baseline = sum(bool(escalation_cues(i.text)) for i in before) / settings.baseline_weeks
        if baseline and len(flagged) < settings.escalation_min_ratio * baseline:
            continue  # as many as usual: the digest lists them, an alert would be noise
        cues = Counter(c for _, found in flagged for c in found)
        signal = Signal(
            kind=KIND,
            metric="items_with_escalation_cues",
            week=week,
            baseline=round(baseline, 2),
            current=float(len(flagged)),
            effect=round(len(flagged) / baseline, 2) if baseline else float(len(flagged)),
            score=float(len(flagged)),
            detail={"cues": dict(cues.most_common())},
        )
        evidence = {
            "keywords": [c for c, _ in cues.most_common(8)],
            "examples": quotes(
                [item for item, _ in flagged], settings.examples, settings.quote_chars
            ),
            "over_represented": None,
        }
        out.append((Episode(KIND, None, None, [week], signal), evidence))
    return out
