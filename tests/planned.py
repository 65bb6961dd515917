"""Operations answered in-process by the hub's one read path (hub/api/planning.py), with the
Cypher round trips they made: for read-side specifications that need no HTTP."""

from __future__ import annotations

from typing import Any

from graph.access import Viewer
from graph.driver import Graph, count_queries
from hub.api.context import Context
from hub.api.schema import schema
from hub.config import Settings

SETTINGS = Settings()


async def execute(
    graph: Graph, document: str, variables: dict[str, Any] | None = None, viewer: Viewer | None = None
) -> tuple[dict[str, Any] | None, list[Any], int]:
    """(data, errors, round trips) of `document` for `viewer` (default: a trusted system job)."""
    context = Context(graph=graph, settings=SETTINGS, viewer=viewer or Viewer.system())
    with count_queries() as counter:
        result = await schema.execute(document, variable_values=variables, context_value=context)
    return result.data, list(result.errors or []), counter.queries


async def data(
    graph: Graph, document: str, variables: dict[str, Any] | None = None, viewer: Viewer | None = None
) -> dict[str, Any]:
    """The `data` of a document that must succeed."""
    found, errors, _ = await execute(graph, document, variables, viewer)
    assert not errors, errors
    assert found is not None
    return found
