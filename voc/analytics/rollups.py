"""Incremental rollups: recompute only the weeks and months that new or re-analysed items touch.

An item counts once its analysis exists. Its week and month are found from `created_at` in
the bank's zone; a period is rebuilt whole (delete + insert in one transaction), so counts of
distinct customers and median response times stay exact. What is "new" is read from
watermarks on `feedback.ingested_at`, `analyses.analysed_at` and `feedback_topics.assigned_at`;
if a table shrank (deleted rows) everything is rebuilt.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, and_, delete, func, insert, select

from voc.analytics.periods import (
    GRANULARITIES,
    local_date,
    month_key,
    period_granularity,
    utc_bounds,
    week_key,
)
from voc.analytics.settings import AnalyticsSettings
from voc.store.analytics_tables import (
    ROLLUP_COUNTS,
    analytics_rollups,
    analytics_state,
)
from voc.store.tables import analyses, clauses, feedback
from voc.store.topic_tables import feedback_topics

ALL = "*"
NO_TOUCHPOINT = "-"
SLICE_DIMS = ("channel", "product", "source", "app_version", "topic")
_MARKS = ("feedback.ingested_at", "analyses.analysed_at", "feedback_topics.assigned_at")
_SIZES = ("feedback.count", "analyses.count")


_INDEX = {name: k for k, name in enumerate(ROLLUP_COUNTS)}
_SENTIMENT, _CSAT_SUM, _CSAT_SUMSQ = 0, 1, 2


@dataclass
class _Cell:
    counts: list[int] = field(default_factory=lambda: [0] * len(ROLLUP_COUNTS))
    sums: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    customers: set[str] = field(default_factory=set)
    complaint_customers: set[str] = field(default_factory=set)
    response_s: list[float] = field(default_factory=list)
    close_s: list[float] = field(default_factory=list)


@dataclass
class _ItemDelta:
    """What one item adds to every cell it belongs to (computed once, applied ~12 times)."""

    counts: list[tuple[int, int]]
    sums: list[tuple[int, float]]
    customer: str | None
    complaint_customer: str | None
    response_s: float | None
    close_s: float | None

    def apply(self, cell: _Cell) -> None:
        counts, sums = cell.counts, cell.sums
        for k, v in self.counts:
            counts[k] += v
        for k, v in self.sums:
            sums[k] += v
        if self.customer:
            cell.customers.add(self.customer)
        if self.complaint_customer:
            cell.complaint_customers.add(self.complaint_customer)
        if self.response_s is not None:
            cell.response_s.append(self.response_s)
        if self.close_s is not None:
            cell.close_s.append(self.close_s)


def _item_delta(row, settings: AnalyticsSettings) -> _ItemDelta:  # type: ignore[no-untyped-def]
    i = _INDEX
    counts = [(i["n_items"], 1)]
    if row.sentiment == "negative":
        counts.append((i["n_negative_docs"], 1))
    sums = [(_SENTIMENT, float(row.p_positive) - float(row.p_negative))]
    if row.csat is not None:
        counts += [(i["csat_n"], 1), (i["csat_top2"], int(row.csat >= 4))]
        sums += [(_CSAT_SUM, float(row.csat)), (_CSAT_SUMSQ, float(row.csat * row.csat))]
    if row.nps is not None:
        counts += [
            (i["nps_n"], 1),
            (i["nps_promoters"], int(row.nps >= 9)),
            (i["nps_detractors"], int(row.nps <= 6)),
        ]
    complaint_customer = response = close = None
    if row.source == "complaint":
        counts.append((i["complaints"], 1))
        complaint_customer = row.customer_key
        opened = row.ticket_opened_at
        if opened is not None:
            counts.append((i["tickets"], 1))
            if row.ticket_first_response_at is not None:
                response = (row.ticket_first_response_at - opened).total_seconds()
                counts.append((i["tickets_responded"], 1))
                counts.append(
                    (i["response_within_1h"], int(response <= settings.response_target_s))
                )
            if row.ticket_closed_at is not None:
                close = (row.ticket_closed_at - opened).total_seconds()
                counts.append((i["tickets_closed"], 1))
                counts.append((i["close_within_24h"], int(close <= settings.close_target_s)))
    return _ItemDelta(counts, sums, row.customer_key, complaint_customer, response, close)


@dataclass(frozen=True)
class RollupReport:
    """What one update did."""

    periods: list[str]
    rows: int
    items: int
    seconds: float
    full: bool


def _slices(row) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    out = [(ALL, ALL)]
    for dim, value in (
        ("channel", row.channel),
        ("product", row.product),
        ("source", row.source),
        ("app_version", row.app_version),
        ("topic", None if row.topic_id is None else str(row.topic_id)),
    ):
        if value is not None and value != "":
            out.append((dim, str(value)[:200]))
    return out


def _period_rows(
    connection: Connection, period: str, zone: ZoneInfo, settings: AnalyticsSettings
) -> tuple[list[dict], int]:
    start, end = utc_bounds(period, zone)
    in_period = and_(feedback.c.created_at >= start, feedback.c.created_at < end)
    items = connection.execute(
        select(
            feedback.c.id,
            feedback.c.source,
            feedback.c.channel,
            feedback.c.product,
            feedback.c.app_version,
            feedback.c.customer_key,
            feedback.c.csat,
            feedback.c.nps,
            feedback.c.ticket_opened_at,
            feedback.c.ticket_first_response_at,
            feedback.c.ticket_closed_at,
            analyses.c.touchpoint,
            analyses.c.sentiment,
            analyses.c.p_positive,
            analyses.c.p_negative,
            feedback_topics.c.topic_id,
        )
        .select_from(
            feedback.join(analyses, analyses.c.feedback_id == feedback.c.id).outerjoin(
                feedback_topics, feedback_topics.c.feedback_id == feedback.c.id
            )
        )
        .where(in_period)
    ).fetchall()
    cells: dict[tuple[str, str, str], _Cell] = defaultdict(_Cell)
    item_slices: dict[str, list[tuple[str, str]]] = {}
    for row in items:
        slices = _slices(row)
        item_slices[row.id] = slices
        delta = _item_delta(row, settings)
        for tp in (ALL, row.touchpoint or NO_TOUCHPOINT):
            for dim, value in slices:
                if dim != "topic" or tp == ALL:  # topics are rolled up over all touchpoints
                    delta.apply(cells[(tp, dim, value)])
    clause_counts = connection.execute(
        select(clauses.c.feedback_id, clauses.c.touchpoint, clauses.c.sentiment, func.count())
        .select_from(clauses.join(feedback, feedback.c.id == clauses.c.feedback_id))
        .where(in_period)
        .group_by(clauses.c.feedback_id, clauses.c.touchpoint, clauses.c.sentiment)
    ).fetchall()
    for feedback_id, touchpoint, sentiment, n in clause_counts:
        slices = item_slices.get(feedback_id)
        if slices is None:  # clauses of an item whose analysis row is missing
            continue
        for tp in (ALL, touchpoint or NO_TOUCHPOINT):
            for dim, value in slices:
                if dim == "topic" and tp != ALL:
                    continue
                c = cells[(tp, dim, value)].counts
                c[_INDEX["n_clauses"]] += n
                if sentiment == "negative":
                    c[_INDEX["n_clauses_negative"]] += n
                elif sentiment == "positive":
                    c[_INDEX["n_clauses_positive"]] += n
    now = datetime.now(UTC).replace(tzinfo=None)
    granularity = period_granularity(period)
    out = []
    for (tp, dim, value), cell in cells.items():
        counts = dict(zip(ROLLUP_COUNTS, cell.counts, strict=True))
        counts["customers"] = len(cell.customers)
        counts["complaint_customers"] = len(cell.complaint_customers)
        out.append(
            {
                "granularity": granularity,
                "period": period,
                "touchpoint": tp,
                "dim": dim,
                "value": value,
                **counts,
                "sentiment_sum": cell.sums[_SENTIMENT],
                "csat_sum": cell.sums[_CSAT_SUM],
                "csat_sumsq": cell.sums[_CSAT_SUMSQ],
                "response_median_s": statistics.median(cell.response_s)
                if cell.response_s
                else None,
                "close_median_s": statistics.median(cell.close_s) if cell.close_s else None,
                "updated_at": now,
            }
        )
    return out, len(items)


def recompute_periods(
    connection: Connection, periods: Iterable[str], settings: AnalyticsSettings
) -> tuple[int, int]:
    """Rebuild the rollup rows of these periods; returns (rows written, items read)."""
    zone = ZoneInfo(settings.timezone)
    n_rows = n_items = 0
    for period in periods:
        rows, items = _period_rows(connection, period, zone, settings)
        connection.execute(
            delete(analytics_rollups).where(
                analytics_rollups.c.granularity == period_granularity(period),
                analytics_rollups.c.period == period,
            )
        )
        for i in range(0, len(rows), 5000):
            connection.execute(insert(analytics_rollups), rows[i : i + 5000])
        n_rows += len(rows)
        n_items += items
    return n_rows, n_items


def _periods_of(created: Iterable[datetime], zone: ZoneInfo) -> set[str]:
    out: set[str] = set()
    days = {local_date(value, zone) for value in created}
    for day in days:
        out.add(week_key(day))
        out.add(month_key(day))
    return out


def _marks_now(connection: Connection) -> dict[str, str]:
    values = {
        "feedback.ingested_at": connection.scalar(select(func.max(feedback.c.ingested_at))),
        "analyses.analysed_at": connection.scalar(select(func.max(analyses.c.analysed_at))),
        "feedback_topics.assigned_at": connection.scalar(
            select(func.max(feedback_topics.c.assigned_at))
        ),
        "feedback.count": connection.scalar(select(func.count()).select_from(feedback)),
        "analyses.count": connection.scalar(select(func.count()).select_from(analyses)),
    }
    return {k: ("" if v is None else str(v)) for k, v in values.items()}


def _marks_stored(connection: Connection) -> dict[str, str]:
    rows = connection.execute(select(analytics_state.c.key, analytics_state.c.value)).fetchall()
    return {k: v for k, v in rows}


def _save_marks(connection: Connection, marks: dict[str, str]) -> None:
    connection.execute(delete(analytics_state).where(analytics_state.c.key.in_(list(marks))))
    connection.execute(insert(analytics_state), [{"key": k, "value": v} for k, v in marks.items()])


def _parse(value: str) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _touched_created(connection: Connection, stored: dict[str, str]) -> list[datetime]:
    created: list[datetime] = []
    mark = _parse(stored.get("feedback.ingested_at", ""))
    query = select(feedback.c.created_at)
    if mark is not None:
        query = query.where(feedback.c.ingested_at > mark)
    created += connection.scalars(query).all()
    mark = _parse(stored.get("analyses.analysed_at", ""))
    if mark is not None:
        created += connection.scalars(
            select(feedback.c.created_at)
            .select_from(analyses.join(feedback, feedback.c.id == analyses.c.feedback_id))
            .where(analyses.c.analysed_at > mark)
        ).all()
    mark = _parse(stored.get("feedback_topics.assigned_at", ""))
    query = select(feedback.c.created_at).select_from(
        feedback_topics.join(feedback, feedback.c.id == feedback_topics.c.feedback_id)
    )
    if mark is not None:
        query = query.where(feedback_topics.c.assigned_at > mark)
    created += connection.scalars(query).all()
    return created


def _shrank(stored: dict[str, str], now: dict[str, str]) -> bool:
    return any(
        bool(stored.get(key) and now[key]) and int(now[key]) < int(stored[key]) for key in _SIZES
    )


def update_rollups(
    engine: Engine, settings: AnalyticsSettings | None = None, *, full: bool = False
) -> RollupReport:
    """Bring the rollups up to date with the store; cheap when nothing changed."""
    settings = settings or AnalyticsSettings()
    zone = ZoneInfo(settings.timezone)
    started = time.perf_counter()
    with engine.begin() as connection:
        stored = _marks_stored(connection)
        now = _marks_now(connection)
        full = full or not stored or _shrank(stored, now)
        if full:
            connection.execute(delete(analytics_rollups))
            created = connection.scalars(select(feedback.c.created_at)).all()
        elif all(stored.get(k) == now[k] for k in (*_MARKS, *_SIZES)):
            created = []
        else:
            created = _touched_created(connection, stored)
        periods = sorted(_periods_of(created, zone))
        rows, items = recompute_periods(connection, periods, settings)
        _save_marks(connection, now)
    return RollupReport(periods, rows, items, time.perf_counter() - started, full)


def rollup_periods(
    engine: Engine, granularity: str = "week", first: str | None = None, last: str | None = None
) -> list[str]:
    """Periods present in the rollups at this granularity, oldest first, optionally only
    those between `first` and `last` (inclusive)."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"unknown granularity {granularity!r}; valid: {list(GRANULARITIES)}")
    r = analytics_rollups
    bounds = [r.c.period >= first] if first else []
    bounds += [r.c.period <= last] if last else []
    query = (
        select(r.c.period)
        .where(r.c.granularity == granularity, r.c.touchpoint == ALL, r.c.dim == ALL, *bounds)
        .order_by(r.c.period)
    )
    with engine.connect() as connection:
        return list(connection.scalars(query).all())
