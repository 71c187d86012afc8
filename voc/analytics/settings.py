"""Thresholds and defaults of the analytics package, in one validated model.

Defaults were chosen on the demo bank's two planted incidents (see `data/demo/README.md`);
`voc.config.Settings` can expose them as `VOC_ANALYTICS_*` variables.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class AnalyticsSettings(BaseModel):
    """Every number the scorecard and the alert detectors depend on."""

    timezone: str = Field(
        default="Asia/Shanghai", description="Zone whose calendar defines weeks and months."
    )
    small_cell: int = Field(default=30, ge=1, description="A metric with fewer answers is flagged.")
    confidence: float = Field(default=0.95, gt=0.5, lt=1.0, description="Level of every interval.")
    response_target_s: int = Field(default=3600, description="First response target (SEED: 1 h).")
    close_target_s: int = Field(default=86400, description="Solution target (SEED: 24 h).")
    baseline_weeks: int = Field(default=8, ge=3, description="Weeks before the current one.")
    min_baseline_weeks: int = Field(default=4, ge=2, description="No alert on a shorter history.")
    escalation_weeks: int = Field(
        default=2, ge=1, description="Recent weeks scanned for escalation cues (12378, 媒体…)."
    )
    escalation_min_count: int = Field(
        default=3, ge=1, description="Items with escalation cues in a week that raise an alert."
    )
    escalation_min_ratio: float = Field(
        default=1.5, ge=1.0, description="…and this multiple of their weekly baseline mean."
    )
    spike_min_count: int = Field(default=10, ge=1, description="Spike needs this many items.")
    spike_min_ratio: float = Field(default=1.8, ge=1.0, description="Current / baseline mean.")
    spike_max_p: float = Field(default=0.001, gt=0, lt=1, description="Cap on the NB tail p.")
    trend_weeks: int = Field(default=4, ge=2, description="Window of a sustained rise.")
    trend_gap_weeks: int = Field(default=4, ge=0, description="Weeks between reference and window.")
    trend_reference_weeks: int = Field(
        default=26, ge=3, description="Reference: up to this many weeks before the gap."
    )
    trend_min_ratio: float = Field(default=1.6, ge=1.0, description="Window / reference rate.")
    trend_max_p: float = Field(default=0.005, gt=0, lt=1, description="Cap on the NB tail p.")
    weekly_false_alarm_rate: float = Field(
        default=0.05,
        gt=0,
        lt=1,
        description="Count tests share this per week: p limit = min(cap, rate / series tested).",
    )
    trend_min_count: int = Field(default=16, ge=1, description="Items in the window at least.")
    share_min_n: int = Field(default=20, ge=1, description="Clauses/answers in the current week.")
    share_min_diff: float = Field(default=0.20, ge=0, description="Rise of negative share.")
    share_min_z: float = Field(default=3.5, ge=0, description="Two-proportion z of that rise.")
    sentiment_min_drop: float = Field(default=30.0, ge=0, description="Index points (−100…100).")
    score_min_n: int = Field(default=15, ge=1, description="CSAT/NPS answers in the week.")
    score_min_z: float = Field(default=3.0, ge=0, description="z of a CSAT/NPS drop.")
    csat_min_drop: float = Field(
        default=0.10, ge=0, description="CSAT top-2 share down by this much (0.10: 10 points)."
    )
    nps_min_drop: float = Field(
        default=10.0,
        ge=0,
        description="NPS points down (−100…100): with thousands of answers a week, a 2-point "
        "wobble already passes the z test, so significance alone is not news.",
    )
    new_topic_min_count: int = Field(default=8, ge=1, description="Items of a new topic.")
    new_topic_max_prior: int = Field(default=2, ge=0, description="Items before, all weeks.")
    dedupe_gap_weeks: int = Field(default=1, ge=0, description="Gap that still merges episodes.")
    high_severity_score: float = Field(default=8.0, description="−log10 p at which 'high'.")
    medium_severity_score: float = Field(default=3.0, description="−log10 p at which 'medium'.")
    examples: int = Field(default=3, ge=0, le=20, description="Example quotes per alert.")
    quote_chars: int = Field(default=120, ge=20, description="Quotes are cut to this length.")
