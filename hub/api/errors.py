"""GraphQL errors: domain errors keep their message and gain a stable code; anything else is
masked in production so no stack trace, Cypher or URI reaches a client.

Applied to the finished result (not in a schema extension) because some errors, such as a
syntax error caught by the parser cache, never pass through the extensions' operation hook.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import strawberry
import structlog
from graphql import GraphQLError
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import ParserCache
from strawberry.schema.exceptions import CannotGetOperationTypeError
from strawberry.types import ExecutionContext

from graph.errors import (
    Conflict,
    DatabaseUnavailable,
    DomainError,
    Forbidden,
    ImportRejected,
    InvalidInput,
    NotFound,
)
from graph.mapping import MapTooLarge

log = structlog.get_logger(__name__)

# graphql-core appends "Did you mean 'x'?" to validation errors: a free schema oracle in production.
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


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
        message = _SUGGESTION.sub("", error.message) if mask else error.message
        return GraphQLError(message, error.nodes, error.source, error.positions, error.path, None, extensions)
    log.error("unexpected error", path=error.path, exc_info=original)
    message = "Unexpected error." if mask else error.message
    return GraphQLError(
        message,
        error.nodes,
        error.source,
        error.positions,
        error.path,
        None,
        # The request id lets an operator find the full error in the server log.
        {"code": "INTERNAL_SERVER_ERROR", **_request_id()},
    )


def _request_id() -> dict[str, str]:
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    return {"requestId": request_id} if request_id else {}


def is_client_error(error: GraphQLError) -> bool:
    """The client's to fix: the document, its variables or arguments, or a domain rule (not a
    database that is away)."""
    original = error.original_error
    return (
        original is None
        or isinstance(original, CannotGetOperationTypeError | MissingQueryError)
        or (isinstance(original, DomainError) and not isinstance(original, DatabaseUnavailable))
    )


class Schema(strawberry.Schema):
    """Strawberry's schema, logging what the client got wrong at info without a traceback (every
    refusal in production logged a stack trace at error level); anything else as Strawberry does."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        unexpected = []
        for error in errors:
            if not is_client_error(error):
                unexpected.append(error)
                continue
            code = (error.extensions or {}).get("code") or getattr(
                error.original_error,
                "code",
                "GRAPHQL_VALIDATION_FAILED" if error.original_error is None else "BAD_REQUEST",
            )
            log.info("request refused", code=code, error=error.message[:500], path=error.path)
        if unexpected:
            super().process_errors(unexpected, execution_context)


class ReportingParserCache(ParserCache):
    """ParserCache that leaves a document it cannot parse to Strawberry's own parse: an error
    raised in an extension's parse hook escapes Strawberry's handling, and over a WebSocket the
    subscription then ended with a bare `complete` and "Exception in worker task" in the log,
    instead of the protocol's close 4400 for a syntax error."""

    def on_parse(self) -> Iterator[None]:
        ctx = self.execution_context
        try:
            ctx.graphql_document = self.cached_parse_document(ctx.query, **ctx.parse_options)
        except GraphQLError:
            ctx.graphql_document = None  # Strawberry parses it again, and reports the error
        yield
