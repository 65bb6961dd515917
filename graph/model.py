"""The graph mappings: how each object type of the API lives in the graph.

The planner (graph/planner.py) compiles a selection of fields into one Cypher statement using
only what is declared here, in the module of each concept (graph/teams.py declares the team,
graph/people.py the person ...). Two kinds of object:

- an **entity** is a node with a label and an `id` (`entity("ProjectTeam", ...)`); its templates
  call the node `{n}`. An entity may carry a visibility rule, a Cypher predicate on the node that
  the planner adds wherever a pattern reaches a node of that label: no field can forget it.
- a **shape** is an object made from variables that whoever reaches it binds: a team membership
  from the MEMBER_OF relationship, the person and the team; a hotspot from an analysis' row.

Fields not declared read the property of the same name of the object's first variable. The
others are one of: `Value` (a Cypher expression), `Node` (an object already bound), `Embed` (an
object made from the same variables), `Reach` (objects a pattern finds; the relationships and
the analyses), `Connection` (a Relay connection: filters, keyset order, `first`/`after`).

Templates are Cypher with `{name}` for variables; the planner gives every variable a fresh
name in the statement, so templates never collide. Values never appear in templates: arguments
become parameters (`$name` in a template, renamed per use by the planner). docs/planner.md
walks through adding a type, a relationship, a computed field, a visibility rule and a field
computed in Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, LiteralString

from graph.access import Viewer

# A field's arguments as the API coerced them (names as in the API, enums as their values).
Args = Mapping[str, Any]


@dataclass(frozen=True)
class Asked:
    """What a field's arguments are read with: the arguments, who asks, and the page size cap."""

    args: Args
    viewer: Viewer
    max_page_size: int


@dataclass(frozen=True)
class Narrowing:
    """What a field's arguments add to its Reach. The text may depend on which arguments are
    given (null or not) and on booleans and enums, never on other values: those are `params`."""

    match: LiteralString | None = None  # replaces the Reach's match (an anchor chosen by the filters)
    where: tuple[LiteralString, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    limit: LiteralString | None = None  # e.g. "$first"


@dataclass(frozen=True)
class InPython:
    """A value finished in Python after the planned read (graph/in_python.py lists them all)."""

    name: str
    reason: str
    finish: Callable[[Any], Any]


@dataclass(frozen=True)
class Value:
    """A scalar, or a list of scalars: a Cypher expression over the object's variables. With
    `python`, Cypher reads the raw value and Python finishes it (graph/in_python.py)."""

    cypher: LiteralString
    python: InPython | None = None


@dataclass(frozen=True)
class Node:
    """An object the parent has bound already: `Node("person", "Person")` on a membership."""

    var: str
    type: str


@dataclass(frozen=True)
class Embed:
    """An object made from the same variables (`bind`: its variables → ours); null unless
    `when` holds."""

    type: str
    bind: Mapping[str, str]
    when: LiteralString | None = None


@dataclass(frozen=True)
class Reach:
    """Objects found from the current variables. `match` is Cypher clauses ending in a MATCH
    (or producing rows, for an analysis), with new variables as `{name}`; each match yields a
    `type` made from `bind` (its variables → the match's; a string names the one variable of an
    entity). A node the match labels with a protected entity gets that entity's rule."""

    match: LiteralString
    type: str
    bind: Mapping[str, str] | str
    many: bool = True
    where: LiteralString | None = None
    order: LiteralString | None = None
    limit: LiteralString | None = None
    args: Callable[[Asked], Narrowing] | None = None
    # For a root analysis: facts read beside it (a Cypher map expression) and the rules that
    # explain a refusal from them, raising the error (the value is then null).
    facts: LiteralString | None = None
    check: Callable[[Mapping[str, Any]], None] | None = None


@dataclass(frozen=True)
class Key:
    """One term of a connection's order; the node's id is always the last tie-break. `kind`
    says how the value is written into a cursor and read back from one."""

    cypher: LiteralString
    kind: str = "string"  # "string" | "number" | "datetime" | "date"
    descending: bool = False


@dataclass(frozen=True)
class Order:
    name: str  # written into its cursors: a cursor of another order is refused
    keys: tuple[Key, ...]
    id_descending: bool = False


@dataclass(frozen=True)
class Page:
    """What a connection's arguments ask for: the nodes (`match`, with the listed node as
    `{n}`, and `where`), their order, and the page (`first` after the cursor's keys)."""

    match: LiteralString
    order: Order
    first: int
    after: tuple[Any, ...] | None = None
    where: tuple[LiteralString, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Connection:
    """A Relay connection of `type` (an entity): edges, nodes, pageInfo and totalCount, and
    `fields` of the page itself: Cypher over `{page}`, the page's order keys (each a list, the
    keys then the id), read in the same statement as the page."""

    type: str
    page: Callable[[Asked], Page]
    fields: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class Computed:
    """A root field computed in Python from what one Cypher query returns (`query`, its value
    in a column named `value`): the planner runs the query in the operation's statement, then
    `python` finishes it; the selection is projected in Python. For results that are assembled
    faster in Python than in Cypher (the issue map), or need Python to be written (my data)."""

    query: LiteralString
    python: InPython
    args: Callable[[Asked], Narrowing] | None = None


Field = Value | Node | Embed | Reach | Connection | Computed


@dataclass(frozen=True)
class ObjectMap:
    """One object type's mapping: an entity (`label` set) or a shape."""

    name: str
    vars: tuple[str, ...]
    fields: Mapping[str, Field]
    label: str | None = None
    visible: Callable[[LiteralString], LiteralString] | None = None
    # How a list of these is ordered when the field reaching them does not say (over `{n}`).
    order: LiteralString | None = None

    def field(self, name: str) -> Field:
        """The field's mapping; a field not declared is the property of the same name."""
        found = self.fields.get(name)
        if found is not None:
            return found
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ValueError(f"{self.name}.{name}: not a field name")
        return Value("{" + self.vars[0] + "}." + name)


# Every mapping by name (entities by label): fields name the types they reach by these names,
# so concept modules that reach each other need not import each other.
MAPPINGS: dict[str, ObjectMap] = {}


def _register(mapping: ObjectMap) -> ObjectMap:
    if mapping.name in MAPPINGS and MAPPINGS[mapping.name] != mapping:
        raise ValueError(f"two mappings named {mapping.name}")
    MAPPINGS[mapping.name] = mapping
    return mapping


def entity(
    label: str,
    fields: Mapping[str, Field] | None = None,
    *,
    visible: Callable[[LiteralString], LiteralString] | None = None,
    order: LiteralString | None = None,
) -> ObjectMap:
    """A node labelled `label` with a unique `id`, called `{n}` in its templates; `visible` is
    its rule (a Cypher predicate on the node given as the argument); `order` how lists of them
    are ordered unless a field says otherwise."""
    return _register(ObjectMap(label, ("n",), fields or {}, label=label, visible=visible, order=order))


def shape(name: str, vars: tuple[str, ...], fields: Mapping[str, Field] | None = None) -> ObjectMap:
    """An object made from the variables `vars` (the first is its main one) that whoever
    reaches it binds."""
    return _register(ObjectMap(name, vars, fields or {}))


def analysis(
    query: LiteralString,
    type_name: str,
    *,
    many: bool = True,
    args: Callable[[Asked], Narrowing] | None = None,
    facts: LiteralString | None = None,
    check: Callable[[Mapping[str, Any]], None] | None = None,
) -> Reach:
    """A root field whose objects are the rows of an analysis: `query` returns them in order,
    one map per row in a column named `row`, and applies the visibility rules itself (it
    aggregates, so no rule could be added after it). The rows are the `type`'s `{row}`; an entity
    a row names is reached by its id, with its rule."""
    return Reach(
        "CALL () {" + query + "} WITH row AS {row}",
        type_name,
        "row",
        many=many,
        args=args,
        facts=facts,
        check=check,
    )


def by_id(label: str) -> Reach:
    """A root field `x(id: ID!)`: the entity with that id, or null (also when its rule hides it)."""
    return Reach(
        "MATCH ({n}:" + label + " {id: $id})",
        label,
        "n",
        many=False,
        args=lambda asked: Narrowing(params={"id": asked.args["id"]}),
    )
