"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import text

from voc.api.deps import EngineDep, MetricsDep
from voc.api.errors import error_response
from voc.api.schemas import Health
from voc.api.security import bearer_scheme, current_principal, header_scheme, require

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Liveness: the process answers")
def healthz() -> Health:
    """Always 200 while the process runs; no key needed."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    summary="Readiness: database reachable and models loaded",
    responses={503: {"description": "not ready"}},
)
def readyz(request: Request, engine: EngineDep) -> Health | Response:
    """200 when the database answers and the models are loaded, else 503 with the checks."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        database = True
    except Exception:  # any driver error means not ready
        database = False
    components = getattr(request.app.state, "components", None)
    checks = {"database": database, "models": components is not None}
    if not all(checks.values()):
        return error_response(503, "not ready", details=checks)
    return Health(status="ready", checks=checks, versions=components.versions())


def metrics_access(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    header_key: Annotated[str | None, Depends(header_scheme)],
) -> None:
    """A viewer key, unless the settings make /metrics public."""
    if not request.app.state.api_settings.metrics_public:
        require("viewer")(current_principal(request, credentials, header_key))


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    dependencies=[Depends(metrics_access)],
    responses={200: {"content": {"text/plain": {}}}},
)
def metrics(metrics: MetricsDep) -> Response:
    """Request counts and latency by route and status, ingest counts, model versions.

    Needs a viewer key unless `VOC_API_METRICS_PUBLIC=true`.
    """
    return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")
