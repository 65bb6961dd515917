"""The request context middleware (hub/middleware.py): one access line per request, carrying the
request's id."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from hub.config import Settings
from hub.logging import configure_logging
from hub.middleware import RequestContext


def printed_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    """What the development renderer printed, without its colours."""
    return [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in capsys.readouterr().out.splitlines()]


async def no_content(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def test_each_request_logs_one_access_line_with_its_id(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(Settings(HUB_LOG_LEVEL="info"))
    app = RequestContext(no_content)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        await client.get("http://hub/healthz", headers={"x-request-id": "req-42"})
    lines = [line for line in printed_lines(capsys) if "request" in line]
    assert len(lines) == 1
    assert "request_id=req-42" in lines[0]
    assert "path=/healthz" in lines[0] and "status=204" in lines[0]


async def test_no_access_line_below_the_configured_level(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(Settings(HUB_LOG_LEVEL="warning"))
    app = RequestContext(no_content)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        await client.get("http://hub/healthz")
    assert not [line for line in printed_lines(capsys) if "request" in line]
