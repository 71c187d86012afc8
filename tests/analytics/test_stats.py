"""Intervals and tails: known values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from voc.analytics.stats import net_score, net_score_z, two_proportion_z, upper_tail, wilson


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),  # Newcombe (1998) example
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (15, 148, 0.0624, 0.1605),
    ],
)
def test_stats_wilson_known_values(x: int, n: int, low: float, high: float) -> None:
    p, lo, hi = wilson(x, n)
    assert p == pytest.approx(x / n)
    assert lo == pytest.approx(low, abs=1e-4)
    assert hi == pytest.approx(high, abs=1e-4)


def test_stats_wilson_empty_is_nan_and_bad_counts_raise() -> None:
    assert all(math.isnan(v) for v in wilson(0, 0))
    with pytest.raises(ValueError, match="successes"):
        wilson(5, 3)


def test_stats_nps_arithmetic() -> None:
    # 50 promoters, 30 passives, 20 detractors: NPS 30; the spread uses (51, 31, 21) / 103
    value, low, high = net_score(50, 20, 100)
    assert value == pytest.approx(30.0)
    p, m = 51 / 103, 21 / 103
    half = 1.959964 * math.sqrt((p + m - (p - m) ** 2) / 103) * 100
    assert low == pytest.approx(30 - half, abs=1e-3)
    assert high == pytest.approx(30 + half, abs=1e-3)
    assert 14 < half < 16  # close to the plain analytic ±15.3
    all_detractors = net_score(0, 10, 10)
    assert all_detractors[0] == -100.0 and all_detractors[1] == -100.0
    assert all_detractors[2] > -80  # not a zero-width interval


def test_stats_two_proportion_z_sign_and_size() -> None:
    assert two_proportion_z(10, 100, 30, 100) > 3
    assert two_proportion_z(30, 100, 10, 100) < -3
    assert two_proportion_z(0, 0, 1, 1) == 0.0


def test_stats_upper_tail_poisson_and_nb() -> None:
    assert upper_tail(0, 5) == 1.0
    assert upper_tail(15, 5) == pytest.approx(0.000226, rel=0.01)
    # over-dispersion makes the same count less surprising
    assert upper_tail(15, 5, size=2.0) > upper_tail(15, 5)


def test_stats_net_score_z_sign_size_and_an_extreme_small_week() -> None:
    diff, z = net_score_z(300, 200, 1000, 30, 50, 100)  # NPS 10 -> -20
    assert diff == pytest.approx(-30.0)
    assert z < -3
    # a small week of detractors only: its own variance is 0, the test's is not
    diff, z = net_score_z(200, 500, 1000, 0, 15, 15)
    assert diff == pytest.approx(-70.0)
    assert math.isfinite(z) and -10 < z < -3
    assert net_score_z(1, 1, 0, 1, 1, 5) == (0.0, 0.0)


def test_stats_net_score_z_holds_its_false_alarm_rate_on_small_weeks() -> None:
    """Uniform 0-10 answers, 15 a week against 120: z <= -3 should be rare (nominal 0.13%)."""
    rng = np.random.default_rng(7)
    alarms = 0
    trials = 4000
    for _ in range(trials):
        base, week = rng.integers(0, 11, size=120), rng.integers(0, 11, size=15)
        promoters = [int((x >= 9).sum()) for x in (base, week)]
        detractors = [int((x <= 6).sum()) for x in (base, week)]
        _, z = net_score_z(promoters[0], detractors[0], 120, promoters[1], detractors[1], 15)
        alarms += z <= -3
    assert alarms / trials < 0.004
