"""Schema migrations are versioned and idempotent."""

from graph import migrations
from graph.driver import Graph


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


async def test_full_text_index_stems_latvian_and_folds_diacritics_with_the_launchers_analyzer(
    graph: Graph,
) -> None:
    rows = await graph.read(
        "SHOW FULLTEXT INDEXES YIELD name, options WHERE name STARTS WITH 'search_' "
        "RETURN name, options.indexConfig['fulltext.analyzer'] AS analyzer"
    )
    assert rows == [{"name": "search_text", "analyzer": "latvian-folding"}]
    rows = await graph.read("MATCH (v:SchemaVersion {version: 6}) RETURN v.textIndexes AS indexes")
    assert rows == [{"indexes": ["search_text"]}]
