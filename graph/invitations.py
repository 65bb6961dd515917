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
_NODE: Final[LiteralString] = (
    "v {.*, status: " + STATUS + ", teamId: t.id, teamName: t.name,"
    " personId: head([(v)-[:INVITES]->(p) | p.id]),"
    " invitedById: head([(v)-[:SENT_BY]->(p) | p.id])}"
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


# An invitation `v` to team `t` as the steps read it (`_as_read` makes the row one record).
_READ: Final[LiteralString] = (
    " RETURN " + _NODE + " AS node, t.status AS teamStatus, t.requiresManagerApproval AS needsApproval,"
    " head([(t)-[:ADDRESSES]->(i) | i.id]) AS issueId"
)


def _as_read(row: Record) -> Record:
    return {
        **row["node"],
        "teamStatus": row["teamStatus"],
        "needsApproval": bool(row["needsApproval"]),
        "issueId": row["issueId"],
    }


def _reader(viewer: Viewer) -> entities.Reader:
    async def read(tx: Tx, id: str) -> Record:
        rows = await run(
            tx,
            "MATCH (v:Invitation {id: $id})-[:TO_JOIN]->(t:ProjectTeam) WHERE " + VISIBLE + _READ,
            id=id,
            **viewer.params(),
        )
        if not rows:  # an invitation the viewer may not see reads as missing
            raise NotFound("Invitation", id, "invitationId")
        return _as_read(rows[0])

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
    if data.role is Role.LEAD:
        raise Conflict("role", "a team has one lead: invite as another role, then use handOverLead")

    async def work(tx: Tx) -> Record:
        facts = await _invite_facts(tx, data, actor_id, viewer)
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
        now = datetime.now(UTC)
        # The invitation as the steps read it (`_READ`; a null property is no key), made here so
        # that its Activity is written by the same statement.
        node: Record = {
            "id": new_id("Invitation"),
            "role": data.role.value,
            "allocation": data.allocation,
            "message": data.message,
            "status": InvitationStatus.PENDING.value,
            "expiresAt": data.expires_at or now + DEFAULT_VALIDITY,
            "createdAt": now,
            "updatedAt": now,
            "teamId": team["id"],
            "teamName": team["name"],
            "personId": person["id"],
            "invitedById": facts["standing"]["actorId"],
            "teamStatus": team["status"],
            "needsApproval": bool(team.get("requiresManagerApproval")),
            "issueId": facts["issueId"],
        }
        await run(
            tx,
            """
            MATCH (t:ProjectTeam {id: $node.teamId}), (p:Person {id: $node.personId})
            CREATE (v:Invitation:Entity {id: $node.id, role: $node.role, allocation: $node.allocation,
                    message: $node.message, status: $node.status, expiresAt: $node.expiresAt,
                    createdAt: $node.createdAt, updatedAt: $node.updatedAt})
            CREATE (v)-[:TO_JOIN]->(t), (v)-[:INVITES]->(p)
            WITH v
            OPTIONAL MATCH (inviter:Person {id: $node.invitedById})
            FOREACH (_ IN CASE WHEN inviter IS NULL THEN [] ELSE [1] END | CREATE (v)-[:SENT_BY]->(inviter))
            """
            + activity.RECORD,
            node=node,
            activity=activity.recorded(
                verb="invitation.sent",
                actor_id=actor_id,
                target_id=node["id"],
                scope_ids=_scope(node),
                summary=f"{person['name']} invited to {team['name']} as {data.role.value.lower()}",
                after=node,
            ),
        )
        return node

    return await graph.write(work)


async def _invite_facts(tx: Tx, data: InvitationInput, actor_id: str | None, viewer: Viewer) -> Record:
    """What inviting depends on, in one read: the team as the viewer sees it (null when missing
    or hidden) and its issue, the person (null when missing), whether they are already a member
    or have an open invitation to it, the acting person's standing on the team, and the caller."""
    rows = await run(
        tx,
        "OPTIONAL MATCH (t:ProjectTeam {id: $teamId}) WHERE "
        + TEAM_VISIBLE
        + """
        OPTIONAL MATCH (p:Entity {id: $personId}) WHERE 'Person' IN labels(p)
        RETURN t {.*} AS team, head([(t)-[:ADDRESSES]->(i) | i.id]) AS issueId, p {.*} AS person,
               t IS NOT NULL AND p IS NOT NULL AND EXISTS { (p)-[:MEMBER_OF]->(t) } AS member,
               t IS NOT NULL AND p IS NOT NULL
                 AND EXISTS { (t)<-[:TO_JOIN]-(v:Invitation)-[:INVITES]->(p) WHERE """
        + OPEN
        + " } AS pending, "
        + membership.STANDING
        + " AS standing, "
        + identity.CALLER
        + " AS caller",
        teamId=data.team_id,
        personId=data.person_id,
        actorId=actor_id,
        callerEmail=viewer.email,
        **viewer.params(),
    )
    return rows[0]


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
    manager's approval (nothing is booked until then, but the time is checked now). One read of
    the invitation and what joining depends on, one statement for the change and its Activity."""

    async def work(tx: Tx) -> Record:
        rows = await run(
            tx,
            "OPTIONAL MATCH (v:Invitation {id: $id})-[:TO_JOIN]->(t:ProjectTeam) WHERE "
            + VISIBLE
            + " OPTIONAL MATCH (v)-[:INVITES]->(p:Person) WITH v, t, p, t.id AS teamId"
            + _READ
            + ", "
            + membership.JOINING
            + " AS joining, "
            + identity.CALLER
            + " AS caller",
            id=id,
            callerEmail=viewer.email,
            **viewer.params(),
        )
        identity.confirm_caller(viewer, rows[0]["caller"])
        if rows[0]["node"] is None:  # an invitation the viewer may not see reads as missing
            raise NotFound("Invitation", id, "invitationId")
        before, joining = _as_read(rows[0]), rows[0]["joining"]
        if actor_id is not None and actor_id != before["personId"]:
            raise Forbidden("invitationId", "only the invited person may accept")
        _require_status(before, InvitationStatus.PENDING)
        joins = not before["needsApproval"]
        _require_room(before, joining, joins=joins)
        now = datetime.now(UTC)
        after = {
            **before,
            "status": (InvitationStatus.ACCEPTED if joins else InvitationStatus.AWAITING_APPROVAL).value,
            "respondedAt": before.get("respondedAt") or now,
            "updatedAt": now,
        }
        await run(
            tx,
            """
            MATCH (v:Invitation {id: $id})-[:INVITES]->(p:Person), (v)-[:TO_JOIN]->(t:ProjectTeam)
            SET v.status = $after.status, v.respondedAt = $after.respondedAt, v.updatedAt = $after.updatedAt
            FOREACH (_ IN CASE WHEN $joins THEN [1] ELSE [] END |
              CREATE (p)-[:MEMBER_OF {role: v.role, allocation: v.allocation, since: date()}]->(t))
            """
            + activity.RECORD,
            id=id,
            after=after,
            joins=joins,
            activity=activity.recorded(
                verb="invitation.accepted",
                actor_id=actor_id,
                target_id=id,
                scope_ids=_scope(after),
                summary=_summary("Invitation accepted", after),
                before=before,
                after=after,
            ),
        )
        return after

    return await graph.write(work)


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
