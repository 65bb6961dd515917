"""Live feeds served by the fan-out loop (hub/live/fanout.py), over real sockets against a real hub:
each subscription's frames under its own id, nothing after `complete`, visibility checked per
event (a removed member stops receiving), and a burst of subscribers served without refusal on a
tiny Neo4j pool."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from graph.driver import Graph
from tests import builders
from tests import live_client as lc
from tests.conftest import Hub, served_hub
from tests.test_subscriptions import INSTITUTION_FEED, institution, item, rename

TEAM_FEED = """
subscription($id: ID!) { teamActivity(teamId: $id) { activity { verb summary } } }
"""
CREATE_POST = "mutation($t: ID!, $b: String!) { createPost(input: {teamId: $t, body: $b}) { id } }"
REMOVE_MEMBER = "mutation($t: ID!, $p: ID!) { removeMember(teamId: $t, personId: $p) { id } }"
ISSUE_FEED = "subscription($id: ID!) { issueActivity(issueId: $id) { activity { verb summary } } }"
UPDATE_ISSUE = 'mutation($i: ID!) { updateIssue(id: $i, patch: {title: "Roads 2"}) { id } }'


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
    await lc.started(hub.base_url, 3)
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
    await lc.started(hub.base_url, 3)

    for name in ("Ministry of Finance", "Finance Ministry", "Finance"):
        rename(hub, fm, name)
    raw = [[await asyncio.wait_for(ws.recv(), 20) for _ in range(3)] for ws in sockets]

    assert raw[0] == raw[1] == raw[2]
    messages = [json.loads(r) for r in raw[0]]
    assert [m["id"] for m in messages] == ["1", "1", "1"]
    # Each event once, in order: a duplicate would have come before the third event's frame.
    assert [item(m["payload"])["activity"]["seq"] for m in messages] == [2, 3, 4]
    for ws in sockets:
        await ws.close()


async def test_a_completed_subscription_gets_nothing_more_while_its_sibling_on_the_socket_does(
    hub: Hub,
) -> None:
    fm = institution(hub, "FM")
    ws = await lc.connect(hub.ws_url, hub.ws_init())
    for sid in ("stays", "leaves"):
        await lc.subscribe(ws, sid, INSTITUTION_FEED, {"id": fm})
    await lc.started(hub.base_url, 2)
    rename(hub, fm, "one")
    assert sorted([(await lc.receive(ws))["id"] for _ in range(2)]) == ["leaves", "stays"]

    await lc.send(ws, {"id": "leaves", "type": "complete"})
    await lc.started(hub.base_url, 1)  # the completed one has left the stream
    rename(hub, fm, "two")
    rename(hub, fm, "three")

    # Frames of one socket arrive in order: one for "leaves" would come before "three".
    got = [await lc.receive(ws) for _ in range(2)]
    assert [(m["id"], item(m["payload"])["activity"]["seq"]) for m in got] == [("stays", 3), ("stays", 4)]
    await ws.close()


async def test_the_same_id_subscribed_again_after_complete_gets_the_new_subscriptions_frames_once(
    hub: Hub,
) -> None:
    fm = institution(hub, "FM")
    ws = await lc.connect(hub.ws_url, hub.ws_init())
    await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm})
    await lc.started(hub.base_url, 1)
    await lc.send(ws, {"id": "1", "type": "complete"})
    await lc.until(hub.base_url, "the first subscription gone", lambda s: s["subscriptions"] == 0)
    await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm})
    await lc.started(hub.base_url, 1)

    rename(hub, fm, "renamed")
    rename(hub, fm, "renamed again")

    # Once each: a second frame for the first event would come before the second event's.
    got = [await lc.receive(ws) for _ in range(2)]
    assert [(m["id"], item(m["payload"])["activity"]["seq"]) for m in got] == [("1", 2), ("1", 3)]
    await ws.close()


async def test_a_member_removed_from_a_restricted_team_stops_receiving_its_events_on_other_feeds(
    hub: Hub, graph: Graph
) -> None:
    # Visibility is checked per event: the issue's feed goes on without the team's events.
    fm = institution(hub, "FM")  # through the hub first: it hears this emptied graph's new history
    lead = (await builders.person(graph, "Lead", fm, email="lead@fm.gov.lv"))["id"]
    member = (await builders.person(graph, "Member", fm, email="member@fm.gov.lv"))["id"]
    issue = (await builders.issue(graph, "Roads"))["id"]
    team = (await builders.team(graph, "Secret", issue, lead, visibility="RESTRICTED"))["id"]
    await builders.add_member(graph, team, member)
    await graph.settled()
    ws = await lc.connect(hub.ws_url, hub.ws_init("member@fm.gov.lv"))
    await lc.subscribe(ws, "1", ISSUE_FEED, {"id": issue})
    await lc.started(hub.base_url, 1)

    hub.data(CREATE_POST, {"t": team, "b": "before"})
    assert item(await lc.next_payload(ws))["activity"]["verb"] == "post.created"
    hub.data(REMOVE_MEMBER, {"t": team, "p": member})
    hub.data(CREATE_POST, {"t": team, "b": "after"})
    hub.data(UPDATE_ISSUE, {"i": issue})

    # The next the member gets is the issue's own change: nothing of the team came before it.
    assert item(await lc.next_payload(ws))["activity"]["verb"] == "issue.updated"
    await ws.close()


async def test_a_burst_of_subscribers_on_a_one_connection_neo4j_pool_is_served_without_refusal(
    hub_env: dict[str, str], graph: Graph
) -> None:
    # A one-connection pool that gives up after 2 s: one Neo4j read per connection_init and per
    # subscribe would time out here; shared sign-in lookups and head reads queue instead.
    env = {**hub_env, "NEO4J_POOL_SIZE": "1", "NEO4J_CONNECT_TIMEOUT": "1", "HUB_WS_PING_INTERVAL": "300"}
    with served_hub(env) as hub:
        fm = institution(hub, "FM")

        async def one() -> Any:
            ws = await lc.connect(hub.ws_url, hub.ws_init())
            await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm})
            return ws

        sockets = await asyncio.gather(*(one() for _ in range(150)))
        await lc.started(hub.base_url, 150)
        rename(hub, fm, "Finance")

        verbs = [item(await lc.next_payload(ws))["activity"]["verb"] for ws in sockets]
        assert verbs == ["institution.updated"] * 150
        await asyncio.gather(*(ws.close() for ws in sockets))
