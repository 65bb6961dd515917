"""How the API's Date and DateTime scalars are written, in Cypher and in Python alike.

The planner (graph/planner.py) formats temporal values inside the statement, so a response is
JSON as the driver decodes it: hydrating every DateTime into the driver's temporal type and then
a Python datetime cost about a sixth of the hub's CPU on a team page. The text is exactly what
Python's `isoformat()` writes for the same value (what the schema's scalars write): a date as
YYYY-MM-DD; a datetime with seconds always, microseconds only when not zero, the offset as
±HH:MM. tests/test_scalars.py compares both for the same values.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final, LiteralString


def _two(part: LiteralString) -> LiteralString:
    return "right('0' + toString(" + part + "), 2)"


def datetime_text(value: LiteralString) -> LiteralString:
    """A Cypher expression: the DateTime `value` (an expression) as `isoformat()` writes it;
    null stays null."""
    v = value
    return (
        "CASE WHEN " + v + " IS NULL THEN null ELSE "
        "toString(date(" + v + ")) + 'T' + "
        + _two(v + ".hour") + " + ':' + " + _two(v + ".minute") + " + ':' + " + _two(v + ".second")
        + " + CASE " + v + ".microsecond WHEN 0 THEN '' ELSE '.' + right('00000' + toString("
        + v + ".microsecond), 6) END"
        + " + CASE WHEN " + v + ".offsetSeconds < 0 THEN '-' ELSE '+' END + "
        + _two("abs(" + v + ".offsetSeconds) / 3600") + " + ':' + "
        + _two("abs(" + v + ".offsetSeconds) % 3600 / 60") + " END"
    )  # fmt: skip


def date_text(value: LiteralString) -> LiteralString:
    """A Cypher expression: the Date `value` as `isoformat()` writes it (toString does)."""
    return "toString(" + value + ")"


# The scalars formatted in Cypher, by GraphQL name: a leaf of a list type gets it per element.
CYPHER_FORMAT: Final = {"DateTime": datetime_text, "Date": date_text}


def python_text(value: object) -> object:
    """A value computed in Python, as the schema's scalars write it (dates and datetimes as
    `isoformat()`; anything else unchanged)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
