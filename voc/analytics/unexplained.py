"""The digest's "complaints no known problem explains": groups of unmatched complaints
(`voc.search.candidates`) with members in the week, so the product owner sees where the
problem library has a gap, not only where known problems grow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from voc.analytics.periods import utc_bounds
from voc.store.tables import feedback


def unexplained_groups(
    engine: Engine,
    week: str,
    zone: ZoneInfo,
    tokenize: Callable[[str], list[str]],
    *,
    min_similarity: float,
    k: int = 3,
    max_chars: int = 120,
) -> list[dict[str, Any]]:
    """Up to `k` candidate problems with complaints in `week`, most of them this week first,
    grouped from the unmatched complaints up to the week's end (later complaints do not
    join a past week's groups; later links and the store's mean, the centre, still move).

    Raises:
        StoreTooSmallError: the store has too few analysed items to group.
    """
    from voc.search.candidates import propose_candidates

    start, end = utc_bounds(week, zone)
    found = propose_candidates(
        engine, tokenize, min_similarity=min_similarity, until=end.replace(tzinfo=UTC)
    )
    rows = []
    with engine.connect() as connection:
        for candidate in found:
            in_week = connection.scalar(
                select(func.count())
                .select_from(feedback)
                .where(feedback.c.id.in_(candidate.feedback_ids))
                .where(feedback.c.created_at >= start, feedback.c.created_at < end)
            )
            if in_week:
                rows.append((int(in_week), candidate))
    rows.sort(key=lambda pair: (-pair[0], -pair[1].size))
    out = []
    for in_week, c in rows[:k]:
        example = c.examples[0] if c.examples else ""
        out.append(
            {
                "size": c.size,
                "this_week": in_week,
                "touchpoint": c.touchpoint,
                "keywords": c.keywords,
                "first_seen": c.first_seen.astimezone(zone).date().isoformat(),
                "nearest_problem": c.nearest_problem,
                "nearest_score": c.nearest_score,
                "example": example[: max_chars - 1] + "…" if len(example) > max_chars else example,
            }
        )
    return out
