"""Large flat results projected straight from their records, not resolved object by object.

An issue map at 10,000 people is a few thousand nodes and edges (team health, a thousand rows);
resolving them through Strawberry and graphql-core field by field costs more than the Cypher
that found them. When the validated operation selects exactly one root field listed here, with
plain fields all the way down (no aliases, fragments, directives or nested arguments, no field
with a resolver method such as `TeamHealth.team`; `__typename` is fine), this
extension fetches the root field's value as records (the same graph call the resolver makes)
and copies the selected fields into the response, serialising every leaf with its GraphQL type
exactly as execution would. It runs after parsing, validation and the cost/rate checks, and
only when the caller passes the root field's rule (`root_field_allowed`, as for compiled pages).
Anything else, and any error (bad arguments, MAP_TOO_LARGE, a null where the type forbids one),
runs the resolvers, which report it as usual. tests/test_projected.py asserts both paths give
identical JSON.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLError,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLString,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    print_ast,
)
from graphql.execution.values import get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField
from strawberry.utils.str_converters import to_camel_case

from graph.driver import Record
from graph.errors import DomainError
from hub.api.compiled import only_operation, root_field_allowed
from hub.api.context import Context
from hub.api.insights import fetch_direction_matrix, fetch_team_health
from hub.api.mapping import fetch_issue_map
from hub.api.network import fetch_collaboration_network

# Root field → its value as plain records keyed by GraphQL field names, from coerced arguments.
Fetch = Callable[[Context, dict[str, Any]], Awaitable[Record | list[Record]]]

ROOTS: dict[str, Fetch] = {
    "issueMap": fetch_issue_map,
    "collaborationNetwork": fetch_collaboration_network,
    "teamHealth": fetch_team_health,
    "directionMatrix": fetch_direction_matrix,
}


_MIN_INT, _MAX_INT = -(2**31), 2**31 - 1  # GraphQL's Int


class _Unplain(Exception):
    """The selection or the data needs the resolvers."""


def _plain(selection_set: SelectionSetNode | None) -> bool:
    if selection_set is None:
        return True
    for node in selection_set.selections:
        if not isinstance(node, FieldNode) or node.alias or node.directives or node.arguments:
            return False
        if not _plain(node.selection_set):
            return False
    return True


def _record_fields(kind: GraphQLOutputType, selection_set: SelectionSetNode | None) -> bool:
    """Whether every selected field is a plain attribute read from the record under its GraphQL
    name (no resolver method, no renamed field), all the way down."""
    named = get_named_type(kind)
    if not isinstance(named, GraphQLObjectType):
        return True
    assert selection_set is not None  # validation requires one on object fields
    for node in selection_set.selections:
        assert isinstance(node, FieldNode)
        name = node.name.value
        if name == "__typename":
            continue
        field = named.fields[name]
        definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if (
            not isinstance(definition, StrawberryField)
            or definition.base_resolver is not None
            or to_camel_case(definition.python_name) != name
            or not _record_fields(field.type, node.selection_set)
        ):
            return False
    return True


def _root(operation: OperationDefinitionNode) -> FieldNode | None:
    """The one projectable root field of a plain query, or None."""
    if operation.operation != OperationType.QUERY or operation.directives:
        return None
    selections = operation.selection_set.selections
    if len(selections) != 1:
        return None
    field = selections[0]
    if not isinstance(field, FieldNode) or field.alias or field.directives:
        return None
    if field.name.value not in ROOTS or not _plain(field.selection_set):
        return None
    return field


Project = Callable[[Any], Any]


def _none(_: Any) -> None:
    return None


def _null(value: Any) -> Any:
    raise _Unplain  # a null where the type forbids one: the resolvers report it


def _leaf(kind: GraphQLLeafType, absent: Project) -> Project:
    """The leaf's serialiser, with the common cases (a str for String/ID, an int in range for
    Int, a known enum value) answered without a call, then a null (`absent`), then `serialize`.
    One function per field, null check included: a map of 9,000 records is ~50,000 leaves."""
    serialize = kind.serialize
    if kind is GraphQLString or kind is GraphQLID:
        return lambda v: v if v.__class__ is str else absent(v) if v is None else serialize(v)
    if kind is GraphQLInt:
        return lambda v: (
            v
            if v.__class__ is int and _MIN_INT <= v <= _MAX_INT
            else absent(v)
            if v is None
            else serialize(v)
        )
    if kind is GraphQLBoolean:
        return lambda v: v if v.__class__ is bool else absent(v) if v is None else serialize(v)
    if isinstance(kind, GraphQLEnumType):
        names = {value.value: name for name, value in kind.values.items() if isinstance(value.value, str)}
        return lambda v: (
            names[v] if v.__class__ is str and v in names else absent(v) if v is None else serialize(v)
        )
    return lambda v: absent(v) if v is None else serialize(v)


def _constant(value: str) -> Project:
    return lambda _: value


def _compile(kind: GraphQLOutputType, selection_set: SelectionSetNode | None) -> Project:
    """A function copying a value of `kind` to its response form for this selection."""
    absent: Project = _none
    if isinstance(kind, GraphQLNonNull):
        kind, absent = kind.of_type, _null
    if isinstance(kind, GraphQLList):
        item = _compile(kind.of_type, selection_set)
        return lambda v: absent(v) if v is None else [item(x) for x in v]
    if isinstance(kind, GraphQLObjectType):
        assert selection_set is not None  # validation requires one on object fields
        fields: list[tuple[str, Project]] = []
        for node in selection_set.selections:
            assert isinstance(node, FieldNode)
            name = node.name.value
            if name == "__typename":
                fields.append((name, _constant(kind.name)))
            else:
                fields.append((name, _compile(kind.fields[name].type, node.selection_set)))
        return lambda v: absent(v) if v is None else {name: copy(v.get(name)) for name, copy in fields}
    assert isinstance(kind, GraphQLLeafType)
    return _leaf(kind, absent)


# The last projections, by (id of the records, selection): a cached result (graph/snapshot.py)
# comes back as the same object while the graph is unchanged, so its projection is reused. Each
# entry holds its records, so an id cannot be reused by another object while the entry lives.
_projections: OrderedDict[tuple[int, str], tuple[Any, Any]] = OrderedDict()
_MAX_PROJECTIONS = 32


def _projection(record: Any, kind: GraphQLOutputType, selection_set: SelectionSetNode | None) -> Any:
    key = (id(record), print_ast(selection_set) if selection_set is not None else "")
    found = _projections.get(key)
    if found is not None and found[0] is record:
        _projections.move_to_end(key)
        return found[1]
    value = _compile(kind, selection_set)(record)
    _projections[key] = (record, value)
    if len(_projections) > _MAX_PROJECTIONS:
        _projections.popitem(last=False)
    return value


async def project(
    schema: GraphQLSchema, context: Context, operation: OperationDefinitionNode, raw: dict[str, Any] | None
) -> Record | None:
    """The response's `data` for a projectable operation, or None to run the resolvers."""
    field = _root(operation)
    if field is None:
        return None
    variables = get_variable_values(schema, operation.variable_definitions or (), raw or {})
    if isinstance(variables, list):  # errors: the resolvers report them
        return None
    query_type = schema.query_type
    assert query_type is not None
    definition = query_type.fields[field.name.value]
    if not _record_fields(definition.type, field.selection_set):
        return None
    try:
        args = get_argument_values(definition, field, variables)
    except GraphQLError:  # the executor reports it
        return None
    if not await root_field_allowed(context, operation):
        return None
    try:
        record = await ROOTS[field.name.value](context, args)
        value = _projection(record, definition.type, field.selection_set)
    except (DomainError, _Unplain):
        return None
    return {field.name.value: value}


class ProjectedResults(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        operation = only_operation(ctx.graphql_document) if ctx.graphql_document is not None else None
        if ctx.result is None and not ctx.pre_execution_errors and operation is not None:
            data = await project(ctx.schema._schema, ctx.context, operation, ctx.variables)
            if data is not None:
                ctx.result = ExecutionResult(data=data, errors=None)
        yield
