"""Roles per route (viewer ⊂ handler ⊂ admin, ingest apart), key transport, revocation, CORS."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.helpers import assert_error
from voc.api.keys import GRANTS, authenticate, create_key

PUBLIC = None
SURVEY_CSV = "response_id,submitted_at,csat,text\nm1,2026-10-01 09:00,3,矩阵上传测试\n"
# (method, path, request kwargs, role needed; None = no key needed)
ROUTES: list[tuple[str, str, dict[str, Any], str | None]] = [
    ("GET", "/healthz", {}, PUBLIC),
    ("GET", "/readyz", {}, PUBLIC),
    ("GET", "/metrics", {}, "viewer"),
    ("GET", "/v1/touchpoints/summary", {}, "viewer"),
    ("GET", "/v1/touchpoints/scores", {}, "viewer"),
    ("GET", "/v1/topics", {}, "viewer"),
    ("GET", "/v1/topics/1", {}, "viewer"),
    ("GET", "/v1/trends", {"params": {"touchpoint": "app_transfer"}}, "viewer"),
    ("GET", "/v1/alerts", {}, "viewer"),
    ("POST", "/v1/alerts/999999/ack", {"json": {"note": "矩阵"}}, "handler"),
    ("GET", "/v1/digests/2026-W41", {}, "viewer"),
    ("POST", "/v1/analyze", {"json": {"text": "转账失败"}}, "handler"),
    ("POST", "/v1/similar", {"json": {"text": "转账失败", "k": 3}}, "handler"),
    ("GET", "/v1/problems", {}, "handler"),
    ("GET", "/v1/problems/candidates", {}, "handler"),
    ("GET", "/v1/problems/P-MATRIX", {}, "handler"),
    ("PATCH", "/v1/problems/P-MATRIX", {"json": {"owner": "矩阵组"}}, "handler"),
    ("POST", "/v1/problems", {"json": {"id": "P-MATRIX-NEW", "title": "新问题"}}, "admin"),
    (
        "POST",
        "/v1/feedback",
        {
            "json": {
                "source": "survey",
                "records": [{"submitted_at": "2026-10-01 09:00", "text": "矩阵测试"}],
            }
        },
        "ingest",
    ),
    (
        "POST",
        "/v1/feedback/files",
        {"files": {"file": ("m.csv", SURVEY_CSV.encode())}, "data": {"source": "survey"}},
        "ingest",
    ),
    ("GET", "/v1/jobs/0123456789abcdef", {}, "ingest"),
    ("GET", "/v1/keys", {}, "admin"),
    ("POST", "/v1/keys", {"json": {"role": "viewer", "name": "矩阵"}}, "admin"),
    ("DELETE", "/v1/keys/000000000000", {}, "admin"),
    ("GET", "/v1/audit", {}, "admin"),
]
CALLERS = [None, "viewer", "handler", "ingest", "admin"]


@pytest.fixture(scope="module")
def matrix_problem(live) -> None:
    with live.client("admin") as client:
        response = client.post("/v1/problems", json={"id": "P-MATRIX", "title": "矩阵问题"})
    assert response.status_code == 201


@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: c or "no-key")
@pytest.mark.parametrize(
    ("method", "path", "kwargs", "needed"), ROUTES, ids=[f"{m} {p}" for m, p, _, _ in ROUTES]
)
def test_security_role_matrix(live, matrix_problem, method, path, kwargs, needed, caller) -> None:
    with live.client(caller) as client:
        response = client.request(method, path, **kwargs)
    if needed is None or (caller is not None and needed in GRANTS[caller]):
        assert response.status_code not in (401, 403), response.text
        assert response.status_code < 500, response.text
    elif caller is None:
        assert_error(response, 401, "unauthorized")
    else:
        assert_error(response, 403, "forbidden")


def test_security_matrix_covers_every_route(live) -> None:
    """A new route must say which role it needs: it is listed above or this fails."""
    with live.client() as client:
        paths = client.get("/openapi.json").json()["paths"]
    listed = {(method, path) for method, path, _, _ in ROUTES}
    missing = []
    for template, operations in paths.items():
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/{}]+", template) + "$")
        for method in operations:
            if not any(m == method.upper() and pattern.match(p) for m, p in listed):
                missing.append(f"{method.upper()} {template}")
    assert missing == []


def test_security_x_api_key_header_is_accepted(live) -> None:
    with live.client("handler", header="x-api-key") as client:
        assert client.get("/v1/problems").status_code == 200


def test_security_revoked_key_is_refused_at_once(live) -> None:
    principal, key = create_key(live.engine, "viewer", "short-lived")
    headers = {"Authorization": f"Bearer {key}"}
    with live.client("admin") as admin, live.client() as client:
        assert client.get("/v1/touchpoints/summary", headers=headers).status_code == 200
        assert admin.delete(f"/v1/keys/{principal.key_id}").json()["revoked_at"]
        assert_error(client.get("/v1/touchpoints/summary", headers=headers), 401, "unauthorized")
        audit = admin.get("/v1/audit", params={"action": "key.revoke"}).json()["items"]
    assert any(row["target_id"] == principal.key_id for row in audit)


def test_security_keys_are_stored_hashed(live) -> None:
    with live.client("admin") as client:
        created = client.post("/v1/keys", json={"role": "handler", "name": "哈希"}).json()
        listed = client.get("/v1/keys").json()["items"]
    key = created["key"]
    with live.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT * FROM api_keys").fetchall()
    assert not any(key in str(tuple(row)) for row in stored)
    assert all("key" not in row and "key_hash" not in row for row in listed)
    assert authenticate(live.engine, key).role == "handler"
    assert authenticate(live.engine, key[:-1] + ("A" if key[-1] != "A" else "B")) is None


def test_security_pagination_is_bounded(live) -> None:
    with live.client("handler") as client:
        assert_error(client.get("/v1/problems", params={"limit": 201}), 422, "validation_error")
        assert_error(client.get("/v1/problems", params={"offset": -1}), 422, "validation_error")
        assert client.get("/v1/problems", params={"limit": 200}).status_code == 200


def test_security_cors_is_off_by_default(live) -> None:
    with live.client() as client:
        response = client.options(
            "/v1/problems",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        )
    assert "access-control-allow-origin" not in response.headers
