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

import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
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
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_variable_values,
)
from strawberry.extensions import SchemaExtension

from graph.errors import FieldProblem, InvalidInput
from hub.api.errors import error_extensions
from hub.api.planning import graphql_schema
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
    variable_values: dict[str, Any] = {}
    if operation.variable_definitions:
        coerced = get_variable_values(
            gql, operation.variable_definitions, variables or {}, max_errors=MAX_VARIABLE_ERRORS
        )
        if isinstance(coerced, list):
            return [_client_error(e, "BAD_USER_INPUT") for e in coerced]
        variable_values = coerced.coerced
    rules = text_rules(schema)
    errors = []
    for field in _PLANS.of(rules, gql, operation, fragments):
        problems = list(field.literal_problems)
        for variable, type_, limit, path in field.variables:
            _check(rules, variable_values.get(variable), type_, limit, path, problems)
        if problems:
            refused = InvalidInput(problems)
            errors.append(GraphQLError(refused.message, field.node, extensions=error_extensions(refused)))
    return errors


def _check(
    rules: TextRules,
    value: Any,
    type_: GraphQLInputType,
    limit: TextLimit | None,
    path: str,
    problems: list[FieldProblem],
) -> None:
    """Adds to `problems` each text in `value` (of `type_`, at `path`) its limit refuses."""
    if value is None:
        return
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        for index, item in enumerate(value):
            _check(rules, item, type_.of_type, limit, f"{path}.{index}", problems)
    elif isinstance(type_, GraphQLInputObjectType):
        limits = rules.input_fields.get(type_.name, {})
        for name, field in type_.fields.items():
            key = field.out_name or name
            if key in value:
                _check(rules, value[key], field.type, limits.get(name), f"{path}.{name}", problems)
    elif limit is not None and isinstance(value, str) and (problem := limit.problem(value)):
        problems.append(FieldProblem(path, problem))


@dataclass
class _FieldPlan:
    """What to check of one field's arguments: the problems of the text written in the document
    (the same on every request), and where each variable goes (its type and limit there)."""

    node: FieldNode
    literal_problems: list[FieldProblem] = dataclass_field(default_factory=list)
    variables: list[tuple[str, GraphQLInputType, TextLimit | None, str]] = dataclass_field(
        default_factory=list
    )


class _Plans:
    """The plan of each operation, made once per parsed operation: Strawberry's parser cache hands
    out the same node for the same document text, so a page asked for again is not walked again
    (walking and coercing every argument on every request cost several times the check itself).
    Entries go when their node does."""

    def __init__(self) -> None:
        self._plans: dict[tuple[int, int], tuple[weakref.ref[OperationDefinitionNode], list[_FieldPlan]]] = {}

    def of(
        self,
        rules: TextRules,
        gql: GraphQLSchema,
        operation: OperationDefinitionNode,
        fragments: dict[str, FragmentDefinitionNode],
    ) -> list[_FieldPlan]:
        key = (id(operation), id(gql))
        entry = self._plans.get(key)
        if entry is not None and entry[0]() is operation:
            return entry[1]
        plans: list[_FieldPlan] = []
        _Planner(rules, gql, fragments, plans).selections(
            operation.selection_set, gql.get_root_type(operation.operation)
        )
        self._plans[key] = (weakref.ref(operation, lambda _: self._plans.pop(key, None)), plans)
        return plans


_PLANS = _Plans()


class _Planner:
    """Walks an operation (through its fragments) to every field with text in its arguments."""

    def __init__(
        self,
        rules: TextRules,
        gql: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        plans: list[_FieldPlan],
    ) -> None:
        self.rules, self.gql, self.fragments, self.plans = rules, gql, fragments, plans
        self.seen: set[str] = set()

    def selections(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None) -> None:
        if selection_set is None or parent is None:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.gql.get_type(condition.name.value) if condition else parent
                self.selections(selection.selection_set, target)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in self.seen:
                self.seen.add(selection.name.value)
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    target = self.gql.get_type(fragment.type_condition.name.value)
                    self.selections(fragment.selection_set, target)

    def field(self, node: FieldNode, parent: GraphQLNamedType) -> None:
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return
        definition = parent.fields.get(node.name.value)
        if definition is None:  # __typename and the introspection fields
            return
        if node.arguments:
            limits = self.rules.arguments.get((parent.name, node.name.value), {})
            plan = _FieldPlan(node)
            for argument in node.arguments:
                name = argument.name.value
                if name in definition.args:
                    self.value(argument.value, definition.args[name].type, limits.get(name), name, plan)
            if plan.literal_problems or plan.variables:
                self.plans.append(plan)
        self.selections(node.selection_set, get_named_type(definition.type))

    def value(
        self, node: ValueNode, type_: GraphQLInputType, limit: TextLimit | None, path: str, plan: _FieldPlan
    ) -> None:
        if isinstance(node, VariableNode):
            plan.variables.append((node.name.value, type_, limit, path))
            return
        if isinstance(type_, GraphQLNonNull):
            type_ = type_.of_type
        if isinstance(type_, GraphQLList):
            items = node.values if isinstance(node, ListValueNode) else (node,)  # one value is a list of one
            for index, item in enumerate(items):
                self.value(item, type_.of_type, limit, f"{path}.{index}", plan)
        elif isinstance(type_, GraphQLInputObjectType) and isinstance(node, ObjectValueNode):
            limits = self.rules.input_fields.get(type_.name, {})
            for field in node.fields:
                name = field.name.value
                if name in type_.fields:
                    self.value(field.value, type_.fields[name].type, limits.get(name), f"{path}.{name}", plan)
        elif (
            limit is not None and isinstance(node, StringValueNode) and (problem := limit.problem(node.value))
        ):
            plan.literal_problems.append(FieldProblem(path, problem))


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
