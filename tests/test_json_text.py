"""graph/json_text.py: the JSON text a statement writes for a map is what Python writes for the same
map (`json.dumps(ensure_ascii=False, default=str)`), key order aside, run on the real Neo4j."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from graph.driver import Graph, native
from graph.json_text import json_of


async def cypher_json(graph: Graph, value: Any) -> str | None:
    rows = await graph.read("WITH $value AS value RETURN " + json_of("value") + " AS text", value=value)
    text: str | None = rows[0]["text"]
    return text


def python_json(value: Any) -> str:
    return json.dumps(native(value), ensure_ascii=False, default=str)


async def one_value(graph: Graph, value: Any) -> str:
    """The text written for `value` as the only value of a map: `{"v": <text>}`."""
    text = await cypher_json(graph, {"v": value})
    assert text is not None and text.startswith('{"v": ') and text.endswith("}")
    return text[len('{"v": ') : -1]


async def test_entries_are_separated_as_python_separates_them(graph: Graph) -> None:
    written = await cypher_json(graph, {"b": 1, "a": 2})
    assert written in ('{"b": 1, "a": 2}', '{"a": 2, "b": 1}')


async def test_strings_are_escaped_as_python_escapes_them(graph: Graph) -> None:
    text = 'say "hi"\\ \n\r\t\b\f\x00\x01\x1f ā 🎉 \u2028 \x7f'
    written = await one_value(graph, text)
    assert written == python_json(text)
    assert json.loads(written) == text


async def test_datetimes_are_written_as_python_str_writes_them(graph: Graph) -> None:
    assert await one_value(graph, datetime(2026, 12, 6, 4, 34, 3, 123456, tzinfo=UTC)) == (
        '"2026-12-06 04:34:03.123456+00:00"'
    )
    assert await one_value(graph, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == '"2026-01-02 03:04:05+00:00"'
    assert await one_value(graph, datetime(2026, 1, 2, 3, 4, 5, 10, tzinfo=timezone(timedelta(hours=2)))) == (
        '"2026-01-02 03:04:05.000010+02:00"'
    )


async def test_scalars_and_lists_are_written_as_python_writes_them(graph: Graph) -> None:
    values: list[Any] = [date(2026, 3, 4), [date(2026, 1, 1), date(2026, 2, 1)], ["p1", 'p"2'], None, [], True,
                         False, 5, 2.5]  # fmt: skip
    written = [await one_value(graph, value) for value in values]
    assert written == [
        '"2026-03-04"',
        '["2026-01-01", "2026-02-01"]',
        '["p1", "p\\"2"]',
        "null",
        "[]",
        "true",
        "false",
        "5",
        "2.5",
    ]
    assert written == [python_json(value) for value in values]


async def test_a_whole_map_reads_back_as_the_map(graph: Graph) -> None:
    value = {"name": 'A "team"', "count": 3, "since": date(2026, 1, 1), "ids": ["a", "b"], "gone": None}
    assert json.loads(await cypher_json(graph, value) or "") == json.loads(python_json(value))


async def test_an_empty_map_is_braces_and_a_null_map_is_null(graph: Graph) -> None:
    assert await cypher_json(graph, {}) == "{}"
    assert await cypher_json(graph, None) is None
