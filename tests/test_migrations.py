"""Schema migrations are versioned and idempotent."""

from graph import migrations
from graph.driver import Graph
from tests import handbuilt as build


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


async def test_migration_4_backfills_each_team_last_activity_from_its_feed(graph: Graph) -> None:
    await build.institution(graph, "inst_a", "A")
    await build.person(graph, "p", "P", "inst_a")
    await build.issue(graph, "i", "I")
    for team in ("t_old", "t_quiet", "t_ahead"):
        await build.team(graph, team, team, "i", members=[("p", "LEAD", 10)])
    await build.activity(graph, "a1", "t_old", days_ago=80, seq=1)
    await build.activity(graph, "a2", "t_old", days_ago=40, seq=2)
    await build.activity(graph, "a3", "t_ahead", days_ago=40, seq=3)
    # As before version 4: activities, but no team keeps their time yet, except one set ahead.
    await build.cypher(
        graph,
        "MATCH (t:ProjectTeam) REMOVE t.lastActivityAt WITH t WHERE t.id = 't_ahead' "
        "SET t.lastActivityAt = datetime('2999-01-01T00:00:00Z')",
    )
    await build.cypher(graph, "MATCH (v:SchemaVersion {version: 4}) DELETE v")
    try:
        assert await migrations.migrate(graph) == [4]
    finally:
        await migrations.migrate(graph)  # the version record back, whatever happened above

    rows = await graph.read(
        "MATCH (t:ProjectTeam) RETURN t.id AS id, toString(t.lastActivityAt) AS at ORDER BY id"
    )
    a2 = (await graph.read("MATCH (a:Activity {id: 'a2'}) RETURN toString(a.at) AS at"))[0]["at"]
    assert rows == [
        {"id": "t_ahead", "at": "2999-01-01T00:00:00Z"},
        {"id": "t_old", "at": a2},
        {"id": "t_quiet", "at": None},
    ]


async def test_migration_4_run_again_changes_nothing(graph: Graph) -> None:
    await build.institution(graph, "inst_a", "A")
    await build.person(graph, "p", "P", "inst_a")
    await build.issue(graph, "i", "I")
    await build.team(graph, "t", "t", "i", members=[("p", "LEAD", 10)])
    await build.activity(graph, "a1", "t", days_ago=3, seq=1)
    [migration] = [m for m in migrations.MIGRATIONS if m.version == 4]
    before = await graph.read("MATCH (t:ProjectTeam) RETURN t {.*} AS t")

    for statement in migration.statements:
        await build.cypher(graph, statement)

    assert await graph.read("MATCH (t:ProjectTeam) RETURN t {.*} AS t") == before
