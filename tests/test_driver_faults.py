"""Transactions the server stops (timeouts, lock waits) are "try again later", never internal errors."""

import pytest

from graph import activity
from graph.driver import Graph
from graph.embedded import EmbeddedNeo4j
from graph.errors import DatabaseUnavailable
from tests.conftest import TEST_PASSWORD


async def test_a_write_stopped_while_waiting_for_a_lock_is_database_unavailable(
    graph: Graph, neo4j: EmbeddedNeo4j
) -> None:
    await graph.write(lambda tx: activity.record(tx, verb="t", actor_id=None, target_id="x", summary="warm"))
    impatient = Graph.connect(neo4j.uri, "neo4j", TEST_PASSWORD, query_timeout_s=1.0)
    holder = graph.driver.session(database=graph.database)
    tx = await holder.begin_transaction()
    try:
        # Hold the activity counter's write lock, which every recorded change needs.
        await tx.run("MATCH (c:Counter {name: 'activity'}) SET c.value = c.value")
        with pytest.raises(DatabaseUnavailable):
            await impatient.write(
                lambda t: activity.record(t, verb="t", actor_id=None, target_id="x", summary="blocked")
            )
    finally:
        await tx.rollback()
        await holder.close()
        await impatient.close()
