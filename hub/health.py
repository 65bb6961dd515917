"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse

from graph.driver import Graph
from graph.errors import DatabaseUnavailable

READY_TIMEOUT_S = 1.5


async def healthz(request: Request) -> JSONResponse:
    """Alive: answers without touching the database."""
    return JSONResponse({"status": "ok"})


async def live(request: Request) -> JSONResponse:
    """Live WebSocket load of this process: open connections, subscriptions (and how many of them
    have read their starting point, so any later commit reaches them), last delivered seq."""
    stream = request.app.state.live
    return JSONResponse(
        {
            "connections": stream.connections,
            "subscriptions": stream.subscriptions,
            "started": stream.started,
            "seq": stream.last,
        }
    )


async def readyz(request: Request) -> JSONResponse:
    """Ready: Neo4j answers within a short timeout; reports its version and edition."""
    graph: Graph = request.app.state.graph
    try:
        info = await asyncio.wait_for(graph.server_info(), READY_TIMEOUT_S)
    except (TimeoutError, DatabaseUnavailable) as exc:
        reason = "timeout" if isinstance(exc, TimeoutError) else "unavailable"
        return JSONResponse({"status": "unavailable", "neo4j": reason}, status_code=503)
    return JSONResponse(
        {"status": "ready", "neo4j": {"version": info["version"], "edition": info["edition"]}}
    )
