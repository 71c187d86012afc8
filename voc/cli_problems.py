"""`voc problems …`: the complaint problem library (投诉问题库)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from voc.cli_common import configured_engine, fail
from voc.config import get_settings

problems_app = typer.Typer(no_args_is_help=True, help="Known problems and their linked cases.")


@problems_app.command("add")
def add(
    problem_id: Annotated[str, typer.Option("--id", help="e.g. P037")],
    title: Annotated[str, typer.Option("--title")],
    description: Annotated[str, typer.Option("--description")] = "",
    touchpoint: Annotated[str | None, typer.Option("--touchpoint")] = None,
    root_cause: Annotated[str, typer.Option("--root-cause")] = "",
    fix: Annotated[str, typer.Option("--fix")] = "",
    status: Annotated[str, typer.Option("--status", help="open | mitigated | closed")] = "open",
    owner: Annotated[str | None, typer.Option("--owner")] = None,
) -> None:
    """Add a problem (or update the one with this id)."""
    from pydantic import ValidationError

    from voc.schema import Problem
    from voc.store.problems import upsert_problem

    try:
        problem = Problem(
            id=problem_id,
            title=title,
            description=description,
            touchpoint=touchpoint,
            root_cause=root_cause,
            fix=fix,
            status=status,
            owner=owner,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        raise fail(str(exc)) from None
    stored = upsert_problem(configured_engine(), problem)
    typer.echo(f"saved {stored.id}: {stored.title}")


@problems_app.command("list")
def list_(
    status: Annotated[str | None, typer.Option("--status")] = None,
    touchpoint: Annotated[str | None, typer.Option("--touchpoint")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List problems with their status and number of linked cases."""
    from voc.store.problems import case_counts, list_problems

    engine = configured_engine()
    items = list_problems(engine, status=status, touchpoint=touchpoint)
    counts = case_counts(engine)
    for p in items:
        typer.echo(
            f"{p.id:<6} {p.status:<9} {counts.get(p.id, 0):>4} cases  "
            f"{p.touchpoint or '-':<18} {p.title}"
        )
    if as_json:
        typer.echo(
            json.dumps(
                [{**p.model_dump(mode="json"), "cases": counts.get(p.id, 0)} for p in items],
                ensure_ascii=False,
            )
        )


@problems_app.command("show")
def show(problem_id: str, limit: Annotated[int, typer.Option("-n", min=1)] = 10) -> None:
    """A problem with its root cause, fix and most recent linked cases (masked)."""
    from voc.store.problems import get_problem, linked_cases

    engine = configured_engine()
    try:
        p = get_problem(engine, problem_id)
    except KeyError as exc:
        raise fail(str(exc.args[0])) from None
    typer.echo(f"{p.id}  {p.title}  [{p.status}]  touchpoint={p.touchpoint}  owner={p.owner}")
    typer.echo(f"description: {p.description}\nroot cause:  {p.root_cause}\nfix:         {p.fix}")
    cases = linked_cases(engine, problem_id, limit=limit)
    typer.echo(f"linked cases ({len(cases)} shown):")
    for case in cases:
        score = f"{case['score']:.2f}" if case["score"] is not None else "manual"
        typer.echo(
            f"  {case['created_at']:%Y-%m-%d} {case['source']:<15} {score:>6}  {case['text'][:60]}"
        )


@problems_app.command("link")
def link(problem_id: str, feedback_id: str) -> None:
    """Link a stored feedback item (a case) to a problem by hand."""
    from voc.store.problems import link_case

    try:
        link_case(configured_engine(), problem_id, feedback_id, method="manual")
    except KeyError as exc:
        raise fail(str(exc.args[0])) from None
    typer.echo(f"linked {feedback_id} -> {problem_id}")


@problems_app.command("import")
def import_(path: Path) -> None:
    """Add or update problems from a YAML (`problems:` list) or CSV file."""
    from voc.problems_io import read_problems
    from voc.store.problems import upsert_problem

    try:
        items = read_problems(path)
    except (OSError, ValueError) as exc:
        raise fail(str(exc)) from None
    engine = configured_engine()
    for problem in items:
        upsert_problem(engine, problem)
    typer.echo(f"imported {len(items)} problems from {path}")


@problems_app.command("export")
def export(path: Path) -> None:
    """Write the library to YAML or CSV (by suffix)."""
    from voc.problems_io import write_problems
    from voc.store.problems import list_problems

    items = list_problems(configured_engine())
    write_problems(path, items)
    typer.echo(f"wrote {len(items)} problems to {path}")


@problems_app.command("relink")
def relink() -> None:
    """Match analysed complaints to the library again (after editing problems)."""
    from voc.registry import build_encoder, build_problem_matcher
    from voc.search.linking import link_feedback

    settings = get_settings()
    engine = configured_engine()
    encoder = build_encoder(settings, engine)
    report = link_feedback(engine, build_problem_matcher(settings, engine, encoder), encoder)
    typer.echo(
        f"checked {report.checked} items: linked {report.linked}, unmatched {report.unmatched}"
    )


@problems_app.command("candidates")
def candidates(
    min_size: Annotated[int, typer.Option("--min-size", min=2)] = 3,
    min_similarity: Annotated[
        float | None,
        typer.Option(
            "--min-similarity",
            min=-1.0,
            max=1.0,
            help="Average centred cosine to group at; default VOC_PROBLEM_GROUP_SIMILARITY.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Last stdout line is JSON.")] = False,
    draft: Annotated[
        Path | None,
        typer.Option(
            "--draft",
            help="Also write the groups as problem drafts (.yaml/.csv) to edit and import.",
        ),
    ] = None,
) -> None:
    """Groups of unmatched complaints that look like a problem the library lacks."""
    import dataclasses

    from voc.search.candidates import propose_candidates
    from voc.text.segment import make_segmenter

    if min_similarity is None:
        min_similarity = get_settings().problem_group_similarity
    try:
        found = propose_candidates(
            configured_engine(),
            make_segmenter("jieba").tokens,
            min_similarity=min_similarity,
            min_size=min_size,
        )
    except ValueError as exc:
        raise fail(str(exc)) from None
    if draft is not None:
        from datetime import UTC, datetime

        from voc.problems_io import write_problems
        from voc.search.candidates import draft_problems

        try:
            # To the second: a later run's drafts never reuse (and on import overwrite) the ids
            # of drafts already imported and completed.
            prefix = f"CAND-{datetime.now(UTC):%Y%m%dT%H%M%S}"
            write_problems(draft, draft_problems(found, prefix=prefix))
        except (OSError, ValueError) as exc:
            raise fail(str(exc)) from None
        typer.echo(
            f"{len(found)} drafts in {draft}: name them, fill root cause and owner, then "
            f"`voc problems import {draft}` and `voc problems relink`",
            err=as_json,
        )
    if as_json:
        typer.echo(
            json.dumps([dataclasses.asdict(c) for c in found], ensure_ascii=False, default=str)
        )
        return
    if not found:
        typer.echo("no candidate problems (unmatched complaints do not group)")
    for number, c in enumerate(found, 1):
        typer.echo(
            f"#{number} {c.size} complaints  {c.first_seen:%Y-%m-%d}..{c.last_seen:%Y-%m-%d}  "
            f"touchpoint {c.touchpoint or '-'}  keywords {' '.join(c.keywords)}"
        )
        typer.echo(f"   nearest known problem {c.nearest_problem} (cosine {c.nearest_score})")
        for example in c.examples:
            typer.echo(f"   · {example[:80]}")


@problems_app.command("unmatched")
def unmatched(
    limit: Annotated[int, typer.Option("-n", min=1, max=10_000)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Last stdout line is JSON.")] = False,
) -> None:
    """Recent complaints that match no known problem (nearest problem and cosine shown)."""
    from voc.search.linking import unmatched_feedback

    rows = unmatched_feedback(configured_engine(), limit)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        typer.echo(
            f"{row['created_at'][:10]}  {row['source']:<15} nearest {row['nearest_problem']} "
            f"({row['score']})  {row['text'][:60]}"
        )
