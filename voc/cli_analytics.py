"""`voc scores`, `voc alerts`, `voc drivers`, `voc digest`: thin wrappers over voc.analytics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from voc.cli_common import configured_engine, fail
from voc.config import get_settings


def analytics_settings():  # type: ignore[no-untyped-def]
    """`AnalyticsSettings` from the project settings (`analytics` field when the lead adds it)."""
    from voc.analytics.settings import AnalyticsSettings

    settings = get_settings()
    configured = getattr(settings, "analytics", None)
    if isinstance(configured, AnalyticsSettings):
        return configured
    return AnalyticsSettings(timezone=settings.default_timezone)


def _fmt(estimate: dict[str, Any], pct: bool = True) -> str:
    if estimate["value"] is None:
        return "—"
    scale = 100 if pct else 1
    text = f"{estimate['value'] * scale:.0f}" if pct else f"{estimate['value']:.0f}"
    text += f" [{estimate['low'] * scale:.0f},{estimate['high'] * scale:.0f}]"
    return text + ("*" if estimate["small"] else "")


def scores(
    granularity: Annotated[str, typer.Option(help="week | month")] = "week",
    period: Annotated[
        str | None, typer.Option(help="2026-W41 or 2026-10; default: the latest")
    ] = None,
    touchpoint: Annotated[str | None, typer.Option(help="one touchpoint id")] = None,
    channel: Annotated[str | None, typer.Option(help="only this channel")] = None,
    product: Annotated[str | None, typer.Option(help="only this product")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="last stdout line is a JSON list")
    ] = False,
) -> None:
    """Touchpoint scorecard for a period, read from the rollups (updated first)."""
    from voc.analytics.rollups import update_rollups
    from voc.analytics.scores import latest_period, scorecard

    if channel and product:
        raise fail("give --channel or --product, not both")
    dim, value = (
        ("channel", channel) if channel else ("product", product) if product else ("*", "*")
    )
    settings = analytics_settings()
    engine = configured_engine()
    try:
        update_rollups(engine, settings)
        chosen = period or latest_period(engine, granularity)
        rows = (
            scorecard(
                engine,
                granularity=granularity,
                periods=[chosen],
                touchpoint=touchpoint,
                dim=dim,
                value=value,
                settings=settings,
            )
            if chosen
            else []
        )
    except ValueError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in rows], ensure_ascii=False))
        return
    if not rows:
        typer.echo("no analysed feedback in that period (run `voc analyze` first)")
        return
    typer.echo(f"scorecard {chosen} ({dim}={value}); [95% interval], * = n < {settings.small_cell}")
    typer.echo(
        f"{'touchpoint':<18}{'vol':>5} {'neg%':>12} {'sent':>13} {'CSAT%':>12} {'NPS':>14} "
        f"{'compl':>6} {'≤1h%':>12} {'≤24h%':>12}"
    )
    for r in rows:
        d = r.as_dict()
        typer.echo(
            f"{r.touchpoint:<18}{r.volume:>5} {_fmt(d['negative_share']):>12} "
            f"{_fmt(d['sentiment_index'], False):>13} {_fmt(d['csat_top2']):>12} "
            f"{_fmt(d['nps'], False):>14} {r.complaints:>6} "
            f"{_fmt(d['response_within_1h']):>12} {_fmt(d['close_within_24h']):>12}"
        )


def alerts(
    as_json: Annotated[
        bool, typer.Option("--json", help="last stdout line is a JSON list")
    ] = False,
    since: Annotated[
        str | None, typer.Option(help="date YYYY-MM-DD or ISO week; episodes still running then")
    ] = None,
    ack: Annotated[int | None, typer.Option(help="acknowledge the alert with this id")] = None,
    note: Annotated[str | None, typer.Option(help="note stored with --ack")] = None,
    status: Annotated[str | None, typer.Option(help="open | acked")] = None,
) -> None:
    """Trend alerts per touchpoint and topic, recomputed from the stored analysis."""
    from voc.analytics.alerts import ack_alert, list_alerts
    from voc.analytics.periods import week_of
    from voc.analytics.trends import refresh_alerts
    from voc.text.segment import make_segmenter

    engine = configured_engine()
    if ack is not None:
        if not ack_alert(engine, ack, note):
            raise fail(f"no alert with id {ack}")
        typer.echo(f"alert {ack} acknowledged")
        return
    try:
        since_week = week_of(since) if since else None
        refresh_alerts(engine, analytics_settings(), tokenize=make_segmenter().tokens)
        found = list_alerts(engine, since_week=since_week, status=status)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        typer.echo(json.dumps(found, ensure_ascii=False, default=str))
        return
    if not found:
        typer.echo("no alerts")
    for a in found:
        where = a["touchpoint"] or (
            f"topic {a['topic_id']} {a['topic_label']}" if a["topic_id"] is not None else "all"
        )
        weeks = a["period"] if a["n_periods"] == 1 else f"{a['period']}…{a['last_period']}"
        typer.echo(
            f"#{a['id']} [{a['severity']}] {a['kind']} {where} {weeks}: {a['metric']} "
            f"{a['baseline']} → {a['current']} (effect {a['effect']})"
            + (" acked" if a["status"] == "acked" else "")
        )
        if a["over_represented"]:
            o = a["over_represented"]
            typer.echo(
                f"    over-represented: {o['dim']}={o['value']} "
                f"({o['share_current']:.0%} vs {o['share_baseline'] or 0:.0%})"
            )
        if a["keywords"]:
            typer.echo(f"    keywords: {' '.join(a['keywords'])}")
        for q in a["examples"]:
            typer.echo(f"    「{q['text']}」")


def drivers(
    first_week: Annotated[str, typer.Argument(help="first ISO week (or date) of the window")],
    last_week: Annotated[str, typer.Argument(help="last ISO week (or date) of the window")],
    target: Annotated[str, typer.Option(help="nps | csat")] = "nps",
    min_support: Annotated[int, typer.Option(help="answers mentioning a driver, at least")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="last stdout line is JSON")] = False,
) -> None:
    """Key drivers: effect of each touchpoint/topic on NPS or CSAT (OLS, HC3 errors)."""
    from dataclasses import asdict

    from voc.analytics.drivers import key_drivers
    from voc.analytics.periods import week_of

    try:
        report = key_drivers(
            configured_engine(),
            week_of(first_week),
            week_of(last_week),
            target=target,  # type: ignore[arg-type]
            min_support=min_support,
            settings=analytics_settings(),
        )
    except ValueError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        typer.echo(json.dumps(asdict(report), ensure_ascii=False))
        return
    typer.echo(
        f"{report.target} over {report.first_week}…{report.last_week}: n={report.n}, "
        f"mean={report.mean}, R²={report.r2}"
    )
    for d in report.drivers:
        label = f" {d.label}" if d.label else ""
        typer.echo(
            f"  {d.kind:<10} {d.name:<18}{label} effect {d.effect:+.2f} "
            f"[{d.low:+.2f}, {d.high:+.2f}] p={d.p_value:.3f} n={d.n_present} "
            f"impact {d.impact:+.3f}"
        )


def digest(
    week_arg: Annotated[
        str | None, typer.Argument(metavar="WEEK", help="ISO week like 2026-W41 (or a date)")
    ] = None,
    week: Annotated[str | None, typer.Option("--week", help="same as WEEK")] = None,
    fmt: Annotated[str, typer.Option("--format", help="json | md | html")] = "md",
    out: Annotated[Path, typer.Option(help="folder for the digest (and its charts)")] = Path("."),
) -> None:
    """Weekly digest: what hurts most, what is new, what got better, alerts, drivers."""
    from voc.analytics.digest import FORMATS, build_digest, write_digest
    from voc.analytics.periods import week_of
    from voc.text.segment import make_segmenter

    chosen = week or week_arg
    if not chosen:
        raise fail("give the week: voc digest 2026-W41 (or --week)")
    if fmt not in FORMATS:
        raise fail(f"unknown format {fmt!r}; valid: {list(FORMATS)}")
    settings = get_settings()
    try:
        page = build_digest(
            configured_engine(),
            week_of(chosen),
            analytics_settings(),
            tokenize=make_segmenter().tokens,
            taxonomy_path=settings.taxonomy,
            group_similarity=settings.problem_group_similarity,
        )
        paths = write_digest(page, fmt, out)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    for path in paths:
        typer.echo(str(path))


def run_demo_analytics(engine, digest_dir: Path | None = None) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """What `voc demo` prints after the analysis: alerts, and the latest week's digest files.

    Returns the alerts (JSON-ready) so the caller can test or print more.
    """
    from voc.analytics.digest import build_digest, write_digest
    from voc.analytics.scores import latest_period
    from voc.analytics.trends import refresh_alerts
    from voc.text.segment import make_segmenter

    settings = analytics_settings()
    tokens = make_segmenter().tokens
    found = refresh_alerts(engine, settings, tokenize=tokens)
    typer.echo(f"alerts: {len(found)} (details: voc alerts; JSON: voc alerts --json)")
    for a in found[:10]:
        where = a["touchpoint"] or (
            f"topic {a['topic_id']} {a['topic_label']}" if a["topic_id"] is not None else "all"
        )
        weeks = a["period"] if a["n_periods"] == 1 else f"{a['period']}…{a['last_period']}"
        extra = ""
        if a["over_represented"]:
            o = a["over_represented"]
            extra = f", mostly {o['dim']}={o['value']}"
        typer.echo(
            f"  [{a['severity']}] {a['kind']} {where} {weeks}: "
            f"{a['baseline']} → {a['current']}{extra}"
        )
    week = latest_period(engine, "week")
    if digest_dir is not None and week:
        page = build_digest(
            engine,
            week,
            settings,
            tokenize=tokens,
            refresh=False,
            group_similarity=get_settings().problem_group_similarity,
        )
        for fmt in ("md", "html"):
            paths = write_digest(page, fmt, digest_dir)
            typer.echo(f"digest {week} ({fmt}): {paths[0]}")
    return found


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root `voc` app."""
    app.command()(scores)
    app.command()(alerts)
    app.command()(drivers)
    app.command()(digest)
