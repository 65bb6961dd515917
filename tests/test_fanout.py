"""Live feeds served by the fan-out loop (hub/live/fanout.py), over real sockets against a real hub:
each subscription's frames under its own id, nothing after `complete`, visibility checked per
event (a removed member stops receiving), and a burst of subscribers served without refusal on a
tiny Neo4j pool."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from graph.driver import Graph
from tests import builders
from tests import live_client as lc
from tests.conftest import Hub
from tests.test_subscriptions import INSTITUTION_FEED, institution, item, rename, spawned_hub

TEAM_FEED = """
subscription($id: ID!) { teamActivity(teamId: $id) { activity { verb summary } } }
"""
CREATE_POST = "mutation($t: ID!, $b: String!) { createPost(input: {teamId: $t, body: $b}) { id } }"
REMOVE_MEMBER = "mutation($t: ID!, $p: ID!) { removeMember(teamId: $t, personId: $p) { id } }"


def fanout_frames(hub: Hub) -> float:
    for line in hub.http.get("/metrics").text.splitlines():
        if line.startswith("hub_live_fanout_frames_total "):
            return float(line.split()[1])
    raise AssertionError("hub_live_fanout_frames_total not in /metrics")


def compact(message: object) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


async def test_live_frames_come_from_the_fan_out_loop_each_under_its_subscriptions_id(hub: Hub) -> None:
    fm = institution(hub, "FM")
    ws = await lc.connect(hub.ws_url, hub.ws_init())
    other = await lc.connect(hub.ws_url, hub.ws_init())
    for sid in ("a", 'ünï"code'):
        await lc.subscribe(ws, sid, INSTITUTION_FEED, {"id": fm})
    await lc.subscribe(other, "c", INSTITUTION_FEED, {"id": fm})
    await asyncio.sleep(0.3)
    before = fanout_frames(hub)

    rename(hub, fm, "Ministry of Finance")
    raw = [await asyncio.wait_for(ws.recv(), 20) for _ in range(2)] + [
        await asyncio.wait_for(other.recv(), 20)
    ]

    messages = [json.loads(r) for r in raw]
    assert sorted(m["id"] for m in messages) == sorted(["a", 'ünï"code', "c"])
    assert {m["type"] for m in messages} == {"next"}
    assert all(r == compact(m) for r, m in zip(raw, messages, strict=True))  # graphql-transport-ws, compact
    assert {item(m["payload"])["activity"]["verb"] for m in messages} == {"institution.updated"}
    assert all("cypherQueries" in m["payload"]["extensions"] for m in messages)  # development mode
    assert fanout_frames(hub) - before == 3
    await ws.close()
    await other.close()


async def test_subscriptions_with_the_same_id_on_many_sockets_each_get_the_event_once(hub: Hub) -> None:
    # Their frames are one frame, written to each socket.
    fm = institution(hub, "FM")
    sockets = [await lc.connect(hub.ws_url, hub.ws_init()) for _ in range(3)]
    for ws in sockets:
        await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm})
    await asyncio.sleep(0.3)

    rename(hub, fm, "Ministry of Finance")
    rename(hub, fm, "Finance Ministry")
    raw = [[await asyncio.wait_for(ws.recv(), 20) for _ in range(2)] for ws in sockets]

    assert raw[0] == raw[1] == raw[2]
    messages = [json.loads(r) for r in raw[0]]
    assert [m["id"] for m in messages] == ["1", "1"]
    seqs = [item(m["payload"])["activity"]["seq"] for m in messages]
    assert seqs == sorted(set(seqs))  # in order, no duplicate
    for ws in sockets:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(ws.recv(), 0.5)
        await ws.close()


async def test_a_completed_subscription_gets_nothing_more_while_its_sibling_on_the_socket_does(
    hub: Hub,
) -> None:
    fm = institution(hub, "FM")
    ws = await lc.connect(hub.ws_url, hub.ws_init())
    for sid in ("stays", "leaves"):
        await lc.subscribe(ws, sid, INSTITUTION_FEED, {"id": fm})
    await asyncio.sleep(0.3)
    rename(hub, fm, "one")
    assert sorted([(await lc.receive(ws))["id"] for _ in range(2)]) == ["leaves", "stays"]

    await lc.send(ws, {"id": "leaves", "type": "complete"})
    await asyncio.sleep(0.2)
    rename(hub, fm, "two")

    message = await lc.receive(ws)
    assert (message["id"], message["type"]) == ("stays", "next")
    with pytest.raises(TimeoutError):
        await lc.receive(ws, wait_s=1.5)
    await ws.close()


async def test_the_same_id_subscribed_again_after_complete_gets_the_new_subscriptions_frames_once(
    hub: Hub,
) -> None:
    fm = institution(hub, "FM")
    ws = await lc.connect(hub.ws_url, hub.ws_init())
    await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm})
    await asyncio.sleep(0.3)
    await lc.send(ws, {"id": "1", "type": "complete"})
    await asyncio.sleep(0.2)
    await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm})
    await asyncio.sleep(0.3)

    rename(hub, fm, "renamed")

    message = await lc.receive(ws)
    assert (message["id"], item(message["payload"])["activity"]["verb"]) == ("1", "institution.updated")
    with pytest.raises(TimeoutError):
        await lc.receive(ws, wait_s=1.5)
    await ws.close()


async def test_a_member_removed_from_a_restricted_team_stops_receiving_its_events(
    hub: Hub, graph: Graph
) -> None:
    fm = institution(hub, "FM")  # through the hub first: it hears this emptied graph's new history
    lead = (await builders.person(graph, "Lead", fm, email="lead@fm.gov.lv"))["id"]
    member = (await builders.person(graph, "Member", fm, email="member@fm.gov.lv"))["id"]
    issue = (await builders.issue(graph, "Roads"))["id"]
    team = (await builders.team(graph, "Secret", issue, lead, visibility="RESTRICTED"))["id"]
    await builders.add_member(graph, team, member)
    await graph.settled()  # the team's creation numbered before the feed starts, so not in it
    ws = await lc.connect(hub.ws_url, hub.ws_init("member@fm.gov.lv"))
    await lc.subscribe(ws, "1", TEAM_FEED, {"id": team})
    await asyncio.sleep(0.3)

    hub.data(CREATE_POST, {"t": team, "b": "before"})
    assert item(await lc.next_payload(ws))["activity"]["verb"] == "post.created"
    hub.data(REMOVE_MEMBER, {"t": team, "p": member})
    hub.data(CREATE_POST, {"t": team, "b": "after"})
    hub.data(CREATE_POST, {"t": team, "b": "after again"})

    # At most the removal itself (the feed's last event the member may have seen), then nothing.
    seen: list[dict[str, Any]] = []
    with pytest.raises(TimeoutError):
        while True:
            seen.append(item(await lc.next_payload(ws, wait_s=2)))
    assert [s["activity"]["verb"] for s in seen if s["activity"]["verb"] == "post.created"] == []
    await ws.close()


async def test_a_burst_of_subscribers_on_a_one_connection_neo4j_pool_is_served_without_refusal(
    hub_env: dict[str, str], graph: Graph
) -> None:
    # A one-connection pool that gives up after 2 s: one Neo4j read per connection_init and per
    # subscribe would time out here; shared sign-in lookups and head reads queue instead.
    env = {**hub_env, "NEO4J_POOL_SIZE": "1", "NEO4J_CONNECT_TIMEOUT": "1", "HUB_WS_PING_INTERVAL": "300"}
    with spawned_hub(env) as hub:
        fm = institution(hub, "FM")

        async def one() -> Any:
            ws = await lc.connect(hub.ws_url, hub.ws_init())
            await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm})
            return ws

        sockets = await asyncio.gather(*(one() for _ in range(150)))
        await asyncio.sleep(1)
        rename(hub, fm, "Finance")

        verbs = [item(await lc.next_payload(ws))["activity"]["verb"] for ws in sockets]
        assert verbs == ["institution.updated"] * 150
        await asyncio.gather(*(ws.close() for ws in sockets))
