"""What a request asks, checked before anything runs: the operation's type for its transport, the
variables against their types, and every text argument and input field against its limit
(hub/api/text_limits.py).

`RequestChecks` is a schema extension, so every request through Strawberry's pipeline (HTTP and
WebSocket; queries, mutations and subscriptions) is refused the same way: with a client error and
no `data`, before any resolver or Cypher query runs. Variables that do not fit their types were
found only when graphql-core began executing, and reported as internal errors; a 900 KB search
text reached Neo4j.

Errors found by parsing and validation are client errors too: here they lose the exception that
caused them (a scalar's ValueError), which would otherwise be logged and reported as internal.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_argument_values,
    get_named_type,
    get_variable_values,
)
from strawberry.extensions import SchemaExtension

from graph.errors import FieldProblem, InvalidInput
from hub.api.errors import error_extensions
from hub.api.text_limits import ID, SHORT_TEXT, TEXT_LIMIT, TextLimit

MAX_VARIABLE_ERRORS = 20  # variable problems reported per request; the rest are cut off

# Where a String argument or input field declares no limit (a test fails for each such field).
UNDECLARED = SHORT_TEXT


class TextRules:
    """The limit of every String and ID argument and input field of one schema."""

    def __init__(self, schema: strawberry.Schema) -> None:
        self.arguments: dict[tuple[str, str], dict[str, TextLimit]] = {}  # (type, field) → argument
        self.input_fields: dict[str, dict[str, TextLimit]] = {}
        self.undeclared: list[str] = []  # "Type.field(argument)" / "Input.field" without a limit
        convert = schema.config.name_converter
        for type_ in graphql_schema(schema).type_map.values():
            if type_.name.startswith("__"):
                continue
            if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
                for name, field in type_.fields.items():
                    strawberry_field = schema.get_field_for_type(name, type_.name)
                    declared = {
                        convert.from_argument(a): a.metadata.get(TEXT_LIMIT)
                        for a in (strawberry_field.arguments if strawberry_field else ())
                    }
                    limits = {
                        arg: limit
                        for arg, definition in field.args.items()
                        if (
                            limit := self._limit(definition.type, declared.get(arg), f"{type_}.{name}({arg})")
                        )
                    }
                    if limits:
                        self.arguments[type_.name, name] = limits
            elif isinstance(type_, GraphQLInputObjectType):
                fields: dict[str, TextLimit] = {}
                for name, input_field in type_.fields.items():
                    strawberry_field = schema.get_field_for_type(name, type_.name)
                    own = strawberry_field.metadata.get(TEXT_LIMIT) if strawberry_field else None
                    if limit := self._limit(input_field.type, own, f"{type_}.{name}"):
                        fields[name] = limit
                self.input_fields[type_.name] = fields

    def _limit(self, type_: GraphQLInputType, declared: TextLimit | None, where: str) -> TextLimit | None:
        named = get_named_type(type_)
        if declared is not None or not isinstance(named, GraphQLScalarType):
            return declared
        if named.name == "ID":
            return ID
        if named.name == "String":
            self.undeclared.append(where)
            return UNDECLARED
        return None


def graphql_schema(schema: strawberry.Schema) -> GraphQLSchema:
    """graphql-core's schema behind Strawberry's (no public accessor; Strawberry's own
    ValidationCache reads the same attribute)."""
    return schema._schema


@cache
def text_rules(schema: strawberry.Schema) -> TextRules:
    return TextRules(schema)


class RequestChecks(SchemaExtension):
    """Runs `check_request` once the document is validated. Comes after `ValidationCache` in the
    schema's extensions (which validates in its own on_validate) and before anything that costs
    or executes the operation."""

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        if ctx.pre_execution_errors:
            ctx.pre_execution_errors = [_client_error(e) for e in ctx.pre_execution_errors]
        elif ctx.graphql_document is not None:
            operation = _operation(ctx.graphql_document, ctx.operation_name)
            if operation is not None:  # else the executor reports the missing or ambiguous operation
                over_websocket = getattr(ctx.context, "websocket", None) is not None
                errors = check_request(
                    ctx.schema, operation, _fragments(ctx.graphql_document), ctx.variables, over_websocket
                )
                if errors:
                    ctx.pre_execution_errors = errors
        yield


def check_request(
    schema: strawberry.Schema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any] | None,
    over_websocket: bool = False,
) -> list[GraphQLError]:
    """The client errors of one operation of a validated document: none when it may run."""
    if operation.operation is OperationType.SUBSCRIPTION and not over_websocket:
        return [
            GraphQLError(
                "Subscriptions are served over WebSocket (graphql-transport-ws) at /graphql, not over HTTP.",
                operation,
                extensions={"code": "BAD_REQUEST"},
            )
        ]
    gql = graphql_schema(schema)
    coerced = get_variable_values(
        gql, operation.variable_definitions or (), variables or {}, max_errors=MAX_VARIABLE_ERRORS
    )
    if isinstance(coerced, list):
        return [_client_error(e, "BAD_USER_INPUT") for e in coerced]
    walk = _Walk(text_rules(schema), gql, fragments, coerced)
    walk.selections(operation.selection_set, _root(gql, operation))
    return walk.errors


class _Walk:
    """Every field of an operation (through its fragments) whose arguments carry text."""

    def __init__(
        self,
        rules: TextRules,
        gql: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: Any,
    ) -> None:
        self.rules, self.gql, self.fragments, self.variables = rules, gql, fragments, variables
        self.seen: set[str] = set()
        self.errors: list[GraphQLError] = []

    def selections(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None) -> None:
        if selection_set is None or parent is None:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                self.selections(
                    selection.selection_set, self.gql.get_type(condition.name.value) if condition else parent
                )
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in self.seen:
                self.seen.add(selection.name.value)
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    self.selections(
                        fragment.selection_set, self.gql.get_type(fragment.type_condition.name.value)
                    )

    def field(self, node: FieldNode, parent: GraphQLNamedType) -> None:
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return
        definition = parent.fields.get(node.name.value)
        if definition is None:  # __typename and the introspection fields
            return
        if definition.args:
            limits = self.rules.arguments.get((parent.name, node.name.value), {})
            values = get_argument_values(definition, node, self.variables)
            problems: list[FieldProblem] = []
            for name, argument in definition.args.items():
                key = argument.out_name or name
                if key in values:
                    self.value(values[key], argument.type, limits.get(name), name, problems)
            if problems:
                refused = InvalidInput(problems)
                self.errors.append(GraphQLError(refused.message, node, extensions=error_extensions(refused)))
        self.selections(node.selection_set, get_named_type(definition.type))

    def value(
        self,
        value: Any,
        type_: GraphQLInputType,
        limit: TextLimit | None,
        path: str,
        problems: list[FieldProblem],
    ) -> None:
        if value is None:
            return
        if isinstance(type_, GraphQLNonNull):
            type_ = type_.of_type
        if isinstance(type_, GraphQLList):
            for index, item in enumerate(value):
                self.value(item, type_.of_type, limit, f"{path}.{index}", problems)
        elif isinstance(type_, GraphQLInputObjectType):
            limits = self.rules.input_fields.get(type_.name, {})
            for name, field in type_.fields.items():
                key = field.out_name or name
                if key in value:
                    self.value(value[key], field.type, limits.get(name), f"{path}.{name}", problems)
        elif limit is not None and isinstance(value, str) and (problem := limit.problem(value)):
            problems.append(FieldProblem(path, problem))


def _client_error(error: GraphQLError, code: str = "GRAPHQL_VALIDATION_FAILED") -> GraphQLError:
    """The error as the client's to fix: with a code, and without the exception behind it."""
    extensions = {"code": code, **(error.extensions or {})}
    return GraphQLError(
        error.message, error.nodes, error.source, error.positions, error.path, None, extensions
    )


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode) and (name is None or (d.name and d.name.value == name))
    ]
    return operations[0] if len(operations) == 1 else None


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _root(gql: GraphQLSchema, operation: OperationDefinitionNode) -> GraphQLObjectType | None:
    return {
        OperationType.QUERY: gql.query_type,
        OperationType.MUTATION: gql.mutation_type,
        OperationType.SUBSCRIPTION: gql.subscription_type,
    }[operation.operation]
