"""The `voc` command line. Commands are thin: they parse flags and call the package."""

from __future__ import annotations

import csv
import json
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer

from voc.cli_common import fail
from voc.config import Settings, get_settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Voice-of-customer text mining for Chinese financial institutions.",
)


def _add_subcommands() -> None:
    from voc.cli_eval import eval_app
    from voc.cli_problems import problems_app

    app.add_typer(eval_app, name="eval")
    app.add_typer(problems_app, name="problems")
    # Each feature package registers its own commands (on `app`, or on `eval_app`).
    from voc import cli_analytics, cli_api, cli_models, cli_search, cli_topics

    for module in (cli_search, cli_topics, cli_analytics, cli_api, cli_models):
        module.register(app)


SOURCE_HELP = "survey | app_review | call_transcript | complaint"


def _ingest_suffixes() -> tuple[str, ...]:
    from voc.ingest.pipeline import SUFFIXES

    return SUFFIXES


DEMO_FILES = (
    ("surveys.csv", "survey"),
    ("app_reviews.csv", "app_review"),
    ("call_transcripts.jsonl", "call_transcript"),
    ("complaints.csv", "complaint"),
)


def _engine(settings: Settings):  # type: ignore[no-untyped-def]
    from voc.store.db import open_engine

    return open_engine(settings)


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix.lower() in _ingest_suffixes())
    return [path]


def run_ingest(
    settings: Settings,
    paths: list[tuple[Path, str]],
    *,
    mapping_file: Path | None = None,
    map_pairs: list[str] | None = None,
    encoding: str | None = None,
    show_progress: bool = True,
):  # type: ignore[no-untyped-def]
    """Ingest (file, source) pairs; returns the total summary and per-file errors."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from voc.ingest.columns import ColumnMapping
    from voc.ingest.errors import FileError
    from voc.ingest.pipeline import FeedbackPreparer, Ingestor, IngestSummary, count_lines

    mapping = ColumnMapping.from_file(mapping_file) if mapping_file else None
    if map_pairs:
        mapping = ColumnMapping.from_pairs(map_pairs, mapping)
    engine = _engine(settings)
    ingestor = Ingestor(engine, FeedbackPreparer(settings.pii_salt), settings.ingest_batch_size)
    total = IngestSummary()
    errors: list[str] = []
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeElapsedColumn(),
        console=_stderr_console(),
        transient=False,
        disable=not show_progress,
    )
    with progress:
        for path, source in paths:
            lines = count_lines(path) if path.is_file() else None
            task = progress.add_task(path.name, total=lines)
            try:
                summary = ingestor.ingest_file(
                    path,
                    source,
                    mapping=mapping,
                    encoding=encoding,
                    timezone=(mapping.timezone if mapping and mapping.timezone else None)
                    or settings.default_timezone,
                    on_progress=lambda n, task=task: progress.update(task, completed=n),
                )
            except FileError as exc:
                errors.append(str(exc))
                continue
            progress.update(task, completed=summary.read, total=summary.read)
            total.add(summary)
    return total, errors


def _stderr_console():  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(stderr=True)


@app.command()
def ingest(
    path: Annotated[Path, typer.Argument(help="A file, or a folder of files of one source.")],
    source: Annotated[str, typer.Option("--source", "-s", help=SOURCE_HELP)],
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="YAML/JSON column mapping file.")
    ] = None,
    map_pair: Annotated[
        list[str] | None,
        typer.Option("--map", help="FIELD=COLUMN, repeatable (e.g. --map text=意见)."),
    ] = None,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="Override detection (utf-8, gbk, gb18030).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Last stdout line is JSON counts.")
    ] = False,
) -> None:
    """Ingest feedback exports: validate, normalise, mask PII, de-duplicate, store."""
    from voc.ingest.errors import FileError
    from voc.ingest.pipeline import ADAPTERS

    if source not in ADAPTERS:
        raise fail(f"unknown source {source!r}; valid: {sorted(ADAPTERS)}")
    if not path.exists():
        raise fail(f"{path}: no such file or folder")
    files = _files(path)
    if not files:
        raise fail(f"{path}: no files with a supported suffix {sorted(_ingest_suffixes())}")
    settings = get_settings()
    try:
        total, errors = run_ingest(
            settings,
            [(f, source) for f in files],
            mapping_file=mapping,
            map_pairs=map_pair,
            encoding=encoding,
            show_progress=not as_json or sys.stderr.isatty(),
        )
    except (FileError, ValueError) as exc:
        raise fail(str(exc)) from None
    for message in errors:
        typer.echo(f"error: {message}", err=True)
    typer.echo(
        f"read {total.read}, stored {total.stored}, duplicates {total.duplicates}, "
        f"rejected {total.rejected}" + (" (see `voc rejects`)" if total.rejected else "")
    )
    if as_json:
        typer.echo(json.dumps(total.as_dict()))
    if errors and len(errors) == len(files):
        raise typer.Exit(2)


EXPORT_COLUMNS = (
    "id",
    "source",
    "external_id",
    "channel",
    "created_at",
    "text",
    "customer_key",
    "csat",
    "nps",
    "rating",
    "product",
    "app_version",
    "touchpoint_hint",
    "branch",
)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="jsonl | csv")] = "jsonl",
    source: Annotated[str | None, typer.Option("--source", "-s", help=SOURCE_HELP)] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File; default stdout.")
    ] = None,
) -> None:
    """Write stored (masked) feedback as JSONL (every field) or CSV (flat fields)."""
    from voc.store.feedback import iter_feedback

    if fmt not in ("jsonl", "csv"):
        raise fail(f"unknown format {fmt!r}; valid: ['csv', 'jsonl']")
    engine = _engine(get_settings())
    target = open(output, "w", encoding="utf-8", newline="") if output else nullcontext(sys.stdout)  # noqa: SIM115
    with target as handle:
        writer = csv.writer(handle, lineterminator="\n") if fmt == "csv" else None
        if writer:
            writer.writerow(EXPORT_COLUMNS)
        for item in iter_feedback(engine, source=source):
            if writer:
                data = item.model_dump(mode="json")
                writer.writerow(["" if data[c] is None else data[c] for c in EXPORT_COLUMNS])
            else:
                handle.write(item.model_dump_json(exclude_none=True) + "\n")


@app.command()
def rejects(
    limit: Annotated[int, typer.Option("--limit", "-n", min=1)] = 50,
    source: Annotated[str | None, typer.Option("--source", "-s", help=SOURCE_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List rejected rows (`file:line: reason`), newest first; raw rows are PII-masked."""
    from voc.store.feedback import list_rejects

    rows = list_rejects(_engine(get_settings()), limit=limit, source=source)
    for row in rows:
        typer.echo(f"{row['path']}:{row['line']}: {row['reason']}")
        if not as_json:
            typer.echo(f"    {row['raw'][:200]}")
    if as_json:
        keys = ("source", "path", "line", "reason", "raw")
        typer.echo(json.dumps([{k: r[k] for k in keys} for r in rows], ensure_ascii=False))


def demo_dir() -> Path:
    """The bundled demo corpus (`data/demo` in the source tree)."""
    return Path(__file__).resolve().parent.parent / "data" / "demo"


@app.command()
def demo(
    serve: Annotated[
        bool,
        typer.Option(
            "--serve/--no-serve", help="Finish by serving the API with a fresh admin key."
        ),
    ] = True,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
) -> None:
    """Set up the demo bank end to end and print what a service team would look at first."""
    from voc.store.feedback import count_by_source

    settings = get_settings()
    folder = demo_dir()
    paths = [(folder / name, source) for name, source in DEMO_FILES]
    missing = [str(p) for p, _ in paths if not p.is_file()]
    if missing:
        raise fail(f"demo corpus incomplete, missing {missing}")
    typer.echo(f"VOC_HOME={settings.home.resolve()}  database={settings.database_url}")
    total, errors = run_ingest(settings, paths)
    for message in errors:
        typer.echo(f"error: {message}", err=True)
    typer.echo(
        f"ingested: read {total.read}, stored {total.stored}, duplicates {total.duplicates}, "
        f"rejected {total.rejected}"
    )
    engine = _engine(settings)
    counts = count_by_source(engine)
    typer.echo(
        "stored feedback by source: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
    )
    if errors:
        raise typer.Exit(1)
    _demo_problems(engine, folder / "problems.yaml")
    encoder = _demo_analysis(settings, engine)
    _demo_topics(settings, engine)
    from voc.cli_analytics import run_demo_analytics

    run_demo_analytics(engine, settings.home / "digests")
    _demo_index(settings, engine, encoder)
    if serve:
        from voc.cli_api import serve_demo

        serve_demo(host, port)


def _demo_topics(settings: Settings, engine) -> None:  # type: ignore[no-untyped-def]
    """Fit pain-point topics once; later runs assign new items to the existing topics."""
    from voc.topics.service import fit_topics, load_current

    if load_current(settings) is not None:
        return  # `voc analyze` already assigned new items (see _after_analysis)
    report = fit_topics(engine, settings)
    typer.echo(
        f"topics: {report.n_topics} pain-point topics over {report.n_items} items, "
        f"{report.outlier_share:.1%} unassigned ({report.seconds:.0f}s; voc topics list)"
    )


def _demo_index(settings: Settings, engine, encoder) -> None:  # type: ignore[no-untyped-def]
    """Build (or sync) the similar-case index so the first search is fast."""
    from voc.registry import build_case_index

    cases = build_case_index(settings, engine, encoder)
    typer.echo(f"similar-case index: {len(cases.index)} cases in {cases.path}")


def _demo_problems(engine, path: Path) -> None:  # type: ignore[no-untyped-def]
    """Load the demo bank's problem library (re-running updates it in place)."""
    from voc.problems_io import read_problems
    from voc.store.problems import upsert_problem

    items = read_problems(path)
    for problem in items:
        upsert_problem(engine, problem)
    typer.echo(f"problem library: {len(items)} known problems from {path.name}")


def _demo_analysis(settings: Settings, engine):  # type: ignore[no-untyped-def]
    """Analyse the demo corpus, print what a service team would look at first; the encoder."""
    from voc.analysis.summary import touchpoint_summary

    analyzer, report = _run_analysis(settings, engine)
    typer.echo(
        f"analysed {report.analysed} items ({report.clauses} clauses), "
        f"{report.docs_per_s:.1f} docs/s"
    )
    links = _after_analysis(settings, engine, analyzer.encoder)
    typer.echo(
        f"problem library: {links['checked']} complaint-like items checked, "
        f"{links['linked']} linked to a known problem, {links['unmatched']} unmatched"
    )
    typer.echo("touchpoints by negative clauses (top 8):")
    for row in touchpoint_summary(engine)[:8]:
        typer.echo(
            f"  {row['touchpoint']:<18} clauses {row['clauses']:>4}  "
            f"negative {row['negative_share']:.0%}"
        )
    return analyzer.encoder


def _after_analysis(settings: Settings, engine, encoder) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Steps that use fresh analyses: topic assignment, links to the problem library."""
    from voc.registry import build_problem_matcher
    from voc.search.linking import link_feedback
    from voc.topics.service import assign_new_feedback

    assigned = assign_new_feedback(engine, settings)
    if assigned:
        typer.echo(f"topics: {assigned} new items assigned to existing topics", err=True)
    matcher = build_problem_matcher(settings, engine, encoder)
    report = link_feedback(engine, matcher, encoder)
    typer.echo(
        f"problem links: checked {report.checked}, linked {report.linked}, "
        f"unmatched {report.unmatched}",
        err=True,
    )
    return {
        "checked": report.checked,
        "linked": report.linked,
        "unmatched": report.unmatched,
        "topics_assigned": assigned,
    }


def main() -> None:
    """Entry point of the `voc` script."""
    app()


_add_subcommands()


def _run_analysis(
    settings: Settings,
    engine,  # type: ignore[no-untyped-def]
    *,
    since=None,  # type: ignore[no-untyped-def]
    redo_all: bool = False,
    show_progress: bool = True,
):  # type: ignore[no-untyped-def]
    """Build the analyzer and run it with a progress bar on stderr."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from voc.registry import build_analyzer

    analyzer = build_analyzer(settings, engine)
    progress = Progress(
        TextColumn("[bold]analyse"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_stderr_console(),
        disable=not show_progress,
    )
    with progress:
        task = progress.add_task("analyse", total=None)
        report = analyzer.run(
            engine,
            since=since,
            redo_all=redo_all,
            batch_size=settings.analyze_batch_size,
            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    return analyzer, report


@app.command()
def analyze(
    since: Annotated[
        str | None, typer.Option("--since", help="Only feedback created on/after this date.")
    ] = None,
    redo_all: Annotated[bool, typer.Option("--all", help="Re-analyse everything.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Last stdout line is JSON.")] = False,
) -> None:
    """Analyse stored feedback: clauses, sentiment, touchpoints, embeddings (idempotent)."""
    from voc.ingest.values import parse_datetime, zone

    settings = get_settings()
    since_at = None
    if since:
        try:
            since_at = parse_datetime(since, zone(settings.default_timezone), "--since")
        except ValueError as exc:
            raise fail(str(exc)) from None
    engine = _engine(settings)
    try:
        analyzer, report = _run_analysis(
            settings,
            engine,
            since=since_at,
            redo_all=redo_all,
            show_progress=not as_json or sys.stderr.isatty(),
        )
    except (FileNotFoundError, ValueError) as exc:
        raise fail(str(exc)) from None
    links = _after_analysis(settings, engine, analyzer.encoder)
    share = report.encoder_seconds / report.seconds if report.seconds else 0.0
    typer.echo(
        f"analysed {report.analysed} feedback items ({report.clauses} clauses) in "
        f"{report.seconds:.1f}s, {report.docs_per_s:.1f} docs/s, encoder {share:.0%} of time"
    )
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "analysed": report.analysed,
                    "clauses": report.clauses,
                    "seconds": round(report.seconds, 3),
                    "docs_per_s": round(report.docs_per_s, 2),
                    "encoder_share": round(share, 3),
                    "version": analyzer.version,
                    "problem_links": links,
                }
            )
        )
