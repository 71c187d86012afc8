"""Intervals and tail probabilities the scorecard and the detectors share.

Proportions use the Wilson score interval (good coverage at small n, never outside 0…1).
NPS and the sentiment index are differences of two shares of one multinomial, so their
variance is (p₊ + p₋ − (p₊ − p₋)²) / n, computed with one pseudo-answer per category.
A rise in a count is judged by the larger of two tails: a negative binomial whose
dispersion comes from the baseline weeks (Poisson when they are not over-dispersed), and
the exact conditional (binomial) test of two Poisson rates, which accounts for the
baseline being an estimate itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

from scipy import stats


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its interval, the number of answers behind it and a flag."""

    value: float | None
    low: float | None
    high: float | None
    n: int
    small: bool

    def as_dict(self) -> dict:
        """Plain JSON-ready dictionary."""
        return {
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "n": self.n,
            "small": self.small,
        }


@lru_cache(maxsize=16)
def z_value(confidence: float) -> float:
    """Two-sided normal quantile for a confidence level (1.959964 for 0.95)."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float, float]:
    """Share and Wilson score interval; (nan, nan, nan) for n = 0."""
    if n <= 0:
        return math.nan, math.nan, math.nan
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be within 0…n={n}, got {successes}")
    z = z_value(confidence)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return p, max(0.0, centre - half), min(1.0, centre + half)


def net_score(
    plus: int, minus: int, n: int, confidence: float = 0.95
) -> tuple[float, float, float]:
    """100 × (plus − minus) / n with its analytic interval (NPS, sentiment index)."""
    if n <= 0:
        return math.nan, math.nan, math.nan
    if plus < 0 or minus < 0 or plus + minus > n:
        raise ValueError(f"need 0 <= plus + minus <= n, got plus={plus} minus={minus} n={n}")
    value = (plus - minus) / n
    # The spread uses one pseudo-answer per category (n + 3), so that all-promoter or
    # all-detractor cells get an honest width instead of a zero-width interval.
    pa, ma, na = (plus + 1) / (n + 3), (minus + 1) / (n + 3), n + 3
    variance = max(pa + ma - (pa - ma) ** 2, 0.0) / na
    half = z_value(confidence) * math.sqrt(variance)
    return 100 * value, 100 * max(-1.0, value - half), 100 * min(1.0, value + half)


def mean_interval(
    total: float, total_sq: float | None, n: int, sd_floor: float = 0.5, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Mean with a normal interval; the spread defaults to `sd_floor` when unknown."""
    if n <= 0:
        return math.nan, math.nan, math.nan
    mean = total / n
    if total_sq is not None and n > 1:
        sd = math.sqrt(max(total_sq - n * mean * mean, 0.0) / (n - 1))
    else:
        sd = sd_floor
    half = z_value(confidence) * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def estimate(
    triple: tuple[float, float, float], n: int, small_cell: int, digits: int = 4
) -> Estimate:
    """Wrap a (value, low, high) triple; NaN becomes None, small n is flagged."""

    def clean(x: float) -> float | None:
        return None if math.isnan(x) else round(x, digits)

    value, low, high = triple
    return Estimate(clean(value), clean(low), clean(high), n, n < small_cell)


def dispersion(counts: Sequence[float]) -> float:
    """Negative-binomial size r by moments (inf = Poisson when variance <= mean)."""
    if len(counts) < 2:
        return math.inf
    mean = sum(counts) / len(counts)
    var = sum((c - mean) ** 2 for c in counts) / (len(counts) - 1)
    if mean <= 0 or var <= mean:
        return math.inf
    return mean * mean / (var - mean)


def upper_tail(observed: float, mean: float, size: float = math.inf) -> float:
    """P(X >= observed) for a count with this mean (NB with size r, Poisson when r = inf)."""
    if observed <= 0:
        return 1.0
    mean = max(mean, 1e-9)
    k = math.ceil(observed) - 1
    if math.isinf(size):
        return float(stats.poisson.sf(k, mean))
    p = size / (size + mean)
    return float(stats.nbinom.sf(k, size, p))


def rate_ratio_tail(
    current: int, reference: int, current_units: int, reference_units: int
) -> float:
    """P(X >= current) for a rise of rate, conditioning on the total (exact Poisson test).

    Given `current + reference` events, under equal rates the current share is binomial with
    p = current_units / (all units); unlike plugging in the reference mean, this accounts for
    the reference itself being a noisy estimate.
    """
    if current <= 0:
        return 1.0
    share = current_units / (current_units + reference_units)
    return float(stats.binom.sf(current - 1, current + reference, share))


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> float:
    """z of p2 − p1 with the pooled standard error (0 when either n is 0)."""
    if n1 <= 0 or n2 <= 0:
        return 0.0
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0
    return (x2 / n2 - x1 / n1) / se


def net_score_z(
    plus1: int, minus1: int, n1: int, plus2: int, minus2: int, n2: int
) -> tuple[float, float]:
    """Difference (2 − 1) of two net scores in points and its z under the null that both
    share one distribution: the variance comes from the pooled shares (a score test).

    Each week's own variance would collapse in a small, extreme week (all detractors:
    variance 0) and turn noise into alerts: at 15 uniform 0–10 answers a week against an
    eight-week baseline, 2% of weeks crossed z ≤ −3 with a 10-point drop (nominal 0.13%);
    pooled, 0.015% (`bench/scores.py` measures the false alarms end to end)."""
    if n1 <= 0 or n2 <= 0:
        return 0.0, 0.0
    p, m = (plus1 + plus2) / (n1 + n2), (minus1 + minus2) / (n1 + n2)
    variance = max(p + m - (p - m) ** 2, 0.0) * (1 / n1 + 1 / n2)
    diff = (plus2 - minus2) / n2 - (plus1 - minus1) / n1
    return 100 * diff, (diff / math.sqrt(variance) if variance > 0 else 0.0)


def neg_log10(p: float) -> float:
    """−log10 p, capped at 30 so that p = 0 stays finite."""
    return min(30.0, -math.log10(max(p, 1e-30)))
