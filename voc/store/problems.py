"""The problem library: known problems, and links from feedback (cases) to them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update

from voc.schema import Problem
from voc.store.feedback import from_utc_naive, insert_ignoring_conflicts
from voc.store.tables import feedback, problem_links, problems

LINK_METHODS = ("auto", "manual")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _problem(row: Any) -> Problem:
    data = dict(row._mapping)
    data["created_at"] = from_utc_naive(data["created_at"])
    data["updated_at"] = from_utc_naive(data["updated_at"])
    return Problem(**data)


def upsert_problem(engine: Engine, problem: Problem) -> Problem:
    """Insert a problem or update the stored one with the same id (created_at is kept)."""
    values = problem.model_dump(exclude={"created_at", "updated_at"})
    now = _now()
    with engine.begin() as connection:
        exists = connection.scalar(select(problems.c.id).where(problems.c.id == problem.id))
        if exists:
            connection.execute(
                update(problems).where(problems.c.id == problem.id).values(**values, updated_at=now)
            )
        else:
            connection.execute(insert(problems).values(**values, created_at=now, updated_at=now))
    return get_problem(engine, problem.id)


def update_problem(engine: Engine, problem_id: str, changes: dict[str, Any]) -> Problem:
    """Change some fields of a stored problem; unknown ids raise KeyError."""
    current = get_problem(engine, problem_id)
    merged = Problem(**{**current.model_dump(), **changes, "id": problem_id})
    return upsert_problem(engine, merged)


def get_problem(engine: Engine, problem_id: str) -> Problem:
    """One problem by id; unknown ids raise KeyError."""
    with engine.connect() as connection:
        row = connection.execute(select(problems).where(problems.c.id == problem_id)).first()
    if row is None:
        raise KeyError(f"unknown problem {problem_id!r}")
    return _problem(row)


def get_problems(engine: Engine, problem_ids: Sequence[str]) -> dict[str, Problem]:
    """Problems by id in one query; ids not in the library are left out."""
    if not problem_ids:
        return {}
    query = select(problems).where(problems.c.id.in_(list(problem_ids)))
    with engine.connect() as connection:
        return {row.id: _problem(row) for row in connection.execute(query)}


def list_problems(
    engine: Engine, status: str | None = None, touchpoint: str | None = None
) -> list[Problem]:
    """Problems ordered by id, optionally filtered."""
    query = select(problems).order_by(problems.c.id)
    if status:
        query = query.where(problems.c.status == status)
    if touchpoint:
        query = query.where(problems.c.touchpoint == touchpoint)
    with engine.connect() as connection:
        return [_problem(r) for r in connection.execute(query)]


def case_counts(engine: Engine) -> dict[str, int]:
    """Number of linked cases per problem id."""
    query = select(problem_links.c.problem_id, func.count()).group_by(problem_links.c.problem_id)
    with engine.connect() as connection:
        return {pid: n for pid, n in connection.execute(query)}


def link_case(
    engine: Engine,
    problem_id: str,
    feedback_id: str,
    *,
    score: float | None = None,
    method: str = "manual",
) -> None:
    """Link a stored feedback item to a problem; linking twice keeps one link."""
    if method not in LINK_METHODS:
        raise ValueError(f"unknown link method {method!r}; valid: {list(LINK_METHODS)}")
    get_problem(engine, problem_id)
    with engine.begin() as connection:
        found = connection.scalar(select(feedback.c.id).where(feedback.c.id == feedback_id))
        if found is None:
            raise KeyError(f"unknown feedback id {feedback_id!r}")
        if method == "manual":
            connection.execute(
                delete(problem_links).where(
                    problem_links.c.feedback_id == feedback_id,
                    problem_links.c.method == "auto",
                )
            )
        insert_ignoring_conflicts(
            connection,
            problem_links,
            [
                {
                    "problem_id": problem_id,
                    "feedback_id": feedback_id,
                    "score": score,
                    "method": method,
                    "created_at": _now(),
                }
            ],
        )


def linked_cases(engine: Engine, problem_id: str, limit: int = 20) -> list[dict[str, Any]]:
    """The most recent cases linked to a problem (masked text, date, source, resolution)."""
    query = (
        select(
            feedback.c.id,
            feedback.c.source,
            feedback.c.created_at,
            feedback.c.text,
            feedback.c.ticket_resolution,
            problem_links.c.score,
            problem_links.c.method,
        )
        .join(problem_links, problem_links.c.feedback_id == feedback.c.id)
        .where(problem_links.c.problem_id == problem_id)
        .order_by(feedback.c.created_at.desc())
        .limit(limit)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).fetchall()
    return [
        {
            "feedback_id": r.id,
            "source": r.source,
            "created_at": from_utc_naive(r.created_at),
            "text": r.text,
            "resolution": r.ticket_resolution,
            "score": r.score,
            "method": r.method,
        }
        for r in rows
    ]
