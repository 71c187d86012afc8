"""Evidence behind an alert: masked example quotes, keywords, and the over-represented slice.

Reads only the items of one cell in the alert's week and its baseline weeks (range queries
on `created_at`), never the whole store.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, select

from voc.analytics.periods import utc_bounds
from voc.store.tables import analyses, feedback
from voc.store.topic_tables import feedback_topics
from voc.text.pii import mask_pii


@dataclass(frozen=True)
class CellItem:
    """One analysed item of a cell, with what evidence needs."""

    id: str
    text: str
    source: str
    channel: str | None
    app_version: str | None
    p_negative: float


def cell_items(
    connection: Connection,
    first_week: str,
    last_week: str,
    zone: ZoneInfo,
    *,
    touchpoint: str | None = None,
    topic_id: int | None = None,
) -> list[CellItem]:
    """Items of a touchpoint (or topic, or all) created in the weeks first…last."""
    start, _ = utc_bounds(first_week, zone)
    _, end = utc_bounds(last_week, zone)
    source = feedback.join(analyses, analyses.c.feedback_id == feedback.c.id)
    conditions = [feedback.c.created_at >= start, feedback.c.created_at < end]
    if touchpoint is not None:
        conditions.append(analyses.c.touchpoint == touchpoint)
    if topic_id is not None:
        source = source.join(feedback_topics, feedback_topics.c.feedback_id == feedback.c.id)
        conditions.append(feedback_topics.c.topic_id == topic_id)
    rows = connection.execute(
        select(
            feedback.c.id,
            feedback.c.text,
            feedback.c.source,
            feedback.c.channel,
            feedback.c.app_version,
            analyses.c.p_negative,
        )
        .select_from(source)
        .where(and_(*conditions))
    ).fetchall()
    return [CellItem(*row) for row in rows]


def quotes(items: Sequence[CellItem], k: int = 3, max_chars: int = 120) -> list[dict]:
    """The k most negative items' texts, PII-masked again and cut to `max_chars`."""
    ranked = sorted(items, key=lambda item: (-item.p_negative, item.id))
    out, seen = [], set()
    for item in ranked:
        text = mask_pii(item.text).strip()
        if text in seen:
            continue
        seen.add(text)
        cut = text if len(text) <= max_chars else text[: max_chars - 1] + "…"
        out.append({"feedback_id": item.id, "source": item.source, "text": cut})
        if len(out) == k:
            break
    return out


def over_represented(
    current: Sequence[CellItem],
    baseline: Sequence[CellItem],
    dims: Sequence[str] = ("app_version", "channel"),
    min_count: int = 3,
    min_lift: float = 1.5,
) -> dict | None:
    """The slice value (app version or channel) with the most excess items this week.

    Excess = items now − items expected from the value's share in the baseline weeks
    (add-half smoothing, so a version never seen before has a small expected share).
    """
    best: dict | None = None
    for dim in dims:
        now = Counter(getattr(i, dim) for i in current if getattr(i, dim))
        before = Counter(getattr(i, dim) for i in baseline if getattr(i, dim))
        n_now, n_before = sum(now.values()), sum(before.values())
        if n_now == 0:
            continue
        k = len(set(now) | set(before))
        for value, count in now.items():
            share_before = (before.get(value, 0) + 0.5) / (n_before + 0.5 * k)
            share_now = count / n_now
            lift = share_now / share_before
            excess = count - n_now * share_before
            if count < min_count or lift < min_lift:
                continue
            if best is None or excess > best["excess"]:
                best = {
                    "dim": dim,
                    "value": value,
                    "share_current": round(share_now, 3),
                    "share_baseline": round(before.get(value, 0) / n_before, 3)
                    if n_before
                    else None,
                    "lift": round(lift, 2),
                    "excess": round(excess, 1),
                }
    return best


def distinctive_words(
    current: Sequence[str],
    baseline: Sequence[str],
    tokenize: Callable[[str], list[str]],
    k: int = 8,
    min_count: int = 2,
) -> list[str]:
    """Words most over-used this week against the baseline (log-odds with a +1 prior)."""
    now = Counter(w for text in current for w in set(tokenize(text)) if len(w) > 1)
    before = Counter(w for text in baseline for w in set(tokenize(text)) if len(w) > 1)
    n_now, n_before = max(len(current), 1), max(len(baseline), 1)
    scored = []
    for word, count in now.items():
        if count < min_count:
            continue
        a = (count + 1) / (n_now + 2)
        b = (before.get(word, 0) + 1) / (n_before + 2)
        scored.append((math.log(a / (1 - a)) - math.log(b / (1 - b)), count, word))
    scored.sort(key=lambda t: (-t[0], -t[1], t[2]))
    return [word for _, _, word in scored[:k]]
