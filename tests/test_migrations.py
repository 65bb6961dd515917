"""Schema migrations are versioned and idempotent."""

import asyncio

from graph import migrations
from graph.driver import Graph, run
from graph.embedded import EmbeddedNeo4j
from tests.conftest import TEST_PASSWORD


async def test_migrations_are_recorded_and_rerunning_applies_nothing(graph: Graph) -> None:
    assert await migrations.current_version(graph) == migrations.LATEST_VERSION
    assert await migrations.migrate(graph) == []


async def test_every_public_label_has_a_unique_id_constraint(graph: Graph) -> None:
    rows = await graph.read(
        "SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type WHERE type = 'UNIQUENESS' "
        "AND properties = ['id'] RETURN collect(labelsOrTypes[0]) AS labels"
    )
    expected = {
        "Entity",
        "Institution",
        "Person",
        "Skill",
        "PlanDirection",
        "HorizontalIssue",
        "ProjectTeam",
        "Activity",
    }
    assert expected <= set(rows[0]["labels"])


async def test_full_text_index_folds_latvian_diacritics(graph: Graph) -> None:
    rows = await graph.read(
        "SHOW FULLTEXT INDEXES YIELD name, options WHERE name = 'search_text' "
        "RETURN options.indexConfig['fulltext.analyzer'] AS analyzer"
    )
    assert rows == [{"analyzer": "standard-folding"}]


async def _drop_schema(graph: Graph) -> None:
    """Back to a database no hub has started on: no constraints, indexes or recorded versions."""
    await graph.write(lambda tx: run(tx, "MATCH (v:SchemaVersion) DELETE v"))
    # Schema names cannot be parameters; these come from the database, never from input.
    for row in await graph.read("SHOW CONSTRAINTS YIELD name RETURN name"):
        await graph.write(lambda tx, name=row["name"]: run(tx, f"DROP CONSTRAINT `{name}`"))
    for row in await graph.read("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name"):
        await graph.write(lambda tx, name=row["name"]: run(tx, f"DROP INDEX `{name}`"))


async def test_two_hubs_starting_together_both_migrate_and_each_version_is_recorded_once(
    graph: Graph, neo4j: EmbeddedNeo4j
) -> None:
    await _drop_schema(graph)
    other = Graph.connect(neo4j.uri, "neo4j", TEST_PASSWORD, query_timeout_s=30)
    try:
        await asyncio.gather(migrations.migrate(graph), migrations.migrate(other))
    finally:
        await other.close()
    rows = await graph.read("MATCH (v:SchemaVersion) RETURN v.version AS v ORDER BY v")
    assert [r["v"] for r in rows] == [m.version for m in migrations.MIGRATIONS]
    assert await migrations.migrate(graph) == []
