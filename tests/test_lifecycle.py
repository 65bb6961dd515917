"""A team's life: FORMING → ACTIVE → CLOSED, exactly one lead, leaving, membership terms, deadlines."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from graph import lifecycle
from graph.access import Viewer
from graph.driver import Graph
from graph.errors import Conflict, Forbidden, InvalidInput, NotFound
from graph.validation import validate
from tests import formation_builders as b
from tests.formation_builders import SYSTEM


@pytest.fixture
async def g(graph: Graph) -> dict[str, str]:
    vm = await b.institution(graph, "VM")
    ids = {"VM": vm, "issue": await b.issue(graph, "Open data", {vm: "LEAD"})}
    ids["other_issue"] = await b.issue(graph, "Other")
    for name in ("Lead", "Anna", "Outsider"):
        ids[name] = await b.person(graph, name, vm)
    ids["team"] = await b.team(graph, "Team", ids["issue"], ids["Lead"])
    await b.member(graph, ids["team"], ids["Anna"], allocation=20)
    return ids


async def set_status(
    graph: Graph, team: str, status: str, outcome: str | None = None, actor: str | None = None
) -> Any:
    change = validate(lifecycle.StatusChange, {"status": status, "outcome": outcome})
    return await lifecycle.set_status(graph, team, change, actor, SYSTEM)


async def members(graph: Graph, team: str) -> dict[str, tuple[str, int]]:
    rows = await graph.read(
        "MATCH (p:Person)-[m:MEMBER_OF]->(:ProjectTeam {id: $t}) RETURN p.id AS id, m.role AS role, "
        "m.allocation AS allocation",
        t=team,
    )
    return {r["id"]: (r["role"], r["allocation"]) for r in rows}


async def test_a_forming_team_becomes_active(graph: Graph, g: dict[str, str]) -> None:
    team = await set_status(graph, g["team"], "ACTIVE")
    assert (team["status"], team["startDate"]) == ("ACTIVE", date.today())
    assert (await b.verbs_in_scope(graph, g["issue"]))[-1] == "team.active"


async def test_an_active_team_closes_with_its_outcome(graph: Graph, g: dict[str, str]) -> None:
    await set_status(graph, g["team"], "ACTIVE")
    team = await set_status(graph, g["team"], "CLOSED", "Report delivered to the Cabinet")
    assert (team["status"], team["outcome"]) == ("CLOSED", "Report delivered to the Cabinet")


def test_closing_without_an_outcome_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        validate(lifecycle.StatusChange, {"status": "CLOSED", "outcome": "  "}).check()
    assert err.value.problems[0].field == "outcome"
    with pytest.raises(InvalidInput) as err:
        validate(lifecycle.StatusChange, {"status": "CLOSED"}).check()
    assert err.value.message == "outcome: is required to close a team"


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ([], "CLOSED"),
        ([], "FORMING"),
        (["ACTIVE"], "FORMING"),
        (["ACTIVE"], "ACTIVE"),
        (["ACTIVE", "CLOSED"], "ACTIVE"),
    ],
)
async def test_no_other_status_change_is_allowed(
    graph: Graph, g: dict[str, str], path: list[str], target: str
) -> None:
    for status in path:
        await set_status(graph, g["team"], status, "Done" if status == "CLOSED" else None)
    before = await b.counts(graph)
    with pytest.raises(Conflict) as err:
        await set_status(graph, g["team"], target, "Done" if target == "CLOSED" else None)
    assert err.value.field == "status"
    assert await b.counts(graph) == before


async def test_the_error_names_the_allowed_next_status(graph: Graph, g: dict[str, str]) -> None:
    with pytest.raises(Conflict) as err:
        await set_status(graph, g["team"], "CLOSED", "Gave up")
    assert err.value.message == "status: a FORMING team cannot become CLOSED; the next status is ACTIVE"


async def test_only_the_lead_changes_the_status(graph: Graph, g: dict[str, str]) -> None:
    with pytest.raises(Forbidden):
        await set_status(graph, g["team"], "ACTIVE", actor=g["Anna"])


async def test_handing_over_makes_the_member_lead_and_the_old_lead_a_member(
    graph: Graph, g: dict[str, str]
) -> None:
    await lifecycle.hand_over_lead(graph, g["team"], g["Anna"], None, SYSTEM)
    assert await members(graph, g["team"]) == {g["Lead"]: ("MEMBER", 20), g["Anna"]: ("LEAD", 20)}


async def test_the_lead_can_be_handed_only_to_a_member(graph: Graph, g: dict[str, str]) -> None:
    before = await b.counts(graph)
    with pytest.raises(Conflict) as err:
        await lifecycle.hand_over_lead(graph, g["team"], g["Outsider"], None, SYSTEM)
    assert err.value.field == "toPersonId"
    assert await b.counts(graph) == before


async def test_handing_over_to_an_unknown_person_names_the_field(graph: Graph, g: dict[str, str]) -> None:
    with pytest.raises(NotFound) as err:
        await lifecycle.hand_over_lead(graph, g["team"], "person_" + "0" * 32, None, SYSTEM)
    assert err.value.field == "toPersonId"


async def test_a_member_leaves(graph: Graph, g: dict[str, str]) -> None:
    await lifecycle.leave(graph, g["team"], g["Anna"], g["Anna"], SYSTEM)
    assert await members(graph, g["team"]) == {g["Lead"]: ("LEAD", 20)}
    assert (await b.verbs_in_scope(graph, g["Anna"]))[-1] == "team.member_left"


async def test_the_lead_cannot_leave_before_handing_over(graph: Graph, g: dict[str, str]) -> None:
    before = await b.counts(graph)
    with pytest.raises(Conflict) as err:
        await lifecycle.leave(graph, g["team"], g["Lead"], None, SYSTEM)
    assert err.value.message == "personId: the lead cannot leave the team; hand over the lead first"
    with pytest.raises(Conflict):
        await lifecycle.remove_member(graph, g["team"], g["Lead"], None, SYSTEM)
    assert await b.counts(graph) == before


async def test_after_handing_over_the_old_lead_may_leave(graph: Graph, g: dict[str, str]) -> None:
    await lifecycle.hand_over_lead(graph, g["team"], g["Anna"], None, SYSTEM)
    await lifecycle.leave(graph, g["team"], g["Lead"], None, SYSTEM)
    assert await members(graph, g["team"]) == {g["Anna"]: ("LEAD", 20)}


async def test_only_the_person_may_leave_and_only_the_lead_may_remove(
    graph: Graph, g: dict[str, str]
) -> None:
    with pytest.raises(Forbidden):
        await lifecycle.leave(graph, g["team"], g["Anna"], g["Lead"], SYSTEM)
    with pytest.raises(Forbidden):
        await lifecycle.remove_member(graph, g["team"], g["Lead"], g["Anna"], SYSTEM)
    await lifecycle.remove_member(graph, g["team"], g["Anna"], g["Lead"], SYSTEM)
    assert g["Anna"] not in await members(graph, g["team"])


async def test_removing_a_non_member_is_refused(graph: Graph, g: dict[str, str]) -> None:
    with pytest.raises(Conflict) as err:
        await lifecycle.remove_member(graph, g["team"], g["Outsider"], None, SYSTEM)
    assert err.value.field == "personId"


async def test_membership_role_and_allocation_change(graph: Graph, g: dict[str, str]) -> None:
    patch = validate(lifecycle.MembershipPatch, {"role": "EXPERT", "allocation": 40})
    await lifecycle.update_membership(graph, g["team"], g["Anna"], patch, None, SYSTEM)
    assert (await members(graph, g["team"]))[g["Anna"]] == ("EXPERT", 40)


async def test_update_membership_cannot_make_a_second_lead(graph: Graph, g: dict[str, str]) -> None:
    patch = validate(lifecycle.MembershipPatch, {"role": "LEAD"})
    with pytest.raises(Conflict) as err:
        await lifecycle.update_membership(graph, g["team"], g["Anna"], patch, None, SYSTEM)
    assert err.value.field == "role"


async def test_update_membership_cannot_demote_the_lead(graph: Graph, g: dict[str, str]) -> None:
    patch = validate(lifecycle.MembershipPatch, {"role": "MEMBER"})
    before = await b.counts(graph)
    with pytest.raises(Conflict) as err:
        await lifecycle.update_membership(graph, g["team"], g["Lead"], patch, None, SYSTEM)
    assert err.value.field == "role"
    assert await b.counts(graph) == before


async def test_update_membership_respects_full_time(graph: Graph, g: dict[str, str]) -> None:
    await b.team(graph, "Busy", g["other_issue"], g["Anna"], lead_allocation=70)
    patch = validate(lifecycle.MembershipPatch, {"allocation": 40})
    with pytest.raises(Conflict) as err:
        await lifecycle.update_membership(graph, g["team"], g["Anna"], patch, None, SYSTEM)
    assert err.value.field == "allocation"
    assert (await members(graph, g["team"]))[g["Anna"]] == ("MEMBER", 20)


async def test_update_membership_needs_something_to_change(graph: Graph, g: dict[str, str]) -> None:
    with pytest.raises(InvalidInput):
        await lifecycle.update_membership(
            graph, g["team"], g["Anna"], lifecycle.MembershipPatch(), None, SYSTEM
        )


async def test_lifecycle_changes_on_a_restricted_team_read_as_not_found_for_outsiders(
    graph: Graph, g: dict[str, str]
) -> None:
    await b.set_team(graph, g["team"], visibility="RESTRICTED")
    outsider = Viewer(person_id=g["Outsider"], signed_in=True)
    with pytest.raises(NotFound) as err:
        await lifecycle.hand_over_lead(graph, g["team"], g["Anna"], g["Outsider"], outsider)
    assert err.value.field == "teamId"


# Deadlines


async def test_due_soon_lists_mandate_ends_and_reports_within_the_window_soonest_first(graph: Graph) -> None:
    vm = await b.institution(graph, "VM")
    issue = await b.issue(graph, "Issue")
    lead = await b.person(graph, "Lead", vm)
    today = date(2026, 11, 27)
    report_soon = await b.team(
        graph,
        "Report soon",
        issue,
        lead,
        lead_allocation=10,
        reporting_deadlines=[today + timedelta(days=40), today + timedelta(days=3)],
    )
    ends_today = await b.team(graph, "Ends today", issue, lead, lead_allocation=10, end_date=today)
    await b.team(graph, "Ends later", issue, lead, lead_allocation=10, end_date=today + timedelta(days=31))
    await b.team(graph, "Ended", issue, lead, lead_allocation=10, end_date=today - timedelta(days=1))
    closed = await b.team(
        graph, "Closed", issue, lead, lead_allocation=10, end_date=today + timedelta(days=1)
    )
    await b.set_team(graph, closed, status="CLOSED")
    rows = await lifecycle.due_soon(graph, 30, SYSTEM, today=today)
    assert rows == [
        {"teamId": ends_today, "dueDate": today, "kind": "MANDATE_END", "daysLeft": 0},
        {"teamId": report_soon, "dueDate": today + timedelta(days=3), "kind": "REPORT", "daysLeft": 3},
    ]


async def test_due_soon_hides_restricted_teams_from_outsiders(graph: Graph) -> None:
    vm = await b.institution(graph, "VM")
    lead = await b.person(graph, "Lead", vm)
    await b.team(
        graph, "Secret", await b.issue(graph, "I"), lead, visibility="RESTRICTED", end_date=date.today()
    )
    assert await lifecycle.due_soon(graph, 30, Viewer(signed_in=True)) == []
    assert len(await lifecycle.due_soon(graph, 30, Viewer(person_id=lead, signed_in=True))) == 1
