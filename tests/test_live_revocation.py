"""Live access after revocation, over real WebSockets against real hub processes and Neo4j: when a
person is archived, erased, signed out, or loses a role or a membership, their open subscriptions
are checked again at once. Those they may no longer see end with a FORBIDDEN error, the socket
closes with 4403 when the person is gone, and everything else (their other subscriptions, other
people's) goes on. With two replicas sharing Redis, a change made through one reaches sockets on
the other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from graph import identity
from graph.access import GrantedRole
from graph.driver import Graph
from tests import builders
from tests import live_client as lc
from tests.conftest import Hub
from tests.test_signin import sign_in
from tests.test_subscriptions import INSTITUTION_FEED, institution, rename

TEAM_FEED = "subscription($id: ID!) { teamActivity(teamId: $id) { activity { verb } } }"
ISSUE_FEED = "subscription($id: ID!) { issueActivity(issueId: $id) { activity { verb } } }"
PERSON_FEED = "subscription($p: ID) { myFeed(personId: $p) { activity { verb } } }"
CREATE_POST = "mutation($t: ID!, $b: String!) { createPost(input: {teamId: $t, body: $b}) { id } }"
UPDATE_TEAM = "mutation($t: ID!, $p: TeamPatch!) { updateTeam(id: $t, patch: $p) { id } }"
UPDATE_ISSUE = "mutation($i: ID!, $t: String!) { updateIssue(id: $i, patch: {title: $t}) { id } }"
TEAM_REFUSED = {"code": "FORBIDDEN", "message": "not allowed: teamActivity requires a team you may see"}


@dataclass
class World:
    """FM; a RESTRICTED team "Secret" (lead, member) and a PUBLIC team "Open" (lead, member) on
    the issue "Roads"; an outsider; "boss", an administrator on no team."""

    fm: str
    issue: str
    secret: str
    open: str
    people: dict[str, str]  # name → id; each signs in as <name>@fm.gov.lv


async def world(hub: Hub, graph: Graph) -> World:
    fm = institution(hub, "FM")  # through the hub first: it hears this emptied graph's new history
    people = {
        name: (await builders.person(graph, name.title(), fm, email=f"{name}@fm.gov.lv"))["id"]
        for name in ("lead", "member", "outsider", "boss")
    }
    await identity.set_roles(graph, people["boss"], [GrantedRole.ADMIN], None)
    issue = (await builders.issue(graph, "Roads"))["id"]
    secret = (await builders.team(graph, "Secret", issue, people["lead"], visibility="RESTRICTED"))["id"]
    public = (await builders.team(graph, "Open", issue, people["lead"], visibility="PUBLIC"))["id"]
    for team in (secret, public):
        await builders.add_member(graph, team, people["member"])
    await graph.settled()  # numbered: subscriptions started from now on do not get these
    return World(fm, issue, secret, public, people)


async def socket(
    hub: Hub, name: str, subscriptions: dict[str, tuple[str, dict[str, Any]]]
) -> ClientConnection:
    ws = await lc.connect(hub.ws_url, hub.ws_init(f"{name}@fm.gov.lv"))
    for id, (query, variables) in subscriptions.items():
        await lc.subscribe(ws, id, query, variables)
    return ws


def error_of(message: dict[str, Any]) -> dict[str, Any] | None:
    """The error that ends a subscription (`error`, or `next` with errors), as {code, message}."""
    if message["type"] == "error":
        first = message["payload"][0]
    elif message["type"] == "next" and message["payload"].get("errors"):
        first = message["payload"]["errors"][0]
    else:
        return None
    return {"code": first.get("extensions", {}).get("code"), "message": first["message"]}


def verb_of(message: dict[str, Any]) -> str | None:
    if message["type"] != "next" or not message["payload"].get("data"):
        return None
    data: dict[str, Any] = next(iter(message["payload"]["data"].values()))
    return str(data["activity"]["verb"])


async def messages_until(
    ws: ClientConnection, done: Callable[[list[dict[str, Any]]], bool]
) -> list[dict[str, Any]]:
    """The socket's messages (pings answered) until `done` holds for them."""
    got: list[dict[str, Any]] = []
    while not done(got):
        message = await lc.receive(ws)
        if message["type"] == "ping":
            await lc.send(ws, {"type": "pong"})
        else:
            got.append(message)
    return got


def ended(id: str) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda got: any(m.get("id") == id and error_of(m) for m in got)


def heard(id: str, verb: str) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda got: any(m.get("id") == id and verb_of(m) == verb for m in got)


def both(*conditions: Callable[[list[dict[str, Any]]], bool]) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda got: all(c(got) for c in conditions)


def data_frames(got: list[dict[str, Any]], id: str) -> list[str | None]:
    return [verb_of(m) for m in got if m.get("id") == id and verb_of(m) is not None]


def ending(got: list[dict[str, Any]], id: str) -> dict[str, Any] | None:
    return next((e for m in got if m.get("id") == id and (e := error_of(m))), None)


# --- one hub --------------------------------------------------------------------------------------


REMOVE_MEMBER = "mutation($t: ID!, $p: ID!) { removeMember(teamId: $t, personId: $p) { id } }"
LEAVE_TEAM = "mutation($t: ID!, $p: ID!) { leaveTeam(teamId: $t, personId: $p) { id } }"


@pytest.mark.parametrize(
    ("by", "revoke", "verb"),
    [("lead", REMOVE_MEMBER, "team.member_removed"), ("member", LEAVE_TEAM, "team.member_left")],
    ids=["removed", "left"],
)
async def test_a_member_off_a_restricted_team_loses_its_feed_and_keeps_the_rest(
    hub: Hub, graph: Graph, by: str, revoke: str, verb: str
) -> None:
    w = await world(hub, graph)
    member = await socket(
        hub, "member", {"team": (TEAM_FEED, {"id": w.secret}), "fm": (INSTITUTION_FEED, {"id": w.fm})}
    )
    lead = await socket(hub, "lead", {"team": (TEAM_FEED, {"id": w.secret})})
    await lc.started(hub.base_url, 3)

    hub.as_user(f"{by}@fm.gov.lv").data(revoke, {"t": w.secret, "p": w.people["member"]})
    hub.data(CREATE_POST, {"t": w.secret, "b": "after they went"})
    rename(hub, w.fm, "Finance")  # the member's other feed goes on

    got = await messages_until(member, both(ended("team"), heard("fm", "institution.updated")))
    assert ending(got, "team") == TEAM_REFUSED
    assert data_frames(got, "team") == []  # nothing of the team after the change (nor after the error)
    lead_got = await messages_until(lead, heard("team", "post.created"))
    assert data_frames(lead_got, "team") == [verb, "post.created"]  # other people's feeds go on


async def closing(ws: ClientConnection) -> tuple[list[dict[str, Any]], tuple[int | None, str]]:
    """Every message until the server closes the socket, and its close code and reason."""
    got: list[dict[str, Any]] = []
    try:
        while True:
            got.append(await lc.receive(ws))
    except ConnectionClosed as closed:
        return got, ((closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else (None, ""))


PERSON_GONE = [
    ("archivePerson", "account archived", ["post.created"]),
    ("erasePerson", "account erased", ["person.erased", "post.created"]),  # erasing ends memberships
]


@pytest.mark.parametrize(("gone", "reason", "lead_hears"), PERSON_GONE, ids=["archived", "erased"])
async def test_a_person_archived_or_erased_has_every_socket_closed_with_4403_and_others_go_on(
    hub: Hub, graph: Graph, gone: str, reason: str, lead_hears: list[str]
) -> None:
    w = await world(hub, graph)
    tab = await socket(
        hub, "member", {"team": (TEAM_FEED, {"id": w.secret}), "fm": (INSTITUTION_FEED, {"id": w.fm})}
    )
    other_tab = await socket(hub, "member", {"mine": (PERSON_FEED, {})})
    lead = await socket(hub, "lead", {"team": (TEAM_FEED, {"id": w.secret})})
    await lc.started(hub.base_url, 4)

    hub.data(f"mutation($p: ID!) {{ {gone}(id: $p) {{ id }} }}", {"p": w.people["member"]})
    hub.data(CREATE_POST, {"t": w.secret, "b": "after they went"})
    rename(hub, w.fm, "Finance")

    for ws in (tab, other_tab):
        got, closed = await closing(ws)
        assert closed == (4403, reason)
        assert [v for m in got if (v := verb_of(m)) in ("post.created", "institution.updated")] == []
    assert data_frames(await messages_until(lead, heard("team", "post.created")), "team") == lead_hears


SET_ROLES = "mutation($p: ID!, $r: [GrantedRole!]!) { setPersonRoles(personId: $p, roles: $r) { id } }"


async def test_an_administrator_demoted_loses_a_restricted_teams_feed_and_its_events_elsewhere(
    hub: Hub, graph: Graph
) -> None:
    w = await world(hub, graph)
    boss = await socket(
        hub, "boss", {"team": (TEAM_FEED, {"id": w.secret}), "issue": (ISSUE_FEED, {"id": w.issue})}
    )
    await lc.started(hub.base_url, 2)
    hub.data(CREATE_POST, {"t": w.secret, "b": "an administrator sees it"})
    await messages_until(boss, both(heard("team", "post.created"), heard("issue", "post.created")))

    hub.data(SET_ROLES, {"p": w.people["boss"], "r": []})
    hub.data(CREATE_POST, {"t": w.secret, "b": "no longer"})
    hub.data(UPDATE_ISSUE, {"i": w.issue, "t": "Roads 2"})

    got = await messages_until(boss, both(ended("team"), heard("issue", "issue.updated")))
    assert ending(got, "team") == TEAM_REFUSED
    assert data_frames(got, "team") == []
    assert data_frames(got, "issue") == ["issue.updated"]  # the restricted team's post no longer reaches it


async def test_after_a_demotion_the_socket_runs_as_the_person_is_now(hub: Hub, graph: Graph) -> None:
    w = await world(hub, graph)
    boss = await socket(hub, "boss", {"own": (PERSON_FEED, {})})
    await lc.started(hub.base_url, 1)
    hub.data(SET_ROLES, {"p": w.people["boss"], "r": []})
    await messages_until(boss, heard("own", "person.roles_set"))  # the review came before it

    await lc.subscribe(boss, "later", TEAM_FEED, {"id": w.secret})

    assert ending(await messages_until(boss, ended("later")), "later") == TEAM_REFUSED


async def test_an_administrator_demoted_loses_another_persons_feed_and_keeps_their_own(
    hub: Hub, graph: Graph
) -> None:
    w = await world(hub, graph)
    boss = await socket(
        hub, "boss", {"theirs": (PERSON_FEED, {"p": w.people["member"]}), "own": (PERSON_FEED, {})}
    )
    await lc.started(hub.base_url, 2)

    hub.data(SET_ROLES, {"p": w.people["boss"], "r": []})
    hub.data(
        'mutation($p: ID!) { updatePerson(id: $p, patch: {title: "Analyst"}) { id } }',
        {"p": w.people["member"]},
    )
    hub.data(
        'mutation($p: ID!) { updatePerson(id: $p, patch: {title: "Chief"}) { id } }', {"p": w.people["boss"]}
    )

    got = await messages_until(boss, both(ended("theirs"), heard("own", "person.updated")))
    assert ending(got, "theirs") == {
        "code": "FORBIDDEN",
        "message": "not allowed: myFeed requires your own person, or an administrator, for personId",
    }
    assert data_frames(got, "theirs") == []
    assert data_frames(got, "own") == ["person.roles_set", "person.updated"]


async def test_a_role_gained_keeps_every_subscription_going(hub: Hub, graph: Graph) -> None:
    w = await world(hub, graph)
    member = await socket(hub, "member", {"team": (TEAM_FEED, {"id": w.secret}), "own": (PERSON_FEED, {})})
    await lc.started(hub.base_url, 2)

    hub.data(SET_ROLES, {"p": w.people["member"], "r": ["COG_STAFF"]})
    hub.data(CREATE_POST, {"t": w.secret, "b": "still theirs"})

    got = await messages_until(member, both(heard("own", "person.roles_set"), heard("team", "post.created")))
    assert [m for m in got if error_of(m)] == []
    assert data_frames(got, "team") == ["post.created"]


async def team_made_restricted(writer: Hub, reader: Hub, graph: Graph) -> None:
    """A PUBLIC team made RESTRICTED through `writer`: its outsider's feed on `reader` ends, its
    member's goes on."""
    w = await world(writer, graph)
    outsider = await socket(reader, "outsider", {"team": (TEAM_FEED, {"id": w.open})})
    member = await socket(reader, "member", {"team": (TEAM_FEED, {"id": w.open})})
    await lc.started(reader.base_url, 2)

    writer.as_user("lead@fm.gov.lv").data(UPDATE_TEAM, {"t": w.open, "p": {"visibility": "RESTRICTED"}})
    writer.data(CREATE_POST, {"t": w.open, "b": "members only now"})

    got = await messages_until(outsider, ended("team"))
    assert (ending(got, "team"), data_frames(got, "team")) == (TEAM_REFUSED, [])
    member_got = await messages_until(member, heard("team", "post.created"))
    assert data_frames(member_got, "team") == ["team.updated", "post.created"]


async def test_a_team_made_restricted_ends_the_feeds_of_those_outside_it(hub: Hub, graph: Graph) -> None:
    await team_made_restricted(hub, hub, graph)


async def test_a_feed_of_a_restricted_team_and_of_a_missing_team_are_refused_alike(
    hub: Hub, graph: Graph
) -> None:
    w = await world(hub, graph)
    outsider = await socket(
        hub,
        "outsider",
        {"secret": (TEAM_FEED, {"id": w.secret}), "missing": (TEAM_FEED, {"id": "team_missing"})},
    )

    got = await messages_until(outsider, both(ended("secret"), ended("missing")))

    assert ending(got, "secret") == ending(got, "missing") == TEAM_REFUSED


def session_cookie(browser: Any) -> dict[str, str]:
    return {"Cookie": f"sadarbe_session={browser.cookies['sadarbe_session']}"}


async def session_socket(hub: Hub, browser: Any, w: World) -> ClientConnection:
    ws = await lc.connect(hub.ws_url, {}, origin=hub.base_url, additional_headers=session_cookie(browser))
    await lc.subscribe(ws, "fm", INSTITUTION_FEED, {"id": w.fm})
    return ws


async def test_signing_out_closes_that_sessions_sockets_and_no_other(hub: Hub, graph: Graph) -> None:
    w = await world(hub, graph)
    leaving, staying = (sign_in(hub, "member@fm.gov.lv")[0] for _ in range(2))
    closed_tabs = [await session_socket(hub, leaving, w) for _ in range(2)]
    open_tab = await session_socket(hub, staying, w)
    # A token of the same account as the browser's: the sign-in page's subject is the person's id.
    token = hub.token_for("member@fm.gov.lv", subject=w.people["member"])
    with_token = await lc.connect(hub.ws_url, {"token": token})
    await lc.subscribe(with_token, "fm", INSTITUTION_FEED, {"id": w.fm})
    await lc.started(hub.base_url, 4)

    assert leaving.post("/auth/logout").status_code == 303
    rename(hub, w.fm, "Finance")

    for ws in closed_tabs:
        assert (await closing(ws))[1] == (4403, "signed out")
    for ws in (open_tab, with_token):
        assert data_frames(await messages_until(ws, heard("fm", "institution.updated")), "fm") == [
            "institution.updated"
        ]
