"""GraphQL errors: domain errors keep their message and gain a stable code; anything else is
masked in production so no stack trace, Cypher or URI reaches a client.

Applied to the finished result (not in a schema extension) because some errors, such as a
syntax error caught by the parser cache, never pass through the extensions' operation hook.
"""

from __future__ import annotations

from typing import Any

import structlog
from graphql import GraphQLError

from graph.errors import Conflict, DomainError, Forbidden, ImportRejected, InvalidInput, NotFound
from graph.mapping import MapTooLarge

log = structlog.get_logger(__name__)


def error_extensions(error: DomainError) -> dict[str, Any]:
    ext: dict[str, Any] = {"code": error.code}
    if isinstance(error, InvalidInput):
        ext["field"] = error.problems[0].field
        ext["problems"] = [{"field": p.field, "problem": p.problem} for p in error.problems]
    elif isinstance(error, Conflict | Forbidden) or (isinstance(error, NotFound) and error.field):
        ext["field"] = error.field
    elif isinstance(error, MapTooLarge):
        ext["count"], ext["cap"] = error.count, error.cap
    elif isinstance(error, ImportRejected):
        ext["rows"] = [{"line": r.line, "problem": r.problem} for r in error.errors]
    return ext


def convert_errors(errors: list[GraphQLError], *, mask: bool) -> list[GraphQLError]:
    """Give every error a stable `extensions.code`; with `mask`, hide unexpected errors' details."""
    return [_convert(e, mask) for e in errors]


def _convert(error: GraphQLError, mask: bool) -> GraphQLError:
    original = error.original_error
    if isinstance(original, DomainError):
        extensions = {**(error.extensions or {}), **error_extensions(original)}
        return GraphQLError(
            original.message, error.nodes, error.source, error.positions, error.path, original, extensions
        )
    if original is None:  # a syntax or validation error: the client's to fix
        extensions = {"code": "GRAPHQL_VALIDATION_FAILED", **(error.extensions or {})}
        return GraphQLError(
            error.message, error.nodes, error.source, error.positions, error.path, None, extensions
        )
    log.error("unexpected error", path=error.path, exc_info=original)
    message = "Unexpected error." if mask else error.message
    return GraphQLError(
        message,
        error.nodes,
        error.source,
        error.positions,
        error.path,
        None,
        {"code": "INTERNAL_SERVER_ERROR"},
    )
