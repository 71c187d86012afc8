"""Key drivers: which touchpoints and topics move NPS / CSAT.

An OLS regression of the score on 0/1 presence of each touchpoint (document touchpoint or any
clause on it) and each topic, over the survey answers of a window of weeks, with
heteroskedasticity-robust (HC3) standard errors — scores are bounded and lumpy, so plain
OLS errors would be too narrow. A driver's `impact` is its effect × the share of answers
that mention it: what the total score would gain if the driver's effect were removed.
This reads the window's raw answers (a few thousand rows), not the rollups.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
from scipy import stats as sps
from sqlalchemy import Engine, and_, select

from voc.analytics.periods import utc_bounds
from voc.analytics.settings import AnalyticsSettings
from voc.store.tables import analyses, clauses, feedback
from voc.store.topic_tables import feedback_topics, topics

Target = Literal["nps", "csat"]


@dataclass(frozen=True)
class Driver:
    """One driver's effect on the score (points of 0–10 NPS answer or 1–5 CSAT)."""

    name: str
    kind: str
    label: str | None
    n_present: int
    effect: float
    se: float
    low: float
    high: float
    p_value: float
    impact: float


@dataclass(frozen=True)
class DriverReport:
    """The fitted model: answers used, R², mean score and the drivers by impact."""

    target: str
    first_week: str
    last_week: str
    n: int
    r2: float | None
    mean: float | None
    drivers: list[Driver]


def ols_hc3(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Coefficients, HC3 standard errors and R² (x includes the intercept column)."""
    bread = np.linalg.pinv(x.T @ x)
    beta = bread @ x.T @ y
    resid = y - x @ beta
    leverage = np.einsum("ij,jk,ik->i", x, bread, x)
    weights = (resid / np.clip(1 - leverage, 1e-6, None)) ** 2
    cov = bread @ (x.T * weights) @ x @ bread
    total = float(((y - y.mean()) ** 2).sum())
    r2 = 1 - float((resid**2).sum()) / total if total > 0 else 0.0
    return beta, np.sqrt(np.clip(np.diag(cov), 0, None)), r2


def _window_rows(engine: Engine, first: str, last: str, target: Target, zone: ZoneInfo):  # type: ignore[no-untyped-def]
    start, _ = utc_bounds(first, zone)
    _, end = utc_bounds(last, zone)
    score = feedback.c[target]
    in_window = and_(
        feedback.c.created_at >= start, feedback.c.created_at < end, score.is_not(None)
    )
    with engine.connect() as connection:
        answers = connection.execute(
            select(feedback.c.id, score, analyses.c.touchpoint, feedback_topics.c.topic_id)
            .select_from(
                feedback.join(analyses, analyses.c.feedback_id == feedback.c.id).outerjoin(
                    feedback_topics, feedback_topics.c.feedback_id == feedback.c.id
                )
            )
            .where(in_window)
        ).fetchall()
        mentions = connection.execute(
            select(clauses.c.feedback_id, clauses.c.touchpoint)
            .select_from(clauses.join(feedback, feedback.c.id == clauses.c.feedback_id))
            .where(in_window, clauses.c.touchpoint.is_not(None))
            .distinct()
        ).fetchall()
        labels = dict(connection.execute(select(topics.c.id, topics.c.label)).fetchall())
    return answers, mentions, labels


def key_drivers(
    engine: Engine,
    first_week: str,
    last_week: str,
    *,
    target: Target = "nps",
    min_support: int = 10,
    settings: AnalyticsSettings | None = None,
) -> DriverReport:
    """Fit the driver model on the answers given in weeks first…last (local calendar)."""
    if target not in ("nps", "csat"):
        raise ValueError(f"unknown target {target!r}; valid: ['nps', 'csat']")
    settings = settings or AnalyticsSettings()
    answers, mentions, labels = _window_rows(
        engine, first_week, last_week, target, ZoneInfo(settings.timezone)
    )
    present: dict[str, set[str]] = defaultdict(set)
    for row in answers:
        if row.touchpoint:
            present[row.id].add(f"touchpoint:{row.touchpoint}")
        if row.topic_id is not None:
            present[row.id].add(f"topic:{row.topic_id}")
    ids = {row.id for row in answers}
    for fid, touchpoint in mentions:
        if fid in ids:
            present[fid].add(f"touchpoint:{touchpoint}")
    support: dict[str, int] = defaultdict(int)
    for names in present.values():
        for name in names:
            support[name] += 1
    names = sorted(n for n, k in support.items() if min_support <= k < len(answers))
    if len(answers) < max(len(names) + 5, 10):
        return DriverReport(target, first_week, last_week, len(answers), None, None, [])
    x = np.zeros((len(answers), len(names) + 1))
    x[:, 0] = 1.0
    column = {n: j + 1 for j, n in enumerate(names)}
    y = np.array([float(row[1]) for row in answers])
    for i, row in enumerate(answers):
        for name in present.get(row.id, ()):
            if name in column:
                x[i, column[name]] = 1.0
    beta, se, r2 = ols_hc3(x, y)
    z = sps.norm.ppf(0.5 + settings.confidence / 2)
    drivers = []
    for name, j in column.items():
        kind, _, ident = name.partition(":")
        p = float(2 * sps.norm.sf(abs(beta[j] / se[j]))) if se[j] > 0 else 1.0
        drivers.append(
            Driver(
                name=ident,
                kind=kind,
                label=labels.get(int(ident)) if kind == "topic" else None,
                n_present=support[name],
                effect=round(float(beta[j]), 3),
                se=round(float(se[j]), 3),
                low=round(float(beta[j] - z * se[j]), 3),
                high=round(float(beta[j] + z * se[j]), 3),
                p_value=round(p, 4),
                impact=round(float(beta[j]) * support[name] / len(answers), 3),
            )
        )
    drivers.sort(key=lambda d: d.impact)
    return DriverReport(
        target,
        first_week,
        last_week,
        len(answers),
        round(r2, 3),
        round(float(y.mean()), 3),
        drivers,
    )


def detractors(report: DriverReport, k: int = 5, max_p: float = 0.2) -> list[Driver]:
    """The k drivers that pull the score down most (negative impact, not pure noise)."""
    return [d for d in report.drivers if d.effect < 0 and d.p_value <= max_p][:k]
