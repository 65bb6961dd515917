"""Invitations: a person joins a team only by accepting, with the invited role and allocation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from graph import identity, invitations, people
from graph.access import GrantedRole, SignIn, Viewer
from graph.checked_writes import UnexplainedRefusal
from graph.driver import Graph, run
from graph.errors import Conflict, Forbidden, InvalidInput, NotFound
from graph.validation import validate
from tests import formation_builders as b
from tests import planned
from tests.formation_builders import SYSTEM

# An invitation as the API shows it (hub/api/invitations.py), read by the planner.
_FIELDS = "id status role allocation message teamName team { id } person { id } invitedBy { id }"


async def read(graph: Graph, id: str, viewer: Viewer = SYSTEM) -> dict[str, Any] | None:
    found: dict[str, Any] | None = (
        await planned.data(
            graph,
            "query($id: ID!) { node(id: $id) { ... on Invitation { " + _FIELDS + " } } }",
            {"id": id},
            viewer,
        )
    )["node"]
    return found


async def of_team(graph: Graph, team_id: str, viewer: Viewer = SYSTEM) -> list[dict[str, Any]] | None:
    team = (
        await planned.data(
            graph,
            "query($id: ID!) { team(id: $id) { invitations { " + _FIELDS + " } } }",
            {"id": team_id},
            viewer,
        )
    )["team"]
    return None if team is None else list(team["invitations"])


async def of_person(graph: Graph, person_id: str, viewer: Viewer = SYSTEM) -> list[dict[str, Any]]:
    person = (
        await planned.data(
            graph,
            "query($id: ID!) { person(id: $id) { invitations { " + _FIELDS + " } } }",
            {"id": person_id},
            viewer,
        )
    )["person"]
    return list(person["invitations"])


MISSING_INVITATION = "inv_" + "0" * 32


@pytest.fixture
async def g(graph: Graph) -> dict[str, str]:
    vm, fm = await b.institution(graph, "VM"), await b.institution(graph, "FM")
    ids = {"VM": vm, "FM": fm}
    ids["issue"] = await b.issue(graph, "Open data", {vm: "LEAD", fm: "INVOLVED"})
    ids["other_issue"] = await b.issue(graph, "Other")
    ids["lead"] = await b.person(graph, "Lead", vm)
    ids["anna"] = await b.person(graph, "Anna", fm)
    ids["boss"] = await b.person(graph, "Boss", fm)
    ids["team"] = await b.team(graph, "Open data team", ids["issue"], ids["lead"])
    return ids


def input_of(g: dict[str, str], **extra: Any) -> invitations.InvitationInput:
    data = {"team_id": g["team"], "person_id": g["anna"], "allocation": 30, "role": "EXPERT", **extra}
    return validate(invitations.InvitationInput, data)


async def invite(graph: Graph, g: dict[str, str], **extra: Any) -> dict[str, Any]:
    return await invitations.invite(graph, input_of(g, **extra), None, SYSTEM)


async def expire(graph: Graph, id: str) -> None:
    await graph.write(
        lambda tx: run(
            tx, "MATCH (v:Invitation {id: $id}) SET v.expiresAt = datetime() - duration('PT1M')", id=id
        )
    )


async def test_an_invitation_is_pending_for_fourteen_days_and_adds_no_member(
    graph: Graph, g: dict[str, str]
) -> None:
    sent = await invite(graph, g)
    assert (sent["status"], sent["role"], sent["allocation"], sent["personId"], sent["teamId"]) == (
        "PENDING",
        "EXPERT",
        30,
        g["anna"],
        g["team"],
    )
    assert abs(sent["expiresAt"] - (datetime.now(UTC) + timedelta(days=14))) < timedelta(minutes=1)
    assert await b.membership_of(graph, g["team"], g["anna"]) is None


async def test_an_invitation_shows_in_the_team_issue_and_invitee_feeds(
    graph: Graph, g: dict[str, str]
) -> None:
    await invite(graph, g)
    for scope in (g["team"], g["issue"], g["anna"]):
        assert (await b.verbs_in_scope(graph, scope))[-1] == "invitation.sent"


async def test_accepting_starts_the_membership_with_the_invited_role_and_allocation(
    graph: Graph, g: dict[str, str]
) -> None:
    sent = await invite(graph, g)
    accepted = await invitations.accept(graph, sent["id"], None, SYSTEM)
    assert accepted["status"] == "ACCEPTED"
    assert await b.membership_of(graph, g["team"], g["anna"]) == {"role": "EXPERT", "allocation": 30}
    assert (await b.verbs_in_scope(graph, g["anna"]))[-1] == "invitation.accepted"


async def test_inviting_an_existing_member_is_refused(graph: Graph, g: dict[str, str]) -> None:
    before = await b.counts(graph)
    with pytest.raises(Conflict) as err:
        await invite(graph, g, person_id=g["lead"])
    assert err.value.field == "personId"
    assert "already a member" in err.value.message
    assert await b.counts(graph) == before


async def test_a_second_pending_invitation_is_refused(graph: Graph, g: dict[str, str]) -> None:
    await invite(graph, g)
    before = await b.counts(graph)
    with pytest.raises(Conflict) as err:
        await invite(graph, g)
    assert (err.value.field, "pending invitation" in err.value.message) == ("personId", True)
    assert await b.counts(graph) == before


async def test_after_expiry_the_person_may_be_invited_again(graph: Graph, g: dict[str, str]) -> None:
    first = await invite(graph, g)
    await expire(graph, first["id"])
    second = await invite(graph, g)
    assert second["status"] == "PENDING"


async def test_inviting_to_a_closed_team_is_refused(graph: Graph, g: dict[str, str]) -> None:
    await b.set_team(graph, g["team"], status="CLOSED")
    before = await b.counts(graph)
    with pytest.raises(Conflict) as err:
        await invite(graph, g)
    assert err.value.field == "teamId"
    assert await b.counts(graph) == before


@pytest.mark.parametrize("allocation", [-1, 101])
def test_an_allocation_outside_0_to_100_is_refused(g: dict[str, str], allocation: int) -> None:
    with pytest.raises(InvalidInput) as err:
        input_of(g, allocation=allocation)
    assert err.value.problems[0].field == "allocation"


def test_an_expiry_in_the_past_is_refused(g: dict[str, str]) -> None:
    with pytest.raises(InvalidInput) as err:
        input_of(g, expires_at=datetime.now(UTC) - timedelta(hours=1))
    assert (err.value.problems[0].field, err.value.problems[0].problem) == (
        "expiresAt",
        "must be in the future",
    )


async def test_inviting_as_lead_is_refused(graph: Graph, g: dict[str, str]) -> None:
    with pytest.raises(Conflict) as err:
        await invite(graph, g, role="LEAD")
    assert err.value.field == "role"


async def test_unknown_team_and_person_are_named(graph: Graph, g: dict[str, str]) -> None:
    with pytest.raises(NotFound) as err:
        await invite(graph, g, team_id="team_" + "0" * 32)
    assert err.value.field == "teamId"
    with pytest.raises(NotFound) as err:
        await invite(graph, g, person_id="person_" + "0" * 32)
    assert err.value.field == "personId"


async def test_an_id_of_another_kind_is_not_a_person(graph: Graph, g: dict[str, str]) -> None:
    before = await b.counts(graph)
    with pytest.raises(NotFound) as err:
        await invite(graph, g, person_id=g["FM"])
    assert (err.value.field, err.value.message) == ("personId", f"personId: no Person with id {g['FM']!r}")
    assert await b.counts(graph) == before


async def test_an_archived_person_is_not_invited(graph: Graph, g: dict[str, str]) -> None:
    await graph.write(
        lambda tx: run(tx, "MATCH (p:Person {id: $id}) SET p.archivedAt = datetime()", id=g["anna"])
    )
    before = await b.counts(graph)
    with pytest.raises(Conflict) as err:
        await invite(graph, g)
    assert (err.value.field, err.value.message) == ("personId", "personId: Anna is archived")
    assert await b.counts(graph) == before


async def test_an_invitation_is_returned_as_it_is_read_later(graph: Graph, g: dict[str, str]) -> None:
    sent = await invite(graph, g)
    listed = await read(graph, sent["id"])
    assert listed == {
        "id": sent["id"],
        "status": sent["status"],
        "role": sent["role"],
        "allocation": sent["allocation"],
        "message": sent["message"],
        "teamName": sent["teamName"],
        "team": {"id": sent["teamId"]},
        "person": {"id": sent["personId"]},
        "invitedBy": None,
    }
    assert (sent["teamName"], sent["issueId"], sent["teamStatus"]) == (
        "Open data team",
        g["issue"],
        "FORMING",
    )


async def test_an_unknown_invitation_is_named(graph: Graph, g: dict[str, str]) -> None:
    with pytest.raises(NotFound) as err:
        await invitations.accept(graph, MISSING_INVITATION, None, SYSTEM)
    assert err.value.field == "invitationId"


async def test_accepting_above_full_time_is_refused_naming_allocation(
    graph: Graph, g: dict[str, str]
) -> None:
    await b.team(graph, "Busy", g["other_issue"], g["anna"], lead_allocation=80)
    sent = await invite(graph, g, allocation=30)
    before = await b.counts(graph)
    with pytest.raises(Conflict) as err:
        await invitations.accept(graph, sent["id"], None, SYSTEM)
    assert err.value.field == "allocation"
    assert "110%" in err.value.message
    assert await b.counts(graph) == before
    assert await b.membership_of(graph, g["team"], g["anna"]) is None


async def test_a_closed_team_frees_the_time_it_held(graph: Graph, g: dict[str, str]) -> None:
    old = await b.team(graph, "Old", g["other_issue"], g["anna"], lead_allocation=80)
    await b.set_team(graph, old, status="CLOSED")
    sent = await invite(graph, g, allocation=30)
    assert (await invitations.accept(graph, sent["id"], None, SYSTEM))["status"] == "ACCEPTED"


async def test_an_expired_invitation_reads_expired_and_cannot_be_accepted(
    graph: Graph, g: dict[str, str]
) -> None:
    sent = await invite(graph, g)
    await expire(graph, sent["id"])
    assert (await read(graph, sent["id"]))["status"]  # type: ignore[index] == "EXPIRED"
    before = await b.counts(graph)
    with pytest.raises(Conflict) as err:
        await invitations.accept(graph, sent["id"], None, SYSTEM)
    assert (err.value.field, "expired" in err.value.message) == ("invitationId", True)
    assert await b.counts(graph) == before


async def test_declining_keeps_the_reason_and_ends_the_invitation(graph: Graph, g: dict[str, str]) -> None:
    sent = await invite(graph, g)
    reason = validate(invitations.Reason, {"reason": "No time this quarter"})
    declined = await invitations.decline(graph, sent["id"], reason, None, SYSTEM)
    assert (declined["status"], declined["reason"]) == ("DECLINED", "No time this quarter")
    with pytest.raises(Conflict) as err:
        await invitations.accept(graph, sent["id"], None, SYSTEM)
    assert err.value.message == "invitationId: the invitation is declined"


async def test_a_withdrawn_invitation_cannot_be_accepted(graph: Graph, g: dict[str, str]) -> None:
    sent = await invite(graph, g)
    assert (await invitations.withdraw(graph, sent["id"], None, SYSTEM))["status"] == "WITHDRAWN"
    with pytest.raises(Conflict):
        await invitations.accept(graph, sent["id"], None, SYSTEM)
    assert await b.membership_of(graph, g["team"], g["anna"]) is None


async def test_only_the_invitee_may_accept(graph: Graph, g: dict[str, str]) -> None:
    sent = await invite(graph, g)
    before = await b.counts(graph)
    with pytest.raises(Forbidden) as err:
        await invitations.accept(graph, sent["id"], g["boss"], SYSTEM)
    assert err.value.code == "FORBIDDEN"
    assert await b.counts(graph) == before
    assert (await invitations.accept(graph, sent["id"], g["anna"], SYSTEM))["status"] == "ACCEPTED"


async def test_only_the_invitee_may_decline(graph: Graph, g: dict[str, str]) -> None:
    sent = await invite(graph, g)
    with pytest.raises(Forbidden) as err:
        await invitations.decline(graph, sent["id"], validate(invitations.Reason, {}), g["lead"], SYSTEM)
    assert err.value.message == "invitationId: only the invited person may decline"
    assert (await read(graph, sent["id"]))["status"]  # type: ignore[index] == "PENDING"


async def test_only_the_lead_may_withdraw_an_invitation(graph: Graph, g: dict[str, str]) -> None:
    sent = await invite(graph, g)
    with pytest.raises(Forbidden):
        await invitations.withdraw(graph, sent["id"], g["boss"], SYSTEM)
    assert (await invitations.withdraw(graph, sent["id"], g["lead"], SYSTEM))["status"] == "WITHDRAWN"


async def test_an_accepted_invitation_cannot_be_withdrawn(graph: Graph, g: dict[str, str]) -> None:
    sent = await invite(graph, g)
    await invitations.accept(graph, sent["id"], None, SYSTEM)
    with pytest.raises(Conflict) as err:
        await invitations.withdraw(graph, sent["id"], g["lead"], SYSTEM)
    assert err.value.message == "invitationId: the invitation is accepted"
    assert await b.membership_of(graph, g["team"], g["anna"]) == {"role": "EXPERT", "allocation": 30}


async def test_declining_is_recorded_with_the_invitation_before_and_after(
    graph: Graph, g: dict[str, str]
) -> None:
    sent = await invite(graph, g)
    await invitations.decline(
        graph, sent["id"], validate(invitations.Reason, {"reason": "Busy"}), None, SYSTEM
    )

    rows = await graph.read(
        "MATCH (a:Activity {verb: 'invitation.declined', targetId: $id}) "
        "RETURN a.summary AS summary, a.before AS before, a.after AS after",
        id=sent["id"],
    )
    before, after = json.loads(rows[0]["before"]), json.loads(rows[0]["after"])
    assert rows[0]["summary"] == "Invitation declined (expert, 30%)"
    assert (before["status"], after["status"], after["reason"]) == ("PENDING", "DECLINED", "Busy")
    for scope in (g["team"], g["issue"], g["anna"]):
        assert (await b.verbs_in_scope(graph, scope))[-1] == "invitation.declined"


async def test_only_the_lead_may_invite(graph: Graph, g: dict[str, str]) -> None:
    with pytest.raises(Forbidden):
        await invitations.invite(graph, input_of(g), g["boss"], SYSTEM)
    assert (await invitations.invite(graph, input_of(g), g["lead"], SYSTEM))["invitedById"] == g["lead"]


async def test_invitations_list_pending_first(graph: Graph, g: dict[str, str]) -> None:
    declined = await invite(graph, g)
    await invitations.decline(graph, declined["id"], invitations.Reason(), None, SYSTEM)
    pending = await invite(graph, g)
    boss = await invite(graph, g, person_id=g["boss"])
    team_list = await of_team(graph, g["team"])
    assert [(i["id"], i["status"]) for i in team_list or []] == [
        (boss["id"], "PENDING"),
        (pending["id"], "PENDING"),
        (declined["id"], "DECLINED"),
    ]
    anna_list = await of_person(graph, g["anna"])
    assert [i["id"] for i in anna_list] == [pending["id"], declined["id"]]


async def test_an_invitation_names_its_team_in_every_list(graph: Graph, g: dict[str, str]) -> None:
    sent = await invite(graph, g)
    team_list = await of_team(graph, g["team"])
    anna_list = await of_person(graph, g["anna"])
    by_id = await read(graph, sent["id"])
    assert team_list is not None and by_id is not None
    assert [sent["teamName"], team_list[0]["teamName"], anna_list[0]["teamName"], by_id["teamName"]] == [
        "Open data team"
    ] * 4


# Manager approval of the time allocation


@pytest.fixture
async def approval(graph: Graph, g: dict[str, str]) -> dict[str, str]:
    await b.set_team(graph, g["team"], requiresManagerApproval=True)
    await b.manages(graph, g["boss"], g["FM"])
    g["invitation"] = (await invite(graph, g))["id"]
    await invitations.accept(graph, g["invitation"], None, SYSTEM)
    return g


async def test_with_manager_approval_accepting_waits_for_the_manager(
    graph: Graph, approval: dict[str, str]
) -> None:
    found = await read(graph, approval["invitation"])
    assert found is not None and found["status"] == "AWAITING_APPROVAL"
    assert await b.membership_of(graph, approval["team"], approval["anna"]) is None


async def test_the_managers_approval_starts_the_membership(graph: Graph, approval: dict[str, str]) -> None:
    approved = await invitations.approve_allocation(graph, approval["invitation"], approval["boss"], SYSTEM)
    assert approved["status"] == "ACCEPTED"
    assert await b.membership_of(graph, approval["team"], approval["anna"]) == {
        "role": "EXPERT",
        "allocation": 30,
    }


async def test_only_a_manager_of_the_invitees_institution_may_approve(
    graph: Graph, approval: dict[str, str]
) -> None:
    before = await b.counts(graph)
    with pytest.raises(Forbidden):
        await invitations.approve_allocation(graph, approval["invitation"], approval["lead"], SYSTEM)
    assert await b.counts(graph) == before


async def test_the_manager_may_reject_the_allocation(graph: Graph, approval: dict[str, str]) -> None:
    reason = validate(invitations.Reason, {"reason": "Budget season"})
    rejected = await invitations.reject_allocation(
        graph, approval["invitation"], reason, approval["boss"], SYSTEM
    )
    assert (rejected["status"], rejected["reason"]) == ("REJECTED", "Budget season")
    assert await b.membership_of(graph, approval["team"], approval["anna"]) is None


async def test_only_a_manager_of_the_invitees_institution_may_reject(
    graph: Graph, approval: dict[str, str]
) -> None:
    reason = validate(invitations.Reason, {"reason": "no"})
    with pytest.raises(Forbidden) as err:
        await invitations.reject_allocation(graph, approval["invitation"], reason, approval["lead"], SYSTEM)
    assert err.value.field == "invitationId"
    found = await read(graph, approval["invitation"])
    assert found is not None and found["status"] == "AWAITING_APPROVAL"


async def test_approving_above_full_time_is_refused_naming_allocation(
    graph: Graph, approval: dict[str, str]
) -> None:
    await b.team(graph, "Busy", approval["other_issue"], approval["anna"], lead_allocation=80)
    before = await b.counts(graph)
    with pytest.raises(Conflict) as err:
        await invitations.approve_allocation(graph, approval["invitation"], approval["boss"], SYSTEM)
    assert (err.value.field, "110%" in err.value.message) == ("allocation", True)
    assert await b.counts(graph) == before
    assert await b.membership_of(graph, approval["team"], approval["anna"]) is None


async def test_a_pending_invitation_cannot_be_approved(graph: Graph, g: dict[str, str]) -> None:
    sent = await invite(graph, g)
    with pytest.raises(Conflict) as err:
        await invitations.approve_allocation(graph, sent["id"], None, SYSTEM)
    assert err.value.message == "invitationId: the invitation is pending"


# Restricted teams


async def test_a_restricted_teams_invitation_is_seen_only_by_members_and_the_invitee(
    graph: Graph, g: dict[str, str]
) -> None:
    await b.set_team(graph, g["team"], visibility="RESTRICTED")
    sent = await invite(graph, g)
    outsider = Viewer(person_id=await b.person(graph, "Outsider", g["VM"]), signed_in=True)
    invitee = Viewer(person_id=g["anna"], signed_in=True)
    assert await read(graph, sent["id"], outsider) is None
    assert await of_team(graph, g["team"], outsider) is None
    assert (await read(graph, sent["id"], invitee) or {}).get("id") == sent["id"]
    with pytest.raises(NotFound) as err:
        await invitations.accept(graph, sent["id"], outsider.person_id, outsider)
    assert err.value.field == "invitationId"
    assert (await invitations.accept(graph, sent["id"], g["anna"], invitee))["status"] == "ACCEPTED"


async def test_outsiders_cannot_invite_to_a_restricted_team(graph: Graph, g: dict[str, str]) -> None:
    await b.set_team(graph, g["team"], visibility="RESTRICTED")
    outsider = Viewer(person_id=g["boss"], signed_in=True)
    with pytest.raises(NotFound) as err:
        await invitations.invite(graph, input_of(g), g["boss"], outsider)
    assert err.value.field == "teamId"


async def _signed_in(graph: Graph, name: str) -> Viewer:
    sign_in = SignIn("https://idp.test", f"sub-{name}", f"{name.lower()}@example.lv", email_verified=True)
    return await identity.viewer_for_sign_in(graph, sign_in, frozenset())


async def test_a_lead_signed_in_as_themself_invites_and_the_invitee_accepts(
    graph: Graph, g: dict[str, str]
) -> None:
    lead, anna = await _signed_in(graph, "Lead"), await _signed_in(graph, "Anna")

    sent = await invitations.invite(graph, input_of(g), g["lead"], lead)
    accepted = await invitations.accept(graph, sent["id"], g["anna"], anna)

    assert (sent["invitedById"], accepted["status"]) == (g["lead"], "ACCEPTED")


async def test_an_invitation_for_a_caller_whose_roles_changed_is_not_written(
    graph: Graph, g: dict[str, str]
) -> None:
    remembered = await _signed_in(graph, "Lead")
    await identity.set_roles(graph, g["lead"], [GrantedRole.ADMIN], None)

    with pytest.raises(identity.CallerChanged):
        await invitations.invite(graph, input_of(g), g["lead"], remembered)

    assert await of_team(graph, g["team"]) == []


async def test_an_acceptance_for_an_archived_caller_is_not_written(graph: Graph, g: dict[str, str]) -> None:
    sent = await invite(graph, g)
    remembered = await _signed_in(graph, "Anna")
    await people.archive(graph, g["anna"], None)

    with pytest.raises(identity.CallerChanged):
        await invitations.accept(graph, sent["id"], g["anna"], remembered)

    assert (await read(graph, sent["id"]))["status"]  # type: ignore[index] == "PENDING"


async def test_an_acceptances_activity_holds_the_invitation_before_and_after(
    graph: Graph, g: dict[str, str]
) -> None:
    sent = await invite(graph, g)
    accepted = await invitations.accept(graph, sent["id"], None, SYSTEM)

    rows = await graph.read(
        "MATCH (a:Activity {verb: 'invitation.accepted', targetId: $id}) RETURN a.before AS before, a.after AS after",
        id=sent["id"],
    )
    before, after = json.loads(rows[0]["before"]), json.loads(rows[0]["after"])
    assert (before["status"], after["status"]) == ("PENDING", "ACCEPTED")
    assert after["respondedAt"] == str(accepted["respondedAt"])
    assert {k: after[k] for k in ("id", "personId", "teamId", "allocation")} == {
        "id": sent["id"],
        "personId": g["anna"],
        "teamId": g["team"],
        "allocation": 30,
    }


async def test_a_refusal_that_no_rule_explains_is_an_error_and_writes_nothing(
    graph: Graph, g: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    await invite(graph, g)
    monkeypatch.setattr(invitations, "_check_invite", lambda *args: None)  # the rules say nothing
    before = await b.counts(graph)

    with pytest.raises(UnexplainedRefusal, match="inviteMember"):
        await invite(graph, g)  # the statement's guard refuses the second pending invitation

    assert await b.counts(graph) == before
