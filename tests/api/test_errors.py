"""Every error has one JSON shape: {"error": {"status", "code", "message", "details"}}."""

from __future__ import annotations

import pytest

from tests.api.helpers import assert_error


def test_errors_404_unknown_path(live) -> None:
    with live.client("admin") as client:
        assert_error(client.get("/v1/nothing-here"), 404, "not_found")


def test_errors_404_unknown_problem(live) -> None:
    with live.client("admin") as client:
        error = assert_error(client.get("/v1/problems/P-NONE"), 404, "not_found")
    assert "P-NONE" in error["message"]


def test_errors_405_wrong_method(live) -> None:
    with live.client("admin") as client:
        assert_error(client.delete("/v1/problems"), 405, "method_not_allowed")


@pytest.mark.parametrize(
    "body",
    [
        {"text": ""},
        {"text": "好", "extra": 1},
        {},
        "not an object",
    ],
)
def test_errors_422_validation_lists_fields(live, body) -> None:
    with live.client("handler") as client:
        error = assert_error(client.post("/v1/analyze", json=body), 422, "validation_error")
    assert isinstance(error["details"], list) and error["details"]
    assert all({"loc", "msg", "type"} <= set(d) for d in error["details"])


def test_errors_422_malformed_json(live) -> None:
    with live.client("handler") as client:
        response = client.post(
            "/v1/analyze", content=b'{"text": ', headers={"content-type": "application/json"}
        )
    assert_error(response, 422, "validation_error")


def test_errors_422_does_not_echo_personal_data(live) -> None:
    text = "我的手机13812345678" + "很" * 5000
    with live.client("handler") as client:
        response = client.post("/v1/analyze", json={"text": text})
    assert_error(response, 422, "validation_error")
    assert "13812345678" not in response.text


def test_errors_401_without_key_and_with_bad_key(live) -> None:
    with live.client() as client:
        error = assert_error(client.get("/v1/problems"), 401, "unauthorized")
        assert "Bearer" in error["message"]
        response = client.get("/v1/problems", headers={"Authorization": "Bearer voc_nope"})
        assert_error(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"


def test_errors_403_wrong_role(live) -> None:
    with live.client("viewer") as client:
        error = assert_error(client.get("/v1/problems"), 403, "forbidden")
    assert error["details"] == {"role": "viewer", "required": "handler"}


def test_errors_413_declared_length_over_limit(live) -> None:
    body = b'{"text": "' + "长".encode() * 30_000 + b'"}'
    assert len(body) > 64 * 1024
    with live.client("handler") as client:
        response = client.post(
            "/v1/analyze", content=body, headers={"content-type": "application/json"}
        )
    error = assert_error(response, 413, "payload_too_large")
    assert "65536" in error["message"]


def test_errors_413_streamed_body_over_limit(live) -> None:
    def chunks():
        yield b'{"text": "'
        for _ in range(100):
            yield "长".encode() * 1000
        yield b'"}'

    with live.client("handler") as client:
        response = client.post(
            "/v1/analyze", content=chunks(), headers={"content-type": "application/json"}
        )
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "payload_too_large")


def test_errors_500_hides_the_exception(live) -> None:
    with live.client("admin") as client:
        error = assert_error(client.get("/_test/boom"), 500, "internal_error")
    assert "boom" not in error["message"] and "13812345678" not in error["message"]
