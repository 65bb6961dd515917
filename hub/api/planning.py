"""The one way queries and mutations are answered: a validated operation becomes a plan
(graph/planner.py) and each read is one Cypher statement whose result is the response.

Strawberry parses and validates (with every limit of the schema: tokens, depth, aliases,
introspection in production), costs and rate-limits the operation (hub/limits.py); then
`PlannedOperations.on_execute` sets the result itself, so Strawberry runs no resolver:

1. the variables are coerced (graphql-core; a bad variable is its usual error);
2. the plan is found in the cache, by the document, the operation's name and the *shape* of the
   variables (which are null, and the values of booleans and enums: what a statement's text may
   depend on), or made: fragments, `@include`/`@skip`, aliases and `__typename` resolved into a
   selection (graph/selection.py) and compiled; the plan knows types and fields, not documents;
3. each root field is authorised (hub/api/authz.py), its arguments read (a refused argument
   nulls its root field, with the error);
4. a query is one statement for all its root fields; a mutation runs its root fields in turn,
   each its write (a one-statement write returns its result selection in the same statement,
   the others are read in one more), then the values finished in Python (graph/in_python.py);
5. a caller taken from the cache (hub/auth/callers.py) is read again in that statement: if the
   graph no longer says the same, the answer is dropped (a checked write has written nothing)
   and the operation runs again for the caller as the graph now has them.

Types declare their graph mapping beside them (`@maps`), root fields theirs (`@roots`),
mutations their write (`@writes`); `Registry` checks that every object type the API can reach
has one. Subscriptions are executed by Strawberry (hub/api/live.py); the objects they yield are
plain Python, and a field of theirs that reaches into the graph (`Activity.actor`) is answered
here, per event, by the same planner (`PlannedOperations.resolve`).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, LiteralString, cast

import strawberry
from graphql import (
    BooleanValueNode,
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    execute,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    located_error,
    parse,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension
from strawberry.types import get_object_definition

from graph import identity, model, planner
from graph.access import Viewer
from graph.errors import DomainError
from graph.planner import Plan, Projection
from graph.selection import Selection
from hub.api.authz import authorize
from hub.api.context import Context

Args = Mapping[str, Any]
_INTROSPECTION = frozenset({"__schema", "__type"})


# --- declarations beside the types --------------------------------------------------------------

_MAPPED = "__graph_mapping__"
_CLASSES: dict[str, type] = {}  # the Strawberry class of each mapped type, by its GraphQL name
_ROOTS = "__graph_roots__"
_WRITES = "__graph_writes__"


def maps(mapping: model.ObjectMap) -> Callable[[type], type]:
    """Declare the graph mapping of a Strawberry object type (above `@strawberry.type`); the
    mapping bears the type's name, as the planner finds it by the type's name."""

    def declare(cls: type) -> type:
        definition = get_object_definition(cls, strict=True)
        if mapping.name != definition.name:
            raise ValueError(f"{definition.name} declares the mapping of {mapping.name}")
        setattr(cls, _MAPPED, mapping)
        _CLASSES[definition.name] = cls
        return cls

    return declare


def roots(**fields: model.Field) -> Callable[[type], type]:
    """Declare the graph mappings of a query class's root fields, by their API names."""

    def declare(cls: type) -> type:
        setattr(cls, _ROOTS, fields)
        return cls

    return declare


@dataclass(frozen=True)
class Ref:
    """An entity in a value computed in Python (a mutation's payload): the planner reads the
    fields selected on it. `trusted`: the writer's own result, not checked against its rule."""

    type_name: str
    id: str
    trusted: bool = False


@dataclass(frozen=True)
class Returning:
    """What a mutation's result is: its type, and its selection compiled for the write's own
    statement (`projection`, on the written node), for writes that can append it."""

    type_name: str
    projection: Projection


def projection_of(returning: Returning | None) -> Projection | None:
    return None if returning is None else returning.projection


Run = Callable[[Context, Args, Returning | None], Awaitable[Any]]


@dataclass(frozen=True)
class Write:
    """A mutation: `run(context, args, returning)` validates and makes the change, returning
    the written record (its entity is then read with the selection), a value with `Ref`s, or,
    when `projected`, the result selection as its own statement returned it. `confirms_caller`:
    the write reads the caller again itself (graph/checked_writes.py)."""

    run: Run
    projected: bool = False
    confirms_caller: bool = False


def writes(**fields: Write) -> Callable[[type], type]:
    """Declare the writes of a mutation class's root fields, by their API names."""

    def declare(cls: type) -> type:
        setattr(cls, _WRITES, fields)
        return cls

    return declare


def answered_by_planner() -> Any:
    """The body of a field declared only for its arguments: the planner answers it, never this."""
    raise AssertionError("answered by the planner (hub/api/planning.py), not by a resolver")


# --- the registry --------------------------------------------------------------------------------


class Registry:
    """The root fields' mappings and writes, and the check that every object type the API can
    reach is mapped."""

    def __init__(self, query: Iterable[type], mutation: Iterable[type]) -> None:
        self.roots: dict[str, model.Field] = {}
        for cls in query:
            self.roots.update(getattr(cls, _ROOTS, {}))
        self.writes: dict[str, Write] = {}
        for cls in mutation:
            self.writes.update(getattr(cls, _WRITES, {}))

    def check(self, schema: GraphQLSchema) -> None:
        """Every query field has a mapping, every mutation a write, and every object type they
        reach a mapping (connections, edges and page info are the planner's own; what a root
        computed in Python holds is projected in Python)."""
        query, mutation = schema.query_type, schema.mutation_type
        assert query is not None and mutation is not None
        missing = [f"Query.{name}" for name in query.fields if name not in self.roots]
        missing += [f"Mutation.{name}" for name in mutation.fields if name not in self.writes]
        seen: set[str] = set()
        pending = [
            get_named_type(f.type)
            for t in (query, mutation)
            for name, f in t.fields.items()
            if not isinstance(self.roots.get(name), model.Computed)
        ]
        while pending:
            named = pending.pop()
            if named.name in seen or is_leaf_type(named):
                continue
            seen.add(named.name)
            if is_abstract_type(named):
                pending.extend(schema.get_possible_types(named))
                continue
            assert isinstance(named, GraphQLObjectType)
            if not _structural(named.name) and named.name not in model.MAPPINGS:
                missing.append(named.name)
            pending.extend(get_named_type(f.type) for f in named.fields.values())
        if missing:
            raise ValueError("no graph mapping for " + ", ".join(sorted(missing)))


def _structural(name: str) -> bool:
    return name.endswith(("Connection", "Edge")) or name == "PageInfo"


# --- selections from an operation ------------------------------------------------------------------


def _included(node: SelectionNode, variables: Mapping[str, Any]) -> bool:
    """`@skip(if:)` and `@include(if:)`, with the operation's variables."""
    for directive in node.directives or ():
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        argument = next(a.value for a in directive.arguments or () if a.name.value == "if")
        value = (
            variables.get(argument.name.value)
            if isinstance(argument, VariableNode)
            else isinstance(argument, BooleanValueNode) and argument.value
        )
        if (name == "skip" and value) or (name == "include" and not value):
            return False
    return True


class _Selector:
    """Builds the selection of an operation: fields merged by response key for each concrete
    type (the spec's CollectFields), and the fields with arguments numbered as sites."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.sites: list[tuple[GraphQLField, FieldNode]] = []

    def collect(
        self, runtime: GraphQLObjectType, sets: Iterable[SelectionSetNode]
    ) -> dict[str, list[FieldNode]]:
        fields: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()

        def visit(selection_set: SelectionSetNode) -> None:
            for node in selection_set.selections:
                if not _included(node, self.variables):
                    continue
                if isinstance(node, FieldNode):
                    fields.setdefault(node.alias.value if node.alias else node.name.value, []).append(node)
                elif isinstance(node, InlineFragmentNode):
                    if node.type_condition is None or self.matches(node.type_condition.name.value, runtime):
                        visit(node.selection_set)
                elif isinstance(node, FragmentSpreadNode) and node.name.value not in visited:
                    visited.add(node.name.value)
                    fragment = self.fragments.get(node.name.value)
                    if fragment is not None and self.matches(fragment.type_condition.name.value, runtime):
                        visit(fragment.selection_set)

        for selection_set in sets:
            visit(selection_set)
        return fields

    def matches(self, type_name: str, runtime: GraphQLObjectType) -> bool:
        condition = self.schema.get_type(type_name)
        return condition is runtime or (
            condition is not None
            and is_abstract_type(condition)
            and self.schema.is_sub_type(condition, runtime)
        )

    def fields(self, runtime: GraphQLObjectType, sets: Iterable[SelectionSetNode]) -> tuple[Selection, ...]:
        return tuple(self.field(runtime, key, nodes) for key, nodes in self.collect(runtime, sets).items())

    def field(self, parent: GraphQLObjectType, key: str, nodes: list[FieldNode]) -> Selection:
        node = nodes[0]
        name = node.name.value
        if name == "__typename":
            return Selection(key, name, type_name=parent.name)
        definition = parent.fields[name]
        site = None
        if definition.args:
            site = len(self.sites)
            self.sites.append((definition, node))
        named = get_named_type(definition.type)
        sets = [n.selection_set for n in nodes if n.selection_set is not None]
        if is_leaf_type(named):
            return Selection(key, name, scalar=named.name, many=_is_list(definition.type), site=site)
        if isinstance(named, GraphQLObjectType):
            return Selection(key, name, fields=self.fields(named, sets), type_name=named.name, site=site)
        by_type = {t.name: self.fields(t, sets) for t in self.schema.get_possible_types(named)}
        return Selection(key, name, by_type=by_type, type_name=named.name, site=site)


def _is_list(kind: GraphQLOutputType) -> bool:
    return isinstance(kind.of_type if isinstance(kind, GraphQLNonNull) else kind, GraphQLList)


def _nullable(kind: GraphQLOutputType) -> bool:
    return not isinstance(kind, GraphQLNonNull)


# --- plans ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Root:
    key: str
    name: str
    node: FieldNode
    definition: GraphQLField
    selection: Selection


@dataclass
class OperationPlan:
    """An operation's root fields and their selection, and the statements compiled for them
    (by the roots left out: a refused root field is not in its statement)."""

    kind: OperationType
    roots: tuple[Root, ...]
    sites: tuple[tuple[GraphQLField, FieldNode], ...]
    introspection: OperationDefinitionNode | None
    reads: dict[frozenset[str], Plan | None] = field(default_factory=dict)
    results: dict[str, Projection | None] = field(default_factory=dict)


def _shape(value: Any) -> Any:
    """What a statement's text may depend on in a variable: null or not, booleans and enums."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return tuple(sorted((k, _shape(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("[]",)
    return ""


PLANS = 512  # plans kept (least recently used out first), as Strawberry's parser cache


class Plans:
    def __init__(self, size: int = PLANS) -> None:
        self.size = size
        self._plans: OrderedDict[tuple[Any, ...], OperationPlan] = OrderedDict()

    def get(self, key: tuple[Any, ...], make: Callable[[], OperationPlan]) -> OperationPlan:
        found = self._plans.get(key)
        if found is None:
            found = self._plans[key] = make()
            while len(self._plans) > self.size:
                self._plans.popitem(last=False)
        else:
            self._plans.move_to_end(key)
        return found

    def __len__(self) -> int:
        return len(self._plans)


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0]  # Strawberry has refused an ambiguous document before execution
    return next(o for o in operations if o.name is not None and o.name.value == name)


def _plan(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: VariableValues,
) -> OperationPlan:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    selector = _Selector(schema, fragments, variables.coerced)
    root_type = schema.mutation_type if operation.operation is OperationType.MUTATION else schema.query_type
    assert root_type is not None
    roots, introspection = [], []
    for key, nodes in selector.collect(root_type, [operation.selection_set]).items():
        name = nodes[0].name.value
        if name in _INTROSPECTION:
            introspection.extend(nodes)
            continue
        selection = selector.field(root_type, key, nodes)
        definition = root_type.fields.get(name)
        roots.append(Root(key, name, nodes[0], definition, selection))
    return OperationPlan(
        operation.operation,
        tuple(roots),
        tuple(selector.sites),
        OperationDefinitionNode(
            operation=operation.operation,
            name=operation.name,
            variable_definitions=operation.variable_definitions,
            directives=(),
            selection_set=SelectionSetNode(selections=tuple(introspection)),
        )
        if introspection
        else None,
    )


# --- execution -----------------------------------------------------------------------------------


class _Failed(Exception):
    """A root field failed: its value is null, with this error."""

    def __init__(self, error: GraphQLError) -> None:
        self.error = error


def _located(error: Exception, root: Root, path: Sequence[str | int] = ()) -> GraphQLError:
    return located_error(error, [root.node], [root.key, *path])


class Execution:
    """One operation for one request."""

    def __init__(
        self,
        schema: GraphQLSchema,
        registry: Registry,
        plan: OperationPlan,
        variables: VariableValues,
        context: Context,
    ) -> None:
        self.schema = schema
        self.registry = registry
        self.plan = plan
        self.variables = variables
        self.context = context
        self._args: dict[int, Args] = {}

    def args_at(self, site: int) -> Args:
        if site not in self._args:
            definition, node = self.plan.sites[site]
            self._args[site] = get_argument_values(definition, node, self.variables)
        return self._args[site]

    def root_args(self, root: Root) -> Args:
        return self.args_at(root.selection.site) if root.selection.site is not None else {}

    async def run(self) -> ExecutionResult:
        for _ in range(2):  # a second time only when the caller changed meanwhile
            try:
                if self.plan.kind is OperationType.MUTATION:
                    return await self.mutate()
                return await self.query()
            except identity.CallerChanged:
                await self.refresh_caller()
        raise identity.CallerChanged()

    async def refresh_caller(self) -> None:
        context = self.context
        if context.refresh_viewer is None:
            raise identity.CallerChanged()
        context.viewer = await context.refresh_viewer()
        context.caller_confirmed = True
        self._args.clear()

    async def authorize(self, operation: str, root: Root) -> None:
        """The root field's rule (hub/api/authz.py). A refusal for a caller taken from the cache
        stands only once the caller is looked up afresh: the cache may say less than the graph."""
        try:
            await authorize(self.context, operation, root.name, dict(self.root_args(root)))
        except DomainError:
            if self.context.caller_confirmed:
                raise
            await self.refresh_caller()
            await authorize(self.context, operation, root.name, dict(self.root_args(root)))

    @property
    def params(self) -> dict[str, Any]:
        viewer = self.context.viewer
        return {
            **viewer.params(),
            "viewerEmail": viewer.email,
            "viewerRoles": sorted(viewer.roles),
            **identity.caller_params(viewer),
        }

    # --- queries ---

    async def query(self) -> ExecutionResult:
        data: dict[str, Any] = {}
        errors: list[GraphQLError] = []
        allowed: list[Root] = []
        for root in self.plan.roots:
            if root.name == "__typename":
                continue
            try:
                await self.authorize("query", root)
                allowed.append(root)
            except DomainError as error:
                errors.append(_located(error, root))
        values, failed = await self.read(allowed)
        errors.extend(failed.values())
        for root in self.plan.roots:
            data[root.key] = "Query" if root.name == "__typename" else values.get(root.key)
        return await self.finish(data, errors)

    async def read(self, roots: list[Root]) -> tuple[dict[str, Any], dict[str, GraphQLError]]:
        """The values of these root fields, in one statement, and the roots that failed."""
        failed: dict[str, GraphQLError] = {}
        left_out = frozenset(r.key for r in self.plan.roots if r not in roots)
        while True:
            planned = [r for r in roots if r.key not in failed]
            if not planned:
                return {}, failed
            plan = self.compiled(planned, left_out | frozenset(failed))
            params, refused = plan.parameters(
                self.args_at, self.context.viewer, self.context.settings.max_page_size
            )
            refused = {**plan.refused, **refused}
            if not refused:
                break
            for key, error in refused.items():
                failed[key] = _located(error, next(r for r in planned if r.key == key))
        await self.context.graph.settled()  # this process's writes' activity is numbered, so shown
        rows = await self.context.graph.read_values(plan.text, **params, **self.params)
        row = rows[0]
        if not self.context.caller_confirmed:
            identity.confirm_caller(self.context.viewer, row["caller"])
            self.context.caller_confirmed = True
        values = {key: row[column] for key, column in plan.columns.items()}
        for check in plan.checks:
            try:
                check.check(row[check.column])
            except DomainError as error:
                values[check.root] = None
                failed[check.root] = _located(error, next(r for r in planned if r.key == check.root))
        for step in plan.finishes:
            try:
                planner.finish(values, [step])
            except DomainError as error:
                root = next(r for r in planned if r.key == step.path[0])
                values[root.key] = None
                failed[root.key] = _located(error, root, step.path[1:])
        return values, failed

    def compiled(self, roots: list[Root], left_out: frozenset[str]) -> Plan:
        """The statement for these roots: cached per plan unless an argument was refused."""
        cached = self.plan.reads.get(left_out)
        if cached is not None:
            return cached
        plan = planner.compile_read(
            [(self.registry.roots[r.name], r.selection) for r in roots],
            self.args_at,
            self.context.viewer,
            self.context.settings.max_page_size,
            caller=identity.CALLER,
        )
        if not plan.refused:
            self.plan.reads[left_out] = plan
        return plan

    async def finish(self, data: dict[str, Any], errors: list[GraphQLError]) -> ExecutionResult:
        """The result, with `__schema` and `__type` answered beside the planned root fields."""
        if self.plan.introspection is not None:
            introspected = await self.introspect()
            errors.extend(introspected.errors or [])
            if introspected.data is None:  # `__schema` (never null) failed
                return ExecutionResult(data=None, errors=errors)
            data.update(introspected.data)
        return self.result(data, errors)

    async def introspect(self) -> ExecutionResult:
        """`__schema` and `__type`: graphql-core answers them from the schema itself, for a caller
        the rule of queries allows."""
        assert self.plan.introspection is not None
        refused = await _introspection_refused(self.context, self.plan.introspection.selection_set.selections)
        if refused is not None:
            return refused
        document = DocumentNode(definitions=(self.plan.introspection,))
        result = execute(self.schema, document, variable_values=dict(self.variables.coerced))
        assert not isinstance(result, Awaitable)
        return cast(ExecutionResult, result)

    def result(self, data: dict[str, Any], errors: list[GraphQLError]) -> ExecutionResult:
        # A failed root field whose type forbids null makes the whole `data` null.
        for error in errors:
            key = error.path[0] if error.path else None
            root = next((r for r in self.plan.roots if r.key == key), None)
            if root is not None and not _nullable(root.definition.type):
                return ExecutionResult(data=None, errors=errors)
        return ExecutionResult(data=data, errors=errors or None)

    # --- mutations ---

    async def mutate(self) -> ExecutionResult:
        writes = [r for r in self.plan.roots if r.name != "__typename"]
        if not self.context.caller_confirmed and (
            len(writes) > 1 or not all(self.registry.writes[r.name].confirms_caller for r in writes)
        ):
            # A write that does not read its caller again, or several writes (a later one must not
            # find the caller changed after an earlier one wrote): a fresh caller first.
            await self.refresh_caller()
        data: dict[str, Any] = {}
        errors: list[GraphQLError] = []
        for root in self.plan.roots:
            if root.name == "__typename":
                data[root.key] = "Mutation"
                continue
            try:
                data[root.key] = await self.mutate_one(root)
            except _Failed as failure:
                errors.append(failure.error)
                return self.result(data | {root.key: None}, errors)
        return await self.finish(data, errors)

    async def mutate_one(self, root: Root) -> Any:
        args = self.root_args(root)
        try:
            await self.authorize("mutation", root)
        except DomainError as error:
            raise _Failed(_located(error, root)) from error
        write = self.registry.writes[root.name]
        type_name = get_named_type(root.definition.type).name
        try:
            returning = Returning(type_name, self.projection(root, type_name)) if write.projected else None
        except DomainError as error:
            raise _Failed(_located(error, root)) from error
        try:
            written = await write.run(self.context, args, returning)
        except identity.CallerChanged:
            raise
        except DomainError as error:
            raise _Failed(_located(error, root)) from error
        if returning is not None:
            selected = {root.key: written}
            planner.finish(selected, returning.projection.finishes)
            return selected[root.key]
        value = Ref(type_name, written["id"], trusted=True) if _is_record(written) else written
        return await self.resolve_refs(root, value, root.selection)

    def projection(self, root: Root, type_name: str) -> Projection:
        """The mutation's result selection on the written node (`writtenNode`), for its statement."""
        if root.key not in self.plan.results:
            self.plan.results[root.key] = planner.compile_projection(
                type_name,
                "writtenNode",
                root.selection,
                self.args_at,
                self.context.viewer,
                self.context.settings.max_page_size,
            )
        projection = self.plan.results[root.key]
        assert projection is not None
        if projection.sites:  # arguments below the result: their parameters for this request
            params, refused = Plan(projection.text, {}, projection.sites).parameters(
                self.args_at, self.context.viewer, self.context.settings.max_page_size
            )
            if refused:
                raise _Failed(_located(next(iter(refused.values())), root))
            projection = Projection(
                projection.label, projection.text, projection.sites, projection.finishes, params
            )
        return projection

    async def resolve_refs(self, root: Root, value: Any, selection: Selection) -> Any:
        """A value with `Ref`s as the selection shows it: the refs' entities read in one statement."""
        refs: list[tuple[Ref, Selection]] = []

        def walk(item: Any, selected: Selection) -> Any:
            if isinstance(item, Ref):
                refs.append((item, selected))
                return item
            if isinstance(item, list):
                return [walk(i, selected) for i in item]
            if isinstance(item, Mapping):
                return {
                    s.key: s.type_name if s.name == "__typename" else walk(item.get(s.name), s)
                    for s in selected.fields
                }
            return planner.project(item, ())

        shaped = walk(value, selection)
        if not refs:
            return shaped
        read = [
            (
                model.Reach(
                    "MATCH ({n}:" + ("Entity" if ref.trusted else ref.type_name) + " {id: $id})",
                    ref.type_name,
                    "n",
                    many=False,
                    args=lambda asked: model.Narrowing(params={"id": asked.args["id"]}),
                ),
                Selection(f"ref{i}", "ref", s.fields, s.type_name, s.by_type, site=i),
            )
            for i, (ref, s) in enumerate(refs)
        ]
        ids = [{"id": ref.id} for ref, _ in refs]
        plan = planner.compile_read(
            read, ids.__getitem__, self.context.viewer, self.context.settings.max_page_size
        )
        params, refused = plan.parameters(
            ids.__getitem__, self.context.viewer, self.context.settings.max_page_size
        )
        if refused:
            raise _Failed(_located(next(iter(refused.values())), root))
        row = (await self.context.graph.read_values(plan.text, **params, **self.params))[0]
        found = {key: row[column] for key, column in plan.columns.items()}
        planner.finish(found, plan.finishes)
        answers = iter(found[f"ref{i}"] for i in range(len(refs)))

        def fill(item: Any) -> Any:
            if isinstance(item, Ref):
                return next(answers)
            if isinstance(item, list):
                return [fill(i) for i in item]
            if isinstance(item, dict):
                return {k: fill(v) for k, v in item.items()}
            return item

        return fill(shaped)


async def _introspection_refused(
    context: Context, selections: Iterable[SelectionNode]
) -> ExecutionResult | None:
    """None when the caller may introspect (`__schema`, `__type`: the rule of every query but `me`,
    hub/api/authz.py), else the refusal: each such field null with its error (and the whole `data`
    null for `__schema`, which never is)."""
    data: dict[str, Any] | None = {}
    errors: list[GraphQLError] = []
    for node in selections:
        if not isinstance(node, FieldNode) or node.name.value not in _INTROSPECTION:
            continue
        key = node.alias.value if node.alias else node.name.value
        try:
            await authorize(context, "query", node.name.value, {})
        except DomainError as error:
            errors.append(located_error(error, [node], [key]))
            data = None if data is None or node.name.value == "__schema" else {**data, key: None}
    return ExecutionResult(data=data, errors=errors) if errors else None


def _is_record(value: Any) -> bool:
    return (
        isinstance(value, Mapping) and "id" in value and not any(isinstance(v, Ref) for v in value.values())
    )


# --- the extension ---------------------------------------------------------------------------------


class PlannedOperations(SchemaExtension):
    """Answers every query and mutation with the planner once Strawberry has parsed, validated,
    costed and rate-limited it (it is the last extension); subscriptions pass through."""

    plans = Plans()
    registry: Registry | None = None

    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        if (
            ctx.result is None
            and not ctx.pre_execution_errors
            and ctx.graphql_document is not None
            and ctx.operation_type.value != "subscription"
        ):
            ctx.result = await self.answer()
        yield

    async def answer(self) -> ExecutionResult:
        ctx = self.execution_context
        assert ctx.graphql_document is not None and self.registry is not None
        schema = graphql_schema(ctx.schema)
        operation = _operation(ctx.graphql_document, ctx.operation_name)
        variables = get_variable_values(schema, operation.variable_definitions or (), ctx.variables or {})
        if isinstance(variables, list):  # as graphql-core reports variables that do not coerce
            return ExecutionResult(data=None, errors=variables)
        if not any(
            isinstance(s, FieldNode) and s.name.value not in _INTROSPECTION
            for s in operation.selection_set.selections
        ) and all(isinstance(s, FieldNode) for s in operation.selection_set.selections):
            # Introspection only (GraphiQL): graphql-core answers from the schema.
            refused = await _introspection_refused(ctx.context, operation.selection_set.selections)
            if refused is not None:
                return refused
            result = execute(
                schema, ctx.graphql_document, variable_values=ctx.variables, operation_name=ctx.operation_name
            )
            return cast(ExecutionResult, await result if asyncio.iscoroutine(result) else result)
        key = (
            id(schema),  # a plan holds the schema's own field definitions
            ctx.query,
            ctx.operation_name,
            tuple(sorted((k, _shape(v)) for k, v in variables.coerced.items())),
        )
        document = ctx.graphql_document
        plan = self.plans.get(key, lambda: _plan(schema, document, operation, variables))
        return await Execution(schema, self.registry, plan, variables, ctx.context).run()

    def resolve(
        self, _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo, *args: Any, **kwargs: Any
    ) -> Any:
        """Subscriptions: a value the planner made serves its fields by response key; a field of
        a Python object that reaches into the graph is planned from the object's id."""
        if type(root) is dict or type(root) is _Planned:
            return root.get(str(info.path.key))  # a field's response key
        mapping = model.MAPPINGS.get(info.parent_type.name)
        if mapping is not None and mapping.label is not None and info.field_name in mapping.fields:
            field_map = mapping.fields[info.field_name]
            if isinstance(field_map, model.Reach | model.Connection | model.Embed | model.Node):
                return _from_object(mapping, root, info)
        return _next(root, info, *args, **kwargs)


async def _from_object(mapping: model.ObjectMap, root: Any, info: GraphQLResolveInfo) -> Any:
    """One field of an entity held as a Python object (a subscription's event), planned from its
    id: one statement for the field and all it selects."""
    context: Context = info.context
    # Strawberry gives resolvers the coerced variables as a dict; graphql-core's own info gives
    # its VariableValues, which get_argument_values takes (its sources matter only to fragments').
    variables = info.variable_values
    if not isinstance(variables, VariableValues):
        variables = VariableValues({}, dict(variables))
    selector = _Selector(info.schema, {k: v for k, v in info.fragments.items()}, variables.coerced)
    parent = info.parent_type
    field_selection = selector.field(parent, str(info.path.key), list(info.field_nodes))

    def args_at(site: int) -> Args:
        definition, node = selector.sites[site]
        return get_argument_values(definition, node, variables)

    reach = model.Reach(
        "MATCH ({n}:" + cast(LiteralString, mapping.label) + " {id: $id})",
        mapping.name,
        "n",
        many=False,
        args=lambda asked: model.Narrowing(params={"id": asked.args["id"]}),
    )
    sites = len(selector.sites)
    wrapper = Selection("entity", "entity", (field_selection,), mapping.name, site=sites)

    def all_args(site: int) -> Args:
        return {"id": root.id} if site == sites else args_at(site)

    plan = planner.compile_read(
        [(reach, wrapper)], all_args, context.viewer, context.settings.max_page_size, formats=False
    )
    params, refused = plan.parameters(all_args, context.viewer, context.settings.max_page_size)
    if refused or plan.refused:
        raise next(iter({**plan.refused, **refused}.values()))
    await context.graph.settled()
    viewer = context.viewer
    rows = await context.graph.read(
        plan.text, **params, **viewer.params(), viewerEmail=viewer.email, viewerRoles=sorted(viewer.roles)
    )
    found = {"entity": rows[0][plan.columns["entity"]]}
    planner.finish(found, plan.finishes)
    entity = found["entity"]
    return None if entity is None else _typed(entity.get(info.path.key), field_selection)


class _Planned(dict[str, Any]):
    """An object the planner read for a field of an event, by response key, cast to its type."""


def _typed(value: Any, selection: Selection) -> Any:
    """A planned value as graphql-core completes it: each object cast to its Strawberry type
    (`strawberry.cast`), as graphql-core asks the type's `is_type_of`, which Strawberry answers
    for instances of its classes and objects cast to them. An object of an interface or a union
    is cast by its `__typename`, when the selection asks for it."""
    if isinstance(value, list):
        return [_typed(item, selection) for item in value]
    if type(value) is not dict:
        return value
    type_name, fields = selection.type_name, selection.fields
    if selection.by_type is not None:
        named = next((s.key for f in selection.by_type.values() for s in f if s.name == "__typename"), None)
        type_name = value.get(named) if named else None
        fields = selection.by_type.get(type_name or "", ())
    planned = _Planned(value)
    for field_selection in fields:
        if field_selection.key in planned:
            planned[field_selection.key] = _typed(planned[field_selection.key], field_selection)
    cls = _CLASSES.get(type_name or "")
    return planned if cls is None else strawberry.cast(cls, planned)


def graphql_schema(schema: strawberry.Schema) -> GraphQLSchema:
    """The graphql-core schema Strawberry built: Strawberry keeps it as `_schema` (its own
    extensions read it there too, e.g. ValidationCache)."""
    return cast(GraphQLSchema, schema._schema)


def read_statement(
    schema: strawberry.Schema,
    document: str,
    variables: Mapping[str, Any] | None,
    viewer: Viewer,
    max_page_size: int,
) -> tuple[Plan, dict[str, Any]]:
    """The one statement a query document compiles to for these variables, and its parameters
    (the viewer's included): what the hub sends for it, without the caller's re-read. For the
    benchmark's raw-Cypher floor and the planner's tests."""
    core = graphql_schema(schema)
    parsed = parse(document)
    operation = _operation(parsed, None)
    coerced = get_variable_values(core, operation.variable_definitions or (), dict(variables or {}))
    if isinstance(coerced, list):
        raise ValueError(coerced)
    plan = _plan(core, parsed, operation, coerced)

    def args_at(site: int) -> Args:
        definition, node = plan.sites[site]
        return get_argument_values(definition, node, coerced)

    assert PlannedOperations.registry is not None
    roots = [(PlannedOperations.registry.roots[r.name], r.selection) for r in plan.roots]
    read = planner.compile_read(roots, args_at, viewer, max_page_size)
    params, refused = read.parameters(args_at, viewer, max_page_size)
    if refused or read.refused:
        raise next(iter({**read.refused, **refused}.values()))
    return read, {
        **params,
        **viewer.params(),
        "viewerEmail": viewer.email,
        "viewerRoles": sorted(viewer.roles),
    }
