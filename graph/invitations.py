"""Invitations: the only way to join a team. The lead invites; the invitee accepts or declines.

    (Invitation)-[:TO_JOIN]->(ProjectTeam), (Invitation)-[:INVITES]->(Person),
    (Invitation)-[:SENT_BY]->(Person) when the inviter is known.

PENDING → ACCEPTED (membership starts, with the invited role and allocation), DECLINED or
WITHDRAWN. On a team with `requiresManagerApproval`, accepting moves it to AWAITING_APPROVAL and a
manager of the invitee's institution (`(Person)-[:MANAGES]->(Institution)`) approves — ACCEPTED,
membership starts — or rejects — REJECTED. A PENDING invitation past `expiresAt` reads as EXPIRED
(computed on read, so no sweep is needed) and can no longer be accepted; the lead may invite again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final, LiteralString

from pydantic import field_validator

from graph import activity, identity, locks, membership, outbox
from graph.access import TEAM_VISIBLE, Viewer, team_visible
from graph.checked_writes import write_checked
from graph.driver import Graph, Record
from graph.errors import Conflict, Forbidden, NotFound
from graph.ids import new_id
from graph.model import Reach, Value, entity
from graph.planner import Projection
from graph.teams import Role
from graph.validation import Input, LongText, Percent, PublicId, ShortText

DEFAULT_VALIDITY = timedelta(days=14)


class InvitationStatus(StrEnum):
    PENDING = "PENDING"
    AWAITING_APPROVAL = "AWAITING_APPROVAL"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    WITHDRAWN = "WITHDRAWN"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"


class InvitationInput(Input):
    team_id: PublicId
    person_id: PublicId
    role: Role = Role.MEMBER
    allocation: Percent
    message: LongText = ""
    expires_at: datetime | None = None

    @field_validator("expires_at")
    @classmethod
    def _future(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        if value <= datetime.now(UTC):
            raise ValueError("must be in the future")
        return value


class Reason(Input):
    reason: ShortText = ""


def _status(v: LiteralString) -> LiteralString:
    """The stored status, with a PENDING invitation past its expiry read as EXPIRED."""
    return (
        "CASE WHEN "
        + v
        + ".status = 'PENDING' AND "
        + v
        + ".expiresAt <= datetime() THEN 'EXPIRED' ELSE "
        + v
        + ".status END"
    )


# The status of the invitation `v`, for the steps' own statements.
STATUS: Final[LiteralString] = _status("v")
# Still open: counts as a pending invitation (duplicates, suggestions).
OPEN: Final[LiteralString] = (
    "(v.status = 'AWAITING_APPROVAL' OR (v.status = 'PENDING' AND v.expiresAt > datetime()))"
)
# Who sees an invitation: whoever sees its team, the invitee, and the invitee's institution managers
# (who approve the time). `v` is the invitation, `t` its team.
VISIBLE: Final[LiteralString] = (
    "(" + TEAM_VISIBLE + " OR EXISTS { (v)-[:INVITES]->(:Person {id: $viewerId}) }"
    " OR EXISTS { (v)-[:INVITES]->(:Person)-[:WORKS_AT]->(:Institution)<-[:MANAGES]-(:Person {id: $viewerId}) })"
)
_FIELDS: Final[LiteralString] = (
    ".*, status: " + STATUS + ", teamId: t.id, teamName: t.name,"
    " personId: head([(v)-[:INVITES]->(invitee) | invitee.id]),"
    " invitedById: head([(v)-[:SENT_BY]->(sender) | sender.id])"
)
# An invitation `v` to team `t` as the steps read it: with what the rules ask of its team.
_STEP_NODE: Final[LiteralString] = (
    "v {" + _FIELDS + ", teamStatus: t.status, needsApproval: coalesce(t.requiresManagerApproval, false),"
    " issueId: head([(t)-[:ADDRESSES]->(i) | i.id])}"
)


def invitation_visible(v: LiteralString) -> LiteralString:
    """Who sees an invitation: whoever sees its team, the invitee, and the invitee's institution
    managers (who approve the time)."""
    return (
        "(EXISTS { MATCH ("
        + v
        + ")-[:TO_JOIN]->(invitedTo:ProjectTeam) WHERE "
        + team_visible("invitedTo")
        + " }"
        " OR EXISTS { (" + v + ")-[:INVITES]->(:Person {id: $viewerId}) }"
        " OR EXISTS { ("
        + v
        + ")-[:INVITES]->(:Person)-[:WORKS_AT]->(:Institution)<-[:MANAGES]-(:Person {id: $viewerId}) })"
    )


INVITATION = entity(
    "Invitation",
    {
        "status": Value(_status("{n}")),
        "teamName": Value("head([({n})-[:TO_JOIN]->(invitedTo) | invitedTo.name])"),
        "team": Reach("MATCH ({n})-[:TO_JOIN]->({team}:ProjectTeam)", "ProjectTeam", "team", many=False),
        "person": Reach("MATCH ({n})-[:INVITES]->({person}:Person)", "Person", "person", many=False),
        "invitedBy": Reach("MATCH ({n})-[:SENT_BY]->({person}:Person)", "Person", "person", many=False),
    },
    visible=invitation_visible,
    # Pending first, then awaiting approval, then the rest newest first.
    order="CASE "
    + _status("{n}")
    + " WHEN 'PENDING' THEN 0 WHEN 'AWAITING_APPROVAL' THEN 1 ELSE 2 END, {n}.createdAt DESC",
)


def _require_status(node: Record, *allowed: InvitationStatus) -> None:
    status = node["status"]
    if status in allowed:
        return
    if status == InvitationStatus.EXPIRED:
        raise Conflict("invitationId", f"the invitation expired at {node['expiresAt']:%Y-%m-%d %H:%M} UTC")
    raise Conflict("invitationId", f"the invitation is {status.lower().replace('_', ' ')}")


async def invite(
    graph: Graph,
    data: InvitationInput,
    actor_id: str | None,
    viewer: Viewer,
    *,
    returning: Projection | None = None,
) -> Any:
    """One statement reads what inviting depends on, checks the rules (`_check_invite`) and, when
    they hold, makes the invitation and its Activity."""
    if data.role is Role.LEAD:
        raise Conflict("role", "a team has one lead: invite as another role, then use handOverLead")
    now = datetime.now(UTC)
    node: Record = {
        "id": new_id("Invitation"),
        "role": data.role.value,
        "allocation": data.allocation,
        "message": data.message,
        "status": InvitationStatus.PENDING.value,
        "expiresAt": data.expires_at or now + DEFAULT_VALIDITY,
        "createdAt": now,
        "updatedAt": now,
    }

    return await write_checked(
        graph,
        _INVITE,
        write="inviteMember",
        explain=lambda refused: _check_invite(refused, data, actor_id),
        viewer=viewer,
        verb="invitation.sent",
        actor_id=actor_id,
        target_id=node["id"],
        returning=returning,
        teamId=data.team_id,
        personId=data.person_id,
        lockIds=[data.person_id, data.team_id],
        actorId=actor_id,
        node=node,
        **viewer.params(),
    )


# Inviting in one statement: the person's and the team's write locks first (graph/locks.py), then
# the team as the viewer sees it, the person, whether they are on the team or invited to it
# already, the acting person's standing, the caller; the invitation and its Activity when the
# rules hold. The guard is `_check_invite`'s rules, which explain a refusal. The invitation's
# INVITES carries `openKey` "personId|teamId" while it is open: a uniqueness constraint holds a
# person to one open invitation per team.
_INVITE: Final[LiteralString] = (
    locks.BY_ID
    + "OPTIONAL MATCH (t:ProjectTeam {id: $teamId}) WHERE "
    + TEAM_VISIBLE
    + """
    OPTIONAL MATCH (p:Entity {id: $personId}) WHERE 'Person' IN labels(p)
    WITH t, p, t IS NOT NULL AND p IS NOT NULL AND EXISTS { (p)-[:MEMBER_OF]->(t) } AS member,
         t IS NOT NULL AND p IS NOT NULL AND EXISTS { (t)<-[:TO_JOIN]-(v:Invitation)-[:INVITES]->(p) WHERE """
    + OPEN
    + " } AS pending, "
    + membership.STANDING
    + " AS standing, "
    + identity.CALLER
    + """ AS caller
    WITH t, p, member, pending, standing, caller,
         t IS NOT NULL AND p IS NOT NULL AND t.status <> 'CLOSED' AND p.archivedAt IS NULL
         AND NOT member AND NOT pending AND """
    + membership.LEADS
    + " AND "
    + identity.CONFIRMED
    + """ AS allowed
    OPTIONAL CALL (t, p, allowed) {
      WITH t, p WHERE allowed
      // None of the pair's invitations is open (the guard): an expired one gives up its key.
      CALL (t, p) {
        MATCH (t)<-[:TO_JOIN]-(:Invitation)-[expired:INVITES]->(p) WHERE expired.openKey IS NOT NULL
        SET expired.openKey = null
      }
      CREATE (v:Invitation:Entity {id: $node.id, role: $node.role, allocation: $node.allocation,
              message: $node.message, status: $node.status, expiresAt: $node.expiresAt,
              createdAt: $node.createdAt, updatedAt: $node.updatedAt})
      CREATE (v)-[:TO_JOIN]->(t), (v)-[:INVITES {openKey: p.id + '|' + t.id}]->(p)
      WITH v, t, p
      OPTIONAL MATCH (inviter:Person {id: $actorId})
      FOREACH (_ IN CASE WHEN inviter IS NULL THEN [] ELSE [1] END | CREATE (v)-[:SENT_BY]->(inviter))
      WITH p, t, """
    + _STEP_NODE
    + """ AS node
      WITH node, p.name + ' invited to ' + t.name + ' as ' + toLower(node.role) AS activitySummary,
           [node.teamId, node.issueId, node.personId] AS activityScope, null AS activityBefore, node AS activityAfter"""
    + activity.RECORD
    + """
      WITH node, 'INVITATION' AS notifyNotice, [node.personId] AS notifyRecipients, node.id AS notifySubject,
           node.teamId AS notifyTeam"""
    + outbox.NOTIFY
    + """
      RETURN node AS written
    }
    RETURN written, CASE WHEN written IS NULL THEN {team: t {.*}, person: p {.*}, member: member, pending: pending,
                                                    standing: standing, caller: caller} END AS refused"""
)


def _check_invite(facts: Record, data: InvitationInput, actor_id: str | None) -> None:
    """The rules of inviting, in order, on what `_INVITE` read: the first that fails raises."""
    team, person = facts["team"], facts["person"]
    if team is None:  # missing, or a team the viewer may not see
        raise NotFound("ProjectTeam", data.team_id, "teamId")
    if person is None:
        raise NotFound("Person", data.person_id, "personId")
    membership.require_lead(facts["standing"], actor_id, "invite members")
    if team["status"] == "CLOSED":
        raise Conflict("teamId", "the team is closed")
    if person.get("archivedAt") is not None:
        raise Conflict("personId", f"{person['name']} is archived")
    if facts["member"]:
        raise Conflict("personId", f"{person['name']} is already a member of this team")
    if facts["pending"]:
        raise Conflict("personId", f"{person['name']} already has a pending invitation to this team")


def _require_room(node: Record, joining: Record, *, joins: bool) -> None:
    """What must hold when the invitee takes up the invitation (`joining`: membership.JOINING):
    an open team, not already on it (when they join now), and the time free."""
    if node["teamStatus"] == "CLOSED":
        raise Conflict("invitationId", "the team is closed")
    if joins and joining["member"]:
        raise Conflict("invitationId", "the person is already a member of this team")
    membership.require_free(joining["elsewhere"], node["allocation"])


# --- The steps after inviting: accept, decline, withdraw, approve, reject ------------------------
# Each is one statement (graph/checked_writes.py) on the invitation as the steps read it
# (`before`), with what the steps' rules ask: what the invitee joining depends on (`joining`), the
# acting person's standing on the team (`standing`, for withdrawing), whether they manage the
# invitee's institution (`manages`, for approving and rejecting), and the caller.


# A step's first clause: the invitee's and then the team's write locks (graph/locks.py), so the
# step reads the invitation's status, the invitee's time and the team after any concurrent step,
# hand-over or closing has committed: one outcome however many steps race.
_LOCK_INVITEE_AND_TEAM: Final[LiteralString] = (
    "CALL () { OPTIONAL MATCH (invitee:Person)<-[:INVITES]-(:Invitation {id: $id})-[:TO_JOIN]->(team:ProjectTeam) "
    + locks.lock("invitee", "team")
    + " } "
)


def _step(
    guard: LiteralString,
    change: LiteralString,
    *,
    standing: LiteralString = "null",
    manages: LiteralString = "null",
    notify: LiteralString = "",
) -> LiteralString:
    """The statement of a step: `guard` (over the facts above, `$actorId` and `joins`: the invitee
    joins the team now, i.e. it asks for no manager's approval) says whether it may be taken;
    `change` (on `v`, its team `t`, the invitee `p`) takes it, and its Activity is recorded.
    `standing` and `manages` are read only by the steps whose rules ask for them; `notify` (on
    `after`, keeping it) writes the step's e-mail notifications."""
    return (
        _LOCK_INVITEE_AND_TEAM
        + "OPTIONAL MATCH (v:Invitation {id: $id})-[:TO_JOIN]->(t:ProjectTeam) WHERE "
        + VISIBLE
        + " OPTIONAL MATCH (v)-[invites:INVITES]->(p:Person)"
        + " WITH v, t, p, invites, t.id AS teamId WITH v, t, p, invites, "
        + _STEP_NODE
        + " AS before, "
        + membership.JOINING
        + " AS joining, "
        + standing
        + " AS standing, "
        + manages
        + " AS manages, "
        + identity.CALLER
        + """ AS caller
    WITH v, t, p, invites, before, joining, standing, manages, caller,
         NOT coalesce(before.needsApproval, false) AS joins
    WITH v, t, p, invites, before, joining, standing, manages, caller, joins,
         before IS NOT NULL AND """
        + identity.CONFIRMED
        + " AND "
        + guard
        + """ AS allowed
    OPTIONAL CALL (v, t, p, invites, before, joins, allowed) {
      WITH v, t, p, invites, before, joins WHERE allowed
      """
        + change
        + """
      WITH v, t, p, invites, before
      SET invites.openKey = CASE WHEN """
        + _STILL_OPEN
        + """ THEN invites.openKey END
      WITH before, """
        + _STEP_NODE
        + """ AS after
      WITH before, after,
           $summary + ' (' + toLower(after.role) + ', ' + toString(after.allocation) + '%)' AS activitySummary,
           [after.teamId, after.issueId, after.personId] AS activityScope,
           before AS activityBefore, after AS activityAfter"""
        + activity.RECORD
        + notify
        + """
      RETURN after AS written
    }
    RETURN written, CASE WHEN written IS NULL THEN {before: before, joining: joining, standing: standing,
                                                    manages: manages, caller: caller} END AS refused"""
    )


# The invitee answers (or the step ends it): the status, the reason if one is given, the time.
_RESPOND: Final[LiteralString] = (
    "SET v.status = $status, v.reason = coalesce($reason, v.reason),"
    " v.respondedAt = coalesce(v.respondedAt, datetime()), v.updatedAt = datetime()"
)
# The membership starts with the invited terms.
_JOIN: Final[LiteralString] = (
    "CREATE (p)-[:MEMBER_OF {role: v.role, allocation: v.allocation, since: date(), "
    + membership.keys("p", "t", "v.role")
    + "}]->(t)"
)


def _room(joins: LiteralString) -> LiteralString:
    """`_require_room` as a guard: an open team, not on it already when they join now (`joins`),
    the time free."""
    return (
        "before.teamStatus <> 'CLOSED' AND NOT ("
        + joins
        + " AND joining.member) AND "
        + membership.fits("before.allocation")
    )


# An open invitation's status (expiry aside): its INVITES keeps `openKey` while it has one.
_STILL_OPEN: Final[LiteralString] = "v.status IN ['PENDING', 'AWAITING_APPROVAL']"
_BY_INVITEE: Final[LiteralString] = "($actorId IS NULL OR $actorId = before.personId)"
_BY_MANAGER: Final[LiteralString] = "($actorId IS NULL OR manages)"
# Whether the acting person manages the invitee's institution (who decides on their time).
_MANAGES: Final[LiteralString] = (
    "EXISTS { (p)-[:WORKS_AT]->(:Institution)<-[:MANAGES]-(:Person {id: $actorId}) }"
)

# Accepted on a team that asks for approval: each manager of the invitee's institution is asked.
_ASK_CONSENT: Final[LiteralString] = (
    """
      WITH after, 'CONSENT_REQUEST' AS notifyNotice, after.id AS notifySubject, after.teamId AS notifyTeam,
           CASE WHEN after.status = 'AWAITING_APPROVAL' THEN COLLECT {
             MATCH (:Person {id: after.personId})-[:WORKS_AT]->(:Institution)<-[:MANAGES]-(manager:Person)
             RETURN DISTINCT manager.id } ELSE [] END AS notifyRecipients"""
    + outbox.NOTIFY
)

Rules = Callable[[Record, str | None], None]  # the step's rules on the refused facts and the actor


@dataclass(frozen=True)
class _Step:
    write: str  # the GraphQL field, named by UnexplainedRefusal
    verb: str
    summary: str
    status: InvitationStatus | None  # what `_RESPOND` sets, for the steps that use it
    statement: LiteralString
    rules: Rules


def _rules_of_accepting(facts: Record, actor_id: str | None) -> None:
    before = facts["before"]
    if actor_id is not None and actor_id != before["personId"]:
        raise Forbidden("invitationId", "only the invited person may accept")
    _require_status(before, InvitationStatus.PENDING)
    _require_room(before, facts["joining"], joins=not before["needsApproval"])


def _rules_of_declining(facts: Record, actor_id: str | None) -> None:
    if actor_id is not None and actor_id != facts["before"]["personId"]:
        raise Forbidden("invitationId", "only the invited person may decline")
    _require_status(facts["before"], InvitationStatus.PENDING)


def _rules_of_withdrawing(facts: Record, actor_id: str | None) -> None:
    membership.require_lead(facts["standing"], actor_id, "withdraw invitations")
    _require_status(facts["before"], InvitationStatus.PENDING, InvitationStatus.AWAITING_APPROVAL)


def _require_manager(facts: Record, actor_id: str | None) -> None:
    if actor_id is not None and not facts["manages"]:
        raise Forbidden("invitationId", "only a manager of the invitee's institution may decide")


def _rules_of_approving(facts: Record, actor_id: str | None) -> None:
    _require_manager(facts, actor_id)
    _require_status(facts["before"], InvitationStatus.AWAITING_APPROVAL)
    _require_room(facts["before"], facts["joining"], joins=True)


def _rules_of_rejecting(facts: Record, actor_id: str | None) -> None:
    _require_manager(facts, actor_id)
    _require_status(facts["before"], InvitationStatus.AWAITING_APPROVAL)


_ACCEPT = _Step(
    "acceptInvitation",
    "invitation.accepted",
    "Invitation accepted",
    None,
    _step(
        _BY_INVITEE + " AND before.status = 'PENDING' AND " + _room("joins"),
        "SET v.status = CASE WHEN joins THEN 'ACCEPTED' ELSE 'AWAITING_APPROVAL' END,"
        " v.respondedAt = coalesce(v.respondedAt, datetime()), v.updatedAt = datetime()"
        " FOREACH (_ IN CASE WHEN joins THEN [1] ELSE [] END | " + _JOIN + ")",
        notify=_ASK_CONSENT,
    ),
    _rules_of_accepting,
)
_DECLINE = _Step(
    "declineInvitation",
    "invitation.declined",
    "Invitation declined",
    InvitationStatus.DECLINED,
    _step(_BY_INVITEE + " AND before.status = 'PENDING'", _RESPOND),
    _rules_of_declining,
)
_WITHDRAW = _Step(
    "withdrawInvitation",
    "invitation.withdrawn",
    "Invitation withdrawn",
    InvitationStatus.WITHDRAWN,
    _step(
        membership.LEADS + " AND before.status IN ['PENDING', 'AWAITING_APPROVAL']",
        _RESPOND,
        standing=membership.standing_on("(t)"),
    ),
    _rules_of_withdrawing,
)
_APPROVE = _Step(
    "approveAllocation",
    "invitation.approved",
    "Allocation approved",
    InvitationStatus.ACCEPTED,
    # Approving joins the invitee now, whatever `joins` (the team asked for approval) says.
    _step(
        _BY_MANAGER + " AND before.status = 'AWAITING_APPROVAL' AND " + _room("true"),
        _RESPOND + " " + _JOIN,
        manages=_MANAGES,
    ),
    _rules_of_approving,
)
_REJECT = _Step(
    "rejectAllocation",
    "invitation.rejected",
    "Allocation rejected",
    InvitationStatus.REJECTED,
    _step(_BY_MANAGER + " AND before.status = 'AWAITING_APPROVAL'", _RESPOND, manages=_MANAGES),
    _rules_of_rejecting,
)


async def _take(
    graph: Graph,
    step: _Step,
    id: str,
    actor_id: str | None,
    viewer: Viewer,
    reason: str | None = None,
    returning: Projection | None = None,
) -> Any:
    """Take `step` on invitation `id` in one statement; its rules raise the error of a refusal."""

    def explain(facts: Record) -> None:
        if facts["before"] is None:  # an invitation the viewer may not see reads as missing
            raise NotFound("Invitation", id, "invitationId")
        step.rules(facts, actor_id)

    return await write_checked(
        graph,
        step.statement,
        write=step.write,
        explain=explain,
        viewer=viewer,
        verb=step.verb,
        actor_id=actor_id,
        target_id=id,
        returning=returning,
        id=id,
        actorId=actor_id,
        summary=step.summary,
        status=step.status.value if step.status else None,
        reason=reason,
        **viewer.params(),
    )


# Each step returns the invitation as written, or with `returning`, the API's selection of it.


async def accept(
    graph: Graph, id: str, actor_id: str | None, viewer: Viewer, *, returning: Projection | None = None
) -> Any:
    """The invitee accepts: the membership starts, or, when the team asks for it, waits for their
    manager's approval (nothing is booked until then, but the time is checked now)."""
    return await _take(graph, _ACCEPT, id, actor_id, viewer, returning=returning)


async def decline(
    graph: Graph,
    id: str,
    reason: Reason,
    actor_id: str | None,
    viewer: Viewer,
    *,
    returning: Projection | None = None,
) -> Any:
    return await _take(graph, _DECLINE, id, actor_id, viewer, reason.reason, returning)


async def withdraw(
    graph: Graph, id: str, actor_id: str | None, viewer: Viewer, *, returning: Projection | None = None
) -> Any:
    return await _take(graph, _WITHDRAW, id, actor_id, viewer, returning=returning)


async def approve_allocation(
    graph: Graph, id: str, actor_id: str | None, viewer: Viewer, *, returning: Projection | None = None
) -> Any:
    """A manager of the invitee's institution approves the time: the membership starts."""
    return await _take(graph, _APPROVE, id, actor_id, viewer, returning=returning)


async def reject_allocation(
    graph: Graph,
    id: str,
    reason: Reason,
    actor_id: str | None,
    viewer: Viewer,
    *,
    returning: Projection | None = None,
) -> Any:
    return await _take(graph, _REJECT, id, actor_id, viewer, reason.reason, returning)
