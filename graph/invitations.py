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

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final, LiteralString

from pydantic import field_validator

from graph import activity, entities, identity, membership
from graph.access import TEAM_VISIBLE, Viewer
from graph.checked_writes import write_checked
from graph.driver import Graph, Record, Tx, run
from graph.errors import Conflict, Forbidden, NotFound
from graph.ids import new_id
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


# The stored status, with a PENDING invitation past its expiry read as EXPIRED; `v` is the invitation.
STATUS: Final[LiteralString] = (
    "CASE WHEN v.status = 'PENDING' AND v.expiresAt <= datetime() THEN 'EXPIRED' ELSE v.status END"
)
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
_NODE: Final[LiteralString] = "v {" + _FIELDS + "}"
# An invitation `v` to team `t` as the steps read it: with what the rules ask of its team.
_STEP_NODE: Final[LiteralString] = (
    "v {" + _FIELDS + ", teamStatus: t.status, needsApproval: coalesce(t.requiresManagerApproval, false),"
    " issueId: head([(t)-[:ADDRESSES]->(i) | i.id])}"
)
_ORDER: Final[LiteralString] = (
    "CASE " + STATUS + " WHEN 'PENDING' THEN 0 WHEN 'AWAITING_APPROVAL' THEN 1 ELSE 2 END, v.createdAt DESC"
)


async def by_ids(graph: Graph, ids: list[str], viewer: Viewer) -> dict[str, Record]:
    rows = await graph.read(
        "UNWIND $ids AS id MATCH (v:Invitation {id: id})-[:TO_JOIN]->(t:ProjectTeam) WHERE "
        + VISIBLE
        + " RETURN "
        + _NODE
        + " AS node",
        ids=ids,
        **viewer.params(),
    )
    return {r["node"]["id"]: r["node"] for r in rows}


async def of_teams(graph: Graph, ids: list[str], viewer: Viewer) -> dict[str, list[Record]]:
    """Invitations per team, pending first, then awaiting approval, then the rest newest first."""
    rows = await graph.read(
        "UNWIND $ids AS id MATCH (t:ProjectTeam {id: id})<-[:TO_JOIN]-(v:Invitation) WHERE "
        + TEAM_VISIBLE
        + " WITH id, t, v ORDER BY "
        + _ORDER
        + " RETURN id, collect("
        + _NODE
        + ") AS nodes",
        ids=ids,
        **viewer.params(),
    )
    return {r["id"]: r["nodes"] for r in rows}


async def of_people(graph: Graph, ids: list[str], viewer: Viewer) -> dict[str, list[Record]]:
    """Each person's invitations to teams the viewer may see, pending first."""
    rows = await graph.read(
        "UNWIND $ids AS id MATCH (:Person {id: id})<-[:INVITES]-(v:Invitation)-[:TO_JOIN]->(t:ProjectTeam)"
        " WHERE "
        + VISIBLE
        + " WITH id, t, v ORDER BY "
        + _ORDER
        + " RETURN id, collect("
        + _NODE
        + ") AS nodes",
        ids=ids,
        **viewer.params(),
    )
    return {r["id"]: r["nodes"] for r in rows}


def _reader(viewer: Viewer) -> entities.Reader:
    async def read(tx: Tx, id: str) -> Record:
        rows = await run(
            tx,
            "MATCH (v:Invitation {id: $id})-[:TO_JOIN]->(t:ProjectTeam) WHERE "
            + VISIBLE
            + " RETURN "
            + _STEP_NODE
            + " AS node",
            id=id,
            **viewer.params(),
        )
        if not rows:  # an invitation the viewer may not see reads as missing
            raise NotFound("Invitation", id, "invitationId")
        node: Record = rows[0]["node"]
        return node

    return read


def _scope(node: Record) -> list[str]:
    return [node["teamId"], node["issueId"], node["personId"]]


def _require_status(node: Record, *allowed: InvitationStatus) -> None:
    status = node["status"]
    if status in allowed:
        return
    if status == InvitationStatus.EXPIRED:
        raise Conflict("invitationId", f"the invitation expired at {node['expiresAt']:%Y-%m-%d %H:%M} UTC")
    raise Conflict("invitationId", f"the invitation is {status.lower().replace('_', ' ')}")


async def invite(graph: Graph, data: InvitationInput, actor_id: str | None, viewer: Viewer) -> Record:
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
        explain=lambda refused: _check_invite(refused, data, actor_id, viewer),
        verb="invitation.sent",
        actor_id=actor_id,
        target_id=node["id"],
        teamId=data.team_id,
        personId=data.person_id,
        actorId=actor_id,
        node=node,
        **identity.caller_params(viewer),
        **viewer.params(),
    )


# Inviting in one statement: the team as the viewer sees it, the person, whether they are on the
# team or invited to it already, the acting person's standing, the caller; the invitation and
# its Activity when the rules hold. The guard is `_check_invite`'s rules, which explain a refusal.
_INVITE: Final[LiteralString] = (
    "OPTIONAL MATCH (t:ProjectTeam {id: $teamId}) WHERE "
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
      CREATE (v:Invitation:Entity {id: $node.id, role: $node.role, allocation: $node.allocation,
              message: $node.message, status: $node.status, expiresAt: $node.expiresAt,
              createdAt: $node.createdAt, updatedAt: $node.updatedAt})
      CREATE (v)-[:TO_JOIN]->(t), (v)-[:INVITES]->(p)
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
      RETURN node AS written
    }
    RETURN written, CASE WHEN written IS NULL THEN {team: t {.*}, person: p {.*}, member: member, pending: pending,
                                                    standing: standing, caller: caller} END AS refused"""
)


def _check_invite(facts: Record, data: InvitationInput, actor_id: str | None, viewer: Viewer) -> None:
    """The rules of inviting, in order, on what `_INVITE` read: the first that fails raises."""
    identity.confirm_caller(viewer, facts["caller"])
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


async def _start_membership(tx: Tx, node: Record) -> None:
    """MEMBER_OF with the invited terms, and the invitation ACCEPTED, once `_require_room` holds."""
    _require_room(node, await membership.joining(tx, node["personId"], node["teamId"]), joins=True)
    await run(
        tx,
        """
        MATCH (v:Invitation {id: $id})-[:INVITES]->(p:Person), (v)-[:TO_JOIN]->(t:ProjectTeam)
        CREATE (p)-[:MEMBER_OF {role: v.role, allocation: v.allocation, since: date()}]->(t)
        SET v.status = $accepted, v.respondedAt = coalesce(v.respondedAt, datetime())
        """,
        id=node["id"],
        accepted=InvitationStatus.ACCEPTED.value,
    )


async def _set_status(tx: Tx, id: str, status: InvitationStatus, reason: str | None = None) -> None:
    await run(
        tx,
        "MATCH (v:Invitation {id: $id}) SET v.status = $status, v.reason = coalesce($reason, v.reason),"
        " v.respondedAt = coalesce(v.respondedAt, datetime())",
        id=id,
        status=status.value,
        reason=reason,
    )


Step = Callable[[Tx, Record], Awaitable[object]]  # the invitation as read before the step


async def _change(
    graph: Graph, id: str, verb: str, actor_id: str | None, viewer: Viewer, apply: Step, summary: str
) -> Record:
    """One invitation step: `apply(tx, node)` checks the rules on the invitation as read before
    it and writes; Activity records it."""
    return await entities.change(
        graph,
        label="Invitation",
        id=id,
        id_field="invitationId",
        verb=verb,
        actor_id=actor_id,
        read=_reader(viewer),
        apply=apply,
        scope=_scope,
        summary=lambda n: _summary(summary, n),
    )


def _summary(step: str, node: Record) -> str:
    return f"{step} ({node['role'].lower()}, {node['allocation']}%)"


async def accept(graph: Graph, id: str, actor_id: str | None, viewer: Viewer) -> Record:
    """The invitee accepts: the membership starts, or, when the team asks for it, waits for their
    manager's approval (nothing is booked until then, but the time is checked now). One statement
    reads the invitation and what joining depends on, checks the rules (`_check_accept`) and,
    when they hold, makes the change and its Activity."""
    return await write_checked(
        graph,
        _ACCEPT,
        write="acceptInvitation",
        explain=lambda refused: _check_accept(refused, id, actor_id, viewer),
        verb="invitation.accepted",
        actor_id=actor_id,
        target_id=id,
        id=id,
        actorId=actor_id,
        **identity.caller_params(viewer),
        **viewer.params(),
    )


# Accepting in one statement: the invitation as the steps read it, what the invitee joining
# depends on, the caller; the change and its Activity when `_check_accept`'s rules hold.
_ACCEPT: Final[LiteralString] = (
    "OPTIONAL MATCH (v:Invitation {id: $id})-[:TO_JOIN]->(t:ProjectTeam) WHERE "
    + VISIBLE
    + " OPTIONAL MATCH (v)-[:INVITES]->(p:Person) WITH v, t, p, t.id AS teamId WITH v, t, p, "
    + _STEP_NODE
    + " AS before, "
    + membership.JOINING
    + " AS joining, "
    + identity.CALLER
    + """ AS caller
    WITH v, t, p, before, joining, caller, NOT coalesce(before.needsApproval, false) AS joins
    WITH v, t, p, before, joining, caller, joins,
         before IS NOT NULL AND ($actorId IS NULL OR $actorId = before.personId)
         AND before.status = 'PENDING' AND before.teamStatus <> 'CLOSED' AND NOT (joins AND joining.member)
         AND """
    + membership.fits("before.allocation")
    + " AND "
    + identity.CONFIRMED
    + """ AS allowed
    OPTIONAL CALL (v, t, p, before, joins, allowed) {
      WITH v, t, p, before, joins WHERE allowed
      SET v.status = CASE WHEN joins THEN 'ACCEPTED' ELSE 'AWAITING_APPROVAL' END,
          v.respondedAt = coalesce(v.respondedAt, datetime()), v.updatedAt = datetime()
      FOREACH (_ IN CASE WHEN joins THEN [1] ELSE [] END |
        CREATE (p)-[:MEMBER_OF {role: v.role, allocation: v.allocation, since: date()}]->(t))
      WITH before, """
    + _STEP_NODE
    + """ AS after
      WITH before, after,
           'Invitation accepted (' + toLower(after.role) + ', ' + toString(after.allocation) + '%)' AS activitySummary,
           [after.teamId, after.issueId, after.personId] AS activityScope,
           before AS activityBefore, after AS activityAfter"""
    + activity.RECORD
    + """
      RETURN after AS written
    }
    RETURN written,
           CASE WHEN written IS NULL THEN {before: before, joining: joining, caller: caller} END AS refused"""
)


def _check_accept(facts: Record, id: str, actor_id: str | None, viewer: Viewer) -> None:
    """The rules of accepting, in order, on what `_ACCEPT` read: the first that fails raises."""
    identity.confirm_caller(viewer, facts["caller"])
    before = facts["before"]
    if before is None:  # an invitation the viewer may not see reads as missing
        raise NotFound("Invitation", id, "invitationId")
    if actor_id is not None and actor_id != before["personId"]:
        raise Forbidden("invitationId", "only the invited person may accept")
    _require_status(before, InvitationStatus.PENDING)
    _require_room(before, facts["joining"], joins=not before["needsApproval"])


async def decline(graph: Graph, id: str, reason: Reason, actor_id: str | None, viewer: Viewer) -> Record:
    async def apply(tx: Tx, node: Record) -> None:
        if actor_id is not None and actor_id != node["personId"]:
            raise Forbidden("invitationId", "only the invited person may decline")
        _require_status(node, InvitationStatus.PENDING)
        await _set_status(tx, id, InvitationStatus.DECLINED, reason.reason)

    return await _change(graph, id, "invitation.declined", actor_id, viewer, apply, "Invitation declined")


async def withdraw(graph: Graph, id: str, actor_id: str | None, viewer: Viewer) -> Record:
    async def apply(tx: Tx, node: Record) -> None:
        await membership.check_lead(tx, node["teamId"], actor_id, "withdraw invitations")
        _require_status(node, InvitationStatus.PENDING, InvitationStatus.AWAITING_APPROVAL)
        await _set_status(tx, id, InvitationStatus.WITHDRAWN)

    return await _change(graph, id, "invitation.withdrawn", actor_id, viewer, apply, "Invitation withdrawn")


async def _check_manager(tx: Tx, node: Record, actor_id: str | None) -> None:
    if actor_id is None:
        return
    rows = await run(
        tx,
        "MATCH (:Person {id: $personId})-[:WORKS_AT]->(i:Institution) "
        "RETURN EXISTS { (:Person {id: $actorId})-[:MANAGES]->(i) } AS manages",
        personId=node["personId"],
        actorId=actor_id,
    )
    if not rows or not rows[0]["manages"]:
        raise Forbidden("invitationId", "only a manager of the invitee's institution may decide")


async def approve_allocation(graph: Graph, id: str, actor_id: str | None, viewer: Viewer) -> Record:
    async def apply(tx: Tx, node: Record) -> None:
        await _check_manager(tx, node, actor_id)
        _require_status(node, InvitationStatus.AWAITING_APPROVAL)
        await _start_membership(tx, node)

    return await _change(graph, id, "invitation.approved", actor_id, viewer, apply, "Allocation approved")


async def reject_allocation(
    graph: Graph, id: str, reason: Reason, actor_id: str | None, viewer: Viewer
) -> Record:
    async def apply(tx: Tx, node: Record) -> None:
        await _check_manager(tx, node, actor_id)
        _require_status(node, InvitationStatus.AWAITING_APPROVAL)
        await _set_status(tx, id, InvitationStatus.REJECTED, reason.reason)

    return await _change(graph, id, "invitation.rejected", actor_id, viewer, apply, "Allocation rejected")
