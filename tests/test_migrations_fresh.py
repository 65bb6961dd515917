"""Two hubs starting together on a fresh database: a Neo4j of this module's own, empty, because
dropping the schema of the shared test database under other tests' cached plans is not safe."""

import asyncio
from collections.abc import Iterator

import pytest

from graph import migrations
from graph.access import Viewer
from graph.driver import Graph
from graph.embedded import EmbeddedNeo4j
from graph.search import search
from tests import handbuilt as h
from tests.conftest import TEST_PASSWORD, own_neo4j

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fresh_neo4j() -> Iterator[EmbeddedNeo4j]:
    server = own_neo4j("fresh-migrations-neo4j")
    process = server.start()
    yield server
    process.terminate()
    process.wait(timeout=60)


async def test_two_hubs_starting_together_both_migrate_and_each_version_is_recorded_once(
    fresh_neo4j: EmbeddedNeo4j,
) -> None:
    first, second = (Graph.connect(fresh_neo4j.uri, "neo4j", TEST_PASSWORD) for _ in range(2))
    try:
        applied = await asyncio.gather(migrations.migrate(first), migrations.migrate(second))
        rows = await first.read("MATCH (v:SchemaVersion) RETURN v.version AS v ORDER BY v")
        again = await migrations.migrate(first)
    finally:
        await first.close()
        await second.close()
    latest = [m.version for m in migrations.MIGRATIONS]
    assert latest in applied  # at least one of them applied everything, neither failed
    assert [r["v"] for r in rows] == latest
    assert again == []


# What a hub applies to a database that migration 3 left.
AFTER_3 = [m.version for m in migrations.MIGRATIONS if m.version > 3]
AFTER_5 = [m.version for m in migrations.MIGRATIONS if m.version > 5]


async def _as_version_3_with_broken_data(graph: Graph) -> None:
    """The database as a hub before migration 4 left it: its constraints, version record and step
    claims gone, and data breaking its rules (without the keys it brought)."""
    await h.cypher(graph, "DROP CONSTRAINT member_key IF EXISTS")
    await h.cypher(graph, "DROP CONSTRAINT lead_key IF EXISTS")
    await h.cypher(graph, "DROP CONSTRAINT open_invitation_key IF EXISTS")
    await h.cypher(graph, "MATCH (n) WHERE NOT (n:SchemaVersion AND n.version < 4) DETACH DELETE n")
    await h.institution(graph, "vm", "VM")
    await h.issue(graph, "i1", "Open data")
    for id, name in (("anna", "Anna"), ("juris", "Juris"), ("liga", "Līga")):
        await h.person(graph, id, name, "vm")
    await h.team(graph, "t1", "Team 1", "i1", members=[("anna", "LEAD", 70), ("juris", "LEAD", 50)])
    await h.team(graph, "t2", "Team 2", "i1", members=[("anna", "MEMBER", 30), ("anna", "MEMBER", 40)])
    await h.team(graph, "t3", "Team 3", "i1", members=[("liga", "LEAD", 20)])
    await h.cypher(
        graph,
        "MATCH (t:ProjectTeam {id: 't3'}), (p:Person {id: 'anna'}) UNWIND [1, 2] AS n"
        " CREATE (v:Invitation:Entity {id: 'v' + n, status: 'PENDING', role: 'MEMBER', allocation: 10,"
        " createdAt: datetime() - duration({days: 3 - n}), expiresAt: datetime() + duration({days: 10})})"
        " CREATE (v)-[:TO_JOIN]->(t), (v)-[:INVITES]->(p)",
    )


async def test_two_hubs_upgrading_a_broken_database_together_repair_it_once(
    fresh_neo4j: EmbeddedNeo4j,
) -> None:
    first, second = (Graph.connect(fresh_neo4j.uri, "neo4j", TEST_PASSWORD) for _ in range(2))
    try:
        await migrations.migrate(first)
        for _round in range(3):
            await _as_version_3_with_broken_data(first)

            applied = await asyncio.gather(migrations.migrate(first), migrations.migrate(second))

            assert AFTER_3 in applied, applied
            await first.settled()
            await second.settled()
            rows = await first.read(
                "MATCH (a:Activity) RETURN a.verb AS verb, a.targetId AS target ORDER BY verb, target"
            )
            assert [(r["verb"], r["target"]) for r in rows] == [
                ("invitation.withdrawn", "v2"),
                ("person.over_allocated", "anna"),
                ("team.lead_repaired", "t1"),
                ("team.lead_repaired", "t2"),
                ("team.memberships_merged", "t2"),
            ]
            rows = await first.read(
                "MATCH (p:Person)-[m:MEMBER_OF]->(t) RETURN p.id AS p, t.id AS t, m.role AS role,"
                " m.allocation AS allocation, m.memberKey AS key, m.leadKey AS lead ORDER BY t, p"
            )
            assert [tuple(r.values()) for r in rows] == [
                ("anna", "t1", "LEAD", 70, "anna|t1", "t1"),  # same `since`: the lower person id
                ("juris", "t1", "MEMBER", 50, "juris|t1", None),
                ("anna", "t2", "LEAD", 40, "anna|t2", "t2"),  # merged, then the team's only member leads
                ("liga", "t3", "LEAD", 20, "liga|t3", "t3"),
            ]
            steps = await first.read(
                "MATCH (s:MigrationStep) RETURN s.name AS name, s.changed AS changed ORDER BY name"
            )
            assert [(s["name"], s["changed"]) for s in steps] == [
                ("4.1 memberships: one per person and team", 1),
                ("4.2 leads: exactly one per team", 2),
                ("4.3 allocations over full time: reported to the leads", 1),
                ("4.4 invitations: one open per person and team", 1),
            ]
            versions = await first.read("MATCH (v:SchemaVersion) RETURN v.version AS v ORDER BY v")
            assert [v["v"] for v in versions] == [1, 2, 3, *AFTER_3]
        assert await migrations.migrate(second) == []
    finally:
        await first.close()
        await second.close()


async def test_breakage_written_after_the_repairs_is_repaired_again_before_its_constraint(
    fresh_neo4j: EmbeddedNeo4j,
) -> None:
    """An older hub still serving wrote a duplicate after this one's repairs had run (their steps
    are claimed): the constraint cannot be created, so the repairs run again, and it is."""
    graph = Graph.connect(fresh_neo4j.uri, "neo4j", TEST_PASSWORD)
    try:
        await migrations.migrate(graph)
        await _as_version_3_with_broken_data(graph)
        await h.cypher(
            graph,
            "UNWIND ['4.1 memberships: one per person and team', '4.2 leads: exactly one per team',"
            " '4.3 allocations over full time: reported to the leads',"
            " '4.4 invitations: one open per person and team'] AS name CREATE (:MigrationStep {name: name})",
        )
        # Keyed, as a backfill would have keyed them: the constraint sees the duplicate.
        await h.cypher(graph, "MATCH (p:Person)-[m:MEMBER_OF]->(t) SET m.memberKey = p.id + '|' + t.id")

        assert await migrations.migrate(graph) == AFTER_3

        rows = await graph.read(
            "MATCH (:Person {id: 'anna'})-[m:MEMBER_OF]->(:ProjectTeam {id: 't2'}) RETURN count(m) AS n"
        )
        assert rows[0]["n"] == 1
        constraints = await graph.read(
            "SHOW CONSTRAINTS YIELD name WHERE name ENDS WITH '_key' RETURN collect(name) AS names"
        )
        assert set(constraints[0]["names"]) >= {"member_key", "lead_key", "open_invitation_key"}
    finally:
        await graph.close()


async def _as_version_5_with_text(graph: Graph) -> None:
    """The database as a hub before migration 6 left it: the full-text index as migration 1 made it
    (standard-folding, no team mandates), and an issue and a team to find."""
    await h.cypher(graph, "DROP INDEX search_text IF EXISTS")
    await h.cypher(graph, "DROP INDEX search_folded IF EXISTS")
    await h.cypher(
        graph,
        "CREATE FULLTEXT INDEX search_text IF NOT EXISTS "
        "FOR (n:Person|Institution|HorizontalIssue|ProjectTeam|Skill) "
        "ON EACH [n.name, n.title, n.description, n.nameLv, n.nameEn, n.code, n.email] "
        "OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-folding'}}",
    )
    await h.cypher(graph, "MATCH (n) WHERE NOT (n:SchemaVersion AND n.version < 6) DETACH DELETE n")
    await h.issue(graph, "i_sec", "Informācijas drošība")
    await h.team(graph, "t1", "Darba grupa", "i_sec")
    await h.cypher(
        graph, "MATCH (t:ProjectTeam {id: 't1'}) SET t.mandate = 'Izstrādā priekšlikumus ministrijai'"
    )
    await graph.read("CALL db.awaitIndexes(300)")


async def _text_indexes(graph: Graph) -> list[tuple[str, str]]:
    rows = await graph.read(
        "SHOW FULLTEXT INDEXES YIELD name, options WHERE name STARTS WITH 'search_' "
        "RETURN name, options.indexConfig['fulltext.analyzer'] AS analyzer ORDER BY name"
    )
    return [(r["name"], r["analyzer"]) for r in rows]


async def _found(graph: Graph, text: str) -> list[str]:
    return [r["id"] for r in await search(graph, text, Viewer(person_id=None, signed_in=True))]


async def test_migration_6_remakes_the_search_index_of_an_existing_database_with_the_latvian_analyzer(
    fresh_neo4j: EmbeddedNeo4j,
) -> None:
    graph = Graph.connect(fresh_neo4j.uri, "neo4j", TEST_PASSWORD)
    try:
        await migrations.migrate(graph)
        await _as_version_5_with_text(graph)
        assert await _found(graph, "drošības") == []  # standard-folding: no stems
        assert await _found(graph, "ministrijai") == []  # nor mandates

        assert await migrations.migrate(graph) == AFTER_5

        assert await _text_indexes(graph) == [("search_text", "latvian-folding")]
        assert await _found(graph, "drošības") == ["i_sec"]
        assert await _found(graph, "drosibas") == ["i_sec"]
        assert await _found(graph, "ministrijas") == ["t1"]
        assert await _found(graph, "izstrādāt") == ["t1"]
        assert await migrations.migrate(graph) == []
    finally:
        await graph.close()


async def test_without_the_latvian_folding_analyzer_migration_6_makes_a_latvian_index_and_a_folded_copy(
    fresh_neo4j: EmbeddedNeo4j, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on Aura, where no plugin can be added: only the detection is told the analyzer is
    missing; the indexes and the searches over them are real."""
    graph = Graph.connect(fresh_neo4j.uri, "neo4j", TEST_PASSWORD)
    builtin = [a for a in await migrations.available_analyzers(graph) if a != "latvian-folding"]
    try:
        await migrations.migrate(graph)
        await _as_version_5_with_text(graph)
        with monkeypatch.context() as patched:

            async def without_it(_: Graph) -> list[str]:
                return builtin

            patched.setattr(migrations, "available_analyzers", without_it)
            assert await migrations.migrate(graph) == AFTER_5

        assert await _text_indexes(graph) == [
            ("search_folded", "standard-folding"),
            ("search_text", "latvian"),
        ]
        versions = await graph.read("MATCH (v:SchemaVersion {version: 6}) RETURN v.textIndexes AS indexes")
        assert versions == [{"indexes": ["search_text", "search_folded"]}]
        assert await _found(graph, "drošības") == ["i_sec"]  # the latvian index stems
        assert await _found(graph, "drosiba") == ["i_sec"]  # the folded copy folds
        assert await _found(graph, "drošība") == ["i_sec"]  # found by both, listed once
        assert await _found(graph, "ministrijas") == ["t1"]
        assert await _found(graph, "drosibas") == []  # neither stems text typed without diacritics
    finally:
        # Back to the launcher's analyzer for the other tests of this module.
        await h.cypher(graph, "MATCH (v:SchemaVersion {version: 6}) DELETE v")
        await migrations.migrate(graph)
        await graph.close()
