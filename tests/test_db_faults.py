"""Database faults, end to end: a Neo4j of this module's own (kill -9 is ours to give) under a real
hub process, with concurrent readers and writers over real HTTP.

While Neo4j is down requests fail fast with DATABASE_UNAVAILABLE, /readyz turns 503 within 2 s and
/healthz stays 200; once Neo4j is back the same hub process serves again; every acknowledged
mutation is in the database (by id), and writers that retried with their idempotency key never
created a duplicate. NEO-02 (a peer that accepts and never speaks Bolt) fails within the
acquisition timeout.
"""

import asyncio
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from graph import migrations
from graph.driver import Graph
from graph.embedded import EmbeddedNeo4j
from graph.errors import DatabaseUnavailable
from tests.conftest import (
    TEST_ADMIN_EMAIL,
    TEST_DATA_DIR,
    TEST_PASSWORD,
    Hub,
    free_port,
    own_neo4j,
    start_hub,
)

FAIL_FAST_S = 5.0  # the budget a request gets while the database is down
CONNECT_TIMEOUT_S = 1.5  # the hub's NEO4J_CONNECT_TIMEOUT here (acquisition: 3 s, retries: 0.75 s)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def faulty_neo4j() -> Iterator[tuple[EmbeddedNeo4j, list[Any]]]:
    server = own_neo4j("faults-neo4j")
    processes = [server.start()]  # the test appends the restarted launcher
    yield server, processes
    for process in processes:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=60)


async def migrate(uri: str) -> None:
    graph = Graph.connect(uri, "neo4j", TEST_PASSWORD)
    try:
        await migrations.migrate(graph)
    finally:
        await graph.close()


@pytest.fixture(scope="module")
def faulty_hub(faulty_neo4j: tuple[EmbeddedNeo4j, list[Any]]) -> Iterator[Hub]:
    server, _ = faulty_neo4j
    # Migrate with default timeouts first: schema creation on a loaded machine can outlast the
    # short timeouts the hub gets here, which are for failing fast, not for start-up.
    asyncio.run(migrate(server.uri))
    port = free_port()
    env = {
        "NEO4J_URI": server.uri,
        "NEO4J_USER": "neo4j",
        "NEO4J_PASSWORD": TEST_PASSWORD,
        "NEO4J_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT_S),
        "HUB_DATA_DIR": str(TEST_DATA_DIR),
        "HUB_MODE": "development",
        "HUB_LOG_LEVEL": "warning",
        "HUB_ADMIN_EMAILS": TEST_ADMIN_EMAIL,
    }
    process = start_hub(env, port, TEST_DATA_DIR / f"hub-faults-{port}.log")
    yield Hub(f"http://127.0.0.1:{port}", process, env)
    process.terminate()
    process.wait(timeout=30)


@dataclass
class Load:
    """What the clients saw: durations, error codes, and the writes the hub acknowledged."""

    durations: list[float] = field(default_factory=list)
    codes: Counter[str] = field(default_factory=Counter)
    acknowledged: dict[str, str] = field(default_factory=dict)  # skill name -> id
    health_failures: int = 0
    stop: asyncio.Event = field(default_factory=asyncio.Event)


CREATE = "mutation($name: String!) { createSkill(input: {name: $name}) { id } }"


async def timed_post(
    client: httpx.AsyncClient, load: Load, body: dict[str, Any], key: str | None = None
) -> dict[str, Any] | None:
    start = time.monotonic()
    headers = {"idempotency-key": key} if key else {}
    try:
        response = await client.post("/graphql", json=body, headers=headers)
    except httpx.TimeoutException:
        load.codes["CLIENT_TIMEOUT"] += 1
        return None
    finally:
        load.durations.append(time.monotonic() - start)
    if response.status_code >= 500:
        load.codes[f"HTTP_{response.status_code}"] += 1
        return None
    result: dict[str, Any] = response.json()
    for error in result.get("errors", []):
        load.codes[error["extensions"]["code"]] += 1
    return result


async def writer(client: httpx.AsyncClient, load: Load, worker: int) -> None:
    """Creates skills one after another; retries each with its key until acknowledged."""
    n = 0
    while not load.stop.is_set():
        name, key = f"Skill {worker}-{n}", uuid.uuid4().hex
        while True:
            result = await timed_post(client, load, {"query": CREATE, "variables": {"name": name}}, key)
            if result and "errors" not in result:
                load.acknowledged[name] = result["data"]["createSkill"]["id"]
                break
            if load.stop.is_set():
                return
            await asyncio.sleep(0.1)
        n += 1


async def reader(client: httpx.AsyncClient, load: Load) -> None:
    while not load.stop.is_set():
        await timed_post(client, load, {"query": "{ skills(first: 5) { totalCount nodes { id name } } }"})
        await asyncio.sleep(0.02)


async def prober(client: httpx.AsyncClient, load: Load) -> None:
    while not load.stop.is_set():
        try:
            if (await client.get("/healthz")).status_code != 200:
                load.health_failures += 1
        except httpx.TransportError:
            load.health_failures += 1
        await asyncio.sleep(0.1)


async def wait_for_readyz(client: httpx.AsyncClient, status: int, within_s: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < within_s:
        try:
            if (await client.get("/readyz")).status_code == status:
                return time.monotonic() - start
        except httpx.TimeoutException:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError(f"/readyz did not answer {status} within {within_s} s")


@pytest.fixture
async def client(faulty_hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    # Signed in as the bootstrap administrator: during the outage even looking the caller up fails.
    auth = {"Authorization": f"Bearer {faulty_hub.token_for(TEST_ADMIN_EMAIL)}"}
    async with httpx.AsyncClient(base_url=faulty_hub.base_url, timeout=30, headers=auth) as client:
        yield client


async def test_neo4j_killed_under_load_fails_fast_recovers_and_loses_no_acknowledged_write(
    faulty_neo4j: tuple[EmbeddedNeo4j, list[Any]], client: httpx.AsyncClient
) -> None:
    server, processes = faulty_neo4j
    load = Load()
    tasks = [
        *(asyncio.create_task(writer(client, load, w)) for w in range(3)),
        *(asyncio.create_task(reader(client, load)) for _ in range(2)),
        asyncio.create_task(prober(client, load)),
    ]
    for _ in range(300):  # up to 60 s: a loaded machine may be slow to warm up
        if len(load.acknowledged) >= 5:
            break
        await asyncio.sleep(0.2)
    assert len(load.acknowledged) >= 5
    # Warm-up on a loaded machine can be slow; from here on every request is judged.
    load.codes.clear()

    # kill -9: no clean shutdown, connections die mid-flight.
    processes[0].kill()
    processes[0].wait()
    unready_in = await wait_for_readyz(client, 503, within_s=2.0)
    print(f"/readyz 503 {unready_in:.2f} s after kill -9")

    outage_start = len(load.durations)
    await asyncio.sleep(3)
    outage_durations = load.durations[outage_start:]
    assert outage_durations, "the clients sent nothing during the outage"
    assert max(outage_durations) < FAIL_FAST_S
    assert set(load.codes) == {"DATABASE_UNAVAILABLE"}, load.codes
    print(
        f"outage: {len(outage_durations)} requests, slowest {max(outage_durations):.2f} s, "
        f"codes {dict(load.codes)}"
    )

    # Neo4j comes back on the same port and data; the hub process is the same one.
    processes.append(await asyncio.to_thread(server.start))
    recovered_in = await wait_for_readyz(client, 200, within_s=30)
    print(f"/readyz 200 again {recovered_in:.2f} s after the launcher said READY")
    acked_at_recovery = len(load.acknowledged)
    await asyncio.sleep(2)
    load.stop.set()
    await asyncio.gather(*tasks)

    assert len(load.acknowledged) > acked_at_recovery, "writes did not resume after recovery"
    assert load.health_failures == 0
    assert set(load.codes) <= {"DATABASE_UNAVAILABLE"}, load.codes  # never CONFLICT: no duplicate

    graph = Graph.connect(server.uri, "neo4j", TEST_PASSWORD)
    try:
        rows = await graph.read(
            "MATCH (s:Skill) RETURN collect(s.id) AS ids, count(s) AS n, count(DISTINCT s.name) AS names"
        )
    finally:
        await graph.close()
    stored = set(rows[0]["ids"])
    assert set(load.acknowledged.values()) <= stored, "an acknowledged write is missing"
    assert rows[0]["n"] == rows[0]["names"]  # one node per name: no retry wrote twice


async def test_a_peer_that_never_speaks_bolt_fails_within_the_acquisition_timeout() -> None:
    """NEO-02: a TCP stub accepts and stays silent; the driver gives up, it does not hang."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    graph = Graph.connect(f"bolt://127.0.0.1:{port}", "neo4j", "x", connect_timeout_s=CONNECT_TIMEOUT_S)
    start = time.monotonic()
    try:
        with pytest.raises(DatabaseUnavailable):
            await graph.read("RETURN 1 AS one")
        elapsed = time.monotonic() - start
    finally:
        await graph.close()
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()
    assert accepted, "the driver never connected to the stub"
    # Each attempt ends at the acquisition timeout (2 × connect); the driver retries once within
    # its retry time (connect / 2, from the first failure) after a ~1 s back-off. Slack for load.
    assert elapsed < 2 * (CONNECT_TIMEOUT_S * 2) + 1.2 + 1.5


async def test_a_closed_port_fails_fast_as_database_unavailable() -> None:
    """NEO-01: nothing listens; the driver reports unavailable within the connect timeout."""
    graph = Graph.connect(
        f"bolt://127.0.0.1:{free_port()}", "neo4j", "x", connect_timeout_s=CONNECT_TIMEOUT_S
    )
    start = time.monotonic()
    try:
        with pytest.raises(DatabaseUnavailable):
            await graph.read("RETURN 1 AS one")
    finally:
        await graph.close()
    assert time.monotonic() - start < CONNECT_TIMEOUT_S * 2 + 1.5
