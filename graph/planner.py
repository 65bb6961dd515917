"""The planner: a client's selection compiles to one Cypher statement whose result is the response.

Given the root fields an operation selects (their mappings, graph/model.py, and what is selected
under them, graph/selection.py), `compile_read` writes one statement: each root field is one
column, built of map projections with `COLLECT {}` and `COUNT {}` subqueries for the fields that
reach further, each nested field within its parent's row. The statement's row is the response's
`data` as the driver decodes it, up to the few values finished in Python (graph/in_python.py).

- Variables get fresh names (`v1`, `v2` ...); templates name them `{name}` (graph/model.py).
- Arguments are parameters: each field with arguments is a *site* whose parameters are read
  from that request's arguments and renamed `$s<site>_<name>`; what the statement's text depends
  on (which arguments are given, booleans and enums) is part of the plan's key (the hub's cache).
- Visibility: every node a pattern labels with a protected entity gets the entity's rule.
- Response keys (aliases) are map keys in backquotes; GraphQL names cannot hold one.
- Connections are keyset-paged: ordered by their keys and the id, continued after the cursor's
  values; `totalCount` is a `COUNT {}` only when selected.

The statement depends only on the mappings and the selection, never on a particular document:
tests/test_planner.py pairs selections with the Cypher they compile to, rule by rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, LiteralString, cast

from graph import pagination
from graph.access import Viewer
from graph.errors import DomainError
from graph.model import (
    MAPPINGS,
    Asked,
    Computed,
    Connection,
    Embed,
    Field,
    Key,
    Narrowing,
    Node,
    ObjectMap,
    Page,
    Reach,
    Value,
)
from graph.scalars import CYPHER_FORMAT, python_text
from graph.selection import Selection

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
# A node variable with a label in a pattern: `({name}:Label`.
_LABELLED = re.compile(r"\(\{([A-Za-z_][A-Za-z0-9_]*)\}:([A-Za-z_][A-Za-z0-9_]*)")
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")

Path = tuple[str, ...]  # response keys from the root, "*" for every element of a list


@dataclass(frozen=True)
class Finish:
    """A value finished in Python after the read, at `path` in the response."""

    path: Path
    apply: Callable[[Any], Any]


@dataclass(frozen=True)
class Site:
    """A field with arguments: its parameters come from `read(asked)` for that request."""

    index: int
    prefix: str
    read: Callable[[Asked], Narrowing | Page]
    root: str


@dataclass(frozen=True)
class Check:
    """A root analysis' facts (column `column`) and the rules that explain a refusal."""

    root: str
    column: str
    check: Callable[[Mapping[str, Any]], None]


@dataclass(frozen=True)
class Plan:
    """A compiled statement: `columns` maps each root's response key to its column."""

    text: LiteralString
    columns: Mapping[str, str]
    sites: tuple[Site, ...] = ()
    finishes: tuple[Finish, ...] = ()
    checks: tuple[Check, ...] = ()
    # Roots left out because their arguments were refused while compiling (such a plan is
    # for this request only).
    refused: Mapping[str, DomainError] = field(default_factory=dict)

    def parameters(
        self, args_at: Callable[[int], Mapping[str, Any]], viewer: Viewer, max_page_size: int
    ) -> tuple[dict[str, Any], dict[str, DomainError]]:
        """The statement's parameters for a request, and the roots whose arguments were refused
        (each with its error): the statement must not run with those roots in it."""
        params: dict[str, Any] = {}
        refused: dict[str, DomainError] = {}
        for site in self.sites:
            if site.root in refused:
                continue
            try:
                asked = Asked(_arguments(args_at, site.index), viewer, max_page_size)
                params.update(_site_params(site, site.read(asked)))
            except DomainError as error:
                refused[site.root] = error
        return params, refused


NO_ARGUMENTS = -1  # the site of a field that takes no GraphQL arguments


def _arguments(args_at: Callable[[int], Mapping[str, Any]], index: int) -> Mapping[str, Any]:
    return {} if index == NO_ARGUMENTS else args_at(index)


def _site_params(site: Site, read: Narrowing | Page) -> dict[str, Any]:
    values = dict(read.params)
    if isinstance(read, Page):
        values["first"] = read.first
        for i, value in enumerate(read.after or ()):
            values[f"c{i}"] = value
    return {site.prefix + name: plain(value) for name, value in values.items()}


def plain(value: Any) -> Any:
    """Arguments as the driver takes them: enums as their values, through lists and maps."""
    if isinstance(value, str):
        return str(value)  # a StrEnum member is a str: its plain value
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    return value


class _Compiler:
    def __init__(
        self,
        args_at: Callable[[int], Mapping[str, Any]],
        viewer: Viewer,
        max_page_size: int,
        *,
        formats: bool = True,
    ):
        self.args_at = args_at
        self.viewer = viewer
        self.max_page_size = max_page_size
        self.formats = formats
        self.count = 0
        self.sites: list[Site] = []
        self.finishes: list[Finish] = []
        self.root = ""

    # --- names ----------------------------------------------------------------------------

    def fresh(self) -> str:
        self.count += 1
        return f"v{self.count}"

    def site(self, selection: Selection, read: Callable[[Asked], Narrowing | Page]) -> tuple[str, Any]:
        """A new site for `selection`'s parameters: its prefix and what they ask for now. A field
        without GraphQL arguments may still have parameters (its caller's, `myData`)."""
        index = NO_ARGUMENTS if selection.site is None else selection.site
        prefix = f"s{len(self.sites)}_"
        self.sites.append(Site(index, prefix, read, self.root))
        return prefix, read(Asked(_arguments(self.args_at, index), self.viewer, self.max_page_size))

    @staticmethod
    def fill(template: str, env: Mapping[str, str], prefix: str = "", params: Sequence[str] = ()) -> str:
        """`template` with its variables named as in `env` and its own parameters prefixed."""

        def var(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in env:
                raise KeyError(f"{{{name}}} is not bound in {template!r}")
            return env[name]

        text = _PLACEHOLDER.sub(var, template)
        if prefix:
            own = set(params)
            text = _PARAMETER.sub(
                lambda m: "$" + prefix + m.group(1) if m.group(1) in own else m.group(0), text
            )
        return text

    def bind_new(self, template: str, env: Mapping[str, str]) -> dict[str, str]:
        """`env` with a fresh variable for every variable `template` introduces."""
        bound = dict(env)
        for name in _PLACEHOLDER.findall(template):
            if name not in bound:
                bound[name] = self.fresh()
        return bound

    @staticmethod
    def rules(template: str, env: Mapping[str, str]) -> list[str]:
        """The visibility rules of the protected entities `template`'s pattern labels."""
        found = []
        for name, label in _LABELLED.findall(template):
            mapping = MAPPINGS.get(label)
            if mapping is not None and mapping.visible is not None:
                found.append(mapping.visible(cast(LiteralString, env[name])))
        return found

    # --- objects and fields ---------------------------------------------------------------

    def object(
        self, mapping: ObjectMap, env: Mapping[str, str], fields: Sequence[Selection], path: Path
    ) -> str:
        entries = []
        for selection in fields:
            key = _key(selection.key)
            if selection.name == "__typename":
                entries.append(f"{key}: '{selection.type_name or mapping.name}'")
                continue
            value = self.field(mapping.field(selection.name), env, selection, (*path, selection.key))
            entries.append(f"{key}: {value}")
        body = "{" + ", ".join(entries) + "}"
        # A node's map projection is null for a null node.
        return f"{env[mapping.vars[0]]} {body}" if mapping.label else body

    def field(self, mapping: Field, env: Mapping[str, str], selection: Selection, path: Path) -> str:
        if isinstance(mapping, Value):
            return self.value(mapping, env, selection, path)
        if isinstance(mapping, Node):
            target = MAPPINGS[mapping.type]
            return self.object(target, {target.vars[0]: env[mapping.var]}, selection.fields, path)
        if isinstance(mapping, Embed):
            target = MAPPINGS[mapping.type]
            made = self.object(
                target, {mine: env[theirs] for mine, theirs in mapping.bind.items()}, selection.fields, path
            )
            if mapping.when is None:
                return made
            return f"CASE WHEN {self.fill(mapping.when, env)} THEN {made} END"
        if isinstance(mapping, Reach):
            return self.reach(mapping, env, selection, path)
        if isinstance(mapping, Connection):
            return self.connection(mapping, env, selection, path)
        if isinstance(mapping, Computed):
            return self.computed(mapping, selection, path)
        raise TypeError(f"unknown field mapping {mapping!r}")

    def value(self, mapping: Value, env: Mapping[str, str], selection: Selection, path: Path) -> str:
        text = self.fill(mapping.cypher, env)
        if mapping.python is not None:
            self.finishes.append(Finish(path, mapping.python.finish))
            return text
        format_ = CYPHER_FORMAT.get(selection.scalar or "") if self.formats else None
        if format_ is None:
            return text
        if selection.many:
            each = self.fresh()
            return f"[{each} IN {text} | {format_(cast(LiteralString, each))}]"
        return format_(cast(LiteralString, text))

    def yielded(
        self, type_name: str, bind: Mapping[str, str] | str, env: Mapping[str, str]
    ) -> tuple[ObjectMap, dict[str, str]]:
        target = MAPPINGS[type_name]
        if isinstance(bind, str):
            return target, {target.vars[0]: env[bind]}
        return target, {mine: env[theirs] for mine, theirs in bind.items()}

    def reach(self, mapping: Reach, env: Mapping[str, str], selection: Selection, path: Path) -> str:
        prefix, narrowing = "", Narrowing()
        if mapping.args is not None:
            prefix, narrowing = self.site(selection, mapping.args)
        params = list(narrowing.params)
        match = narrowing.match or mapping.match
        inner = self.bind_new(match, env)
        conditions = [c for c in (mapping.where, *narrowing.where) if c]
        where = [self.fill(c, inner, prefix, params) for c in conditions] + self.rules(match, inner)
        new = [inner[name] for name in inner if name not in env]
        if selection.by_type is not None:  # an interface or a union: one projection per concrete type
            projected, guards = self.abstract(selection, inner[_single(mapping.bind)], path)
            where += guards
        else:
            target, bound = self.yielded(mapping.type, mapping.bind, inner)
            projected = self.object(target, bound, selection.fields, path)
        text = self.fill(match, inner, prefix, params)
        if where:
            text += " WHERE " + " AND ".join(f"({w})" for w in where)
        limit = narrowing.limit or mapping.limit
        order = self.order_of(mapping, inner)
        if order or limit:
            text += " WITH " + ", ".join(new)
            if order:
                text += " ORDER BY " + order
            if limit:
                text += " LIMIT " + self.fill(limit, inner, prefix, params)
        text = f"COLLECT {{ {text} RETURN {projected} }}"
        return text if mapping.many else f"head({text})"

    def order_of(self, mapping: Reach, inner: Mapping[str, str]) -> str | None:
        """The field's order, else its target's own order for a list of entities."""
        if mapping.order:
            return self.fill(mapping.order, inner)
        target = MAPPINGS.get(mapping.type)
        if mapping.many and target is not None and target.order and isinstance(mapping.bind, str):
            return self.fill(target.order, {"n": inner[mapping.bind]})
        return None

    def abstract(self, selection: Selection, var: str, path: Path) -> tuple[str, list[str]]:
        """One node of any of `selection`'s concrete types: its projection by label, and the
        rule of each type that has one, for a node of that label."""
        branches, guards = [], []
        assert selection.by_type is not None
        for type_name, fields in selection.by_type.items():
            target = MAPPINGS.get(type_name)
            if target is None or target.label is None:
                continue  # not a node type: no node of the graph is one
            branches.append(
                f"WHEN {var}:{target.label} THEN {self.object(target, {target.vars[0]: var}, fields, path)}"
            )
            if target.visible is not None:
                guards.append(f"NOT {var}:{target.label} OR {target.visible(cast(LiteralString, var))}")
        return ("CASE " + " ".join(branches) + " END") if branches else "null", guards

    def connection(
        self, mapping: Connection, env: Mapping[str, str], selection: Selection, path: Path
    ) -> str:
        prefix, page = self.site(selection, mapping.page)
        assert isinstance(page, Page)
        params = [*page.params, "first", *(f"c{i}" for i in range(len(page.after or ())))]
        inner = self.bind_new(page.match, env)
        node = inner["node"]
        match = self.fill(page.match, inner, prefix, params)
        where = [self.fill(w, inner, prefix, params) for w in page.where] + self.rules(page.match, inner)
        target = MAPPINGS[mapping.type]
        terms = [(self.fill(k.cypher, inner), k) for k in page.order.keys]
        terms.append((f"{node}.id", Key(f"{node}.id", descending=page.order.id_descending)))

        def matching(extra: list[str]) -> str:
            conditions = where + extra
            return match + (" WHERE " + " AND ".join(f"({c})" for c in conditions) if conditions else "")

        first = f"${prefix}first"
        rows, page_var = self.fresh(), self.fresh()
        projections: dict[str, str] = {}
        entries = []
        for part in selection.fields:
            key = _key(part.key)
            if part.name == "__typename":
                entries.append(f"{key}: '{part.type_name}'")
            elif part.name == "totalCount":
                entries.append(f"{key}: COUNT {{ {matching([])} }}")
            elif part.name == "nodes":
                column = f"p{len(projections)}"
                projections[column] = self.object(
                    target, {target.vars[0]: node}, part.fields, (*path, part.key, "*")
                )
                each = self.fresh()
                entries.append(f"{key}: [{each} IN {page_var} | {each}.{column}]")
            elif part.name == "edges":
                each = self.fresh()
                edge = []
                for item in part.fields:
                    item_key = _key(item.key)
                    if item.name == "__typename":
                        edge.append(f"{item_key}: '{item.type_name}'")
                    elif item.name == "cursor":
                        self.finishes.append(
                            Finish((*path, part.key, "*", item.key), _cursor(page.order.name))
                        )
                        edge.append(f"{item_key}: {each}.k")
                    elif item.name == "node":
                        column = f"p{len(projections)}"
                        projections[column] = self.object(
                            target, {target.vars[0]: node}, item.fields, (*path, part.key, "*", item.key)
                        )
                        edge.append(f"{item_key}: {each}.{column}")
                entries.append(f"{key}: [{each} IN {page_var} | {{{', '.join(edge)}}}]")
            elif part.name == "pageInfo":
                info = []
                for item in part.fields:
                    item_key = _key(item.key)
                    if item.name == "__typename":
                        info.append(f"{item_key}: '{item.type_name}'")
                    elif item.name == "hasNextPage":
                        info.append(f"{item_key}: size({rows}) > {first}")
                    elif item.name == "hasPreviousPage":
                        info.append(f"{item_key}: {'true' if page.after is not None else 'false'}")
                    elif item.name in ("startCursor", "endCursor"):
                        self.finishes.append(Finish((*path, part.key, item.key), _cursor(page.order.name)))
                        at = "0" if item.name == "startCursor" else f"size({page_var}) - 1"
                        info.append(
                            f"{item_key}: CASE WHEN size({page_var}) = 0 THEN null ELSE {page_var}[{at}].k END"
                        )
                entries.append(f"{key}: {{{', '.join(info)}}}")
            elif part.name in mapping.fields:
                each = self.fresh()
                own = mapping.fields[part.name]
                env_page = self.bind_new(own.cypher, {"page": f"[{each} IN {page_var} | {each}.k]"})
                entries.append(f"{key}: {self.value(own, env_page, part, (*path, part.key))}")
        body = "{" + ", ".join(entries) + "}"
        if not any(p.name in ("nodes", "edges", "pageInfo", *mapping.fields) for p in selection.fields):
            return body
        keyset = [_keyset(terms, prefix)] if page.after is not None else []
        order = ", ".join(f"{text} {'DESC' if key.descending else 'ASC'}" for text, key in terms)
        cursor = "[" + ", ".join(_cursor_form(text, key) for text, key in terms) + "]"
        row = ", ".join([f"k: {cursor}", *(f"{c}: {p}" for c, p in projections.items())])
        new = [inner[name] for name in inner if name not in env]
        collected = (
            f"COLLECT {{ {matching(keyset)} WITH {', '.join(new)} ORDER BY {order} LIMIT {first} + 1"
            f" RETURN {{{row}}} }}"
        )
        return f"head([{rows} IN [{collected}] | head([{page_var} IN [{rows}[0..{first}]] | {body}])])"

    def computed(self, mapping: Computed, selection: Selection, path: Path) -> str:
        prefix, narrowing = "", Narrowing()
        if mapping.args is not None:
            prefix, narrowing = self.site(selection, mapping.args)
        finish = mapping.python.finish
        fields = selection.fields
        if selection.scalar is not None:  # a leaf (JSON): the finished value is the answer
            self.finishes.append(Finish(path, finish))
        else:
            self.finishes.append(Finish(path, lambda raw: project(finish(raw), fields)))
        return f"head(COLLECT {{ {self.fill(mapping.query, {}, prefix, list(narrowing.params))} }})"


def _single(bind: Mapping[str, str] | str) -> str:
    if isinstance(bind, str):
        return bind
    [only] = bind.values()
    return only


def _key(name: str) -> str:
    """A response key as a map key: GraphQL names are letters, digits and underscores only."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a GraphQL name: {name!r}")
    return f"`{name}`"


def _cursor_form(text: str, key: Key) -> str:
    return f"toString({text})" if key.kind in ("datetime", "date") else text


def _keyset(terms: list[tuple[str, Key]], prefix: str) -> str:
    """After the cursor's values in the order's direction: (k1, k2, ..., id) > (c1, c2, ..., cid)
    written out, as Cypher has no comparison of tuples."""
    values = []
    for i, (_, key) in enumerate(terms):
        param = f"${prefix}c{i}"
        values.append(
            f"datetime({param})"
            if key.kind == "datetime"
            else f"date({param})"
            if key.kind == "date"
            else param
        )
    alternatives = []
    for i, (text, key) in enumerate(terms):
        equal = [f"{terms[j][0]} = {values[j]}" for j in range(i)]
        beyond = f"{text} {'<' if key.descending else '>'} {values[i]}"
        alternatives.append("(" + " AND ".join([*equal, beyond]) + ")")
    return " OR ".join(alternatives)


def _cursor(order: str) -> Callable[[Any], Any]:
    def encode(keys: Any) -> Any:
        return None if keys is None else pagination.encode_cursor(order, keys)

    return encode


def project(value: Any, fields: Sequence[Selection]) -> Any:
    """A value computed in Python, as the selection shows it: each object as its selected keys
    (with `__typename`), lists element by element, dates and datetimes as the scalars write them."""
    if value is None:
        return None
    if isinstance(value, list):
        return [project(v, fields) for v in value]
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for selection in fields:
            if selection.name == "__typename":
                out[selection.key] = selection.type_name
            else:
                out[selection.key] = project(value.get(selection.name), selection.fields)
        return out
    return python_text(value)


def compile_read(
    roots: Sequence[tuple[Field, Selection]],
    args_at: Callable[[int], Mapping[str, Any]],
    viewer: Viewer,
    max_page_size: int,
    *,
    caller: LiteralString | None = None,
    formats: bool = True,
) -> Plan:
    """One statement for these root fields (each a column `r<i>`); with `caller`, the caller's
    row too (column `caller`), read again in the same statement (hub/auth/callers.py). A root
    whose arguments are refused is left out (`Plan.refused`). `formats=False` leaves dates and
    datetimes as the driver decodes them (for objects resolved by Strawberry)."""
    compiler = _Compiler(args_at, viewer, max_page_size, formats=formats)
    columns: dict[str, str] = {}
    checks: list[Check] = []
    refused: dict[str, DomainError] = {}
    returned = [f"{caller} AS caller"] if caller else []
    for i, (mapping, selection) in enumerate(roots):
        compiler.root = selection.key
        sites, finishes = len(compiler.sites), len(compiler.finishes)
        try:
            column = f"{compiler.field(mapping, {}, selection, (selection.key,))} AS r{i}"
            if isinstance(mapping, Reach) and mapping.facts is not None and mapping.check is not None:
                site = next(s for s in compiler.sites if s.root == selection.key)
                read = site.read(Asked(_arguments(args_at, site.index), viewer, max_page_size))
                facts = compiler.fill(mapping.facts, {}, site.prefix, list(read.params))
                column += f", {facts} AS f{i}"
                checks.append(Check(selection.key, f"f{i}", mapping.check))
        except DomainError as error:
            refused[selection.key] = error
            del compiler.sites[sites:], compiler.finishes[finishes:]
            continue
        columns[selection.key] = f"r{i}"
        returned.append(column)
    text = "RETURN " + ", ".join(returned) if returned else "RETURN null AS nothing"
    return Plan(
        cast(LiteralString, text),
        columns,
        tuple(compiler.sites),
        tuple(compiler.finishes),
        tuple(checks),
        refused,
    )


@dataclass(frozen=True)
class Projection:
    """An entity's projection on a variable bound elsewhere (a write's own statement)."""

    label: LiteralString
    text: LiteralString
    sites: tuple[Site, ...] = ()
    finishes: tuple[Finish, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)


def compile_projection(
    type_name: str,
    var: str,
    selection: Selection,
    args_at: Callable[[int], Mapping[str, Any]],
    viewer: Viewer,
    max_page_size: int,
) -> Projection:
    """`selection` on the entity bound to `var` (not checked against its own rule: a write's
    result is its writer's to see; the nodes it reaches are); variables named `v<n>`, so `var`
    must not be one."""
    compiler = _Compiler(args_at, viewer, max_page_size)
    compiler.root = selection.key
    target = MAPPINGS[type_name]
    text = compiler.object(target, {target.vars[0]: var}, selection.fields, (selection.key,))
    plan = Plan(cast(LiteralString, text), {}, tuple(compiler.sites), tuple(compiler.finishes))
    params, refused = plan.parameters(args_at, viewer, max_page_size)
    if refused:
        raise next(iter(refused.values()))
    assert target.label is not None, f"{type_name} is not an entity"
    return Projection(cast(LiteralString, target.label), plan.text, plan.sites, plan.finishes, params)


def finish(data: dict[str, Any], finishes: Sequence[Finish]) -> None:
    """Apply the Python finishes to a read's data, in place."""
    for step in finishes:
        _apply(data, step.path, step.apply)


def _apply(node: Any, path: Path, apply: Callable[[Any], Any]) -> None:
    if node is None or not path:
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(node, list):
            for i, item in enumerate(node):
                if rest:
                    _apply(item, rest, apply)
                else:
                    node[i] = apply(item)
        return
    if not isinstance(node, dict) or head not in node:
        return
    if rest:
        _apply(node[head], rest, apply)
    else:
        node[head] = apply(node[head])
