"""Assertions shared by the API tests."""

from __future__ import annotations

import httpx

ERROR_KEYS = {"status", "code", "message", "details"}


def assert_error(response: httpx.Response, status: int, code: str) -> dict:
    """The response is an error in the one shape, with this status and code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == ERROR_KEYS, error
    assert error["status"] == status and error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error
