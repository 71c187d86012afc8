"""Feedback in: JSON batches and file uploads, ingested and analysed like `voc ingest`."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile, status
from fastapi.responses import JSONResponse

from voc.api import ingest as service
from voc.api.audit import record
from voc.api.deps import (
    ApiSettingsDep,
    ComponentsDep,
    EngineDep,
    JobsDep,
    MetricsDep,
    SettingsDep,
)
from voc.api.errors import ERROR_RESPONSES, ApiError
from voc.api.jobs import create_job, get_job
from voc.api.schemas import FeedbackBatch, IngestResult, Job
from voc.api.security import Ingest
from voc.ingest.errors import FileError
from voc.ingest.pipeline import SUFFIXES
from voc.schema import SOURCES, Source
from voc.text.pii import mask_pii

router = APIRouter(prefix="/v1", tags=["feedback"], responses=ERROR_RESPONSES)

UPLOAD_SUFFIXES = SUFFIXES  # the same files `voc ingest` reads
_UNSAFE = re.compile(r"[^\w.\-]")


@router.post(
    "/feedback",
    response_model=IngestResult,
    summary="Ingest a batch of feedback records and analyse the new ones",
)
def post_feedback(
    batch: FeedbackBatch,
    principal: Ingest,
    engine: EngineDep,
    settings: SettingsDep,
    api_settings: ApiSettingsDep,
    components: ComponentsDep,
    metrics: MetricsDep,
) -> IngestResult:
    """Validate, normalise, mask PII, de-duplicate and store `records`, then analyse them.

    Posting the same records again stores nothing new (`duplicates` counts them). Records
    that fail validation come back in `rejects` with their 0-based index and the reason.
    """
    if len(batch.records) > api_settings.max_batch_records:
        raise ApiError(
            422,
            f"{len(batch.records)} records; at most {api_settings.max_batch_records} per request "
            "(upload a file to /v1/feedback/files for more)",
        )
    folder = service.new_work_dir(settings)
    try:
        mapping = service.parse_mapping(folder, batch.mapping)
        path = service.write_records(folder, batch.records)
        outcome = service.ingest_and_analyse(
            engine,
            settings,
            components.analyzer,
            path,
            batch.source,
            lock=components.lock,
            search=components.search,
            mapping=mapping,
        )
    except (FileError, ValueError) as exc:
        raise ApiError(422, service.safe_message(exc, folder)) from None
    finally:
        service.remove_dir(folder)
    metrics.count_ingest(batch.source, outcome.counts())
    record(
        engine,
        principal,
        "feedback.ingest",
        "feedback",
        None,
        {"source": batch.source, **outcome.counts()},
    )
    return IngestResult(
        **outcome.counts(),
        rejects=[{"index": r["line"] - 1, "reason": r["reason"]} for r in outcome.rejects],
        ids=outcome.ids,
    )


def _safe_name(filename: str | None) -> str:
    # File names can hold personal data (张三_13812345678.csv): mask, then keep safe characters.
    name = mask_pii(Path(filename or "upload").name)
    return _UNSAFE.sub("_", name)[-100:] or "upload"


def _parse_mapping_field(mapping: str | None) -> dict[str, Any] | None:
    if not mapping:
        return None
    try:
        value = json.loads(mapping)
    except json.JSONDecodeError as exc:
        raise ApiError(422, f"mapping: not valid JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise ApiError(422, "mapping: expected a JSON object like {'columns': {...}}")
    return value


@router.post(
    "/feedback/files",
    response_model=Job,
    summary="Upload a feedback export (CSV, XLSX, JSON, JSONL, transcript) to ingest",
    responses={202: {"model": Job, "description": "large upload: running as a job"}},
)
def post_feedback_file(
    principal: Ingest,
    engine: EngineDep,
    settings: SettingsDep,
    api_settings: ApiSettingsDep,
    components: ComponentsDep,
    metrics: MetricsDep,
    runner: JobsDep,
    file: Annotated[UploadFile, File(description="The export file, as `voc ingest` reads it.")],
    source: Annotated[
        Source, Form(description="survey | app_review | call_transcript | complaint")
    ],
    mapping: Annotated[
        str | None,
        Form(description='JSON mapping, e.g. {"columns": {"text": ["意见", "建议"]}}'),
    ] = None,
    encoding: Annotated[str | None, Form(description="utf-8 | gbk | gb18030")] = None,
) -> Any:
    """Store the upload and ingest it as a job; `GET /v1/jobs/{id}` reports progress.

    Small files (up to `VOC_API_SYNC_UPLOAD_BYTES`) finish before the response (200, job
    done); larger ones answer 202 at once with the queued job.
    """
    if source not in SOURCES:
        raise ApiError(422, f"unknown source {source!r}; valid: {sorted(SOURCES)}")
    name = _safe_name(file.filename)
    if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
        raise ApiError(422, f"file type of {name!r} not supported; valid: {list(UPLOAD_SUFFIXES)}")
    mapping_data = _parse_mapping_field(mapping)
    folder = service.new_work_dir(settings)
    try:
        path = folder / name
        with open(path, "wb") as handle:
            shutil.copyfileobj(file.file, handle, 1 << 20)
        column_mapping = service.parse_mapping(folder, mapping_data)
    except (FileError, ValueError) as exc:
        service.remove_dir(folder)
        raise ApiError(422, service.safe_message(exc, folder)) from None
    size = path.stat().st_size
    params = {"source": source, "filename": name, "bytes": size}
    job_id = create_job(engine, "ingest_file", principal.key_id, params)
    record(engine, principal, "feedback.upload", "job", job_id, params)
    total_rows = service.count_lines_safe(path)

    def work(progress: service.Progress) -> dict[str, Any]:
        try:
            outcome = service.ingest_and_analyse(
                engine,
                settings,
                components.analyzer,
                path,
                source,
                lock=components.lock,
                search=components.search,
                mapping=column_mapping,
                encoding=encoding,
                total_rows=total_rows,
                progress=progress,
            )
        except (FileError, ValueError) as exc:
            raise RuntimeError(service.safe_message(exc, folder)) from None
        metrics.count_ingest(source, outcome.counts())
        return {**outcome.counts(), "rejects": outcome.rejects}

    future = runner.submit(job_id, work, cleanup=lambda: service.remove_dir(folder))
    if size <= api_settings.sync_upload_bytes:
        future.result()
        return Job(**get_job(engine, job_id))
    job = Job(**get_job(engine, job_id))
    return JSONResponse(
        job.model_dump(mode="json"),
        status_code=status.HTTP_202_ACCEPTED,
        headers={"Location": f"/v1/jobs/{job_id}"},
    )
