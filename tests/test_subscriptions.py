"""Live activity over real WebSockets against a real hub process: delivery, replay from a
cursor, visibility, the map deltas, and the graphql-transport-ws protocol's limits and close codes."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import httpx
import websockets

from graph import institutions
from graph.driver import Graph
from graph.institutions import InstitutionPatch
from tests import builders
from tests import live_client as lc
from tests.conftest import TEST_ADMIN_EMAIL, Hub, served_hub

INSTITUTION_FEED = """
subscription Feed($id: ID!, $after: String) {
  institutionActivity(institutionId: $id, after: $after) { cursor replayed activity { seq verb summary targetId } }
}"""
CREATE_INSTITUTION = """
mutation($code: String!) {
  createInstitution(input: {code: $code, nameLv: $code, nameEn: $code, kind: MINISTRY}) { id }
}"""
UPDATE_INSTITUTION = """
mutation($id: ID!, $name: String!) { updateInstitution(id: $id, patch: {nameEn: $name}) { id } }
"""


def institution(hub: Hub, code: str) -> str:
    return str(hub.data(CREATE_INSTITUTION, {"code": code})["createInstitution"]["id"])


def rename(hub: Hub, id: str, name: str) -> None:
    hub.data(UPDATE_INSTITUTION, {"id": id, "name": name})


def item(payload: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in payload, payload
    data: dict[str, Any] = next(iter(payload["data"].values()))
    return data


def metric(hub: Hub, name: str) -> float:
    """A label-less metric's value from /metrics."""
    for line in hub.http.get("/metrics").text.splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


def live_stats(hub: Hub) -> dict[str, int]:
    stats: dict[str, int] = hub.http.get("/healthz/live").json()
    return stats


async def test_a_mutation_reaches_a_subscriber_of_its_institution_live(hub: Hub) -> None:
    fm = institution(hub, "FM")
    ws = await lc.connect(hub.ws_url, hub.ws_init())
    await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm})
    await lc.started(hub.base_url, 1)

    rename(hub, fm, "Ministry of Finance")
    got = item(await lc.next_payload(ws))

    assert got["replayed"] is False
    assert got["activity"] == {
        "seq": 2,
        "verb": "institution.updated",
        "summary": "Institution FM updated",
        "targetId": fm,
    }
    assert got["cursor"].endswith(":2")
    await ws.close()


async def test_a_live_events_actor_is_read_from_the_graph_with_what_it_selects(
    hub: Hub, graph: Graph
) -> None:
    fm = institution(hub, "FM")
    root = await builders.person(graph, "Root Person", fm, email=TEST_ADMIN_EMAIL)  # the hub's caller
    ws = await lc.connect(hub.ws_url, hub.ws_init())
    await lc.subscribe(
        ws,
        "1",
        "subscription($id: ID!) { institutionActivity(institutionId: $id) "
        "{ activity { verb actor { id name institution { code } } } } }",
        {"id": fm},
    )
    await lc.started(hub.base_url, 1)

    rename(hub, fm, "Ministry of Finance")

    assert item(await lc.next_payload(ws))["activity"] == {
        "verb": "institution.updated",
        "actor": {"id": root["id"], "name": "Root Person", "institution": {"code": "FM"}},
    }
    await ws.close()


async def test_without_a_cursor_a_subscription_starts_at_the_committed_head_not_at_what_this_hub_heard(
    hub: Hub, graph: Graph
) -> None:
    fm = institution(hub, "FM")
    # Committed by another process (as another replica would): this hub has not heard of seq 2.
    await institutions.update(graph, fm, InstitutionPatch(name_en="renamed elsewhere"), None)
    await graph.settled()  # numbered: committed before the subscription starts
    ws = await lc.connect(hub.ws_url, hub.ws_init())
    await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm})
    await lc.started(hub.base_url, 1)

    rename(hub, fm, "renamed here")
    got = item(await lc.next_payload(ws))

    assert (got["activity"]["seq"], got["replayed"]) == (3, False)
    await ws.close()


async def test_after_a_cursor_the_missed_events_are_replayed_then_live_ones_follow_without_gap(
    hub: Hub,
) -> None:
    fm = institution(hub, "FM")
    ws = await lc.connect(hub.ws_url, hub.ws_init())
    await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm})
    await lc.started(hub.base_url, 1)
    rename(hub, fm, "one")
    cursor = item(await lc.next_payload(ws))["cursor"]
    await ws.close()
    rename(hub, fm, "two")  # missed while away
    institution(hub, "VM")  # another feed's event in between
    rename(hub, fm, "three")

    ws = await lc.connect(hub.ws_url, hub.ws_init())
    await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm, "after": cursor})
    replayed = [item(await lc.next_payload(ws)) for _ in range(2)]
    rename(hub, fm, "four")
    live = item(await lc.next_payload(ws))

    assert [(r["activity"]["seq"], r["replayed"]) for r in replayed] == [(3, True), (5, True)]
    assert (live["activity"]["seq"], live["replayed"]) == (6, False)
    await ws.close()


async def test_a_cursor_from_another_history_gets_resync_required(hub: Hub) -> None:
    fm = institution(hub, "FM")
    ws = await lc.connect(hub.ws_url, hub.ws_init())

    await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm, "after": "gone-epoch:1"})
    message = await lc.receive(ws)

    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    assert errors[0]["extensions"]["code"] == "RESYNC_REQUIRED"
    assert "resync required" in errors[0]["message"]
    await ws.close()


async def test_a_malformed_cursor_is_bad_user_input(hub: Hub) -> None:
    fm = institution(hub, "FM")
    ws = await lc.connect(hub.ws_url, hub.ws_init())

    await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm, "after": "nonsense"})
    message = await lc.receive(ws)

    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    assert (errors[0]["extensions"]["code"], errors[0]["extensions"]["field"]) == ("BAD_USER_INPUT", "after")
    await ws.close()


ISSUE_FEED = """
subscription($id: ID!) { issueActivity(issueId: $id) { activity { verb } } }
"""


async def test_a_restricted_teams_activity_reaches_its_members_but_not_outsiders(hub: Hub) -> None:
    fm = institution(hub, "FM")
    people = [
        hub.data(
            "mutation($n: String!, $e: String!, $i: ID!) { createPerson(input: {name: $n, email: $e, institutionId: $i}) { id } }",
            {"n": name, "e": f"{name}@fm.gov.lv", "i": fm},
        )["createPerson"]["id"]
        for name in ("lead", "outsider")
    ]
    issue = hub.data('mutation { createIssue(input: {title: "Roads"}) { id } }')["createIssue"]["id"]
    as_lead = await lc.connect(hub.ws_url, hub.ws_init("lead@fm.gov.lv"))
    as_outsider = await lc.connect(hub.ws_url, hub.ws_init("outsider@fm.gov.lv"))
    for ws in (as_lead, as_outsider):
        await lc.subscribe(ws, "1", ISSUE_FEED, {"id": issue})
    await lc.started(hub.base_url, 2)

    hub.data(
        'mutation($i: ID!, $l: ID!) { createTeam(input: {name: "Secret", issueId: $i, leadPersonId: $l, visibility: RESTRICTED}) { team { id } } }',
        {"i": issue, "l": people[0]},
    )
    hub.data('mutation($i: ID!) { updateIssue(id: $i, patch: {title: "Roads 2"}) { id } }', {"i": issue})

    assert [item(await lc.next_payload(as_lead))["activity"]["verb"] for _ in range(2)] == [
        "team.created",
        "issue.updated",
    ]
    assert item(await lc.next_payload(as_outsider))["activity"]["verb"] == "issue.updated"
    await as_lead.close()
    await as_outsider.close()


def results_by_source(hub: Hub) -> dict[str, float]:
    prefix = 'hub_subscription_results_total{source="'
    return {
        line[len(prefix) :].split('"')[0]: float(line.split()[1])
        for line in hub.http.get("/metrics").text.splitlines()
        if line.startswith(prefix)
    }


async def test_equal_subscriptions_share_one_execution_per_event_and_viewer_and_outsiders_still_see_no_restricted_event(
    hub: Hub,
) -> None:
    fm = institution(hub, "FM")
    people = [
        hub.data(
            "mutation($n: String!, $e: String!, $i: ID!) { createPerson(input: {name: $n, email: $e, institutionId: $i}) { id } }",
            {"n": name, "e": f"{name}@fm.gov.lv", "i": fm},
        )["createPerson"]["id"]
        for name in ("lead", "outsider")
    ]
    issue = hub.data('mutation { createIssue(input: {title: "Roads"}) { id } }')["createIssue"]["id"]
    leads = [await lc.connect(hub.ws_url, hub.ws_init("lead@fm.gov.lv")) for _ in range(2)]
    outsiders = [await lc.connect(hub.ws_url, hub.ws_init("outsider@fm.gov.lv")) for _ in range(2)]
    for ws in (*leads, *outsiders):
        await lc.subscribe(ws, "1", ISSUE_FEED, {"id": issue})
    await lc.started(hub.base_url, 4)
    before = results_by_source(hub)

    hub.data(
        'mutation($i: ID!, $l: ID!) { createTeam(input: {name: "Secret", issueId: $i, leadPersonId: $l, visibility: RESTRICTED}) { team { id } } }',
        {"i": issue, "l": people[0]},
    )
    hub.data('mutation($i: ID!) { updateIssue(id: $i, patch: {title: "Roads 2"}) { id } }', {"i": issue})

    for ws in leads:
        verbs = [item(await lc.next_payload(ws))["activity"]["verb"] for _ in range(2)]
        assert verbs == ["team.created", "issue.updated"]
    for ws in outsiders:
        assert item(await lc.next_payload(ws))["activity"]["verb"] == "issue.updated"
    after = results_by_source(hub)
    # Executed: team.created for the lead; issue.updated for the lead and for the outsider.
    # Shared: each viewer's second connection, for each event it saw.
    assert (after["executed"] - before.get("executed", 0), after["shared"] - before.get("shared", 0)) == (
        3,
        3,
    )
    # Nothing else reached the outsiders: the next event on their feed is the next they get.
    hub.data('mutation($i: ID!) { updateIssue(id: $i, patch: {title: "Roads 3"}) { id } }', {"i": issue})
    for ws in outsiders:
        assert item(await lc.next_payload(ws))["activity"]["verb"] == "issue.updated"
    for ws in (*leads, *outsiders):
        await ws.close()


async def test_my_feed_without_a_person_names_person_id(hub: Hub) -> None:
    ws = await lc.connect(hub.ws_url, hub.ws_init())

    await lc.subscribe(ws, "1", "subscription { myFeed { cursor } }")
    message = await lc.receive(ws)

    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    assert (errors[0]["extensions"]["code"], errors[0]["extensions"]["field"]) == (
        "BAD_USER_INPUT",
        "personId",
    )
    await ws.close()


CREATE_PERSON = """
mutation($n: String!, $e: String!, $i: ID!) { createPerson(input: {name: $n, email: $e, institutionId: $i}) { id } }
"""


async def test_my_feed_of_another_person_is_refused_to_a_non_administrator(hub: Hub) -> None:
    fm = institution(hub, "FM")
    hub.data(CREATE_PERSON, {"n": "Anna", "e": "anna@fm.gov.lv", "i": fm})
    boris = hub.data(CREATE_PERSON, {"n": "Boris", "e": "boris@fm.gov.lv", "i": fm})["createPerson"]["id"]
    ws = await lc.connect(hub.ws_url, hub.ws_init("anna@fm.gov.lv"))

    await lc.subscribe(ws, "1", "subscription($p: ID) { myFeed(personId: $p) { cursor } }", {"p": boris})
    message = await lc.receive(ws)

    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    assert (errors[0]["extensions"]["code"], errors[0]["message"]) == (
        "FORBIDDEN",
        "not allowed: myFeed requires your own person, or an administrator, for personId",
    )
    await ws.close()


async def test_my_feed_follows_the_signed_in_persons_own_activity(hub: Hub) -> None:
    fm = institution(hub, "FM")
    anna = hub.data(
        'mutation($i: ID!) { createPerson(input: {name: "Anna", email: "anna@fm.gov.lv", institutionId: $i}) { id } }',
        {"i": fm},
    )["createPerson"]["id"]
    ws = await lc.connect(hub.ws_url, hub.ws_init("anna@fm.gov.lv"))
    await lc.subscribe(ws, "1", "subscription { myFeed { activity { verb targetId } } }")
    await lc.started(hub.base_url, 1)

    rename(hub, fm, "not Anna's")
    hub.data('mutation($p: ID!) { updatePerson(id: $p, patch: {title: "Analyst"}) { id } }', {"p": anna})

    assert item(await lc.next_payload(ws))["activity"] == {"verb": "person.updated", "targetId": anna}
    await ws.close()


MAP = """
subscription { issueMapChanges(filter: {statuses: [ACTIVE]}) { op kind nodeId sourceId targetId label verb } }
"""


async def test_issue_map_changes_add_an_issue_entering_the_filter_with_its_edges(hub: Hub) -> None:
    fm = institution(hub, "FM")
    ws = await lc.connect(hub.ws_url, hub.ws_init())
    await lc.subscribe(ws, "1", MAP)
    await lc.started(hub.base_url, 1)

    hub.data('mutation { createIssue(input: {title: "Ignored", status: PROPOSED}) { id } }')
    issue = hub.data(
        'mutation($i: ID!) { createIssue(input: {title: "Roads", status: ACTIVE, affected: [{institutionId: $i, stake: LEAD}]}) { id } }',
        {"i": fm},
    )["createIssue"]["id"]

    changes = [item(await lc.next_payload(ws)) for _ in range(2)]
    assert changes == [
        {
            "op": "ADDED",
            "kind": "HorizontalIssue",
            "nodeId": issue,
            "sourceId": None,
            "targetId": None,
            "label": "Roads",
            "verb": "issue.created",
        },
        {
            "op": "ADDED",
            "kind": "AFFECTS",
            "nodeId": None,
            "sourceId": issue,
            "targetId": fm,
            "label": "LEAD",
            "verb": "issue.created",
        },
    ]
    await ws.close()


async def test_a_disconnected_client_leaves_no_subscription_behind(hub: Hub) -> None:
    fm = institution(hub, "FM")
    ws = await lc.connect(hub.ws_url, hub.ws_init())
    for n in range(3):
        await lc.subscribe(ws, str(n), INSTITUTION_FEED, {"id": fm})
    await lc.started(hub.base_url, 3)
    assert (live_stats(hub)["subscriptions"], live_stats(hub)["connections"]) == (3, 1)

    await ws.close()

    await lc.idle(hub.base_url)  # no subscription and no connection left (or it fails, naming them)


# --- The protocol's limits and close codes ---------------------------------------------------


async def test_an_unknown_message_type_closes_with_4400(hub: Hub) -> None:
    ws = await lc.connect(hub.ws_url, hub.ws_init())
    await lc.send(ws, {"type": "shout"})
    assert await lc.close_code(ws) == (4400, "Unknown message type: shout")


async def test_subscribing_before_connection_init_closes_with_4401(hub: Hub) -> None:
    ws = await websockets.connect(hub.ws_url, subprotocols=[lc.PROTOCOL])  # type: ignore[list-item]
    await lc.subscribe(ws, "1", "subscription { myFeed { cursor } }")
    assert await lc.close_code(ws) == (4401, "Unauthorized")


async def test_no_connection_init_within_the_timeout_closes_with_4408(hub: Hub) -> None:
    ws = await websockets.connect(hub.ws_url, subprotocols=[lc.PROTOCOL])  # type: ignore[list-item]
    started = time.monotonic()
    assert await lc.close_code(ws) == (4408, "Connection initialisation timeout")
    assert time.monotonic() - started < 15


async def test_a_reused_subscription_id_closes_with_4409(hub: Hub) -> None:
    fm = institution(hub, "FM")
    ws = await lc.connect(hub.ws_url, hub.ws_init())
    await lc.subscribe(ws, "same", INSTITUTION_FEED, {"id": fm})
    await lc.subscribe(ws, "same", INSTITUTION_FEED, {"id": fm})
    assert await lc.close_code(ws) == (4409, "Subscriber for same already exists")


async def test_a_second_connection_init_closes_with_4429(hub: Hub) -> None:
    ws = await lc.connect(hub.ws_url, hub.ws_init())
    await lc.send(ws, {"type": "connection_init", "payload": {}})
    assert await lc.close_code(ws) == (4429, "Too many initialisation requests")


async def test_subscriptions_per_connection_are_capped(hub: Hub) -> None:
    fm = institution(hub, "FM")
    ws = await lc.connect(hub.ws_url, hub.ws_init())
    for n in range(20):
        await lc.subscribe(ws, str(n), INSTITUTION_FEED, {"id": fm})

    await lc.subscribe(ws, "one-too-many", INSTITUTION_FEED, {"id": fm})
    message = await lc.receive(ws)

    assert message == {
        "id": "one-too-many",
        "type": "error",
        "payload": [{"message": "Subscription limit reached"}],
    }
    await ws.close()


async def test_a_message_over_the_size_cap_closes_with_1009(hub: Hub) -> None:
    ws = await lc.connect(hub.ws_url, hub.ws_init())
    await lc.send(ws, {"type": "ping", "payload": {"pad": "x" * 70_000}})
    code, _ = await lc.close_code(ws)
    assert code == 1009


async def test_the_legacy_graphql_ws_protocol_is_off_by_default(hub: Hub) -> None:
    ws = await websockets.connect(hub.ws_url, subprotocols=["graphql-ws"])  # type: ignore[list-item]
    assert await lc.close_code(ws) == (4406, "Subprotocol not acceptable")


ALIASES = " ".join(f"a{n}: activity {{ summary before after }}" for n in range(10))
BULKY_FEED = f"""
subscription($id: ID!) {{ institutionActivity(institutionId: $id) {{ cursor {ALIASES} }} }}
"""
STALLED_SUBSCRIPTIONS = 20  # the per-connection cap: each event goes out 20 times, ~200 KB


SLOW_ENV = {"HUB_WS_QUEUE_SIZE": "4", "HUB_WS_PING_INTERVAL": "300"}
# Pings off: a client that stops reading also stops answering pings, and uvicorn would drop it
# for that (without a close frame) before the overflow on a loaded machine.


async def stalled_client(hub: Hub) -> Any:
    """Subscriptions to a bulky feed on a connection that reads nothing more: a 4 KiB receive
    buffer and websockets' max_queue=1. The hub's kernel send buffer (up to 4 MiB) fills first,
    then its writes back up into the subscriptions' queues."""
    fm = institution(hub, "FM")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", int(hub.base_url.rsplit(":", 1)[1])))
    ws = await lc.connect(hub.ws_url, hub.ws_init(), max_queue=1, sock=sock)
    for n in range(STALLED_SUBSCRIPTIONS):
        await lc.subscribe(ws, str(n), BULKY_FEED, {"id": fm})
    await lc.started(hub.base_url, STALLED_SUBSCRIPTIONS)
    return ws, fm


def overflows(hub: Hub) -> float:
    return metric(hub, "hub_slow_consumer_overflows_total")


async def write_until_overflow(hub: Hub, fm: str, max_writes: int = 500) -> None:
    signed_in = {"Authorization": hub.http.headers["Authorization"]}
    async with httpx.AsyncClient(base_url=hub.base_url, timeout=60, headers=signed_in) as http:
        for start in range(0, max_writes, 5):
            await asyncio.gather(
                *(
                    http.post(
                        "/graphql",
                        json={
                            "query": UPDATE_INSTITUTION,
                            "variables": {"id": fm, "name": f"{n} " + "x" * 190},
                        },
                    )
                    for n in range(start, start + 5)
                )
            )
            if overflows(hub) > 0:
                return
    raise AssertionError(f"no overflow after {max_writes} writes")


async def wait_for_no_live_load(hub: Hub, within_s: float) -> dict[str, int]:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        stats = live_stats(hub)
        if (stats["subscriptions"], stats["connections"]) == (0, 0):
            break
        await asyncio.sleep(0.1)
    return live_stats(hub)


async def test_a_consumer_that_stops_reading_is_cut_off_and_its_subscription_freed(
    hub_env: dict[str, str], graph: Any
) -> None:
    with served_hub({**hub_env, **SLOW_ENV}) as hub:
        ws, fm = await stalled_client(hub)

        await write_until_overflow(hub, fm)
        # The client still reads nothing: the close frame cannot be written, so the hub aborts
        # the connection once its close timeout (5 s, hub/live/internals.py) has passed.
        stats = await wait_for_no_live_load(hub, within_s=20)

        assert (stats["subscriptions"], stats["connections"]) == (0, 0)
        code, _ = await lc.close_code(ws, wait_s=20)
        assert code is None  # cut off: no close frame could reach a peer that never read
        assert metric(hub, "hub_active_subscriptions") == 0
        assert metric(hub, "hub_websocket_connections") == 0


async def test_a_slow_consumer_that_reads_again_in_time_gets_1013_and_its_subscription_freed(
    hub_env: dict[str, str], graph: Any
) -> None:
    with served_hub({**hub_env, **SLOW_ENV}) as hub:
        ws, fm = await stalled_client(hub)

        await write_until_overflow(hub, fm)
        code, reason = await lc.close_code(ws, wait_s=20)  # reading again drains the socket

        assert (code, reason) == (1013, "slow consumer: more than 4 events waiting")
        stats = await wait_for_no_live_load(hub, within_s=20)
        assert (stats["subscriptions"], stats["connections"]) == (0, 0)


async def test_shutting_down_closes_sockets_with_1012_so_clients_reconnect(
    hub_env: dict[str, str], graph: Any
) -> None:
    with served_hub(hub_env) as hub:
        fm = institution(hub, "FM")
        ws = await lc.connect(hub.ws_url, hub.ws_init())
        await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm})
        await lc.started(hub.base_url, 1)

        hub.process.terminate()
        code, _ = await lc.close_code(ws, wait_s=30)

        assert code == 1012
        hub.process.wait(timeout=30)


async def test_the_gql_client_receives_live_activity(hub: Hub) -> None:
    from gql import Client, GraphQLRequest
    from gql.transport.websockets import WebsocketsTransport

    fm = institution(hub, "FM")
    transport = WebsocketsTransport(
        url=hub.ws_url, subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL], init_payload=hub.ws_init()
    )
    async with Client(transport=transport) as session:
        stream = session.subscribe(GraphQLRequest(INSTITUTION_FEED, variable_values={"id": fm}))
        first = asyncio.ensure_future(stream.__anext__())
        await lc.started(hub.base_url, 1)
        rename(hub, fm, "via gql")
        result = await asyncio.wait_for(first, 20)

    assert result["institutionActivity"]["activity"]["verb"] == "institution.updated"


def test_http_refuses_a_subscription(hub: Hub) -> None:
    response = hub.http.post("/graphql", json={"query": "subscription { myFeed { cursor } }"})
    assert response.status_code in (200, 400)
    assert "errors" in response.json() or response.status_code == 400
