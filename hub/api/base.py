"""Pieces every GraphQL type module shares: the Node interface and Relay connections.

The types only declare the API (fields, arguments, descriptions); the planner answers them from
their graph mappings (hub/api/planning.py), connections included: their edges, nodes, pageInfo
and totalCount are the planner's own (graph/planner.py)."""

from __future__ import annotations

from typing import Generic, TypeVar

import strawberry
from strawberry.types import Info

from hub.api.context import Context
from hub.api.text_limits import ID

T = TypeVar("T")
GQLInfo = Info[Context, None]  # what a resolver is given (the subscriptions' resolvers)


@strawberry.interface(
    description=f"An object with a global id; fetch any one with `node(id)`. An id (every `ID` "
    f"argument and input field) is at most {ID.max_length} characters."
)
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of results with Relay cursors and the total count.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int
    nodes: list[T] = strawberry.field(description="The page's nodes, without edges.")
