"""Background jobs (large uploads): a row per job with progress, run on one worker thread.

One worker is enough on a small machine and keeps SQLite writers from queueing; the job row
is the source of truth, so `GET /v1/jobs/{id}` works from any API process that shares the
database. Jobs left running by a stopped server are marked failed on the next start.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from voc.store.api_tables import jobs

logger = logging.getLogger("voc.api.jobs")
JOB_STATUSES = ("queued", "running", "done", "failed")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def create_job(engine: Engine, kind: str, created_by: str, params: dict[str, Any]) -> str:
    """Record a queued job; returns its id."""
    job_id = uuid.uuid4().hex
    with engine.begin() as connection:
        connection.execute(
            insert(jobs).values(
                id=job_id,
                kind=kind,
                status="queued",
                done=0,
                created_by=created_by,
                created_at=_now(),
                params=params,
            )
        )
    return job_id


def update_job(engine: Engine, job_id: str, **values: Any) -> None:
    """Change a job's row (status, phase, done, total, result, error …)."""
    with engine.begin() as connection:
        connection.execute(update(jobs).where(jobs.c.id == job_id).values(**values))


def get_job(engine: Engine, job_id: str) -> dict[str, Any] | None:
    """A job as a dict with aware UTC timestamps, or None."""
    with engine.connect() as connection:
        row = connection.execute(select(jobs).where(jobs.c.id == job_id)).first()
    if row is None:
        return None
    data = dict(row._mapping)
    for name in ("created_at", "started_at", "finished_at"):
        if data[name] is not None:
            data[name] = data[name].replace(tzinfo=UTC)
    return data


def fail_interrupted(engine: Engine) -> int:
    """Mark jobs a previous server left queued or running as failed; returns how many."""
    with engine.begin() as connection:
        result = connection.execute(
            update(jobs)
            .where(jobs.c.status.in_(("queued", "running")))
            .values(status="failed", error="interrupted by a server restart", finished_at=_now())
        )
    return int(result.rowcount or 0)


JobWork = Callable[[Callable[[str, int, int | None], None]], dict[str, Any]]


class JobRunner:
    """Run job functions on one background thread, keeping their rows up to date."""

    def __init__(self, engine: Engine, workers: int = 1) -> None:
        self.engine = engine
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="voc-job")

    def submit(
        self, job_id: str, work: JobWork, cleanup: Callable[[], None] | None = None
    ) -> Future:
        """Queue `work(progress)`; its returned dict becomes the job's result."""
        return self._pool.submit(self._run, job_id, work, cleanup)

    def _run(self, job_id: str, work: JobWork, cleanup: Callable[[], None] | None) -> None:
        update_job(self.engine, job_id, status="running", started_at=_now())

        def progress(phase: str, done: int, total: int | None) -> None:
            update_job(self.engine, job_id, phase=phase, done=done, total=total)

        try:
            result = work(progress)
        except Exception as exc:  # a job must end as failed, whatever went wrong
            logger.exception("job %s failed", job_id)
            update_job(
                self.engine,
                job_id,
                status="failed",
                error=str(exc)[:2000],
                finished_at=_now(),
            )
        else:
            update_job(
                self.engine, job_id, status="done", phase="done", result=result, finished_at=_now()
            )
        finally:
            if cleanup is not None:
                cleanup()

    def shutdown(self) -> None:
        """Wait for running work, drop queued work (it is marked failed on the next start)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
