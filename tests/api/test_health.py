"""Health, readiness, Prometheus metrics and the OpenAPI document."""

from __future__ import annotations

import re


def test_health_healthz_and_readyz(live) -> None:
    with live.client() as client:
        assert client.get("/healthz").json()["status"] == "ok"
        ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["checks"] == {"database": True, "models": True}
    assert ready["versions"]["encoder"] == "e5-small-q4"


def test_health_metrics_count_routes_ingest_and_models(live) -> None:
    batch = {"source": "survey", "records": [{"submitted_at": "2026-10-02 10:00", "text": "指标"}]}
    with live.client("ingest") as ingest, live.client("viewer") as viewer:
        ingest.post("/v1/feedback", json=batch)
        viewer.get("/v1/problems/P-X")  # 403 for a viewer, counted under its template
        text = viewer.get("/metrics").text
    assert re.search(
        r'voc_http_requests_total\{method="POST",route="/v1/feedback",status="200"\} \d', text
    )
    assert 'route="/v1/problems/{problem_id}",status="403"' in text
    assert re.search(r'voc_ingest_records_total\{outcome="stored",source="survey"\} \d', text)
    assert 'voc_http_request_duration_seconds_bucket{le="0.05",method="POST"' in text
    assert re.search(r'voc_model_info\{encoder="e5-small-q4",sentiment="voc\.sentiment\.ft', text)


def test_health_openapi_documents_security_errors_and_chinese_examples(live) -> None:
    with live.client() as client:
        schema = client.get("/openapi.json").json()
        docs = client.get("/docs")
    assert docs.status_code == 200
    assert set(schema["components"]["securitySchemes"]) == {"HTTPBearer", "APIKeyHeader"}
    text = str(schema)
    assert "转账" in text and "投诉问题库" in text
    post = schema["paths"]["/v1/feedback"]["post"]
    assert {"401", "403", "422", "413"} <= set(post["responses"])
    assert "ErrorBody" in schema["components"]["schemas"]


def test_health_docs_load_their_assets_from_this_server(live) -> None:
    """Swagger UI must work on an offline network: no CDN links, assets served locally."""
    with live.client() as client:
        page = client.get("/docs").text
        script = client.get("/docs-assets/swagger-ui-bundle.js")
        style = client.get("/docs-assets/swagger-ui.css")
    assert "/docs-assets/swagger-ui-bundle.js" in page and "/openapi.json" in page
    assert "cdn" not in page.lower() and "https://" not in page
    assert script.status_code == 200 and "SwaggerUIBundle" in script.text
    assert style.status_code == 200 and ".swagger-ui" in style.text
