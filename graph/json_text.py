"""JSON text of a Cypher map, written inside the statement that reads it.

A write made in one statement (the rules, the change and its Activity together) has no Python
between reading the entity and storing the Activity's before/after, and Cypher has no JSON
function without APOC. `json_of` is a Cypher expression that writes what
`json.dumps(value, ensure_ascii=False, default=str)` writes for the map as the driver returns it:
the same separators and string escapes, dates and datetimes as Python's `str()` writes them; the
keys in the map's own order (JSON gives it no meaning; sorting them cost a subquery per map). It
covers what entities hold: a flat map of strings, numbers, booleans, dates, datetimes, nulls and
lists of these.
"""

from __future__ import annotations

import json
from typing import Final, LiteralString


def _cypher_literal(text: str) -> str:
    """`text` as a Cypher string literal; `text` is one of the constants below, never input."""
    escaped = "".join(
        "\\\\" if ch == "\\" else "\\'" if ch == "'" else f"\\u{ord(ch):04x}" if ord(ch) < 0x20 else ch
        for ch in text
    )
    return f"'{escaped}'"


# What json.dumps escapes in a string (ensure_ascii=False): the backslash first, so the
# backslashes that the other replacements add are not doubled.
_ESCAPED_CHARS: Final = "\\" + '"' + "".join(chr(c) for c in range(0x20))
_ESCAPES: Final[LiteralString] = (
    "["  # made from the constants above, never from input
    + ", ".join(f"[{_cypher_literal(ch)}, {_cypher_literal(json.dumps(ch)[1:-1])}]" for ch in _ESCAPED_CHARS)
    + "]"
)


def _string(x: LiteralString) -> LiteralString:
    return (
        "'\"' + reduce(jsonText = "
        + x
        + ", jsonEscape IN "
        + _ESCAPES
        + " | replace(jsonText, jsonEscape[0], jsonEscape[1])) + '\"'"
    )


def _two_digits(n: LiteralString) -> LiteralString:
    return "right('0' + toString(" + n + "), 2)"


def _scalar(x: LiteralString) -> LiteralString:
    """JSON of a scalar; a datetime as `str(datetime)`: `2026-12-06 04:34:03.123456+00:00`."""
    return (
        "CASE WHEN " + x + " IS NULL THEN 'null'"
        " WHEN " + x + " IS :: STRING THEN " + _string(x) + ""
        " WHEN " + x + " IS :: ZONED DATETIME THEN '\"' + toString(date(" + x + ")) + ' '"
        " + "
        + _two_digits(x + ".hour")
        + " + ':' + "
        + _two_digits(x + ".minute")
        + " + ':' + "
        + _two_digits(x + ".second")
        + " + CASE "
        + x
        + ".microsecond WHEN 0 THEN '' ELSE '.' + right('00000' + toString("
        + x
        + ".microsecond), 6) END"
        " + CASE " + x + ".offsetSeconds WHEN 0 THEN '+00:00' ELSE " + x + ".offset END + '\"'"
        " WHEN " + x + " IS :: DATE THEN '\"' + toString(" + x + ") + '\"'"
        " ELSE toString(" + x + ") END"
    )


def json_of(map_: LiteralString) -> LiteralString:
    """A Cypher expression: the JSON text of the map `map_` (an expression), null when it is null.

    Its keys are property names, written as they are. A scalar is encoded as a list of one, so
    the scalar encoding (with its escape table) appears once in the statement's text, which is
    sent on every run."""
    return (
        "CASE WHEN "
        + map_
        + " IS NULL THEN null ELSE '{' + reduce(jsonMap = '', jsonEntry IN [jsonKey IN keys("
        + map_
        + ") | [jsonKey, "
        + map_
        + "[jsonKey] IS :: LIST<ANY> NOT NULL,"
        " CASE WHEN "
        + map_
        + "[jsonKey] IS :: LIST<ANY> NOT NULL THEN "
        + map_
        + "[jsonKey] ELSE ["
        + map_
        + "[jsonKey]] END]]"
        " | jsonMap + CASE jsonMap WHEN '' THEN '' ELSE ', ' END + '\"' + jsonEntry[0] + '\": '"
        " + CASE WHEN jsonEntry[1] THEN '[' ELSE '' END"
        " + reduce(jsonList = '', jsonItem IN jsonEntry[2] | jsonList + CASE jsonList WHEN '' THEN '' ELSE ', ' END + "
        + _scalar("jsonItem")
        + ") + CASE WHEN jsonEntry[1] THEN ']' ELSE '' END) + '}' END"
    )
