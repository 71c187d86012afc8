"""Weekly detectors over one series (a touchpoint or a topic); pure functions, no database.

A `WeekStats` holds what the rollups keep for one cell and week. Each detector looks at
week `i` against earlier weeks and returns a `Signal` or None. Weeks already flagged as
volume spikes are left out of later baselines, so one incident does not raise the bar for
the weeks after it (and a spike does not read as a sustained trend).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from scipy import stats as sps

from voc.analytics.settings import AnalyticsSettings
from voc.analytics.stats import (
    dispersion,
    neg_log10,
    net_score_z,
    rate_ratio_tail,
    two_proportion_z,
    upper_tail,
)


@dataclass(frozen=True)
class WeekStats:
    """Counts of one cell in one ISO week (zeros when the cell had nothing)."""

    week: str
    n_items: int = 0
    n_negative_docs: int = 0
    n_clauses: int = 0
    n_clauses_negative: int = 0
    n_clauses_positive: int = 0
    csat_n: int = 0
    csat_top2: int = 0
    nps_n: int = 0
    nps_promoters: int = 0
    nps_detractors: int = 0


@dataclass(frozen=True)
class Signal:
    """One detector firing in one week."""

    kind: str
    metric: str
    week: str
    baseline: float
    current: float
    effect: float
    score: float
    detail: dict = field(default_factory=dict)


def _z_score(z: float) -> float:
    return neg_log10(float(sps.norm.sf(abs(z))))


def volume_spike(
    series: Sequence[WeekStats], i: int, excluded: set[int], s: AnalyticsSettings
) -> Signal | None:
    """This week's item count far above the negative-binomial baseline of the last N weeks."""
    base = [series[j].n_items for j in range(max(0, i - s.baseline_weeks), i) if j not in excluded]
    if len(base) < s.min_baseline_weeks:
        return None
    current = series[i].n_items
    mean = max(sum(base) / len(base), 0.5)
    ratio = current / mean
    if current < s.spike_min_count or ratio < s.spike_min_ratio:
        return None
    size = dispersion(base)
    p = max(upper_tail(current, mean, size), rate_ratio_tail(current, sum(base), 1, len(base)))
    if p > s.spike_max_p:
        return None
    return Signal(
        "volume_spike",
        "items",
        series[i].week,
        round(mean, 2),
        float(current),
        round(ratio, 2),
        round(neg_log10(p), 2),
        {"p_value": p, "nb_size": None if math.isinf(size) else round(size, 2)},
    )


def rising_trend(
    series: Sequence[WeekStats], i: int, excluded: set[int], s: AnalyticsSettings
) -> Signal | None:
    """The last few weeks together well above the level of the months before.

    The reference (up to `trend_reference_weeks`) ends `trend_gap_weeks` before the window
    starts, so a slow rise is compared with the level before it began rather than with its
    own first half. Weeks flagged as spikes are left out of both.
    """
    w, r, gap = s.trend_weeks, s.trend_reference_weeks, s.trend_gap_weeks
    window = [j for j in range(i - w + 1, i + 1) if j >= 0 and j not in excluded]
    ref_end = i - w + 1 - gap
    reference = [j for j in range(max(0, ref_end - r), ref_end) if j not in excluded]
    if len(window) < max(2, w - 1) or len(reference) < s.min_baseline_weeks:
        return None
    current = sum(series[j].n_items for j in window)
    ref_counts = [series[j].n_items for j in reference]
    rate = max(sum(ref_counts) / len(ref_counts), 0.25)
    expected = rate * len(window)
    ratio = current / expected
    if current < s.trend_min_count or ratio < s.trend_min_ratio:
        return None
    size = dispersion(ref_counts)
    p = max(
        upper_tail(current, expected, size * len(window) if not math.isinf(size) else size),
        rate_ratio_tail(current, sum(ref_counts), len(window), len(ref_counts)),
    )
    if p > s.trend_max_p:
        return None
    return Signal(
        "rising_trend",
        "items_per_week",
        series[i].week,
        round(rate, 2),
        round(current / len(window), 2),
        round(ratio, 2),
        round(neg_log10(p), 2),
        {
            "p_value": p,
            "window": [series[j].week for j in window],
            "reference": [series[reference[0]].week, series[reference[-1]].week],
        },
    )


def _pooled(series: Sequence[WeekStats], idx: Sequence[int], *names: str) -> list[int]:
    return [sum(getattr(series[j], name) for j in idx) for name in names]


def _baseline_idx(i: int, excluded: set[int], s: AnalyticsSettings) -> list[int]:
    return [j for j in range(max(0, i - s.baseline_weeks), i) if j not in excluded]


def negative_share_rise(
    series: Sequence[WeekStats], i: int, excluded: set[int], s: AnalyticsSettings
) -> Signal | None:
    """Share of negative clauses up by at least `share_min_diff`, beyond noise (z test)."""
    base = _baseline_idx(i, excluded, s)
    if len(base) < s.min_baseline_weeks:
        return None
    neg0, n0 = _pooled(series, base, "n_clauses_negative", "n_clauses")
    neg1, n1 = series[i].n_clauses_negative, series[i].n_clauses
    if n1 < s.share_min_n or n0 < s.share_min_n:
        return None
    diff = neg1 / n1 - neg0 / n0
    z = two_proportion_z(neg0, n0, neg1, n1)
    if diff < s.share_min_diff or z < s.share_min_z:
        return None
    return Signal(
        "negative_share_rise",
        "negative_clause_share",
        series[i].week,
        round(neg0 / n0, 4),
        round(neg1 / n1, 4),
        round(diff, 4),
        round(_z_score(z), 2),
        {"z": round(z, 2), "n_baseline": n0, "n_current": n1},
    )


def sentiment_drop(
    series: Sequence[WeekStats], i: int, excluded: set[int], s: AnalyticsSettings
) -> Signal | None:
    """Clause sentiment index (−100…100) down by `sentiment_min_drop` points, beyond noise."""
    base = _baseline_idx(i, excluded, s)
    if len(base) < s.min_baseline_weeks:
        return None
    pos0, neg0, n0 = _pooled(series, base, "n_clauses_positive", "n_clauses_negative", "n_clauses")
    w = series[i]
    if w.n_clauses < s.share_min_n or n0 < s.share_min_n:
        return None
    diff, z = net_score_z(pos0, neg0, n0, w.n_clauses_positive, w.n_clauses_negative, w.n_clauses)
    if -diff < s.sentiment_min_drop or -z < s.share_min_z:
        return None
    return Signal(
        "sentiment_drop",
        "sentiment_index",
        w.week,
        round(100 * (pos0 - neg0) / n0, 1),
        round(100 * (w.n_clauses_positive - w.n_clauses_negative) / w.n_clauses, 1),
        round(diff, 1),
        round(_z_score(z), 2),
        {"z": round(z, 2), "n_baseline": n0, "n_current": w.n_clauses},
    )


def csat_drop(
    series: Sequence[WeekStats], i: int, excluded: set[int], s: AnalyticsSettings
) -> Signal | None:
    """Share of CSAT 4–5 answers down by `csat_min_drop`, beyond its interval (two-proportion
    z)."""
    base = _baseline_idx(i, excluded, s)
    top0, n0 = _pooled(series, base, "csat_top2", "csat_n")
    w = series[i]
    if len(base) < s.min_baseline_weeks or w.csat_n < s.score_min_n or n0 < s.score_min_n:
        return None
    z = two_proportion_z(top0, n0, w.csat_top2, w.csat_n)
    if z > -s.score_min_z or top0 / n0 - w.csat_top2 / w.csat_n < s.csat_min_drop:
        return None
    return Signal(
        "csat_drop",
        "csat_top2_share",
        w.week,
        round(top0 / n0, 4),
        round(w.csat_top2 / w.csat_n, 4),
        round(w.csat_top2 / w.csat_n - top0 / n0, 4),
        round(_z_score(z), 2),
        {"z": round(z, 2), "n_baseline": n0, "n_current": w.csat_n},
    )


def nps_drop(
    series: Sequence[WeekStats], i: int, excluded: set[int], s: AnalyticsSettings
) -> Signal | None:
    """NPS down by `nps_min_drop` points, beyond its interval (z of the difference of two net
    scores)."""
    base = _baseline_idx(i, excluded, s)
    p0, d0, n0 = _pooled(series, base, "nps_promoters", "nps_detractors", "nps_n")
    w = series[i]
    if len(base) < s.min_baseline_weeks or w.nps_n < s.score_min_n or n0 < s.score_min_n:
        return None
    diff, z = net_score_z(p0, d0, n0, w.nps_promoters, w.nps_detractors, w.nps_n)
    if z > -s.score_min_z or -diff < s.nps_min_drop:
        return None
    return Signal(
        "nps_drop",
        "nps",
        w.week,
        round(100 * (p0 - d0) / n0, 1),
        round(100 * (w.nps_promoters - w.nps_detractors) / w.nps_n, 1),
        round(diff, 1),
        round(_z_score(z), 2),
        {"z": round(z, 2), "n_baseline": n0, "n_current": w.nps_n},
    )


def new_topic(series: Sequence[WeekStats], i: int, s: AnalyticsSettings) -> Signal | None:
    """A topic that was (almost) absent in all earlier weeks and now has real volume."""
    if i < s.min_baseline_weeks:
        return None
    prior = sum(w.n_items for w in series[:i])
    current = series[i].n_items
    if current < s.new_topic_min_count or prior > s.new_topic_max_prior:
        return None
    rate = max(prior / i, 0.1)
    p = upper_tail(current, rate)
    return Signal(
        "new_topic",
        "items",
        series[i].week,
        round(prior / i, 2),
        float(current),
        round(current / rate, 2),
        round(neg_log10(p), 2),
        {"prior_items": prior},
    )


def detect_series(
    series: Sequence[WeekStats], settings: AnalyticsSettings, *, is_topic: bool = False
) -> list[Signal]:
    """Run every detector over every week of one series, oldest week first."""
    signals: list[Signal] = []
    spikes: set[int] = set()
    for i in range(len(series)):
        spike = volume_spike(series, i, spikes, settings)
        if spike is not None:
            signals.append(spike)
            spikes.add(i)
        trend = rising_trend(series, i, spikes, settings)
        if trend is not None and spike is None:
            signals.append(trend)
        share = negative_share_rise(series, i, spikes, settings)
        if share is not None:
            signals.append(share)
        else:
            drop = sentiment_drop(series, i, spikes, settings)
            if drop is not None:
                signals.append(drop)
        for detector in (csat_drop, nps_drop):
            found = detector(series, i, spikes, settings)
            if found is not None:
                signals.append(found)
        if is_topic:
            found = new_topic(series, i, settings)
            if found is not None:
                signals.append(found)
    return signals
