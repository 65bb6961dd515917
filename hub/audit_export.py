"""GET /audit/export?format=csv|jsonl&actorId=&verb=&targetId=&since=&until= — administrators only.

Streams the audit trail oldest first, a batch per query, so an export of any size uses bounded
memory. Authenticated like /graphql (bearer token, or the session cookie from the browser).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from graph import audit
from graph.driver import Record
from hub.auth.tokens import InvalidToken


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# A cell starting with one of these is a formula to a spreadsheet (OWASP, CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, prefixed with a quote so it is read as text."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


async def _csv(rows: AsyncIterator[Record]) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=audit.FIELDS, extrasaction="ignore")
    writer.writeheader()
    async for row in rows:
        writer.writerow({field: _cell(row.get(field)) for field in audit.FIELDS})
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


async def _jsonl(rows: AsyncIterator[Record]) -> AsyncIterator[str]:
    async for row in rows:
        yield json.dumps({k: row.get(k) for k in audit.FIELDS}, ensure_ascii=False) + "\n"


async def export(request: Request) -> Response:
    app = request.app.state
    # The cookie path needs no CSRF header here: a GET download changes nothing.
    try:
        viewer = await app.principal(request, cookie_needs_csrf_header=False)
    except InvalidToken:
        return _error(401, "UNAUTHENTICATED", "invalid or expired token")
    if not viewer.signed_in:
        return _error(401, "UNAUTHENTICATED", "sign in first")
    if not viewer.admin:
        return _error(403, "FORBIDDEN", "the audit export is for administrators")
    q = request.query_params
    fmt = q.get("format", "jsonl")
    if fmt not in ("csv", "jsonl"):
        return _error(400, "BAD_USER_INPUT", "format: must be csv or jsonl")
    try:
        since, until = _when(q.get("since")), _when(q.get("until"))
    except ValueError:
        return _error(400, "BAD_USER_INPUT", "since/until: must be ISO 8601 date-times")
    rows = audit.export(
        app.graph, audit.AuditFilter(q.get("actorId"), q.get("verb"), q.get("targetId"), since, until)
    )
    if fmt == "csv":
        return StreamingResponse(
            _csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
        )
    return StreamingResponse(
        _jsonl(rows),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="audit.jsonl"'},
    )
