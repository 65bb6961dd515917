"""Pieces every GraphQL type module shares: the Node interface and Relay connections.

The types only declare the API (fields, arguments, descriptions); the planner answers them from
their graph mappings (hub/api/planning.py), connections included: their edges, nodes, pageInfo
and totalCount are the planner's own (graph/planner.py)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Generic, TypeVar

import strawberry
from graphql import GraphQLEnumType, GraphQLSchema
from strawberry.types import Info

from hub.api.context import Context
from hub.api.text_limits import ID

T = TypeVar("T")
E = TypeVar("E", bound=type[Enum])
GQLInfo = Info[Context, None]  # what a resolver is given (the subscriptions' resolvers)

# GraphQL enum name → value name → description, for `described_enum`.
_ENUM_VALUE_DESCRIPTIONS: dict[str, dict[str, str]] = {}


def described_enum(cls: E, description: str, *, name: str | None = None, **values: str) -> E:
    """Register a graph-layer enum as a GraphQL enum, with a description for each value.

    The enums live in graph/ as plain StrEnums (no Strawberry there), so their members cannot be
    `strawberry.enum_value`s; `describe_enum_values` sets these on the built schema instead. Every
    value must be described, and only real ones."""
    names = {member.name for member in cls}
    if names != set(values):
        raise TypeError(f"{cls.__name__}: describe exactly {sorted(names)}, got {sorted(values)}")
    strawberry.enum(cls, name=name, description=description)
    _ENUM_VALUE_DESCRIPTIONS[name or cls.__name__] = values
    return cls


def describe_enum_values(schema: GraphQLSchema) -> None:
    """Give the built schema's enum values the descriptions `described_enum` recorded."""
    for enum_name, values in _ENUM_VALUE_DESCRIPTIONS.items():
        enum_type = schema.type_map.get(enum_name)
        if isinstance(enum_type, GraphQLEnumType):
            for value_name, text in values.items():
                enum_type.values[value_name].description = text


# A connection's `first` argument (graph/pagination.py checks it).
PageSize = Annotated[
    int | None,
    strawberry.argument(
        description="How many to return: 0 up to the hub's page-size limit (100 unless HUB_MAX_PAGE_SIZE "
        "says otherwise); 20 when omitted."
    ),
]


@strawberry.interface(
    description=f"An object with a global id; fetch any one with `node(id)`. An id (every `ID` "
    f"argument and input field) is at most {ID.max_length} characters."
)
class Node:
    id: strawberry.ID = strawberry.field(
        description="The object's global id: stable, unique across all types, opaque to clients."
    )


@strawberry.type(description="Where a page sits in the whole list, and the cursors to page on from.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="True when more results follow; ask again with `after: endCursor`."
    )
    has_previous_page: bool = strawberry.field(
        description="True when this page started after a cursor (`after` was given)."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first result; null for an empty page."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the page's last result, to pass as `after`; null for an empty page."
    )


@strawberry.type(description="One result of a page, with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque; pass as `after` to continue right after this result.")
    node: T = strawberry.field(description="The result itself.")


@strawberry.type(description="A page of results with Relay cursors and the total count.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The page's results in order, each with its cursor.")
    page_info: PageInfo = strawberry.field(description="Whether more pages follow, and where they start.")
    total_count: int = strawberry.field(
        description="How many results match across all pages (the ones the viewer may see)."
    )
    nodes: list[T] = strawberry.field(description="The page's nodes, without edges.")
