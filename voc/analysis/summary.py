"""Small read-only summaries of stored analyses (the demo and CLI print them)."""

from __future__ import annotations

from sqlalchemy import Engine, case, func, select

from voc.store.tables import clauses


def touchpoint_summary(engine: Engine) -> list[dict]:
    """Per touchpoint: clause count and negative share, most negative clauses first."""
    negative = func.sum(case((clauses.c.sentiment == "negative", 1), else_=0))
    query = (
        select(clauses.c.touchpoint, func.count().label("n"), negative.label("neg"))
        .where(clauses.c.touchpoint.is_not(None))
        .group_by(clauses.c.touchpoint)
        .order_by(negative.desc())
    )
    with engine.connect() as connection:
        rows = connection.execute(query).fetchall()
    return [
        {"touchpoint": t, "clauses": n, "negative_share": (neg or 0) / n if n else 0.0}
        for t, n, neg in rows
    ]
