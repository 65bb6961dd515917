"""Substring predicates in graph/ never stand directly on a RANGE-indexed property.

Neo4j 5.26 can plan `n.email ENDS WITH ...` or `n.email CONTAINS ...` as a string-search scan of
the property's RANGE index, which that index then refuses at run time ("A STRING_SUFFIX predicate
is not allowed for a RANGE index"): seen in CI on a fresh database, not reproducible on demand.
Wrapping the property (`toLower(n.email) CONTAINS ...`) keeps such predicates off the index.
"""

import re
from pathlib import Path

from graph.migrations import MIGRATIONS

GRAPH = Path(__file__).resolve().parent.parent / "graph"

# `ON (n.prop)` for an index, `REQUIRE n.prop IS UNIQUE` for a constraint's backing index.
_INDEXED = re.compile(r"(?:ON \(\w+\.(\w+)\)|REQUIRE \w+\.(\w+) IS UNIQUE)")
_BARE_SUBSTRING = re.compile(r"(?<![\w(])\w+\.(\w+)\s+(CONTAINS|ENDS WITH)\b")


def range_indexed_properties() -> set[str]:
    statements = [s for m in MIGRATIONS for s in m.statements if "FULLTEXT" not in s]
    return {a or b for s in statements for a, b in _INDEXED.findall(s)}


def bare_substring_predicates_on(properties: set[str], source: str) -> list[str]:
    return [m.group(0) for m in _BARE_SUBSTRING.finditer(source) if m.group(1) in properties]


def test_the_migrations_range_index_email_and_skill_key() -> None:
    assert {"email", "key", "id", "code"} <= range_indexed_properties()


def test_a_bare_indexed_property_before_contains_is_found() -> None:
    source = "WHERE n.email CONTAINS $t OR toLower(n.name) CONTAINS $t OR a.summary ENDS WITH s"
    assert bare_substring_predicates_on({"email", "name"}, source) == ["n.email CONTAINS"]


def test_no_query_in_graph_runs_a_substring_predicate_on_a_range_indexed_property() -> None:
    indexed = range_indexed_properties()
    found = {
        str(path.relative_to(GRAPH)): hits
        for path in sorted(GRAPH.rglob("*.py"))
        if (hits := bare_substring_predicates_on(indexed, path.read_text()))
    }
    assert found == {}
