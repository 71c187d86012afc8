"""Request body size limit (413) enforced before any handler reads the body.

A declared Content-Length over the limit is refused at once; a body without one (chunked)
is counted while it streams and refused when it passes the limit. Uploads get their own,
larger limit by path prefix.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from voc.api.errors import error_response


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes the limit (rendered as 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is larger than the limit of {limit} bytes")


class BodyLimitMiddleware:
    """Refuse bodies over `default_limit` bytes (`upload_limit` under `upload_prefixes`)."""

    def __init__(
        self,
        app: ASGIApp,
        default_limit: int,
        upload_limit: int,
        upload_prefixes: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.default_limit = default_limit
        self.upload_limit = upload_limit
        self.upload_prefixes = upload_prefixes

    def limit_for(self, path: str) -> int:
        """The byte limit that applies to `path`."""
        if any(path.startswith(p) for p in self.upload_prefixes):
            return self.upload_limit
        return self.default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            response = error_response(
                413, f"request body of {declared} bytes is larger than the limit of {limit} bytes"
            )
            await response(scope, receive, send)
            return
        seen = 0

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
