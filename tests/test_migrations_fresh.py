"""Two hubs starting together on a fresh database: a Neo4j of this module's own, empty, because
dropping the schema of the shared test database under other tests' cached plans is not safe."""

import asyncio
from collections.abc import Iterator

import pytest

from graph import migrations
from graph.driver import Graph
from graph.embedded import EmbeddedNeo4j
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
