"""ASGI middleware in front of the application: request ids, access logs and HTTP metrics, and
the guard that turns away oversized, non-JSON and cross-site POSTs before GraphQL parses them.

Pure ASGI (not BaseHTTPMiddleware) so WebSockets pass through untouched and bodies stream.
"""

from __future__ import annotations

import os
import re
import time
from functools import lru_cache
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.graphql_http import refusal
from hub.metrics import HTTP_LATENCY, HTTP_REQUESTS, route_label

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def _header(scope: Scope, name: str) -> str | None:
    raw = name.encode()
    for key, value in scope.get("headers", ()):
        if key == raw:
            return str(value.decode("latin-1"))
    return None


class RequestContext:
    """Binds a request id (the client's X-Request-ID when well-formed, else a new one) into the
    structlog context, echoes it in the response, logs one access line and records metrics."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Bound once, under the configuration the app was made with: the module-level lazy proxy
        # rebinds on every call, which cost more than the (usually filtered) access line itself.
        self.log = structlog.get_logger("hub.access").bind()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = _header(scope, REQUEST_ID_HEADER)
        request_id = given if given and _VALID_REQUEST_ID.fullmatch(given) else os.urandom(16).hex()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            route = route_label(scope["path"])
            requests, latency = _series(scope["method"], route, status)
            requests.inc()
            latency.observe(elapsed)
            self.log.info(
                "request",
                method=scope["method"],
                path=route,
                status=status,
                duration_ms=round(elapsed * 1000, 1),
            )


@lru_cache(maxsize=1024)
def _series(method: str, route: str, status: int) -> tuple[Any, Any]:
    """The request counter and latency histogram of one kind of request, labelled once."""
    return HTTP_REQUESTS.labels(method=method, route=route, status=str(status)), HTTP_LATENCY.labels(
        route=route
    )


async def reject(scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str) -> None:
    await refusal(status, message, accept=_header(scope, "accept"), code=code)(scope, receive, send)


class GraphQLGuard:
    """For POST /graphql: JSON only (a form or text/plain POST is a CSRF vector), no cross-site
    browser requests outside the CORS allowlist, and at most `max_body_bytes` of body (413
    before anything is parsed; the body is read in chunks and never held beyond the limit)."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, allowed_origins: list[str]) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.allowed_origins = frozenset(allowed_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/graphql":
            await self.app(scope, receive, send)
            return
        problem = self._refusal(scope)
        if problem is not None:
            await reject(scope, receive, send, *problem)
            return
        length = _header(scope, "content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            await reject(scope, receive, send, 413, "REQUEST_TOO_LARGE", self._too_large())
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await reject(scope, receive, send, 413, "REQUEST_TOO_LARGE", self._too_large())
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, replaying(b"".join(chunks), receive), send)

    def _too_large(self) -> str:
        return f"Request body exceeds {self.max_body_bytes} bytes."

    def _refusal(self, scope: Scope) -> tuple[int, str, str] | None:
        if not _json_utf8(_header(scope, "content-type") or ""):
            return (
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                "POST /graphql takes Content-Type: application/json (UTF-8).",
            )
        origin = _header(scope, "origin")
        if origin is not None and origin.rstrip("/") not in self.allowed_origins:
            if not _same_origin(scope, origin):
                return 403, "CROSS_SITE_REQUEST", f"Origin {origin} is not allowed."
        elif origin is None and _header(scope, "sec-fetch-site") == "cross-site":
            return 403, "CROSS_SITE_REQUEST", "Cross-site requests are not allowed."
        return None


def _json_utf8(content_type: str) -> bool:
    """application/json, in UTF-8 (JSON's only encoding, RFC 8259); media type, parameter names
    and the charset compare case-insensitively (RFC 9110)."""
    media_type, *parameters = content_type.lower().split(";")
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip() == "charset" and value.strip(' "') not in ("utf-8", "utf8"):
            return False
    return media_type.strip() == "application/json"


def _same_origin(scope: Scope, origin: str) -> bool:
    host = _header(scope, "host")
    scheme: Any = scope.get("scheme", "http")
    return host is not None and origin.rstrip("/") == f"{scheme}://{host}"


def replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the body already read, then the connection's own messages."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
