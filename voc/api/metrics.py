"""Prometheus metrics: requests by route template and status, latency, ingest counts, models.

Each app has its own registry (two apps in one test process do not collide). Routes are
labelled by their template (`/v1/problems/{problem_id}`), never the raw path, so label
cardinality stays bounded; unmatched paths share the label `unmatched`.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram, Info, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class ApiMetrics:
    """The metric families of one app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "voc_http_requests",
            "HTTP requests by method, route template and status.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "voc_http_request_duration_seconds",
            "Request latency by method and route template.",
            ("method", "route"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.ingested = Counter(
            "voc_ingest_records",
            "Feedback records received over the API by source and outcome.",
            ("source", "outcome"),
            registry=self.registry,
        )
        self.models = Info("voc_model", "Versions of the loaded models.", registry=self.registry)

    def count_ingest(self, source: str, counts: dict[str, int]) -> None:
        """Add one ingest's stored/duplicates/rejected counts."""
        for outcome in ("stored", "duplicates", "rejected"):
            if counts.get(outcome):
                self.ingested.labels(source, outcome).inc(counts[outcome])

    def render(self) -> bytes:
        """The Prometheus text exposition."""
        return generate_latest(self.registry)


def route_label(scope: Scope) -> str:
    """The matched route's template, or `unmatched`."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class MetricsMiddleware:
    """Count and time every HTTP request, including errors raised past the handlers."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            route = route_label(scope)
            method = scope.get("method", "")
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
