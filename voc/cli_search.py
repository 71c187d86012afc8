"""`voc similar`: the known problem and the past cases nearest a pasted complaint."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from voc.cli_common import configured_engine, fail
from voc.config import get_settings


def _when(value: str | None, flag: str):  # type: ignore[no-untyped-def]
    from voc.ingest.values import parse_datetime, zone

    if value is None:
        return None
    try:
        return parse_datetime(value, zone(get_settings().default_timezone), flag)
    except ValueError as exc:
        raise fail(str(exc)) from None


def similar(
    text: Annotated[str, typer.Argument(help="The complaint text (masked before use).")],
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="How many past cases.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Last stdout line is JSON.")] = False,
    source: Annotated[str | None, typer.Option("--source")] = None,
    touchpoint: Annotated[str | None, typer.Option("--touchpoint")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Cases on/after this date.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Cases before this date.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="Ticket status.")] = None,
) -> None:
    """Matched problem (root cause, fix) and the k most similar past cases."""
    from voc.registry import build_similar
    from voc.search.similar import CaseFilters

    filters = CaseFilters(source, touchpoint, _when(since, "--since"), _when(until, "--until"))
    filters.status = status
    try:
        result = build_similar(get_settings(), configured_engine()).search(text, k, filters)
    except (ValueError, FileNotFoundError) as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    problem = result.problem
    if problem is None:
        typer.echo("problem library is empty")
    else:
        state = "matched" if problem["matched"] else "UNMATCHED (below the link threshold)"
        typer.echo(
            f"problem {problem['id']} {problem['title']}  cosine {problem['score']}  {state}"
        )
        typer.echo(f"  root cause: {problem['root_cause']}")
        typer.echo(f"  fix: {problem['fix']}")
    typer.echo(f"similar cases ({len(result.cases)}):")
    for case in result.cases:
        typer.echo(
            f"  {case['score']:.3f}  {case['created_at'][:10]}  {case['source']:<15} "
            f"{case['touchpoint'] or '-':<16} {case['text'][:60]}"
        )
        if case["resolution"]:
            typer.echo(f"         resolution: {case['resolution'][:80]}")


def register(app: typer.Typer) -> None:
    """Add `voc similar` to the root app."""
    app.command("similar")(similar)
