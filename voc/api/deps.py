"""Typed dependencies: what a route needs, taken from the app state the lifespan filled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy import Engine

from voc.api.components import Components
from voc.api.errors import ApiError
from voc.api.jobs import JobRunner
from voc.api.metrics import ApiMetrics
from voc.api.settings import ApiSettings
from voc.config import Settings

MAX_PAGE = 200


def get_engine(request: Request) -> Engine:
    """The app's database engine."""
    return request.app.state.engine


def get_settings_dep(request: Request) -> Settings:
    """The settings the app was built with (not the process environment)."""
    return request.app.state.settings


def get_api_settings(request: Request) -> ApiSettings:
    """The API settings the app was built with."""
    return request.app.state.api_settings


def get_components(request: Request) -> Components:
    """The loaded models; 503 while they are not (yet) loaded."""
    components = getattr(request.app.state, "components", None)
    if components is None:
        raise ApiError(503, "models are not loaded yet")
    return components


def get_metrics(request: Request) -> ApiMetrics:
    """The app's metric families."""
    return request.app.state.metrics


def get_jobs(request: Request) -> JobRunner:
    """The app's background job runner."""
    return request.app.state.jobs


@dataclass(frozen=True)
class PageParams:
    """`limit` (1..200) and `offset` query parameters."""

    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page.")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")] = 0,
) -> PageParams:
    """Pagination with a hard upper bound on page size."""
    return PageParams(limit, offset)


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ApiSettingsDep = Annotated[ApiSettings, Depends(get_api_settings)]
ComponentsDep = Annotated[Components, Depends(get_components)]
MetricsDep = Annotated[ApiMetrics, Depends(get_metrics)]
JobsDep = Annotated[JobRunner, Depends(get_jobs)]
PageDep = Annotated[PageParams, Depends(page_params)]
