"""Pieces every GraphQL type module shares: the Node interface, Relay connections, conversions."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import cache
from typing import Any, Generic, TypeVar

import strawberry
from strawberry.types import Info
from strawberry.utils.str_converters import to_camel_case

from graph.driver import Record
from graph.pagination import Page, PageRequest, encode_cursor
from graph.validation import Input, validate
from hub.api.context import Context
from hub.api.text_limits import ID

T = TypeVar("T")
M = TypeVar("M", bound=Input)
GQLInfo = Info[Context, None]


@strawberry.interface(
    description=f"An object with a global id; fetch any one with `node(id)`. An id (every `ID` "
    f"argument and input field) is at most {ID.max_length} characters."
)
class Node:
    id: strawberry.ID


@cache
def _field_map(cls: Any) -> tuple[tuple[str, str], ...]:
    # Resolver fields (`@strawberry.field` methods) are dataclass fields too, but not constructor ones.
    return tuple((f.name, to_camel_case(f.name)) for f in dataclasses.fields(cls) if f.init)


def from_record(cls: type[T], record: Record) -> T:
    """Build a GraphQL object from a graph record keyed by camelCase property names."""
    fields = _field_map(cls)  # type: ignore[arg-type]  # classes are hashable
    return cls(**{name: record.get(key) for name, key in fields})


def from_records(cls: type[T], records: list[Record]) -> list[T]:
    return [from_record(cls, r) for r in records]


def input_data(value: object) -> dict[str, Any]:
    """A Strawberry input as a plain dict, leaving out the fields the client did not send."""
    data: dict[str, Any] = {}
    for f in dataclasses.fields(value):  # type: ignore[arg-type]
        item = getattr(value, f.name)
        if item is strawberry.UNSET:
            continue
        if isinstance(item, list):
            item = [input_data(i) if dataclasses.is_dataclass(i) else i for i in item]
        elif dataclasses.is_dataclass(item):
            item = input_data(item)
        data[f.name] = item
    return data


def to_model(model: type[M], value: object) -> M:
    """Validate a Strawberry input with the graph layer's model; errors name the API fields."""
    return validate(model, input_data(value))


def page_request(info: GQLInfo, first: int | None, after: str | None) -> PageRequest:
    return PageRequest.parse(first, after, info.context.settings.max_page_size)


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

    @strawberry.field(description="The page's nodes, without edges.")
    def nodes(self) -> list[T]:
        return [e.node for e in self.edges]

    @classmethod
    def of(cls, page: Page, convert: Callable[[Record], T]) -> Connection[T]:
        edges = [Edge(cursor=encode_cursor(page.skip + i), node=convert(r)) for i, r in enumerate(page.rows)]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.skip > 0,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=page.total,
        )
