"""Progress of background jobs (large uploads)."""

from __future__ import annotations

from fastapi import APIRouter

from voc.api.deps import EngineDep
from voc.api.errors import ERROR_RESPONSES, ApiError
from voc.api.jobs import get_job
from voc.api.schemas import Job
from voc.api.security import Ingest

router = APIRouter(prefix="/v1", tags=["jobs"], responses=ERROR_RESPONSES)


@router.get("/jobs/{job_id}", response_model=Job, summary="A job's status and progress")
def read_job(job_id: str, principal: Ingest, engine: EngineDep) -> Job:
    """Status, phase (ingest → analyse), rows done of total, and the result when done.

    A key sees the jobs it started; admin keys see all.
    """
    job = get_job(engine, job_id)
    if job is None or (job["created_by"] != principal.key_id and not principal.can("admin")):
        raise ApiError(404, f"unknown job {job_id!r}")
    return Job(**job)
