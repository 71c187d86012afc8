"""`voc topics fit|list|show` and `voc eval topics`."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from voc.cli_common import configured_engine, fail
from voc.config import get_settings

topics_app = typer.Typer(no_args_is_help=True, help="Pain-point topics: fit, list, show.")

SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[int]) -> str:
    """One block character per value, scaled to the largest."""
    if not values:
        return ""
    top = max(values) or 1
    return "".join(SPARKS[min(len(SPARKS) - 1, round(v / top * (len(SPARKS) - 1)))] for v in values)


def fill_weeks(weekly: list[dict]) -> tuple[list[str], list[int]]:
    """Weekly counts with empty weeks as 0, from the first to the last week seen."""
    if not weekly:
        return [], []
    counts = {w["week"]: int(w["count"]) for w in weekly}

    def monday(week: str) -> date:
        year, number = week.split("-W")
        return date.fromisocalendar(int(year), int(number), 1)

    first, last = monday(min(counts)), monday(max(counts))
    weeks = []
    day = first
    while day <= last:
        year, number, _ = day.isocalendar()
        weeks.append(f"{year}-W{number:02d}")
        day = date.fromordinal(day.toordinal() + 7)
    return weeks, [counts.get(w, 0) for w in weeks]


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"--since {value!r} is not a date (YYYY-MM-DD)") from None
    if moment.tzinfo is None:
        from zoneinfo import ZoneInfo

        moment = moment.replace(tzinfo=ZoneInfo(get_settings().default_timezone))
    return moment


@topics_app.command("fit")
def fit(
    since: Annotated[
        str | None, typer.Option("--since", help="Fit on feedback from this date (YYYY-MM-DD).")
    ] = None,
    level: Annotated[str, typer.Option("--level", help="document | clause")] = "document",
    min_topic_size: Annotated[
        int | None, typer.Option("--min-topic-size", min=2, help="Default grows with the data.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed")] = 42,
    as_json: Annotated[bool, typer.Option("--json", help="Last stdout line is JSON.")] = False,
) -> None:
    """Refit topics on analysed feedback; ids of topics that persist are kept."""
    from voc.topics.service import fit_topics

    settings = get_settings()
    try:
        report = fit_topics(
            configured_engine(),
            settings,
            since=_parse_since(since),
            level=level,  # type: ignore[arg-type]
            min_topic_size=min_topic_size,
            random_state=seed,
        )
    except ValueError as exc:
        raise fail(str(exc)) from None
    events = ", ".join(f"{k} {v}" for k, v in report.events.items())
    typer.echo(
        f"{report.n_topics} topics on {report.n_items} items ({report.level} level), "
        f"unassigned {report.outlier_share:.1%}, {report.seconds:.0f}s; {events}"
    )
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))


@topics_app.command("list")
def list_cmd(
    show_all: Annotated[bool, typer.Option("--all", help="Include retired/merged.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Topics, biggest first: id, size, label, keywords."""
    from voc.topics.store import list_topics

    rows = list_topics(configured_engine(), include_inactive=show_all)
    if as_json:
        out = [
            {k: r[k] for k in ("id", "label", "size", "status")}
            | {"keywords": [w for w, _ in r["keywords"]]}
            for r in rows
        ]
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    if not rows:
        typer.echo("no topics yet; run `voc topics fit`")
        return
    for r in rows:
        words = " ".join(w for w, _ in r["keywords"][:6])
        status = "" if r["status"] == "active" else f" [{r['status']}]"
        typer.echo(f"{r['id']:>4}  {r['size']:>6}  {r['label']}{status}  · {words}")


@topics_app.command("show")
def show(
    topic_id: Annotated[int, typer.Argument(help="Topic id from `voc topics list`.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A topic: label, size, keywords, masked example clauses, weekly trend."""
    from voc.topics.store import topic_detail

    detail = topic_detail(configured_engine(), topic_id)
    if detail is None:
        raise fail(f"no topic {topic_id}; see `voc topics list`")
    weeks, counts = fill_weeks(detail["weekly"])
    if as_json:
        typer.echo(json.dumps(detail, ensure_ascii=False, default=str))
        return
    typer.echo(f"topic {detail['id']}: {detail['label']}  ({detail['status']})")
    typer.echo(f"size: {detail['size']}   model: {detail['model_version']}")
    typer.echo("keywords: " + " ".join(w for w, _ in detail["keywords"]))
    if weeks:
        peak = weeks[counts.index(max(counts))]
        typer.echo(
            f"weekly {weeks[0]}…{weeks[-1]}: {sparkline(counts)}  (peak {peak}: {max(counts)})"
        )
    typer.echo("examples:")
    for text in detail["examples"]:
        typer.echo(f"  - {text[:120]}")
    for event in detail["history"]:
        related = f" {event['related_ids']}" if event["related_ids"] else ""
        typer.echo(f"history: {event['at']:%Y-%m-%d} {event['event']}{related}")


def eval_topics(
    data: Annotated[Path, typer.Option("--data", help="CSV/TSV/JSONL/XLSX with a category.")],
    text_col: Annotated[str, typer.Option("--text-col")] = "text",
    label_col: Annotated[str, typer.Option("--label-col")] = "label",
    embeddings_cache: Annotated[
        Path | None,
        typer.Option("--embeddings-cache", help=".npy reused when encoder and texts match."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed")] = 42,
) -> None:
    """NMI/ARI of topics against categories (outliers as one cluster), outlier share."""
    from voc.cli_eval import _emit, _encoder, _read
    from voc.topics.evaluate import evaluate_topics

    columns = _read(data, [text_col, label_col])
    try:
        result = evaluate_topics(
            _encoder(),
            columns[text_col],
            columns[label_col],
            cache=embeddings_cache,
            random_state=seed,
        )
    except (FileNotFoundError, ValueError) as exc:
        raise fail(str(exc)) from None
    _emit(result)


def register(app: typer.Typer) -> None:
    """Add `voc topics …` and `voc eval topics` to the root `voc` app."""
    from voc.cli_eval import eval_app

    app.add_typer(topics_app, name="topics")
    eval_app.command("topics")(eval_topics)
