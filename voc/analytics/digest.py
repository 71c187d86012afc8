"""The weekly digest: what hurts most, what is new, what got better — per touchpoint, with
evidence — built from the rollups, the stored alerts, the driver model and the week's items.

`build_digest` returns a JSON-ready dict; `write_digest` renders it as json, md (charts as PNG
files next to it) or html (charts embedded as base64, opens offline) via `templates.py`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from voc.analytics import charts, flags
from voc.analytics.alerts import list_alerts
from voc.analytics.drivers import detractors, key_drivers
from voc.analytics.evidence import cell_items, quotes
from voc.analytics.periods import shift_week, week_of
from voc.analytics.rollups import ALL, NO_TOUCHPOINT, update_rollups
from voc.analytics.scores import ScoreRow, scorecard
from voc.analytics.settings import AnalyticsSettings
from voc.analytics.stats import two_proportion_z
from voc.analytics.trends import refresh_alerts, weekly_series
from voc.analytics.unexplained import unexplained_groups
from voc.config import Settings
from voc.search.candidates import StoreTooSmallError
from voc.store.tables import analyses, feedback
from voc.store.topic_tables import topics
from voc.text.segment import make_segmenter

DEFAULT_GROUP_SIMILARITY: float = Settings.model_fields["problem_group_similarity"].default
Format = Literal["json", "md", "html"]
FORMATS: tuple[Format, ...] = ("json", "md", "html")


def _names(taxonomy_path: Path | None) -> dict[str, str]:
    try:
        from voc.models.touchpoints import load_taxonomy

        return {t.id: t.name for t in load_taxonomy(taxonomy_path).touchpoints}
    except (OSError, ValueError, KeyError):
        return {}


def _score_line(now: ScoreRow, before: ScoreRow | None, names: dict[str, str]) -> dict[str, Any]:
    prev_volume = before.volume if before else 0
    return {
        "touchpoint": now.touchpoint,
        "name": names.get(now.touchpoint, now.touchpoint),
        "volume": now.volume,
        "volume_prev": prev_volume,
        "volume_change": now.volume - prev_volume,
        "negative_share": now.negative_share.as_dict(),
        "negative_share_prev": before.negative_share.value if before else None,
        "sentiment_index": now.sentiment_index.as_dict(),
        "csat_top2": now.csat_top2.as_dict(),
        "nps": now.nps.as_dict(),
        "complaints": now.complaints,
        "response_within_1h": now.response_within_1h.as_dict(),
        "close_within_24h": now.close_within_24h.as_dict(),
    }


def _week_flags(engine: Engine, week: str, zone: ZoneInfo, max_chars: int) -> dict[str, Any]:
    from voc.analytics.periods import utc_bounds
    from voc.text.pii import mask_pii

    start, end = utc_bounds(week, zone)
    query = (
        select(
            feedback.c.id,
            feedback.c.text,
            feedback.c.nps,
            feedback.c.csat,
            analyses.c.touchpoint,
            analyses.c.p_negative,
            analyses.c.p_positive,
        )
        .select_from(feedback.join(analyses, analyses.c.feedback_id == feedback.c.id))
        .where(feedback.c.created_at >= start, feedback.c.created_at < end)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).fetchall()
    escalations, disagreements = [], []
    for row in rows:
        text = mask_pii(row.text)
        cut = text if len(text) <= max_chars else text[: max_chars - 1] + "…"
        cues = flags.escalation_cues(row.text)
        if cues:
            escalations.append(
                {"feedback_id": row.id, "touchpoint": row.touchpoint, "cues": cues, "text": cut}
            )
        kind = flags.disagrees(row.nps, row.csat, row.p_negative, row.p_positive)
        if kind:
            disagreements.append(
                {"feedback_id": row.id, "kind": kind, "nps": row.nps, "csat": row.csat, "text": cut}
            )
    return {
        "escalation_count": len(escalations),
        "escalation": escalations[:5],
        "disagreement_count": len(disagreements),
        "disagreement": disagreements[:5],
    }


def _unexplained(
    engine: Engine,
    week: str,
    zone: ZoneInfo,
    tokenize: Callable[[str], list[str]] | None,
    group_similarity: float,
    max_chars: int,
) -> dict[str, Any]:
    """The page's `unexplained` groups, or why there are none to show."""
    try:
        groups = unexplained_groups(
            engine,
            week,
            zone,
            tokenize or make_segmenter().tokens,
            min_similarity=group_similarity,
            max_chars=max_chars,
        )
    except StoreTooSmallError as exc:
        return {"unexplained": [], "unexplained_note": str(exc)}
    return {"unexplained": groups, "unexplained_note": None}


def build_digest(
    engine: Engine,
    week: str,
    settings: AnalyticsSettings | None = None,
    *,
    tokenize: Callable[[str], list[str]] | None = None,
    taxonomy_path: Path | None = None,
    refresh: bool = True,
    group_similarity: float = DEFAULT_GROUP_SIMILARITY,
) -> dict[str, Any]:
    """Everything the weekly page says, as plain data (no charts rendered yet).

    `group_similarity`: the encoder's candidate-problem grouping threshold
    (`Settings.problem_group_similarity`).
    """
    settings = settings or AnalyticsSettings()
    week = week_of(week)
    zone = ZoneInfo(settings.timezone)
    if refresh:
        refresh_alerts(engine, settings, tokenize=tokenize)
    else:
        update_rollups(engine, settings)
    names = _names(taxonomy_path)
    prev = shift_week(week, -1)
    rows = scorecard(engine, periods=[week, prev], settings=settings)
    now = {r.touchpoint: r for r in rows if r.period == week}
    before = {r.touchpoint: r for r in rows if r.period == prev}
    if ALL not in now:
        raise ValueError(f"no analysed feedback in {week}; run `voc analyze` first")
    lines = [
        _score_line(r, before.get(tp), names)
        for tp, r in now.items()
        if tp not in (ALL, NO_TOUCHPOINT)
    ]
    lines.sort(key=lambda d: -d["volume"])
    weeks, series = weekly_series(engine)
    upto = weeks[: weeks.index(week) + 1] if week in weeks else weeks
    base_weeks = upto[-1 - settings.baseline_weeks : -1]

    def baseline_of(tp: str | None, topic: int | None = None) -> tuple[float, int, int]:
        stats = {w.week: w for w in series.get((tp, topic), [])}
        got = [stats[w] for w in base_weeks if w in stats]
        if not got:
            return 0.0, 0, 0
        mean = sum(w.n_items for w in got) / len(base_weeks)
        return mean, sum(w.n_clauses_negative for w in got), sum(w.n_clauses for w in got)

    with engine.connect() as connection:
        hurts = []
        for line in sorted(
            lines, key=lambda d: -(d["negative_share"]["value"] or 0) * d["negative_share"]["n"]
        )[:5]:
            items = cell_items(connection, week, week, zone, touchpoint=line["touchpoint"])
            negative = [i for i in items if i.p_negative >= 0.5]
            hurts.append(
                line
                | {
                    "negative_clauses": round(
                        (line["negative_share"]["value"] or 0) * line["negative_share"]["n"]
                    ),
                    "quotes": quotes(negative, 2, settings.quote_chars),
                }
            )
        topic_labels = dict(connection.execute(select(topics.c.id, topics.c.label)).fetchall())
    growing, better = [], []
    for line in lines:
        mean, neg0, n0 = baseline_of(line["touchpoint"])
        ratio = line["volume"] / mean if mean > 0 else None
        if line["volume"] >= 5 and ratio is not None and ratio >= 1.3:
            growing.append(line | {"baseline": round(mean, 2), "ratio": round(ratio, 2)})
        share = line["negative_share"]
        if n0 >= 10 and share["n"] >= 5 and share["value"] is not None:
            z = two_proportion_z(neg0, n0, round(share["value"] * share["n"]), share["n"])
            if share["value"] - neg0 / n0 <= -0.15 and z <= -1.5:
                better.append(
                    line | {"negative_share_baseline": round(neg0 / n0, 4), "z": round(z, 2)}
                )
    growing.sort(key=lambda d: -d["ratio"])
    all_alerts = list_alerts(engine)
    active = [a for a in all_alerts if a["first_period"] <= week <= a["last_period"]]
    resolved = [
        a for a in all_alerts if a["last_period"] in (shift_week(week, -1), shift_week(week, -2))
    ]
    new = [a for a in active if a["kind"] == "new_topic"] + [
        a for a in active if a["kind"] != "new_topic" and a["first_period"] == week
    ]
    topic_lines = []
    for (_, topic), weekly in series.items():
        if topic is None:
            continue
        this = next((w for w in weekly if w.week == week), None)
        if this and this.n_items:
            mean, _, _ = baseline_of(None, topic)
            topic_lines.append(
                {
                    "topic_id": topic,
                    "label": topic_labels.get(topic),
                    "volume": this.n_items,
                    "baseline": round(mean, 2),
                    "negative_share": round(this.n_clauses_negative / this.n_clauses, 4)
                    if this.n_clauses
                    else None,
                }
            )
    topic_lines.sort(key=lambda d: -d["volume"])
    first = base_weeks[0] if base_weeks else week
    report = key_drivers(engine, first, week, target="nps", settings=settings)
    total = now[ALL]
    return {
        "week": week,
        "previous_week": prev,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "summary": _score_line(total, before.get(ALL), names) | {"name": "全行 (all)"},
        "scorecard": lines,
        "hurts_most": hurts,
        "growing": growing[:5],
        "better": better[:5],
        "new": new,
        "alerts": active,
        "resolved": resolved,
        "topics": topic_lines[:10],
        **_unexplained(
            engine, week, zone, tokenize, group_similarity, max_chars=settings.quote_chars
        ),
        "drivers": {
            "target": "nps",
            "window": [first, week],
            "n": report.n,
            "r2": report.r2,
            "detractors": [d.__dict__ for d in detractors(report)],
        },
        "flags": _week_flags(engine, week, zone, settings.quote_chars),
        "series": {
            "weeks": upto[-12:],
            "touchpoints": {
                tp: [
                    next((w.n_items for w in series[(tp, None)] if w.week == wk), 0)
                    for wk in upto[-12:]
                ]
                for tp in [line["touchpoint"] for line in lines[:5]]
                if (tp, None) in series
            },
        },
    }


def render_charts(digest: dict[str, Any], font: str | None = None) -> dict[str, bytes]:
    """The digest's PNG charts by file name.

    With a CJK `font` (see `charts.cjk_font`) touchpoints carry their Chinese names;
    without one they carry their ASCII taxonomy ids, which any font can draw.
    """
    names = {line["touchpoint"]: line["name"] for line in digest["scorecard"]}

    def label(touchpoint: str) -> str:
        return names.get(touchpoint, touchpoint) if font else touchpoint

    lines = sorted(
        digest["scorecard"],
        key=lambda line: -(line["negative_share"]["value"] or 0) * line["negative_share"]["n"],
    )[:15]
    return {
        "trend.png": charts.trend_lines(
            digest["series"]["weeks"],
            {label(tp): values for tp, values in digest["series"]["touchpoints"].items()},
            f"Top touchpoints, items per week (to {digest['week']})",
            font=font,
        ),
        "touchpoints.png": charts.touchpoint_bars(
            [label(line["touchpoint"]) for line in lines],
            [
                round((line["negative_share"]["value"] or 0) * line["negative_share"]["n"])
                for line in lines
            ],
            [line["negative_share"]["n"] for line in lines],
            f"Clauses per touchpoint, {digest['week']}",
            font=font,
        ),
    }


def chart_note(font: str | None) -> str:
    """One line under the charts saying how they label touchpoints."""
    if font:
        return f"Charts name touchpoints in Chinese (font: {font})."
    return "Charts label touchpoints by taxonomy id (no CJK font found on the rendering host)."


def write_digest(
    digest: dict[str, Any],
    fmt: str,
    out_dir: Path,
    *,
    font_families: tuple[str, ...] = charts.CJK_FAMILIES,
) -> list[Path]:
    """Write the digest in one format into `out_dir`; returns the files written.

    Charts use the first installed family of `font_families` (none: ASCII labels).
    """
    from voc.analytics.templates import render_html, render_markdown

    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; valid: {list(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"digest-{digest['week']}"
    if fmt == "json":
        path = stem.with_suffix(".json")
        path.write_text(json.dumps(digest, ensure_ascii=False, indent=1), encoding="utf-8")
        return [path]
    font = charts.cjk_font(tuple(font_families))
    images = render_charts(digest, font)
    note = chart_note(font)
    if fmt == "md":
        written = []
        for name, png in images.items():
            image = out_dir / f"digest-{digest['week']}-{name}"
            image.write_bytes(png)
            written.append(image)
        names = {k: f"digest-{digest['week']}-{k}" for k in images}
        path = stem.with_suffix(".md")
        path.write_text(render_markdown(digest, names, note), encoding="utf-8")
        return [path, *written]
    embedded = {
        k: "data:image/png;base64," + base64.b64encode(v).decode() for k, v in images.items()
    }
    path = stem.with_suffix(".html")
    path.write_text(render_html(digest, embedded, note), encoding="utf-8")
    return [path]
