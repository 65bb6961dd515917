"""The hot mutations answered before Strawberry's request pipeline, as the compiled pages are.

Inviting, accepting, posting and updating a team are each one Cypher statement
(graph/checked_writes.py, graph/invitations.py, graph/posts.py, graph/teams.py); through Strawberry they also
paid for its per-operation machinery and a caller lookup, about a fifth of the hub's CPU per
mutation (12.3 → 9.7 ms per write-mix iteration, docs/benchmarks.md). A mutation document
qualifies when Strawberry has parsed and validated it once (`DirectMutations` records it then)
and it is one root field of `RESOLVERS` with no alias or directive, selecting only leaf fields
that are plain attributes of the returned object (the web app's `{ id status __typename }`). hub/api/early_pages.py answers it with the same guards as
a page, in the same order (caller, operation name, root-field rule with the field's arguments,
cost and rate limit); the arguments are coerced by graphql-core and converted by Strawberry, as
for the resolver, and the very resolver body runs (`RESOLVERS`). The caller may come from
hub/auth/callers.py: the mutation's first read confirms them in its transaction
(graph/identity.py `confirm_caller`) and, when they changed, nothing is written and the request
goes through Strawberry with a fresh lookup. tests/test_early_mutations.py compares both paths.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    OperationDefinitionNode,
    OperationType,
    get_named_type,
    is_leaf_type,
)
from graphql.execution.values import get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension
from strawberry.schema import Schema
from strawberry.types.arguments import convert_arguments
from strawberry.types.field import StrawberryField

from graph.identity import CallerChanged
from hub.api import invitations, posts, teams
from hub.api.compiled import only_operation
from hub.api.context import Context

# Root field → the resolver's body: (context, the converted arguments) → the GraphQL object.
RESOLVERS: dict[str, Callable[..., Awaitable[Any]]] = {
    "inviteMember": invitations.invite_member,
    "acceptInvitation": invitations.accept_invitation,
    "createPost": posts.create_post,
    "updateTeam": teams.update_team,
}

_STRAWBERRY = "strawberry-definition"  # where Strawberry links a GraphQL field to its definition


@dataclass(frozen=True)
class Leaf:
    name: str  # in the response
    attribute: str | None  # of the returned object; None for __typename
    field: GraphQLField | None


@dataclass(frozen=True)
class DirectMutation:
    operation: OperationDefinitionNode
    node: FieldNode
    field: GraphQLField
    leaves: tuple[Leaf, ...]
    type_name: str

    @property
    def name(self) -> str:
        return self.node.name.value


def plan(schema: Schema, operation: OperationDefinitionNode) -> DirectMutation | None:
    """The direct plan of a validated operation, or None when Strawberry is to execute it."""
    if operation.operation is not OperationType.MUTATION or operation.directives:
        return None
    selections = operation.selection_set.selections
    if len(selections) != 1 or not isinstance(selections[0], FieldNode):
        return None
    node = selections[0]
    if node.alias or node.directives or node.name.value not in RESOLVERS or node.selection_set is None:
        return None
    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None  # the document validated as a mutation
    field = mutation_type.fields[node.name.value]
    returned = get_named_type(field.type)
    if not isinstance(returned, GraphQLObjectType):
        return None
    leaves = []
    for selection in node.selection_set.selections:
        if (
            not isinstance(selection, FieldNode)
            or selection.alias
            or selection.directives
            or selection.arguments
        ):
            return None
        name = selection.name.value
        if name == "__typename":
            leaves.append(Leaf(name, None, None))
            continue
        leaf = returned.fields.get(name)
        definition = leaf.extensions.get(_STRAWBERRY) if leaf is not None else None
        # Only attributes as the resolver left them: a field with its own resolver is Strawberry's.
        if (
            leaf is None
            or not is_leaf_type(get_named_type(leaf.type))
            or not isinstance(definition, StrawberryField)
            or definition.base_resolver is not None
        ):
            return None
        leaves.append(Leaf(name, definition.python_name, leaf))
    return DirectMutation(operation, node, field, tuple(leaves), returned.name)


# Query text → its direct plan, for documents Strawberry has validated (bounded like its caches).
_validated: dict[str, DirectMutation] = {}
_MAX_PLANS = 512


def validated_mutation(query: str) -> DirectMutation | None:
    return _validated.get(query)


class DirectMutations(SchemaExtension):
    """Remembers the qualifying mutation documents that reached execution (so passed every
    parse and validation rule); Strawberry still executes them this time."""

    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        if ctx.query is not None and ctx.graphql_document is not None and ctx.query not in _validated:
            operation = only_operation(ctx.graphql_document)
            found = plan(ctx.schema, operation) if operation is not None else None
            if found is not None:
                if len(_validated) >= _MAX_PLANS:
                    _validated.clear()
                _validated[ctx.query] = found
        yield


def arguments(schema: Schema, mutation: DirectMutation, raw: dict[str, Any] | None) -> dict[str, Any] | None:
    """The root field's arguments as graphql-core coerces them (what the root-field rule reads),
    or None when they do not coerce (Strawberry then reports it)."""
    values = get_variable_values(schema._schema, mutation.operation.variable_definitions or (), raw or {})
    if isinstance(values, list):
        return None
    try:
        return get_argument_values(mutation.field, mutation.node, values)
    except GraphQLError:
        return None


async def execute(schema: Schema, mutation: DirectMutation, args: dict[str, Any], context: Context) -> Any:
    """Run the resolver body and return the response's `data`, or raise CallerChanged (nothing
    written) or GraphQLError (the field's error, as the executor reports it)."""
    definition = mutation.field.extensions[_STRAWBERRY]
    kwargs = convert_arguments(
        args,
        definition.arguments,
        scalar_registry=schema.schema_converter.scalar_registry,
        config=schema.config,
    )
    try:
        result = await RESOLVERS[mutation.name](context, **kwargs)
    except CallerChanged:
        raise
    except Exception as exc:  # as the executor wraps a resolver's exception
        raise GraphQLError(str(exc), [mutation.node], path=[mutation.name], original_error=exc) from exc
    return {mutation.name: {leaf.name: _serialize(leaf, mutation, result) for leaf in mutation.leaves}}


def _serialize(leaf: Leaf, mutation: DirectMutation, result: Any) -> Any:
    if leaf.attribute is None:
        return mutation.type_name
    assert leaf.field is not None
    value = getattr(result, leaf.attribute)
    if value is None:
        if isinstance(leaf.field.type, GraphQLNonNull):
            raise GraphQLError(
                f"Cannot return null for non-nullable field {mutation.type_name}.{leaf.name}.",
                [mutation.node],
                path=[mutation.name, leaf.name],
            )
        return None
    named = get_named_type(leaf.field.type)
    assert isinstance(named, GraphQLScalarType | GraphQLEnumType)  # `plan` took leaves only
    return named.serialize(value)
