"""Idempotency keys: a client that retries a mutation with the same `Idempotency-Key` gets the
first result and the change is written once, even when the duplicates arrive together."""

import asyncio
import json
import socket
from typing import Any

import httpx

from graph import idempotency
from graph.driver import Graph, run
from tests.conftest import Hub

CREATE_SKILL = 'mutation { createSkill(input: {name: "Kartogrāfija"}) { id name } }'


def post(hub: Hub, query: str, key: str | None, variables: dict[str, Any] | None = None) -> httpx.Response:
    headers = {"idempotency-key": key} if key else {}
    return hub.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)


async def count(graph: Graph, cypher: str) -> int:
    rows = await graph.read(cypher)  # type: ignore[arg-type]
    return int(rows[0]["n"])


async def test_a_retry_after_commit_returns_the_first_result_and_writes_nothing(
    hub: Hub, graph: Graph
) -> None:
    first = post(hub, CREATE_SKILL, "key-1").json()
    retry = post(hub, CREATE_SKILL, "key-1").json()

    assert "errors" not in retry, retry
    assert retry["data"] == first["data"]
    assert await count(graph, "MATCH (s:Skill) RETURN count(s) AS n") == 1
    assert await count(graph, "MATCH (a:Activity {verb: 'skill.created'}) RETURN count(a) AS n") == 1


async def test_without_a_key_a_repeat_is_a_second_attempt(hub: Hub, graph: Graph) -> None:
    post(hub, CREATE_SKILL, None)
    second = post(hub, CREATE_SKILL, None).json()
    assert second["errors"][0]["extensions"]["code"] == "CONFLICT"


async def test_different_keys_are_different_requests(hub: Hub, graph: Graph) -> None:
    post(hub, CREATE_SKILL, "key-a")
    other = post(hub, CREATE_SKILL, "key-b").json()
    assert other["errors"][0]["extensions"]["code"] == "CONFLICT"


async def test_concurrent_duplicates_create_exactly_one(hub: Hub, graph: Graph) -> None:
    signed_in = {"Authorization": hub.http.headers["Authorization"]}
    async with httpx.AsyncClient(base_url=hub.base_url, timeout=30, headers=signed_in) as client:
        responses = await asyncio.gather(
            *(
                client.post("/graphql", json={"query": CREATE_SKILL}, headers={"idempotency-key": "dup"})
                for _ in range(8)
            )
        )
    bodies = [r.json() for r in responses]
    assert all("errors" not in b for b in bodies), bodies
    assert len({b["data"]["createSkill"]["id"] for b in bodies}) == 1
    assert await count(graph, "MATCH (s:Skill) RETURN count(s) AS n") == 1
    assert await count(graph, "MATCH (k:IdempotencyKey) RETURN count(k) AS n") == 1


async def test_a_key_reused_for_another_request_is_refused(hub: Hub, graph: Graph) -> None:
    post(hub, CREATE_SKILL, "key-r")
    other = post(hub, 'mutation { createSkill(input: {name: "Cits"}) { id } }', "key-r").json()
    assert other["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert await count(graph, "MATCH (s:Skill) RETURN count(s) AS n") == 1


async def test_a_failed_mutation_leaves_no_key_so_a_corrected_retry_is_not_blocked(
    hub: Hub, graph: Graph
) -> None:
    bad = post(hub, 'mutation { createSkill(input: {name: ""}) { id } }', "key-f").json()
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await count(graph, "MATCH (k:IdempotencyKey) RETURN count(k) AS n") == 0


async def test_each_mutation_field_of_a_request_replays_its_own_result(hub: Hub, graph: Graph) -> None:
    query = (
        'mutation { a: createSkill(input: {name: "Alfa"}) { id name } '
        'b: createSkill(input: {name: "Beta"}) { id name } }'
    )
    first = post(hub, query, "key-2").json()
    retry = post(hub, query, "key-2").json()
    assert retry["data"] == first["data"]
    assert first["data"]["a"]["name"] == "Alfa" and first["data"]["b"]["name"] == "Beta"
    assert await count(graph, "MATCH (s:Skill) RETURN count(s) AS n") == 2


async def test_an_expired_key_is_purged_and_no_longer_replays(hub: Hub, graph: Graph) -> None:
    post(hub, CREATE_SKILL, "key-old")
    await graph.write(
        lambda tx: run(tx, "MATCH (k:IdempotencyKey) SET k.expiresAt = datetime() - duration('PT1S')")
    )
    post(hub, 'mutation { createSkill(input: {name: "Cits"}) { id } }', "key-new")
    rows = await graph.read("MATCH (k:IdempotencyKey) RETURN k.id AS id")
    assert [r["id"].split("\x1f")[1] for r in rows] == ["key-new#1"]


def test_an_overlong_key_is_a_400(hub: Hub) -> None:
    response = post(hub, CREATE_SKILL, "k" * 256)
    assert response.status_code == 400


def test_stored_results_round_trip_dates_and_datetimes() -> None:
    import datetime as dt

    value = {"at": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), "on": dt.date(2026, 1, 2), "n": [1, "x"]}
    assert idempotency.loads(idempotency.dumps(value)) == value


async def test_a_retry_after_the_answer_was_lost_returns_the_write_made_and_writes_once(
    hub: Hub, graph: Graph
) -> None:
    """The client sends the mutation and hangs up before the answer (a dropped connection, a
    timeout); its retry with the same key gets the skill the first request created, whether that
    request has finished by then or is still running."""
    body = json.dumps({"query": CREATE_SKILL}).encode()
    host, port = hub.base_url.removeprefix("http://").split(":")
    request = (
        f"POST /graphql HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Authorization: {hub.http.headers['Authorization']}\r\nIdempotency-Key: lost-1\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    with socket.create_connection((host, int(port))) as lost:
        lost.sendall(request)  # and gone, without reading the answer

    retry = hub.http.post(
        "/graphql", content=body, headers={"content-type": "application/json", "idempotency-key": "lost-1"}
    ).json()

    assert "errors" not in retry, retry
    rows = await graph.read("MATCH (s:Skill) RETURN s.id AS id")
    assert [r["id"] for r in rows] == [retry["data"]["createSkill"]["id"]]
    assert await count(graph, "MATCH (a:Activity {verb: 'skill.created'}) RETURN count(a) AS n") == 1
