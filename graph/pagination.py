"""Offset cursors for Relay connections: opaque to clients, stable for a given ordering."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from graph.errors import InvalidInput

_PREFIX = "offset:"


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if text.startswith(_PREFIX) and (offset := int(text[len(_PREFIX) :])) >= 0:
            return offset
    except (ValueError, UnicodeDecodeError):
        pass
    raise InvalidInput.one("after", "is not a valid cursor")


@dataclass(frozen=True)
class PageRequest:
    first: int
    skip: int

    @classmethod
    def parse(cls, first: int | None, after: str | None, max_size: int, default: int = 20) -> PageRequest:
        size = default if first is None else first
        if size < 0 or size > max_size:
            raise InvalidInput.one("first", f"must be between 0 and {max_size}")
        return cls(first=size, skip=decode_cursor(after) + 1 if after else 0)


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    total: int
    skip: int
    has_next: bool

    @classmethod
    def from_row(cls, row: dict[str, Any], request: PageRequest) -> Page:
        """Build from a query row {total, rows} where rows holds up to first+1 items."""
        rows = row["rows"]
        return cls(rows[: request.first], row["total"], request.skip, len(rows) > request.first)
