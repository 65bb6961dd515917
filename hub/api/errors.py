"""GraphQL errors: domain errors keep their message and gain a stable code; anything else is
masked in production so no stack trace, Cypher or URI reaches a client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import structlog
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from graph.errors import Conflict, DomainError, ImportRejected, InvalidInput, NotFound
from graph.mapping import MapTooLarge

log = structlog.get_logger(__name__)


def error_extensions(error: DomainError) -> dict[str, Any]:
    ext: dict[str, Any] = {"code": error.code}
    if isinstance(error, InvalidInput):
        ext["field"] = error.problems[0].field
        ext["problems"] = [{"field": p.field, "problem": p.problem} for p in error.problems]
    elif isinstance(error, Conflict) or (isinstance(error, NotFound) and error.field):
        ext["field"] = error.field
    elif isinstance(error, MapTooLarge):
        ext["count"], ext["cap"] = error.count, error.cap
    elif isinstance(error, ImportRejected):
        ext["rows"] = [{"line": r.line, "problem": r.problem} for r in error.errors]
    return ext


class DomainErrors(SchemaExtension):
    """Adds `extensions.code` to every error; masks unexpected ones when `mask` is on."""

    def __init__(self, *, mask: bool) -> None:
        self.mask = mask

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        result.errors = [self._convert(e) for e in result.errors]

    def _convert(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, DomainError):
            return GraphQLError(
                original.message,
                error.nodes,
                error.source,
                error.positions,
                error.path,
                original,
                extensions={**(error.extensions or {}), **error_extensions(original)},
            )
        if original is None:  # a syntax or validation error: the client's to fix
            return GraphQLError(
                error.message,
                error.nodes,
                error.source,
                error.positions,
                error.path,
                None,
                extensions={**(error.extensions or {}), "code": "GRAPHQL_VALIDATION_FAILED"},
            )
        log.error("unexpected error", path=error.path, exc_info=original)
        message = "Unexpected error." if self.mask else error.message
        return GraphQLError(
            message,
            error.nodes,
            error.source,
            error.positions,
            error.path,
            None,
            extensions={"code": "INTERNAL_SERVER_ERROR"},
        )
