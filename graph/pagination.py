"""Keyset cursors for Relay connections: opaque to clients, stable under inserts.

A page is ordered by its keys and the node's id (graph/model.py `Order`); a cursor holds the
order's name and the last row's key values, and the next page continues after them (graph/
planner.py writes the comparison). Unlike an offset, a row inserted before the cursor does not
shift the next page: nothing is skipped or shown twice.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any, Final, LiteralString

from graph.errors import InvalidInput
from graph.model import Asked, Order, Page

# The longest cursor `encode_cursor` makes, for the limit on `after` (hub/api/text_limits.py): the
# JSON of an order's name (at most 64 characters), one text key (at most 254, an e-mail) and an id
# (at most 64), each character at most 6 bytes once JSON-escaped, in base64.
MAX_CURSOR_LENGTH: Final = 4 * -(-(10 + 6 * (64 + 254 + 64)) // 3)


def encode_cursor(order: str, keys: list[Any]) -> str:
    text = json.dumps([order, *keys], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode_cursor(cursor: str, order: Order) -> tuple[Any, ...]:
    """The key values of a cursor of `order` (its keys and the id); InvalidInput for anything
    else, a cursor of another order included."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != len(order.keys) + 2 or values[0] != order.name:
        raise InvalidInput.one("after", "is not a valid cursor")
    if not all(isinstance(v, str | int | float | bool) or v is None for v in values[1:]):
        raise InvalidInput.one("after", "is not a valid cursor")
    return tuple(values[1:])


def page(
    asked: Asked,
    match: LiteralString,
    order: Order,
    *,
    where: tuple[LiteralString, ...] = (),
    params: Mapping[str, Any] | None = None,
    default_size: int = 20,
) -> Page:
    """A connection's page from its `first` and `after` arguments: `first` between 0 and the
    configured maximum (default `default_size`), `after` a cursor of the same order."""
    first = asked.args.get("first")
    size = default_size if first is None else first
    if not 0 <= size <= asked.max_page_size:
        raise InvalidInput.one("first", f"must be between 0 and {asked.max_page_size}")
    after = asked.args.get("after")
    return Page(
        match,
        order,
        size,
        decode_cursor(after, order) if after is not None else None,
        where,
        params or {},
    )
