"""The problem library (投诉问题库): list, read, create, change; changes are audited."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Query, status
from sqlalchemy import Engine

from voc.api.audit import record
from voc.api.components import Components
from voc.api.deps import ComponentsDep, EngineDep, JobsDep, PageDep, SettingsDep
from voc.api.errors import ERROR_RESPONSES, ApiError
from voc.api.ingest import Progress
from voc.api.jobs import JobRunner, create_job
from voc.api.keys import Principal
from voc.api.routes.analytics_common import tokenizer
from voc.api.schemas import (
    CandidateList,
    ProblemDetail,
    ProblemIn,
    ProblemList,
    ProblemOut,
    ProblemPatch,
)
from voc.api.security import Admin, Handler
from voc.schema import Problem, ProblemStatus
from voc.store import problems as store
from voc.text.pii import mask_pii

router = APIRouter(prefix="/v1/problems", tags=["problems"], responses=ERROR_RESPONSES)
# Free-text fields people type; masked like feedback so the library never holds PII.
MASKED_FIELDS = ("title", "description", "root_cause", "fix")
NOT_NULL = ("title", "description", "root_cause", "fix", "status")
# What the problem matcher embeds (voc.search.problems.problem_text); changing it means a refit.
MATCHED_FIELDS = ("title", "description")


def _masked(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: mask_pii(v) if k in MASKED_FIELDS and isinstance(v, str) else v
        for k, v in values.items()
    }


def _out(problem: Problem, cases: int) -> dict[str, Any]:
    return {**problem.model_dump(), "cases": cases}


def _refit(
    components: Components, engine: Engine, runner: JobRunner, principal: Principal, problem: str
) -> None:
    # The library is small (tens to hundreds of problems): re-embedding it is cheap and
    # done before the response. Re-linking stored complaints is not (every eligible item),
    # so it runs as a background job.
    search = components.search
    if search is None:
        return
    before = search.version
    if search.refit_problems() == before:
        return
    job_id = create_job(engine, "relink", principal.key_id, {"problem": problem})

    def work(progress: Progress) -> dict[str, Any]:
        return asdict(search.relink())

    runner.submit(job_id, work)


def _get(engine, problem_id: str) -> Problem:  # type: ignore[no-untyped-def]
    try:
        return store.get_problem(engine, problem_id)
    except KeyError:
        raise ApiError(404, f"unknown problem {problem_id!r}") from None


@router.get("", response_model=ProblemList, summary="List known problems")
def list_problems(
    principal: Handler,
    engine: EngineDep,
    page: PageDep,
    status_: ProblemStatus | None = Query(default=None, alias="status"),
    touchpoint: str | None = Query(default=None, max_length=100),
) -> ProblemList:
    """Problems by id, filtered by status and touchpoint, with their linked-case counts."""
    found = store.list_problems(engine, status=status_, touchpoint=touchpoint)
    counts = store.case_counts(engine)
    items = found[page.offset : page.offset + page.limit]
    return ProblemList(
        items=[_out(p, counts.get(p.id, 0)) for p in items],
        total=len(found),
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/candidates",
    response_model=CandidateList,
    summary="Proposed new problems",
    responses={409: {"description": "the store is too small to group complaints"}},
)
def candidate_problems(
    principal: Handler,
    engine: EngineDep,
    settings: SettingsDep,
    components: ComponentsDep,
    min_size: int = Query(default=3, ge=2, le=1000),
    limit: int = Query(default=20, ge=1, le=200),
) -> CandidateList:
    """Groups of recent complaints no known problem explains (below the link threshold),
    largest first: what the library should learn next. Texts are masked."""
    from voc.search.candidates import StoreTooSmallError, propose_candidates

    try:
        found = propose_candidates(
            engine,
            tokenizer(),
            min_similarity=settings.problem_group_similarity,
            min_size=min_size,
            encoder=components.analyzer.encoder.name,
        )
    except StoreTooSmallError as exc:
        raise ApiError(409, str(exc)) from None
    items = [asdict(c) for c in found[:limit]]
    return CandidateList(items=items, min_similarity=settings.problem_group_similarity)


@router.get("/{problem_id}", response_model=ProblemDetail, summary="One problem and recent cases")
def read_problem(problem_id: str, principal: Handler, engine: EngineDep) -> ProblemDetail:
    """The problem and its 20 most recent linked cases (masked texts)."""
    problem = _get(engine, problem_id)
    counts = store.case_counts(engine)
    cases = store.linked_cases(engine, problem_id, limit=20)
    return ProblemDetail(**_out(problem, counts.get(problem_id, 0)), recent_cases=cases)


@router.post(
    "",
    response_model=ProblemOut,
    status_code=status.HTTP_201_CREATED,
    summary="Add a problem to the library",
    responses={409: {"description": "a problem with this id exists"}},
)
def create_problem(
    body: ProblemIn,
    principal: Admin,
    engine: EngineDep,
    components: ComponentsDep,
    runner: JobsDep,
) -> ProblemOut:
    """Create a problem; free text is PII-masked; an existing id is a 409 (use PATCH).

    The problem is matchable (`/v1/similar`, `/v1/analyze`) as soon as this returns;
    stored complaints are re-linked to the changed library by a background job.
    """
    try:
        store.get_problem(engine, body.id)
    except KeyError:
        pass
    else:
        raise ApiError(409, f"problem {body.id!r} exists; change it with PATCH")
    problem = store.upsert_problem(engine, Problem(**_masked(body.model_dump())))
    record(engine, principal, "problem.create", "problem", problem.id, {"title": problem.title})
    _refit(components, engine, runner, principal, problem.id)
    return ProblemOut(**_out(problem, 0))


@router.patch("/{problem_id}", response_model=ProblemOut, summary="Change fields of a problem")
def update_problem(
    problem_id: str,
    body: ProblemPatch,
    principal: Handler,
    engine: EngineDep,
    components: ComponentsDep,
    runner: JobsDep,
) -> ProblemOut:
    """Change the given fields (e.g. status open → mitigated → closed); audited with old/new.

    A new title or description is matched against at once (the matcher is refitted);
    stored complaints are re-linked by a background job.
    """
    before = _get(engine, problem_id)
    changes = _masked(body.model_dump(exclude_unset=True))
    nulls = [k for k in NOT_NULL if k in changes and changes[k] is None]
    if nulls:
        raise ApiError(422, f"{nulls} cannot be null", details={"fields": nulls})
    after = store.update_problem(engine, problem_id, changes)
    diff = {
        k: [getattr(before, k), getattr(after, k)]
        for k in changes
        if getattr(before, k) != getattr(after, k)
    }
    record(engine, principal, "problem.update", "problem", problem_id, {"changes": diff})
    if any(k in diff for k in MATCHED_FIELDS):
        _refit(components, engine, runner, principal, problem_id)
    counts = store.case_counts(engine)
    return ProblemOut(**_out(after, counts.get(problem_id, 0)))
