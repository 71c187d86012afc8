"""The app factory: `create_app(settings)` wires settings, database, models and routers.

Models load once in the lifespan (or come injected, for tests and benchmarks). Routers are
listed in `ROUTERS`; a new resource is one module in `voc/api/routes/` plus one line there.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.concurrency import run_in_threadpool

from voc.api.components import Components, build_components
from voc.api.docs import install_docs
from voc.api.errors import install_error_handlers
from voc.api.jobs import JobRunner, fail_interrupted
from voc.api.keys import count_active_keys
from voc.api.limits import BodyLimitMiddleware
from voc.api.metrics import ApiMetrics, MetricsMiddleware
from voc.api.security import check_startup, settings_key_hashes
from voc.api.settings import ApiSettings
from voc.config import Settings

logger = logging.getLogger("voc.api")

DESCRIPTION = """
客户之声（voice of customer）for banks: ingest feedback, analyse it, serve the problem library.

Authenticate with `Authorization: Bearer <key>` (or `X-API-Key: <key>`); create keys with
`voc keys create --role viewer|handler|ingest|admin`. Roles: viewer ⊂ handler ⊂ admin;
ingest writes feedback only. Every error has the body
`{"error": {"status", "code", "message", "details"}}`.
"""


def routers() -> list[APIRouter]:
    """The routers in the order they appear in the docs; add new resources here."""
    from voc.api.routes import (
        admin,
        alerts,
        analyze,
        digests,
        feedback,
        health,
        jobs,
        problems,
        scores,
        similar,
        topics,
        touchpoints,
        trends,
    )

    return [
        health.router,
        feedback.router,
        jobs.router,
        analyze.router,
        problems.router,
        similar.router,
        touchpoints.router,
        scores.router,
        topics.router,
        trends.router,
        alerts.router,
        digests.router,
        admin.router,
    ]


def create_app(
    settings: Settings,
    *,
    components: Components | None = None,
    api_settings: ApiSettings | None = None,
) -> FastAPI:
    """A ready-to-serve app; nothing heavy happens until its lifespan starts.

    Args:
        settings: database, models and PII salt (`voc.config.Settings`).
        components: fitted models to serve; None builds the configured ones at startup.
            Without `search`, one is built at startup on their encoder and this store.
        api_settings: limits, CORS, the settings admin key; None reads `VOC_API_*`.
    """
    api = api_settings or ApiSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from voc.store.db import open_engine

        engine = await run_in_threadpool(open_engine, settings)
        try:
            active = await run_in_threadpool(count_active_keys, engine)
            warnings = check_startup(settings, api, active)
        except Exception:
            engine.dispose()
            raise
        for warning in warnings:
            logger.warning("insecure for production: %s", warning)
        interrupted = await run_in_threadpool(fail_interrupted, engine)
        if interrupted:
            logger.warning("marked %d interrupted job(s) as failed", interrupted)
        app.state.engine = engine
        try:
            served = components or await run_in_threadpool(
                build_components, settings, engine, api.similar_search
            )
            if served.search is None and api.similar_search:
                served = await run_in_threadpool(served.with_search, settings, engine)
        except Exception:
            engine.dispose()
            raise
        app.state.components = served
        app.state.metrics.models.info(app.state.components.versions())
        app.state.jobs = JobRunner(engine)
        # The models, the case-id maps and the library are built once and live as long as the
        # process: move them out of the collector's sight, so full collections during
        # requests no longer walk millions of start-up objects (latency tail).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            app.state.jobs.shutdown()
            engine.dispose()

    app = FastAPI(
        title="voc API",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_tags=[
            {"name": "health", "description": "存活、就绪与监控指标"},
            {"name": "feedback", "description": "客户反馈写入（问卷、应用评论、通话、投诉）"},
            {"name": "jobs", "description": "后台任务进度"},
            {"name": "analyze", "description": "单条文本即时分析（不落库）"},
            {"name": "problems", "description": "投诉问题库"},
            {"name": "similar", "description": "相似案例检索与已知问题匹配"},
            {"name": "touchpoints", "description": "触点汇总与触点评分卡（含置信区间）"},
            {"name": "topics", "description": "痛点主题：关键词、周度走势、触点分布、示例"},
            {"name": "trends", "description": "触点或主题的时间序列"},
            {"name": "alerts", "description": "趋势预警与确认"},
            {"name": "digests", "description": "每周简报（JSON / Markdown / HTML）"},
            {"name": "admin", "description": "API 密钥与审计日志"},
        ],
    )
    app.state.settings = settings
    app.state.api_settings = api
    app.state.settings_keys = settings_key_hashes(api)
    app.state.metrics = ApiMetrics()
    app.state.components = None
    install_error_handlers(app)
    install_docs(app)
    for router in routers():
        app.include_router(router)
    if api.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=api.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        )
    app.add_middleware(
        BodyLimitMiddleware,
        default_limit=api.max_body_bytes,
        upload_limit=api.max_upload_bytes,
        upload_prefixes=("/v1/feedback/files",),
    )
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    return app
