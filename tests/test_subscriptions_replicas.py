"""Two hub processes sharing Redis: a subscriber on one hears of writes made on the other, in
order, and replay from Neo4j closes the gaps a restarted hub or a dropped Redis leaves; a
revocation made through one (an account archived or erased, a role or a membership lost, a team
restricted, a session signed out) reaches the sockets on the other."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from graph.driver import Graph
from tests import live_client as lc
from tests.conftest import Hub, RedisServer, served_hub
from tests.test_live_revocation import (
    CREATE_POST,
    ISSUE_FEED,
    PERSON_GONE,
    REMOVE_MEMBER,
    SET_ROLES,
    TEAM_FEED,
    TEAM_REFUSED,
    UPDATE_ISSUE,
    both,
    closing,
    data_frames,
    ended,
    ending,
    heard,
    messages_until,
    session_socket,
    socket,
    team_made_restricted,
    world,
)
from tests.test_signin import sign_in
from tests.test_subscriptions import INSTITUTION_FEED, institution, item, rename


@pytest.fixture(scope="module")
def replica_pair(hub_env: dict[str, str], redis_server: RedisServer) -> Iterator[tuple[Hub, Hub]]:
    env = {**hub_env, "REDIS_URL": redis_server.url}
    with served_hub(env) as a, served_hub(env) as b:
        yield a, b


@pytest.fixture
async def replicas(replica_pair: tuple[Hub, Hub], graph: Any) -> AsyncIterator[tuple[Hub, Hub]]:
    """Both hubs over an emptied graph, holding no WebSocket of an earlier test."""
    for hub in replica_pair:
        await lc.idle(hub.base_url)
    yield replica_pair
    await lc.close_all()


async def created(a: Hub, graph: Any, code: str) -> str:
    """An institution made through `a` and numbered before anyone subscribes: a subscription
    started earlier would receive it."""
    id = institution(a, code)
    await lc.numbered(graph, 1)
    return id


async def test_a_subscriber_on_one_hub_receives_mutations_made_on_the_other_in_order(
    replicas: tuple[Hub, Hub], graph: Any
) -> None:
    a, b = replicas
    fm = await created(a, graph, "FM")
    ws = await lc.connect(b.ws_url, b.ws_init())
    await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm})
    await lc.started(b.base_url, 1)

    for n, hub in enumerate((a, b, a, b)):
        rename(hub, fm, f"name {n}")
    seqs = [item(await lc.next_payload(ws))["activity"]["seq"] for _ in range(4)]

    assert seqs == [2, 3, 4, 5]
    await ws.close()


async def test_a_client_resumes_on_the_other_hub_with_its_cursor_without_gap_or_duplicate(
    replicas: tuple[Hub, Hub], graph: Any
) -> None:
    a, b = replicas
    fm = await created(a, graph, "FM")
    ws = await lc.connect(a.ws_url, a.ws_init())
    await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm})
    await lc.started(a.base_url, 1)
    rename(a, fm, "one")
    cursor = item(await lc.next_payload(ws))["cursor"]
    await ws.close()  # e.g. hub a went away; the client reconnects to b
    rename(a, fm, "two")
    rename(b, fm, "three")

    ws = await lc.connect(b.ws_url, b.ws_init())
    await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm, "after": cursor})
    got = [item(await lc.next_payload(ws)) for _ in range(2)]
    rename(a, fm, "four")
    got.append(item(await lc.next_payload(ws)))

    assert [(g["activity"]["seq"], g["replayed"]) for g in got] == [(3, True), (4, True), (5, False)]
    await ws.close()


async def test_events_committed_while_redis_is_down_arrive_after_it_returns(
    replicas: tuple[Hub, Hub], redis_server: RedisServer, graph: Any
) -> None:
    a, b = replicas
    fm = await created(a, graph, "FM")
    ws = await lc.connect(b.ws_url, b.ws_init())
    await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm})
    await lc.started(b.base_url, 1)

    redis_server.stop()
    rename(a, fm, "while redis is down")  # committed on a; b cannot hear of it yet
    redis_server.start()
    got = item(await lc.next_payload(ws, wait_s=30))  # b re-subscribes and replays from Neo4j

    assert (got["activity"]["seq"], got["replayed"]) == (2, False)
    rename(a, fm, "after")
    assert item(await lc.next_payload(ws, wait_s=30))["activity"]["seq"] == 3
    await ws.close()


# --- Revocation reaches sockets on the other replica ----------------------------------------------


async def test_a_member_removed_through_one_hub_loses_the_teams_feed_on_the_other(
    replicas: tuple[Hub, Hub], graph: Graph
) -> None:
    a, b = replicas
    w = await world(a, graph)
    member = await socket(
        b, "member", {"team": (TEAM_FEED, {"id": w.secret}), "fm": (INSTITUTION_FEED, {"id": w.fm})}
    )
    lead = await socket(b, "lead", {"team": (TEAM_FEED, {"id": w.secret})})
    await lc.started(b.base_url, 3)

    a.as_user("lead@fm.gov.lv").data(REMOVE_MEMBER, {"t": w.secret, "p": w.people["member"]})
    a.data(CREATE_POST, {"t": w.secret, "b": "after they went"})
    rename(a, w.fm, "Finance")

    got = await messages_until(member, both(ended("team"), heard("fm", "institution.updated")))
    assert (ending(got, "team"), data_frames(got, "team")) == (TEAM_REFUSED, [])
    lead_got = await messages_until(lead, heard("team", "post.created"))
    assert data_frames(lead_got, "team") == ["team.member_removed", "post.created"]


@pytest.mark.parametrize(("gone", "reason", "lead_hears"), PERSON_GONE, ids=["archived", "erased"])
async def test_a_person_archived_or_erased_through_one_hub_is_closed_out_of_the_other(
    replicas: tuple[Hub, Hub], graph: Graph, gone: str, reason: str, lead_hears: list[str]
) -> None:
    a, b = replicas
    w = await world(a, graph)
    member = await socket(b, "member", {"team": (TEAM_FEED, {"id": w.secret})})
    lead = await socket(b, "lead", {"team": (TEAM_FEED, {"id": w.secret})})
    await lc.started(b.base_url, 2)

    a.data(f"mutation($p: ID!) {{ {gone}(id: $p) {{ id }} }}", {"p": w.people["member"]})
    a.data(CREATE_POST, {"t": w.secret, "b": "after they went"})

    got, closed = await closing(member)
    assert (closed, data_frames(got, "team")) == ((4403, reason), [])
    assert data_frames(await messages_until(lead, heard("team", "post.created")), "team") == lead_hears


async def test_an_administrator_demoted_through_one_hub_loses_a_restricted_teams_feed_on_the_other(
    replicas: tuple[Hub, Hub], graph: Graph
) -> None:
    a, b = replicas
    w = await world(a, graph)
    boss = await socket(
        b, "boss", {"team": (TEAM_FEED, {"id": w.secret}), "issue": (ISSUE_FEED, {"id": w.issue})}
    )
    await lc.started(b.base_url, 2)

    a.data(SET_ROLES, {"p": w.people["boss"], "r": []})
    a.data(CREATE_POST, {"t": w.secret, "b": "no longer theirs"})
    a.data(UPDATE_ISSUE, {"i": w.issue, "t": "Roads 2"})

    got = await messages_until(boss, both(ended("team"), heard("issue", "issue.updated")))
    assert (ending(got, "team"), data_frames(got, "team")) == (TEAM_REFUSED, [])
    assert data_frames(got, "issue") == ["issue.updated"]


async def test_a_team_made_restricted_through_one_hub_ends_outsiders_feeds_on_the_other(
    replicas: tuple[Hub, Hub], graph: Graph
) -> None:
    await team_made_restricted(*replicas, graph)


async def test_signing_out_through_one_hub_closes_that_sessions_sockets_on_the_other(
    replicas: tuple[Hub, Hub], graph: Graph
) -> None:
    a, b = replicas
    w = await world(a, graph)
    leaving, staying = (sign_in(a, "member@fm.gov.lv")[0] for _ in range(2))
    closed_tab = await session_socket(b, leaving, w)
    open_tab = await session_socket(b, staying, w)
    await lc.started(b.base_url, 2)

    assert leaving.post("/auth/logout").status_code == 303  # through a
    rename(a, w.fm, "Finance")

    assert (await closing(closed_tab))[1] == (4403, "signed out")
    assert data_frames(await messages_until(open_tab, heard("fm", "institution.updated")), "fm") == [
        "institution.updated"
    ]
