"""The touchpoint scorecard, read from the rollups (never from raw feedback).

Per touchpoint × period (× one optional slice such as a channel or product): volume,
negative clause share, sentiment index, CSAT, NPS, complaints and complaint rate, and the
complaint tickets' response and close times against the 1 h / 24 h targets. Every share and
NPS comes with its interval and `n`; cells with fewer than `small_cell` answers are flagged.

Definitions (see `../shared/SEED.md`):
- volume: analysed items whose document touchpoint is this one (`*` = all items);
- negative share / sentiment index: over the clauses mapped to this touchpoint; the index is
  100 × (positive − negative clauses) / clauses;
- CSAT: share of 4–5 answers (and the mean) on the 1–5 scale; NPS: % 9–10 minus % 0–6;
- complaint rate: distinct complaining customers / distinct customers seen in the period
  (all touchpoints, same slice), over items that carry a customer key;
- response/close targets: share of complaint tickets answered within 1 h / solved within
  24 h, over all tickets opened (unanswered tickets count as missing the target).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from voc.analytics.periods import check_granularity
from voc.analytics.rollups import ALL, SLICE_DIMS
from voc.analytics.settings import AnalyticsSettings
from voc.analytics.stats import Estimate, estimate, mean_interval, net_score, wilson
from voc.store.analytics_tables import analytics_rollups


@dataclass(frozen=True)
class ScoreRow:
    """One scorecard line: a touchpoint in a period (and slice)."""

    period: str
    touchpoint: str
    dim: str
    value: str
    volume: int
    negative_share: Estimate
    sentiment_index: Estimate
    csat_top2: Estimate
    csat_mean: Estimate
    nps: Estimate
    complaints: int
    complaint_rate: Estimate
    response_median_s: float | None
    response_within_1h: Estimate
    close_median_s: float | None
    close_within_24h: Estimate

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (estimates become {value, low, high, n, small})."""
        out: dict[str, Any] = {}
        for name, value in self.__dict__.items():
            out[name] = value.as_dict() if isinstance(value, Estimate) else value
        return out


def _row_score(row: Any, customers_all: int, settings: AnalyticsSettings) -> ScoreRow:
    conf, small = settings.confidence, settings.small_cell
    m = row._mapping
    csat_n = m["csat_n"]
    return ScoreRow(
        period=m["period"],
        touchpoint=m["touchpoint"],
        dim=m["dim"],
        value=m["value"],
        volume=m["n_items"],
        negative_share=estimate(
            wilson(m["n_clauses_negative"], m["n_clauses"], conf), m["n_clauses"], small
        ),
        sentiment_index=estimate(
            net_score(m["n_clauses_positive"], m["n_clauses_negative"], m["n_clauses"], conf),
            m["n_clauses"],
            small,
            digits=1,
        ),
        csat_top2=estimate(wilson(m["csat_top2"], csat_n, conf), csat_n, small),
        csat_mean=estimate(
            mean_interval(m["csat_sum"] or 0.0, m["csat_sumsq"], csat_n, confidence=conf),
            csat_n,
            small,
            digits=2,
        ),
        nps=estimate(
            net_score(m["nps_promoters"], m["nps_detractors"], m["nps_n"], conf),
            m["nps_n"],
            small,
            digits=1,
        ),
        complaints=m["complaints"],
        complaint_rate=estimate(
            wilson(min(m["complaint_customers"], customers_all), customers_all, conf),
            customers_all,
            small,
        ),
        response_median_s=m["response_median_s"],
        response_within_1h=estimate(
            wilson(m["response_within_1h"], m["tickets"], conf), m["tickets"], small
        ),
        close_median_s=m["close_median_s"],
        close_within_24h=estimate(
            wilson(m["close_within_24h"], m["tickets"], conf), m["tickets"], small
        ),
    )


def scorecard(
    engine: Engine,
    *,
    granularity: str = "week",
    periods: list[str] | None = None,
    touchpoint: str | None = None,
    dim: str = ALL,
    value: str = ALL,
    settings: AnalyticsSettings | None = None,
) -> list[ScoreRow]:
    """Scorecard rows from the rollups, by period then by volume (largest first).

    `dim`/`value` pick one slice (`channel`/`app`, `product`/…); the default is all items.
    """
    check_granularity(granularity)
    if dim != ALL and dim not in SLICE_DIMS:
        raise ValueError(f"unknown slice {dim!r}; valid: {list(SLICE_DIMS)}")
    settings = settings or AnalyticsSettings()
    r = analytics_rollups
    query = select(r).where(r.c.granularity == granularity, r.c.dim == dim, r.c.value == value)
    if periods:
        query = query.where(r.c.period.in_(periods))
    if touchpoint is not None:
        query = query.where(r.c.touchpoint.in_([touchpoint, ALL]))
    with engine.connect() as connection:
        rows = connection.execute(query).fetchall()
    customers_all = {row.period: row.customers for row in rows if row.touchpoint == ALL}
    out = [
        _row_score(row, customers_all.get(row.period, 0), settings)
        for row in rows
        if touchpoint is None or row.touchpoint == touchpoint
    ]
    out.sort(key=lambda s: (s.period, s.touchpoint != ALL, -s.volume, s.touchpoint))
    return out


def latest_period(engine: Engine, granularity: str = "week") -> str | None:
    """The newest period in the rollups at this granularity, or None when they are empty."""
    from sqlalchemy import func

    check_granularity(granularity)
    r = analytics_rollups
    with engine.connect() as connection:
        return connection.scalar(
            select(func.max(r.c.period)).where(
                r.c.granularity == granularity, r.c.touchpoint == ALL, r.c.dim == ALL
            )
        )
