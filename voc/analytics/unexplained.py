"""The digest's "complaints no known problem explains": groups of unmatched complaints
(`voc.search.candidates`) with members in the week, so the product owner sees where the
problem library has a gap, not only where known problems grow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

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
    members = [feedback_id for c in found for feedback_id in c.feedback_ids]
    this_week: set[str] = set()
    with engine.connect() as connection:  # one query per 900 members, not one per group
        for at in range(0, len(members), 900):
            this_week.update(
                connection.scalars(
                    select(feedback.c.id).where(
                        feedback.c.id.in_(members[at : at + 900]),
                        feedback.c.created_at >= start,
                        feedback.c.created_at < end,
                    )
                )
            )
    counted = [(sum(f in this_week for f in c.feedback_ids), c) for c in found]
    rows = sorted([(n, c) for n, c in counted if n], key=lambda pair: (-pair[0], -pair[1].size))
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
