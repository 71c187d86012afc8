"""One JSON error shape for every error the API returns.

`{"error": {"status": 404, "code": "not_found", "message": "…", "details": null}}` for
404/405 from routing, 422 from validation, 401/403 from auth, 413 from the size limit and
500 from anything unexpected; `tests/api/test_errors.py` pins it.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger("voc.api")

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    503: "not_ready",
}


class ErrorDetail(BaseModel):
    """What went wrong: HTTP status, a stable machine code, a message for people."""

    status: int = Field(examples=[404])
    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["未找到该问题：P-999（unknown problem 'P-999'）"])
    details: list[dict[str, Any]] | dict[str, Any] | None = None


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


class ApiError(Exception):
    """Raise from routes and dependencies; rendered in the one error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        details: list[dict[str, Any]] | dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message
        self.details = details
        self.headers = headers


def error_response(
    status: int,
    message: str,
    *,
    code: str | None = None,
    details: list[dict[str, Any]] | dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The JSON response for an error (also used by middleware that answers early)."""
    body = ErrorDetail(
        status=status, code=code or CODES.get(status, "error"), message=message, details=details
    )
    return JSONResponse({"error": body.model_dump()}, status_code=status, headers=headers)


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Inputs are left out on purpose: they may hold unmasked personal data.
    return [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type")}
        for e in exc.errors()
    ]


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(
        exc.status, exc.message, code=exc.code, details=exc.details, headers=exc.headers
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else CODES.get(exc.status_code, "error")
    return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, "request is not valid", details=_validation_details(exc))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal error; the server log has the details")


def install_error_handlers(app: FastAPI) -> None:
    """Route every kind of error through the one shape."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": CODES[status]}
    for status in (401, 403, 404, 413, 422, 500)
}
