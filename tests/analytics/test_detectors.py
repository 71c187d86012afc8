"""Detectors on synthetic series: power on a planted ×3 spike, false alarms on flat noise."""

from __future__ import annotations

import numpy as np

from voc.analytics.detectors import (
    WeekStats,
    csat_drop,
    detect_series,
    new_topic,
    nps_drop,
    rising_trend,
)
from voc.analytics.periods import shift_week
from voc.analytics.settings import AnalyticsSettings
from voc.analytics.trends import episodes

WEEKS = [shift_week("2026-W30", k) for k in range(12)]


def _series(counts) -> list[WeekStats]:  # type: ignore[no-untyped-def]
    return [WeekStats(w, n_items=int(c)) for w, c in zip(WEEKS, counts, strict=True)]


def test_detectors_spike_power_and_false_alarms(rng: np.random.Generator) -> None:
    settings = AnalyticsSettings()
    caught = false_alarms = unplanted = 0
    trials, planted = 200, 9
    for _ in range(trials):
        counts = rng.poisson(30, size=len(WEEKS)).astype(float)
        counts[planted] = rng.poisson(90)
        signals = detect_series(_series(counts), settings)
        spikes = {s.week for s in signals if s.kind == "volume_spike"}
        caught += WEEKS[planted] in spikes
        testable = [w for i, w in enumerate(WEEKS) if i >= settings.min_baseline_weeks]
        others = [w for w in testable if w != WEEKS[planted]]
        false_alarms += len(spikes & set(others))
        unplanted += len(others)
    assert caught / trials >= 0.95
    assert false_alarms / unplanted <= 0.05


def test_detectors_quiet_on_flat_noise(rng: np.random.Generator) -> None:
    settings = AnalyticsSettings()
    fired = 0
    for _ in range(200):
        signals = detect_series(_series(rng.poisson(30, size=len(WEEKS))), settings)
        fired += sum(s.kind in ("volume_spike", "rising_trend") for s in signals)
    assert fired / (200 * len(WEEKS)) <= 0.01


def test_detectors_small_counts_need_minimum_volume() -> None:
    settings = AnalyticsSettings()
    signals = detect_series(_series([1, 0, 1, 1, 0, 1, 0, 1, 1, 6, 1, 0]), settings)
    assert not [s for s in signals if s.kind == "volume_spike"]  # 6 < spike_min_count


def test_detectors_sustained_rise_is_a_trend_not_a_spike() -> None:
    settings = AnalyticsSettings(trend_weeks=3, trend_reference_weeks=4, min_baseline_weeks=3)
    counts = [5, 6, 5, 5, 6, 7, 8, 10, 12, 14, 15, 15]
    series = _series(counts)
    trend = rising_trend(series, 11, set(), settings)
    assert trend is not None and trend.effect > 2
    assert not [s for s in detect_series(series, settings) if s.kind == "volume_spike"]


def test_detectors_new_topic() -> None:
    settings = AnalyticsSettings()
    series = _series([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 12, 9])
    assert new_topic(series, 10, settings) is not None
    assert new_topic(series, 9, settings) is None


def test_detectors_episodes_merge_consecutive_weeks() -> None:
    settings = AnalyticsSettings()
    counts = [10, 11, 9, 10, 10, 9, 11, 10, 40, 35, 10, 10]
    signals = [s for s in detect_series(_series(counts), settings) if s.kind == "volume_spike"]
    assert [s.week for s in signals] == [WEEKS[8], WEEKS[9]]
    merged = episodes(signals, "app_transfer", None, gap_weeks=settings.dedupe_gap_weeks)
    assert len(merged) == 1
    assert merged[0].weeks == [WEEKS[8], WEEKS[9]] and merged[0].peak.week == WEEKS[8]
    apart = episodes(signals[:1], "x", None) + episodes(signals[1:], "x", None)
    assert len(apart) == 2


def _scores(week: str, n: int, promoters: int, detractors: int, top2: int) -> WeekStats:
    return WeekStats(
        week, n_items=n, nps_n=n, nps_promoters=promoters, nps_detractors=detractors,
        csat_n=n, csat_top2=top2,
    )  # fmt: skip


def test_detectors_score_drops_need_a_real_effect() -> None:
    """At 5,000 answers a week a 4-point NPS / 4-point CSAT dip is significant (z > 3) but
    not news; a 15-point drop is both."""
    settings = AnalyticsSettings()
    steady = [_scores(w, 5000, 2000, 1000, 4000) for w in WEEKS[:11]]  # NPS 20, CSAT 80%
    dip = [*steady, _scores(WEEKS[11], 5000, 1900, 1100, 3800)]  # NPS 16, CSAT 76%
    assert nps_drop(dip, 11, set(), settings) is None
    assert csat_drop(dip, 11, set(), settings) is None
    assert nps_drop(dip, 11, set(), settings.model_copy(update={"nps_min_drop": 0})) is not None
    assert csat_drop(dip, 11, set(), settings.model_copy(update={"csat_min_drop": 0})) is not None
    fall = [*steady, _scores(WEEKS[11], 5000, 1600, 1350, 3200)]  # NPS 5, CSAT 64%
    assert nps_drop(fall, 11, set(), settings).effect == -15.0
    assert csat_drop(fall, 11, set(), settings) is not None
