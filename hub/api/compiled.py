"""Hot pages answered by one Cypher query whose result is the response, not field by field.

Executing a 50-member team page resolver by resolver costs milliseconds of Python and eight
Cypher round trips; graph/pages.py answers the same selection in one query. This extension runs
after parsing, validation and the cost/rate checks (it changes none of them) and, when the
validated operation is one of the compiled shapes below (same fields, same nesting, no aliases,
fragments or directives; only the operation's name may differ), sets the result itself so
Strawberry skips execution. Anything else, or variables that do not coerce, runs the resolvers.
tests/test_compiled_pages.py asserts both paths give identical JSON.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    print_ast,
)
from graphql.execution.values import get_variable_values
from strawberry.extensions import SchemaExtension

from graph import pages
from graph.access import Viewer
from graph.driver import Graph, Record
from graph.errors import DomainError
from hub.api.authz import authorize
from hub.api.context import Context

Page = Callable[[Graph, str, Viewer, int], Awaitable[Record]]

TEAM_PAGE = """
query TeamPage($id: ID!) {
  team(id: $id) {
    id name mandate status visibility startDate endDate
    legalBasis { orderNumber orderDate }
    issue { id title affected { stake institution { id code nameEn } } }
    members { role allocation since person { id name title email institution { id code nameEn } } }
  }
  activities(scopeId: $id, first: 20) { totalCount nodes { id seq at verb summary } }
}
"""

ISSUE_PAGE = """
query IssuePage($id: ID!) {
  issue(id: $id) {
    id title description status priority
    direction { id number titleEn }
    affected { stake institution { id code nameEn } }
    teams { id name status visibility }
  }
  activities(scopeId: $id, first: 20) { totalCount nodes { id seq at verb summary } }
}
"""


@dataclass(frozen=True)
class Compiled:
    page: Page
    first: int  # the activities page size the shape asks for


def _shape(operation: OperationDefinitionNode) -> str:
    """The operation printed without its name: two documents match when these are equal."""
    unnamed = OperationDefinitionNode(
        operation=operation.operation,
        name=None,
        variable_definitions=operation.variable_definitions,
        directives=operation.directives,
        selection_set=operation.selection_set,
    )
    return print_ast(unnamed)


def _only_operation(document: DocumentNode) -> OperationDefinitionNode | None:
    if len(document.definitions) != 1 or not isinstance(document.definitions[0], OperationDefinitionNode):
        return None
    return document.definitions[0]


def _register(source: str, page: Page, first: int) -> tuple[str, Compiled]:
    operation = _only_operation(parse(source))
    assert operation is not None
    return _shape(operation), Compiled(page, first)


_COMPILED: dict[str, Compiled] = dict(
    [_register(TEAM_PAGE, pages.team_page, 20), _register(ISSUE_PAGE, pages.issue_page, 20)]
)

# Query text → its compiled page or None; bounded like the parser cache.
_plans: dict[str, Compiled | None] = {}
_MAX_PLANS = 512


def plan_for(query: str, document: DocumentNode) -> tuple[Compiled, OperationDefinitionNode] | None:
    if query not in _plans:
        if len(_plans) >= _MAX_PLANS:
            _plans.clear()
        operation = _only_operation(document)
        _plans[query] = _COMPILED.get(_shape(operation)) if operation is not None else None
    compiled = _plans[query]
    if compiled is None:
        return None
    operation = _only_operation(document)
    assert operation is not None
    return compiled, operation


def _coerced_id(
    schema: GraphQLSchema, operation: OperationDefinitionNode, raw: dict[str, Any] | None
) -> str | None:
    """The `$id` variable as the executor would coerce it, or None when it does not coerce
    (the resolvers then run and report the error as usual)."""
    values = get_variable_values(schema, operation.variable_definitions or (), raw or {})
    if isinstance(values, list):  # errors
        return None
    id = values.coerced.get("id")
    return id if isinstance(id, str) else None


async def _authorized(context: Context, operation: OperationDefinitionNode) -> bool:
    """Whether the caller passes the rule of every root field (skipping execution also skips
    the Authorize extension); if not, the resolvers run and report the refusal as usual."""
    for selection in operation.selection_set.selections:
        assert isinstance(selection, FieldNode)  # compiled shapes have no fragments
        try:
            await authorize(context, operation.operation.value, selection.name.value, {})
        except DomainError:
            return False
    return True


class CompiledPages(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        if (
            ctx.result is None
            and not ctx.pre_execution_errors
            and ctx.query is not None
            and ctx.graphql_document is not None
        ):
            found = plan_for(ctx.query, ctx.graphql_document)
            # A page size over the configured maximum is the resolvers' error to report.
            if found is not None and found[0].first <= ctx.context.settings.max_page_size:
                compiled, operation = found
                id = _coerced_id(ctx.schema._schema, operation, ctx.variables)
                if id is not None and await _authorized(ctx.context, operation):
                    context = ctx.context
                    data = await compiled.page(context.graph, id, context.viewer, compiled.first)
                    ctx.result = ExecutionResult(data=data, errors=None)
        yield
