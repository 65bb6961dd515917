"""Rules that read then write hold under any interleaving: real concurrent requests over HTTP to a
real hub process and Neo4j, many trials per rule, and the exact state each race must leave.

Each trial builds a small fresh world, fires its requests at once (one client, every connection
opened before the race, so they leave together), then checks the graph, the activity and every
refusal's error code. The rules and what guards each are in README.md ("Integrity under
concurrency").
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from graph import invitations
from graph.driver import Graph
from graph.validation import validate
from tests import formation_builders as b
from tests.conftest import Hub
from tests.formation_builders import SYSTEM

TRIALS = 12

ACCEPT = "mutation($id: ID!) { acceptInvitation(invitationId: $id) { id status } }"
DECLINE = "mutation($id: ID!) { declineInvitation(invitationId: $id) { id status } }"
WITHDRAW = "mutation($id: ID!) { withdrawInvitation(invitationId: $id) { id status } }"
APPROVE = "mutation($id: ID!) { approveAllocation(invitationId: $id) { id status } }"
REJECT = "mutation($id: ID!) { rejectAllocation(invitationId: $id) { id status } }"
INVITE = (
    "mutation($team: ID!, $person: ID!, $allocation: Int!) {"
    " inviteMember(input: {teamId: $team, personId: $person, allocation: $allocation}) { id } }"
)
HAND_OVER = "mutation($team: ID!, $to: ID!) { handOverLead(teamId: $team, toPersonId: $to) { id } }"
LEAVE = "mutation($team: ID!, $person: ID!) { leaveTeam(teamId: $team, personId: $person) { id } }"
REMOVE = "mutation($team: ID!, $person: ID!) { removeMember(teamId: $team, personId: $person) { id } }"
UPDATE_MEMBERSHIP = (
    "mutation($team: ID!, $person: ID!, $role: Role, $allocation: Int) {"
    " updateMembership(teamId: $team, personId: $person, role: $role, allocation: $allocation) { id } }"
)
SET_STATUS = (
    "mutation($team: ID!, $status: TeamStatus!, $outcome: String) {"
    " setTeamStatus(teamId: $team, status: $status, outcome: $outcome) { id status } }"
)
CREATE_POST = "mutation($input: PostInput!) { createPost(input: $input) { id } }"
RECORD_DECISION = "mutation($input: DecisionInput!) { recordDecision(input: $input) { id } }"
CREATE_TASK = "mutation($input: TaskInput!) { createTask(input: $input) { id } }"
CREATE_TEAM = (
    "mutation($name: String!, $issue: ID!, $lead: ID!, $allocation: Int!) {"
    " createTeam(input: {name: $name, issueId: $issue, leadPersonId: $lead, leadAllocation: $allocation})"
    " { team { id } } }"
)


@dataclass(frozen=True)
class Call:
    """One request of a race: who sends which document."""

    email: str
    query: str
    variables: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What a request got back: `code` is OK, or the error's extensions.code."""

    code: str
    field: str | None
    message: str
    data: dict[str, Any] | None

    @classmethod
    def of(cls, body: dict[str, Any]) -> Outcome:
        if not body.get("errors"):
            return cls("OK", None, "", body["data"])
        assert len(body["errors"]) == 1, body
        error = body["errors"][0]
        extensions = error.get("extensions", {})
        return cls(extensions.get("code", "?"), extensions.get("field"), error["message"], None)


class Racer:
    """Sends a race's requests to the hub at once over pre-opened connections."""

    def __init__(self, hub: Hub, client: httpx.AsyncClient) -> None:
        self.hub, self.client = hub, client
        self.tokens: dict[str, str] = {}

    def _auth(self, email: str) -> dict[str, str]:
        if email not in self.tokens:
            self.tokens[email] = self.hub.token_for(email)
        return {"Authorization": f"Bearer {self.tokens[email]}"}

    async def _post(self, call: Call, start: asyncio.Event) -> Outcome:
        headers = self._auth(call.email)
        await start.wait()
        response = await self.client.post(
            "/graphql", json={"query": call.query, "variables": call.variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        return Outcome.of(response.json())

    async def race(self, calls: list[Call]) -> list[Outcome]:
        """Every call at once; the outcomes in the calls' order."""
        # A connection per call, open before the race, so no request waits on connecting.
        await asyncio.gather(*(self.client.get("/healthz") for _ in calls))
        start = asyncio.Event()
        tasks = [asyncio.create_task(self._post(call, start)) for call in calls]
        await asyncio.sleep(0)  # every task waits at the barrier
        start.set()
        return list(await asyncio.gather(*tasks))

    async def during(self, first: Call, then: list[Call], gap_s: float = 0.002) -> list[Outcome]:
        """`first`, and while it is in flight the calls of `then`, one every `gap_s`, so that
        some of them meet each moment of its transaction whatever the machine's load; the
        outcomes in order, `first`'s first."""
        await asyncio.gather(*(self.client.get("/healthz") for _ in range(len(then) + 1)))
        start = asyncio.Event()
        start.set()
        leading = asyncio.create_task(self._post(first, start))
        following = []
        for call in then:
            following.append(asyncio.create_task(self._post(call, start)))
            await asyncio.sleep(gap_s)
        return [await leading, *await asyncio.gather(*following)]


CONNECTIONS = 48


@pytest.fixture
async def racer(hub: Hub) -> AsyncIterator[Racer]:
    # Idle connections are let go before the hub's keep-alive timeout (uvicorn's 5 s) closes them
    # under a request.
    limits = httpx.Limits(max_connections=CONNECTIONS, keepalive_expiry=2)
    async with httpx.AsyncClient(base_url=hub.base_url, timeout=120, limits=limits) as client:
        yield Racer(hub, client)


_names = itertools.count()


def email_of(name: str) -> str:
    return f"{name.lower().replace(' ', '.')}@example.lv"


@dataclass
class World:
    """An institution and an issue shared by the trials, each trial's people and teams fresh."""

    graph: Graph
    institution: str
    issue: str

    async def person(self, name: str) -> tuple[str, str]:
        """A new person: (id, email)."""
        unique = f"{name} {next(_names)}"
        return await b.person(self.graph, unique, self.institution), email_of(unique)

    async def people(self, name: str, n: int) -> list[tuple[str, str]]:
        """`n` new people at once: [(id, email)]."""
        return list(await asyncio.gather(*(self.person(name) for _ in range(n))))

    async def team(self, lead: str, **extra: Any) -> str:
        return await b.team(self.graph, f"Team {next(_names)}", self.issue, lead, **extra)

    async def led_team(self, **extra: Any) -> tuple[str, str, str]:
        """A new team and its new lead: (team id, lead id, lead's email)."""
        lead, email = await self.person("Lead")
        return await self.team(lead, **extra), lead, email

    async def invitation(self, team: str, person: str, allocation: int = 10) -> str:
        data = {"team_id": team, "person_id": person, "allocation": allocation}
        sent = await invitations.invite(self.graph, validate(invitations.InvitationInput, data), None, SYSTEM)
        return str(sent["id"])

    async def invitations(self, team: str, people: list[str], allocation: int = 10) -> list[str]:
        return list(await asyncio.gather(*(self.invitation(team, p, allocation) for p in people)))


@pytest.fixture
async def world(hub: Hub, graph: Graph) -> World:
    institution = await b.institution(graph, "VARAM")
    return World(graph, institution, await b.issue(graph, "Shared issue", {institution: "LEAD"}))


async def value(graph: Graph, cypher: str, **params: Any) -> Any:
    rows = await graph.read(cypher, **params)  # type: ignore[arg-type]
    return rows[0]["value"]


async def memberships(graph: Graph, team: str) -> list[tuple[str, str]]:
    """(person id, role) of every MEMBER_OF on the team, duplicates included."""
    rows = await graph.read(
        "MATCH (p:Person)-[m:MEMBER_OF]->(:ProjectTeam {id: $team}) RETURN p.id AS person, m.role AS role"
        " ORDER BY person, role",
        team=team,
    )
    return [(r["person"], r["role"]) for r in rows]


async def verbs_about(graph: Graph, target: str) -> Counter[str]:
    rows = await graph.read("MATCH (a:Activity {targetId: $id}) RETURN a.verb AS verb", id=target)
    return Counter(r["verb"] for r in rows)


def codes(outcomes: list[Outcome]) -> Counter[str]:
    return Counter(o.code for o in outcomes)


class Trials:
    """Runs a race's trials and counts the ones whose checks failed, so a failing run says how
    often (as in "7 of 12 trials"), with each failure's first line."""

    def __init__(self) -> None:
        self.failures: list[str] = []
        self.runs = 0

    async def run(self, trial: Any, times: int = TRIALS) -> None:
        for n in range(times):
            self.runs += 1
            try:
                await trial(n)
            except AssertionError as exc:
                self.failures.append(f"trial {n}: {exc}")
        assert not self.failures, f"{len(self.failures)} of {self.runs} trials failed:\n" + "\n".join(
            failure.splitlines()[0][:300] for failure in self.failures
        )


# --- One membership per person and team ------------------------------------------------------


async def test_one_invitation_accepted_by_many_requests_at_once_starts_one_membership(
    world: World, racer: Racer, graph: Graph
) -> None:
    """A double click or a client's retries: 30 accepts of one invitation, one membership."""

    async def trial(_: int) -> None:
        team, lead, _lead_email = await world.led_team()
        anna, anna_email = await world.person("Anna")
        invitation = await world.invitation(team, anna, 30)

        outcomes = await racer.race([Call(anna_email, ACCEPT, {"id": invitation})] * 30)

        assert codes(outcomes) == {"OK": 1, "CONFLICT": 29}, codes(outcomes)
        assert {o.message for o in outcomes if o.code != "OK"} == {"invitationId: the invitation is accepted"}
        assert await memberships(graph, team) == sorted([(lead, "LEAD"), (anna, "MEMBER")])
        assert (await verbs_about(graph, invitation))["invitation.accepted"] == 1

    await Trials().run(trial)


async def test_many_invitations_of_one_person_to_one_team_at_once_leave_one_open(
    world: World, racer: Racer, graph: Graph
) -> None:
    """20 invitations of the same person by the lead at once: one is sent, the rest refused."""

    async def trial(_: int) -> None:
        team, _lead, lead_email = await world.led_team()
        anna, _anna_email = await world.person("Anna")

        outcomes = await racer.race(
            [Call(lead_email, INVITE, {"team": team, "person": anna, "allocation": 10})] * 20
        )

        assert codes(outcomes) == {"OK": 1, "CONFLICT": 19}, codes(outcomes)
        assert {(o.field, o.message.split(" already ")[-1]) for o in outcomes if o.code != "OK"} == {
            ("personId", "has a pending invitation to this team")
        }
        open_invitations = await value(
            graph,
            "MATCH (:ProjectTeam {id: $team})<-[:TO_JOIN]-(v:Invitation)-[:INVITES]->(:Person {id: $anna})"
            " RETURN count(v) AS value",
            team=team,
            anna=anna,
        )
        assert open_invitations == 1

    await Trials().run(trial)


# --- Exactly one lead per team ---------------------------------------------------------------


async def test_hand_overs_to_many_members_at_once_leave_exactly_one_lead(
    world: World, racer: Racer, graph: Graph
) -> None:
    """The lead hands the team to eight members at once: one hand-over, one lead."""

    async def trial(_: int) -> None:
        team, _lead, lead_email = await world.led_team()
        members = [person for person, _email in await world.people("Member", 8)]
        await asyncio.gather(*(b.member(graph, team, member) for member in members))

        outcomes = await racer.race([Call(lead_email, HAND_OVER, {"team": team, "to": m}) for m in members])

        assert codes(outcomes) == {"OK": 1, "FORBIDDEN": 7}, codes(outcomes)
        new_lead = members[[o.code for o in outcomes].index("OK")]
        roles = await memberships(graph, team)
        assert [p for p, role in roles if role == "LEAD"] == [new_lead], roles
        assert len(roles) == 9, roles
        assert (await verbs_about(graph, team))["team.lead_handed_over"] == 1

    await Trials().run(trial)


async def test_a_new_lead_leaving_or_demoted_while_the_lead_is_handed_to_them_leaves_one_lead(
    world: World, racer: Racer, graph: Graph
) -> None:
    """The hand-over to Anna races Anna leaving and the lead making her an expert: whatever
    order they take, the team ends with exactly one lead, and a lead who never left."""

    async def trial(_: int) -> None:
        team, lead, lead_email = await world.led_team()
        anna, anna_email = await world.person("Anna")
        await b.member(graph, team, anna)

        outcomes = await racer.race(
            [
                Call(lead_email, HAND_OVER, {"team": team, "to": anna}),
                Call(anna_email, LEAVE, {"team": team, "person": anna}),
                Call(lead_email, UPDATE_MEMBERSHIP, {"team": team, "person": anna, "role": "EXPERT"}),
            ]
            * 3
        )

        roles = await memberships(graph, team)
        leads = [p for p, role in roles if role == "LEAD"]
        assert len(leads) == 1, (roles, outcomes)
        handed = [o for o in outcomes[0::3] if o.code == "OK"]
        left = [o for o in outcomes[1::3] if o.code == "OK"]
        assert len(handed) <= 1 and len(left) <= 1, outcomes
        assert leads == ([anna] if handed else [lead]), (roles, outcomes)
        assert (await verbs_about(graph, team))["team.lead_handed_over"] == len(handed)
        assert (await verbs_about(graph, team))["team.member_left"] == len(left)
        assert all(o.code in {"OK", "CONFLICT", "FORBIDDEN"} for o in outcomes), outcomes

    await Trials().run(trial)


# --- A person's allocation stays within full time ---------------------------------------------


async def test_accepting_raising_and_leading_at_once_fill_a_person_to_exactly_full_time(
    world: World, racer: Racer, graph: Graph
) -> None:
    """Anna is at 20 % on two teams. Ten requests each add 20 %: six accepts, the two leads
    raising her 10 % to 30 %, and two new teams she would lead at 20 %. Only four fit."""

    async def trial(n: int) -> None:
        anna, anna_email = await world.person("Anna")
        leads = await world.people("Lead", 8)
        teams = await asyncio.gather(*(world.team(lead) for lead, _email in leads))
        await asyncio.gather(*(b.member(graph, team, anna, allocation=10) for team in teams[:2]))
        sent = await asyncio.gather(*(world.invitation(team, anna, 20) for team in teams[2:]))
        calls = [
            *(
                Call(email, UPDATE_MEMBERSHIP, {"team": team, "person": anna, "allocation": 30})
                for (_lead, email), team in zip(leads[:2], teams[:2], strict=True)
            ),
            *(Call(anna_email, ACCEPT, {"id": id}) for id in sent),
            *(
                Call(
                    anna_email,
                    CREATE_TEAM,
                    {"name": f"Anna's team {n}-{k}", "issue": world.issue, "lead": anna, "allocation": 20},
                )
                for k in range(2)
            ),
        ]

        outcomes = await racer.race(calls)

        total = await value(
            graph,
            "MATCH (:Person {id: $anna})-[m:MEMBER_OF]->(t:ProjectTeam) WHERE t.status <> 'CLOSED'"
            " RETURN sum(m.allocation) AS value",
            anna=anna,
        )
        assert total == 100, (total, codes(outcomes))
        assert codes(outcomes) == {"OK": 4, "CONFLICT": 6}, codes(outcomes)
        refused = {
            (o.field, o.message.split(" would ")[-1].split(" (")[0]) for o in outcomes if o.code != "OK"
        }
        assert refused <= {
            ("allocation", "bring the person to 120% on open teams"),
            ("leadAllocation", "bring the person to 120% on open teams"),
        }, refused

    await Trials().run(trial)


# --- Room left on a team ---------------------------------------------------------------------


async def test_accepting_while_the_team_closes_joins_before_the_close_or_not_at_all(
    world: World, racer: Racer, graph: Graph
) -> None:
    """Invitees accept, one after another, while the lead closes the team: each either joined
    before the close (the closing Activity lists them among the members) or is refused as the
    team is closed."""

    async def trial(_: int) -> None:
        team, _lead, lead_email = await world.led_team()
        await b.set_team(graph, team, status="ACTIVE")
        invitees = await world.people("Invitee", 20)
        sent = await world.invitations(team, [person for person, _email in invitees])
        accepts = [
            Call(email, ACCEPT, {"id": id}) for (_person, email), id in zip(invitees, sent, strict=True)
        ]

        close = Call(lead_email, SET_STATUS, {"team": team, "status": "CLOSED", "outcome": "Done"})
        outcomes = await racer.during(close, accepts)

        assert outcomes[0].code == "OK", outcomes[0]
        joined = sum(o.code == "OK" for o in outcomes[1:])
        assert {o.message for o in outcomes[1:] if o.code != "OK"} <= {"invitationId: the team is closed"}
        members = {p for p, _role in await memberships(graph, team)}
        assert len(members) == 1 + joined
        closing = await graph.read(
            "MATCH (a:Activity {targetId: $team, verb: 'team.closed'}) RETURN a.after AS after", team=team
        )
        assert len(closing) == 1
        listed = {m["personId"] for m in json.loads(closing[0]["after"])["members"]}
        assert members == listed, f"members {len(members)}, listed when it closed {len(listed)}"

    await Trials().run(trial)


async def test_posting_deciding_and_adding_tasks_while_the_team_closes_happen_before_it_or_not_at_all(
    world: World, racer: Racer, graph: Graph
) -> None:
    """Posts, decisions and tasks stream in while the lead closes the team: each was made before
    the team closed, or is refused as the team is closed, never added to a closed team."""

    async def trial(n: int) -> None:
        team, _lead, lead_email = await world.led_team()
        await b.set_team(graph, team, status="ACTIVE")
        made = [
            Call(lead_email, CREATE_POST, {"input": {"teamId": team, "body": f"Post {k}"}})
            if k % 3 == 0
            else Call(
                lead_email,
                RECORD_DECISION,
                {"input": {"teamId": team, "text": f"Decision {k}", "date": "2026-01-01"}},
            )
            if k % 3 == 1
            else Call(lead_email, CREATE_TASK, {"input": {"teamId": team, "title": f"Task {k}"}})
            for k in range(24)
        ]

        close = Call(lead_email, SET_STATUS, {"team": team, "status": "CLOSED", "outcome": "Done"})
        outcomes = await racer.during(close, made)

        assert outcomes[0].code == "OK", outcomes[0]
        assert {o.message for o in outcomes[1:] if o.code != "OK"} <= {"teamId: the team is closed"}, outcomes
        rows = await graph.read(
            "MATCH (x)-[:IN_TEAM]->(t:ProjectTeam {id: $team}) RETURN x.createdAt < t.closedAt AS before",
            team=team,
        )
        assert len(rows) == sum(o.code == "OK" for o in outcomes[1:])
        assert all(r["before"] for r in rows), (
            f"{sum(not r['before'] for r in rows)} made after the team closed"
        )

    await Trials().run(trial)


# --- Status transitions: one outcome ---------------------------------------------------------


async def test_accept_decline_and_withdraw_at_once_have_one_outcome(
    world: World, racer: Racer, graph: Graph
) -> None:
    """The invitee accepts and declines while the lead withdraws, five times each: one of them
    happens, in the graph and the activity alike, and the rest are refused."""

    async def trial(_: int) -> None:
        team, lead, lead_email = await world.led_team()
        anna, anna_email = await world.person("Anna")
        invitation = await world.invitation(team, anna, 30)
        calls = [
            Call(anna_email, ACCEPT, {"id": invitation}),
            Call(anna_email, DECLINE, {"id": invitation}),
            Call(lead_email, WITHDRAW, {"id": invitation}),
        ] * 5

        outcomes = await racer.race(calls)

        assert codes(outcomes) == {"OK": 1, "CONFLICT": 14}, codes(outcomes)
        won = [o.code for o in outcomes].index("OK") % 3
        status = ["ACCEPTED", "DECLINED", "WITHDRAWN"][won]
        assert {o.message for o in outcomes if o.code != "OK"} == {
            f"invitationId: the invitation is {status.lower()}"
        }
        stored = await value(graph, "MATCH (v:Invitation {id: $id}) RETURN v.status AS value", id=invitation)
        assert stored == status
        expected_members = [(lead, "LEAD"), (anna, "MEMBER")] if status == "ACCEPTED" else [(lead, "LEAD")]
        assert await memberships(graph, team) == sorted(expected_members)
        verbs = await verbs_about(graph, invitation)
        assert verbs == {"invitation.sent": 1, f"invitation.{status.lower()}": 1}, verbs

    await Trials().run(trial)


async def test_approve_and_reject_at_once_have_one_outcome(world: World, racer: Racer, graph: Graph) -> None:
    """The invitee's manager approves and rejects the time, eight times each: one decision."""

    async def trial(_: int) -> None:
        team, lead, _lead_email = await world.led_team(requires_manager_approval=True)
        anna, _anna_email = await world.person("Anna")
        boss, boss_email = await world.person("Boss")
        await b.manages(graph, boss, world.institution)
        invitation = await world.invitation(team, anna, 30)
        await invitations.accept(graph, invitation, None, SYSTEM)

        outcomes = await racer.race(
            [Call(boss_email, APPROVE, {"id": invitation}), Call(boss_email, REJECT, {"id": invitation})] * 8
        )

        assert codes(outcomes) == {"OK": 1, "CONFLICT": 15}, codes(outcomes)
        approved = [o.code for o in outcomes].index("OK") % 2 == 0
        status = "ACCEPTED" if approved else "REJECTED"
        assert {o.message for o in outcomes if o.code != "OK"} == {
            f"invitationId: the invitation is {status.lower()}"
        }
        stored = await value(graph, "MATCH (v:Invitation {id: $id}) RETURN v.status AS value", id=invitation)
        assert stored == status
        expected_members = [(lead, "LEAD"), (anna, "MEMBER")] if approved else [(lead, "LEAD")]
        assert await memberships(graph, team) == sorted(expected_members)
        verbs = await verbs_about(graph, invitation)
        assert verbs[f"invitation.{'approved' if approved else 'rejected'}"] == 1, verbs
        assert verbs["invitation.approved"] + verbs["invitation.rejected"] == 1, verbs

    await Trials().run(trial)


async def test_a_team_started_by_many_requests_at_once_becomes_active_once(
    world: World, racer: Racer, graph: Graph
) -> None:
    async def trial(_: int) -> None:
        team, _lead, lead_email = await world.led_team()

        outcomes = await racer.race([Call(lead_email, SET_STATUS, {"team": team, "status": "ACTIVE"})] * 12)

        assert codes(outcomes) == {"OK": 1, "CONFLICT": 11}, codes(outcomes)
        assert {o.message.split(";")[0] for o in outcomes if o.code != "OK"} == {
            "status: a ACTIVE team cannot become ACTIVE"
        }
        assert (await verbs_about(graph, team))["team.active"] == 1

    await Trials().run(trial)


async def test_a_member_removed_by_many_requests_at_once_is_removed_once(
    world: World, racer: Racer, graph: Graph
) -> None:
    async def trial(_: int) -> None:
        team, lead, lead_email = await world.led_team()
        anna, _anna_email = await world.person("Anna")
        await b.member(graph, team, anna)

        outcomes = await racer.race([Call(lead_email, REMOVE, {"team": team, "person": anna})] * 12)

        assert codes(outcomes) == {"OK": 1, "CONFLICT": 11}, codes(outcomes)
        assert {o.message for o in outcomes if o.code != "OK"} == {
            f"personId: {anna} is not a member of this team"
        }
        assert await memberships(graph, team) == [(lead, "LEAD")]
        assert (await verbs_about(graph, team))["team.member_removed"] == 1

    await Trials().run(trial)
