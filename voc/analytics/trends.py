"""Trend alerts: weekly series per touchpoint and per topic from the rollups, the detectors
of `detectors.py`, episodes (consecutive weeks merged) with evidence, stored with ack state.

`refresh_alerts` is what `voc alerts` runs: update rollups, detect over every week, merge
each (kind, touchpoint, topic) run of weeks into one episode, attach evidence to its peak
week and upsert by a stable key, keeping acknowledgements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from voc.analytics.detectors import Signal, WeekStats, detect_series
from voc.analytics.evidence import cell_items, distinctive_words, over_represented, quotes
from voc.analytics.periods import shift_week, week_range
from voc.analytics.rollups import ALL, NO_TOUCHPOINT, update_rollups
from voc.analytics.settings import AnalyticsSettings
from voc.store.analytics_tables import analytics_alerts, analytics_rollups
from voc.store.topic_tables import topics

_STATS = [f.name for f in fields(WeekStats) if f.name != "week"]
SEVERITIES = ("low", "medium", "high")
VOLUME_KINDS = ("volume_spike", "rising_trend", "new_topic")


@dataclass(frozen=True)
class Episode:
    """Consecutive weeks in which one detector fired on one cell."""

    kind: str
    touchpoint: str | None
    topic_id: int | None
    weeks: list[str]
    peak: Signal

    @property
    def key(self) -> str:
        """Stable identity: kind, cell and first week."""
        topic = "" if self.topic_id is None else str(self.topic_id)
        return f"{self.kind}|{self.touchpoint or ''}|{topic}|{self.weeks[0]}"


def weekly_series(engine: Engine) -> tuple[list[str], dict[tuple[str | None, int | None], list]]:
    """All weeks in the rollups and the WeekStats series of every touchpoint and topic.

    Keys are (touchpoint, None) for touchpoints — None meaning the whole bank — and
    (None, topic_id) for topics. Weeks without items are zero-filled.
    """
    r = analytics_rollups
    query = select(r.c.period, r.c.touchpoint, r.c.dim, r.c.value, *(r.c[n] for n in _STATS)).where(
        r.c.granularity == "week",
        ((r.c.dim == ALL) & (r.c.touchpoint != NO_TOUCHPOINT))
        | ((r.c.dim == "topic") & (r.c.touchpoint == ALL)),
    )
    with engine.connect() as connection:
        rows = connection.execute(query).fetchall()
    if not rows:
        return [], {}
    weeks = week_range(min(row.period for row in rows), max(row.period for row in rows))
    cells: dict[tuple[str | None, int | None], dict[str, WeekStats]] = defaultdict(dict)
    for row in rows:
        if row.dim == ALL:
            key = (None if row.touchpoint == ALL else row.touchpoint, None)
        else:
            key = (None, int(row.value))
        cells[key][row.period] = WeekStats(row.period, *(row._mapping[n] for n in _STATS))
    series = {key: [by_week.get(w, WeekStats(w)) for w in weeks] for key, by_week in cells.items()}
    return weeks, series


def episodes(
    signals: Sequence[Signal],
    touchpoint: str | None,
    topic_id: int | None,
    gap_weeks: int = 1,
) -> list[Episode]:
    """Merge signals of the same kind whose weeks are at most `gap_weeks` + 1 apart."""
    by_kind: dict[str, list[Signal]] = defaultdict(list)
    for signal in signals:
        by_kind[signal.kind].append(signal)
    out: list[Episode] = []
    for kind, found in by_kind.items():
        found.sort(key=lambda s: s.week)
        run: list[Signal] = []
        for signal in found:
            if run and signal.week > shift_week(run[-1].week, gap_weeks + 1):
                out.append(_episode(kind, touchpoint, topic_id, run))
                run = []
            run.append(signal)
        if run:
            out.append(_episode(kind, touchpoint, topic_id, run))
    return out


def _episode(kind: str, tp: str | None, topic: int | None, run: list[Signal]) -> Episode:
    peak = max(run, key=lambda s: (s.score, s.week))
    return Episode(kind, tp, topic, [s.week for s in run], peak)


def severity(signal: Signal, settings: AnalyticsSettings) -> str:
    """high when very unlikely under the baseline (or volume ≥3×), medium, or low."""
    big = signal.kind in VOLUME_KINDS and signal.effect >= 3
    if signal.score >= settings.high_severity_score or big:
        return "high"
    return "medium" if signal.score >= settings.medium_severity_score else "low"


def _topic_info(connection: Connection) -> dict[int, tuple[str, list[str]]]:
    rows = connection.execute(select(topics.c.id, topics.c.label, topics.c.keywords)).fetchall()
    return {row.id: (row.label, _words(row.keywords)) for row in rows}


def _words(keywords: object) -> list[str]:
    """Topic keywords as words; the topics table stores [word, weight] pairs."""
    out = []
    for item in keywords or []:  # type: ignore[attr-defined]
        out.append(str(item[0]) if isinstance(item, list | tuple) else str(item))
    return out


def _evidence(
    connection: Connection,
    episode: Episode,
    settings: AnalyticsSettings,
    tokenize: Callable[[str], list[str]] | None,
    topic_keywords: list[str],
) -> dict[str, Any]:
    zone = ZoneInfo(settings.timezone)
    week = episode.peak.week
    kwargs = {"touchpoint": episode.touchpoint, "topic_id": episode.topic_id}
    current = cell_items(connection, week, week, zone, **kwargs)
    first_base = shift_week(episode.weeks[0], -settings.baseline_weeks)
    last_base = shift_week(episode.weeks[0], -1)
    baseline = cell_items(connection, first_base, last_base, zone, **kwargs)
    negative = [i for i in current if i.p_negative >= 0.5] or list(current)
    if topic_keywords:
        keywords = topic_keywords[:8]
    elif tokenize is not None:
        keywords = distinctive_words(
            [i.text for i in negative], [i.text for i in baseline], tokenize
        )
    else:
        keywords = []
    return {
        "keywords": keywords,
        "examples": quotes(negative, settings.examples, settings.quote_chars),
        "over_represented": over_represented(current, baseline),
    }


def per_test_settings(settings: AnalyticsSettings, n_series: int) -> AnalyticsSettings:
    """Split the weekly false-alarm budget over the series tested (Bonferroni).

    With 20 touchpoints and 80 topics a fixed p limit would fire somewhere almost every
    week; dividing `weekly_false_alarm_rate` by the number of series keeps the expected
    false volume/trend alerts per week near that rate, whatever the taxonomy's size. The
    CSAT/NPS drop z-threshold is raised the same way (bench/scores.py on uniform data: 20
    false score-drop alerts at a fixed z of 3 over 81 series x 52 weeks).
    """
    from scipy.stats import norm

    budget = settings.weekly_false_alarm_rate / max(n_series, 1)
    # CSAT and NPS drops are two z-tests per series: each gets half of the series' budget.
    score_z = float(norm.isf(budget / 2))
    return settings.model_copy(
        update={
            "spike_max_p": min(settings.spike_max_p, budget),
            "trend_max_p": min(settings.trend_max_p, budget),
            "score_min_z": max(settings.score_min_z, score_z),
        }
    )


def detect_all(engine: Engine, settings: AnalyticsSettings) -> list[Episode]:
    """Episodes over every touchpoint, the whole bank and every topic (no evidence yet)."""
    _, series = weekly_series(engine)
    settings = per_test_settings(settings, len(series))
    out: list[Episode] = []
    for (touchpoint, topic_id), weeks in sorted(series.items(), key=lambda kv: str(kv[0])):
        signals = detect_series(weeks, settings, is_topic=topic_id is not None)
        out += episodes(signals, touchpoint, topic_id, settings.dedupe_gap_weeks)
    return out


def refresh_alerts(
    engine: Engine,
    settings: AnalyticsSettings | None = None,
    *,
    tokenize: Callable[[str], list[str]] | None = None,
) -> list[dict[str, Any]]:
    """Recompute alerts from the stored analysis and upsert them; returns all stored alerts.

    `tokenize` (e.g. the project's jieba segmenter) gives keywords to touchpoint alerts;
    topic alerts use the topic's own keywords.
    """
    settings = settings or AnalyticsSettings()
    update_rollups(engine, settings)
    found = detect_all(engine, settings)
    now = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as connection:
        info = _topic_info(connection)
        existing = {row.key: row for row in connection.execute(select(analytics_alerts)).fetchall()}
        keep = set()
        for episode in found:
            has_topic = episode.topic_id is not None
            label, words = info.get(episode.topic_id, (None, [])) if has_topic else (None, [])
            evidence = _evidence(connection, episode, settings, tokenize, words)
            _upsert(connection, existing, episode, evidence, settings, now, label)
            keep.add(episode.key)
        last_week = _latest_week(connection)
        if last_week is not None:
            from voc.analytics.escalation import escalation_episodes

            for episode, evidence in escalation_episodes(connection, last_week, settings):
                _upsert(connection, existing, episode, evidence, settings, now, None)
                keep.add(episode.key)
        stale = [k for k, r in existing.items() if k not in keep and r.status != "acked"]
        if stale:
            connection.execute(delete(analytics_alerts).where(analytics_alerts.c.key.in_(stale)))
    from voc.analytics.alerts import list_alerts

    return list_alerts(engine)


def _latest_week(connection: Connection) -> str | None:
    r = analytics_rollups
    return connection.scalar(
        select(func.max(r.c.period)).where(
            r.c.granularity == "week", r.c.touchpoint == ALL, r.c.dim == ALL
        )
    )


def _upsert(
    connection: Connection,
    existing: dict[str, Any],
    episode: Episode,
    evidence: dict[str, Any],
    settings: AnalyticsSettings,
    now: datetime,
    topic_label: str | None,
) -> None:
    """Insert a new alert or refresh a stored one (its status and ack survive)."""
    detail = dict(episode.peak.detail)
    detail.update(evidence)
    detail["weeks"] = episode.weeks
    row = {
        "key": episode.key,
        "kind": episode.kind,
        "severity": severity(episode.peak, settings),
        "metric": episode.peak.metric,
        "touchpoint": episode.touchpoint,
        "topic_id": episode.topic_id,
        "topic_label": topic_label,
        "period": episode.weeks[0],
        "first_period": episode.weeks[0],
        "last_period": episode.weeks[-1],
        "peak_period": episode.peak.week,
        "n_periods": len(episode.weeks),
        "baseline": episode.peak.baseline,
        "current": episode.peak.current,
        "effect": episode.peak.effect,
        "score": episode.peak.score,
        "detail": detail,
        "updated_at": now,
    }
    if episode.key in existing:
        connection.execute(
            update(analytics_alerts).where(analytics_alerts.c.key == episode.key).values(**row)
        )
    else:
        connection.execute(insert(analytics_alerts).values(**row, status="open", created_at=now))
