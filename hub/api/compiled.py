"""Hot pages answered by one Cypher query whose result is the response, not field by field:
the team page, the issue page and people search by skill and institution.

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
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    parse,
    print_ast,
)
from graphql.execution.values import get_variable_values
from strawberry.extensions import SchemaExtension

from graph import pages
from graph.access import Viewer
from graph.driver import Graph
from graph.errors import DomainError
from hub.api.authz import authorize
from hub.api.context import Context

# A compiled page: (graph, viewer, the operation's coerced variables) → the response's `data`,
# and who the caller was in that read (graph/pages.py `Answer`).
Page = Callable[[Graph, Viewer, dict[str, str]], Awaitable[pages.Answer]]

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


PEOPLE_SEARCH = """
query PeopleSearch($skillId: ID!, $institutionId: ID!) {
  people(filter: {skillId: $skillId, institutionId: $institutionId}, first: 50) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id name title email institution { id code nameEn } skills { level skill { id name } } }
  }
}
"""


@dataclass(frozen=True)
class Compiled:
    page: Page
    first: int  # the page size the shape asks for (activities, people)
    variables: tuple[str, ...] = ("id",)  # each an ID the page takes


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


def only_operation(document: DocumentNode) -> OperationDefinitionNode | None:
    """The document's one definition when it is an operation (no fragments), else None."""
    if len(document.definitions) != 1 or not isinstance(document.definitions[0], OperationDefinitionNode):
        return None
    return document.definitions[0]


def _register(source: str, compiled: Compiled) -> tuple[str, Compiled]:
    operation = only_operation(parse(source))
    assert operation is not None
    return _shape(operation), compiled


async def _team_page(graph: Graph, viewer: Viewer, variables: dict[str, str]) -> pages.Answer:
    return await pages.team_page(graph, variables["id"], viewer, 20)


async def _issue_page(graph: Graph, viewer: Viewer, variables: dict[str, str]) -> pages.Answer:
    return await pages.issue_page(graph, variables["id"], viewer, 20)


async def _people_search(graph: Graph, viewer: Viewer, variables: dict[str, str]) -> pages.Answer:
    # People carry no per-viewer rule (the root field's rule is checked in `root_field_allowed`).
    return await pages.people_search(graph, variables["skillId"], variables["institutionId"], 50, viewer)


_COMPILED: dict[str, Compiled] = dict(
    [
        _register(TEAM_PAGE, Compiled(_team_page, 20)),
        _register(ISSUE_PAGE, Compiled(_issue_page, 20)),
        _register(PEOPLE_SEARCH, Compiled(_people_search, 50, ("skillId", "institutionId"))),
    ]
)

# Query text → its compiled page or None; bounded like the parser cache.
_plans: dict[str, Compiled | None] = {}
_MAX_PLANS = 512


# Query text → its compiled page, for documents Strawberry has parsed and validated (with every
# validation rule and limit of the schema) at least once: hub/api/early_pages.py answers these
# without parsing or validating again. Bounded like the parser cache.
_validated: dict[str, tuple[Compiled, OperationDefinitionNode]] = {}


def validated_plan(query: str) -> tuple[Compiled, OperationDefinitionNode] | None:
    """The compiled page of a document text that has passed Strawberry's validation, or None."""
    return _validated.get(query)


def plan_for(query: str, document: DocumentNode) -> tuple[Compiled, OperationDefinitionNode] | None:
    if query not in _plans:
        if len(_plans) >= _MAX_PLANS:
            _plans.clear()
        operation = only_operation(document)
        _plans[query] = _COMPILED.get(_shape(operation)) if operation is not None else None
    compiled = _plans[query]
    if compiled is None:
        return None
    operation = only_operation(document)
    assert operation is not None
    return compiled, operation


def coerced_ids(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    raw: dict[str, Any] | None,
    names: tuple[str, ...],
) -> dict[str, str] | None:
    """The page's ID variables as the executor would coerce them, or None when they do not
    coerce (the resolvers then run and report the error as usual)."""
    raw = raw or {}
    if _only_required_ids(operation, names) and all(isinstance(raw.get(n), str) for n in names):
        return {n: raw[n] for n in names}  # a string given for an ID! coerces to itself
    values = get_variable_values(schema, operation.variable_definitions or (), raw)
    if isinstance(values, list):  # errors
        return None
    found = {name: values.coerced.get(name) for name in names}
    ids = {k: v for k, v in found.items() if isinstance(v, str)}
    return ids if len(ids) == len(names) else None


def _only_required_ids(operation: OperationDefinitionNode, names: tuple[str, ...]) -> bool:
    """Whether the operation declares exactly `names`, each as `ID!`."""
    definitions = operation.variable_definitions or ()
    return len(definitions) == len(names) and all(
        d.variable.name.value in names
        and isinstance(d.type, NonNullTypeNode)
        and isinstance(d.type.type, NamedTypeNode)
        and d.type.type.name.value == "ID"
        for d in definitions
    )


async def root_field_allowed(
    context: Context, operation: OperationDefinitionNode, args: dict[str, Any] | None = None
) -> bool:
    """Whether the caller passes the rule of every root field (skipping execution also skips
    the Authorize extension), given the field's coerced arguments (`args`; a compiled page's rules
    read none); if not, the resolvers run and report the refusal as usual."""
    for selection in operation.selection_set.selections:
        assert isinstance(selection, FieldNode)  # compiled shapes have no fragments
        try:
            await authorize(context, operation.operation.value, selection.name.value, args or {})
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
            if found is not None:  # execution is reached only by documents that validated
                if len(_validated) >= _MAX_PLANS:
                    _validated.clear()
                _validated[ctx.query] = found
            # A page size over the configured maximum is the resolvers' error to report.
            if found is not None and found[0].first <= ctx.context.settings.max_page_size:
                compiled, operation = found
                ids = coerced_ids(ctx.schema._schema, operation, ctx.variables, compiled.variables)
                if ids is not None and await root_field_allowed(ctx.context, operation):
                    context = ctx.context
                    answer = await compiled.page(context.graph, context.viewer, ids)
                    # The viewer was looked up in this request: no need to compare `answer.caller`.
                    ctx.result = ExecutionResult(data=answer.data, errors=None)
        yield
