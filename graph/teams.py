"""Project teams: a cross-institution team that `ADDRESSES` one horizontal issue.

People are `MEMBER_OF` a team with a role and a time allocation. A team is created with its
lead; everyone else joins through invitations (graph/invitations.py).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Final, LiteralString

from pydantic import Field, StringConstraints, model_validator

from graph import activity, entities, identity, locks, lucene, membership, pagination
from graph.access import TEAM_VISIBLE, Viewer, team_visible
from graph.checked_writes import write_checked
from graph.driver import Graph, Record, Tx, run
from graph.errors import InvalidInput, NotFound
from graph.ids import new_id
from graph.model import Asked, Connection, Embed, Key, Node, Order, Page, Reach, Value, by_id, entity, shape
from graph.planner import Projection
from graph.posts import NEWEST_POSTS
from graph.validation import Input, LongText, Name, Percent, PublicId, patch_properties


class TeamStatus(StrEnum):
    FORMING = "FORMING"
    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"


class Visibility(StrEnum):
    PUBLIC = "PUBLIC"
    INTERNAL = "INTERNAL"
    RESTRICTED = "RESTRICTED"


class Role(StrEnum):
    LEAD = "LEAD"
    MEMBER = "MEMBER"
    EXPERT = "EXPERT"
    OBSERVER = "OBSERVER"


class TeamOrder(StrEnum):
    NAME = "NAME"
    CREATED = "CREATED"
    END_DATE = "END_DATE"


OrderNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Deadlines = Annotated[list[date], Field(max_length=50)]


def _check_dates(start: date | None, end: date | None) -> None:
    if start and end and end < start:
        raise ValueError("endDate must not be before startDate")


class TeamInput(Input):
    name: Name
    mandate: LongText = ""
    issue_id: PublicId
    lead_person_id: PublicId
    lead_allocation: Percent = 20
    visibility: Visibility = Visibility.INTERNAL
    legal_basis_number: OrderNumber | None = None
    legal_basis_date: date | None = None
    start_date: date | None = None
    end_date: date | None = None
    reporting_deadlines: Deadlines = []
    # The invitee's home-institution manager approves the time before the membership starts.
    requires_manager_approval: bool = False
    # Only checked for overlap with other active teams (graph/formation.py); not invited.
    proposed_member_ids: Annotated[list[PublicId], Field(max_length=100)] = []

    @model_validator(mode="after")
    def _dates(self) -> TeamInput:
        _check_dates(self.start_date, self.end_date)
        return self


class TeamPatch(Input):
    name: Name | None = None
    mandate: LongText | None = None
    visibility: Visibility | None = None
    legal_basis_number: OrderNumber | None = None
    legal_basis_date: date | None = None
    start_date: date | None = None
    end_date: date | None = None
    reporting_deadlines: Deadlines | None = None
    requires_manager_approval: bool | None = None


_NULLABLE = frozenset({"legal_basis_number", "legal_basis_date", "start_date", "end_date"})

_READ = """
OPTIONAL MATCH (n:ProjectTeam {id: $id})
RETURN n {.*, issueId: head([(n)-[:ADDRESSES]->(i) | i.id])} AS node
"""


# Members: the lead first, then by role and name.
_ROLE_ORDER: Final[LiteralString] = (
    "CASE {rel}.role WHEN 'LEAD' THEN 0 WHEN 'MEMBER' THEN 1 WHEN 'EXPERT' THEN 2 ELSE 3 END"
)

# A project team; restricted teams and everything under them only for members and
# administrators (graph/access.py): the planner adds the rule wherever a read reaches a team.
TEAM = entity(
    "ProjectTeam",
    {
        "reportingDeadlines": Value("coalesce({n}.reportingDeadlines, [])"),
        "requiresManagerApproval": Value("coalesce({n}.requiresManagerApproval, false)"),
        "legalBasis": Embed("LegalBasis", {"team": "n"}, when="{n}.legalBasisNumber IS NOT NULL"),
        "issue": Reach(
            "MATCH ({n})-[:ADDRESSES]->({issue}:HorizontalIssue)", "HorizontalIssue", "issue", many=False
        ),
        "members": Reach(
            "MATCH ({n})<-[{rel}:MEMBER_OF]-({person}:Person)",
            "Membership",
            {"rel": "rel", "person": "person", "team": "n"},
            order=_ROLE_ORDER + ", {person}.name",
        ),
        "invitations": Reach("MATCH ({n})<-[:TO_JOIN]-({invitation}:Invitation)", "Invitation", "invitation"),
        "coverage": Embed("Coverage", {"team": "n"}),
        "posts": Connection(
            "Post",
            lambda asked: pagination.page(
                asked,
                "MATCH ({n})<-[:IN_TEAM]-({node}:Post)",
                NEWEST_POSTS,
                where=("NOT EXISTS { ({node})-[:REPLY_TO]->() }",),
            ),
        ),
        "decisions": Reach("MATCH ({n})<-[:IN_TEAM]-({decision}:Decision)", "Decision", "decision"),
        "tasks": Reach("MATCH ({n})<-[:IN_TEAM]-({task}:Task)", "Task", "task"),
    },
    visible=team_visible,
)

LEGAL_BASIS = shape(
    "LegalBasis",
    ("team",),
    {"orderNumber": Value("{team}.legalBasisNumber"), "orderDate": Value("{team}.legalBasisDate")},
)

# A person's place on a team: the MEMBER_OF relationship, the person and the team.
MEMBERSHIP = shape(
    "Membership",
    ("rel", "person", "team"),
    {
        "role": Value("{rel}.role"),
        "allocation": Value("{rel}.allocation"),
        "since": Value("{rel}.since"),
        "person": Node("person", "Person"),
        "team": Node("team", "ProjectTeam"),
    },
)


def _order(name: str, key: Key, descending: bool) -> Order:
    return Order(name + ("_DESC" if descending else ""), (Key(key.cypher, key.kind, descending),))


_TEAM_KEYS: Final = {
    TeamOrder.NAME: Key("{node}.name"),
    TeamOrder.CREATED: Key("coalesce({node}.createdAt, datetime('1970-01-01T00:00Z'))", "datetime"),
    TeamOrder.END_DATE: Key("coalesce({node}.endDate, date('9999-12-31'))", "date"),
}


def _teams_page(asked: Asked) -> Page:
    """`teams(filter, orderBy, descending, first, after)`: the teams the viewer may see (the
    rule comes with the label), filtered; the lead's and the issue's filters start from them."""
    f = asked.args.get("filter") or {}
    where: list[LiteralString] = []
    if not f.get("includeArchived"):
        where.append("{node}.archivedAt IS NULL")
    if f.get("status") is not None:
        where.append("{node}.status = $status")
    if f.get("visibility") is not None:
        where.append("{node}.visibility = $visibility")
    if f.get("issueId") is not None:
        where.append("EXISTS { ({node})-[:ADDRESSES]->(:HorizontalIssue {id: $issueId}) }")
    if f.get("memberId") is not None:
        where.append("EXISTS { ({node})<-[:MEMBER_OF]-(:Person {id: $memberId}) }")
    order = TeamOrder(asked.args.get("orderBy", TeamOrder.NAME))
    match, text = lucene.filtered("MATCH ({node}:ProjectTeam)", f.get("text"))
    return pagination.page(
        asked,
        match,
        _order("TEAMS_BY_" + order.value, _TEAM_KEYS[order], bool(asked.args.get("descending"))),
        where=tuple(where),
        params={
            **{k: f.get(k) for k in ("status", "visibility", "issueId", "memberId") if f.get(k) is not None},
            **text,
        },
    )


TEAMS = Connection("ProjectTeam", _teams_page)
TEAM_BY_ID = by_id("ProjectTeam")


async def visible_ids(graph: Graph, ids: list[str], viewer: Viewer) -> set[str]:
    """Which of these teams `viewer` may see: the live subscriptions' access checks
    (hub/live/access.py), one read for all of a socket's teams."""
    rows = await graph.read(
        "MATCH (t:ProjectTeam) WHERE t.id IN $ids AND " + TEAM_VISIBLE + " RETURN t.id AS id",
        ids=ids,
        **viewer.params(),
    )
    return {r["id"] for r in rows}


async def _read(tx: Tx, id: str) -> Record:
    return (await run(tx, _READ, id=id))[0]["node"]


async def create(graph: Graph, data: TeamInput, actor_id: str | None) -> Record:
    return await graph.write(lambda tx: create_in(tx, data, actor_id))


async def create_in(tx: Tx, data: TeamInput, actor_id: str | None) -> Record:
    """Create the team and its lead's membership inside the caller's transaction (its first
    statement takes the lead's write lock: their allocation is read after any concurrent change
    to it has committed, graph/locks.py)."""
    await entities.require(tx, "HorizontalIssue", data.issue_id, "issueId", locking=[data.lead_person_id])
    await entities.require(tx, "Person", data.lead_person_id, "leadPersonId")
    if data.proposed_member_ids:
        await entities.require_all(tx, "Person", data.proposed_member_ids, "proposedMemberIds")
    id = new_id("ProjectTeam")
    await membership.check_capacity(tx, data.lead_person_id, id, data.lead_allocation, "leadAllocation")
    await run(
        tx,
        """
        MATCH (i:HorizontalIssue {id: $issueId}), (lead:Person {id: $leadId})
        CREATE (n:ProjectTeam:Entity {id: $id, name: $name, mandate: $mandate, status: 'FORMING',
                visibility: $visibility, legalBasisNumber: $legalBasisNumber,
                legalBasisDate: $legalBasisDate, startDate: $startDate, endDate: $endDate,
                reportingDeadlines: $reportingDeadlines,
                requiresManagerApproval: $requiresManagerApproval,
                createdAt: datetime(), updatedAt: datetime()})
        CREATE (n)-[:ADDRESSES]->(i)
        CREATE (lead)-[:MEMBER_OF {role: 'LEAD', allocation: $allocation, since: date(), """
        + membership.keys("lead", "n", "'LEAD'")
        + """}]->(n)
        """,
        id=id,
        issueId=data.issue_id,
        leadId=data.lead_person_id,
        name=data.name,
        mandate=data.mandate,
        visibility=data.visibility.value,
        legalBasisNumber=data.legal_basis_number,
        legalBasisDate=data.legal_basis_date,
        startDate=data.start_date,
        endDate=data.end_date,
        reportingDeadlines=sorted(set(data.reporting_deadlines)),
        requiresManagerApproval=data.requires_manager_approval,
        allocation=data.lead_allocation,
    )
    node = await _read(tx, id)
    await activity.record(
        tx,
        verb="team.created",
        actor_id=actor_id,
        target_id=id,
        scope_ids=[data.issue_id, data.lead_person_id],
        summary=f"Team created: {data.name}",
        after=node,
    )
    return node


async def update(
    graph: Graph,
    id: str,
    patch: TeamPatch,
    actor_id: str | None,
    viewer: Viewer,
    *,
    returning: Projection | None = None,
) -> Any:
    """One statement reads the team, the actor's standing and the caller, checks the rules
    (`_check_update`) and, when they hold, makes the change and its Activity; returns the team,
    or with `returning`, the API's selection of it."""
    changes = {**patch_properties(patch, nullable=_NULLABLE), **_dates_of(patch)}

    return await write_checked(
        graph,
        _UPDATE,
        write="updateTeam",
        explain=lambda refused: _check_update(refused, id, actor_id),
        viewer=viewer,
        verb="team.updated",
        actor_id=actor_id,
        target_id=id,
        returning=returning,
        id=id,
        teamId=id,
        lockIds=[id],
        actorId=actor_id,
        changes=changes,
        setsStart="startDate" in changes,
        setsEnd="endDate" in changes,
    )


# Updating a team in one statement: the team (its write lock first: whether the actor leads it is
# read after a concurrent hand-over committed), the acting person's standing, the caller, and the
# dates it would have; the change (a property set to null is gone) and its Activity when
# `_check_update`'s rules hold.
_UPDATE: Final[LiteralString] = (
    locks.BY_ID
    + """
    OPTIONAL MATCH (n:ProjectTeam {id: $id})
    WITH n, n {.*, issueId: head([(n)-[:ADDRESSES]->(i) | i.id])} AS before, """
    + membership.STANDING
    + " AS standing, "
    + identity.CALLER
    + """ AS caller
    WITH n, before, standing, caller,
         CASE WHEN $setsStart THEN $changes.startDate ELSE before.startDate END AS startsOn,
         CASE WHEN $setsEnd THEN $changes.endDate ELSE before.endDate END AS endsOn
    WITH n, before, standing, caller, startsOn, endsOn,
         before IS NOT NULL AND (startsOn IS NULL OR endsOn IS NULL OR endsOn >= startsOn) AND """
    + membership.LEADS
    + " AND "
    + identity.CONFIRMED
    + """ AS allowed
    OPTIONAL CALL (n, before, allowed) {
      WITH n, before WHERE allowed
      SET n += $changes, n.updatedAt = datetime()
      WITH before, n {.*, issueId: head([(n)-[:ADDRESSES]->(i) | i.id])} AS after
      WITH after, 'Team updated: ' + after.name AS activitySummary, [after.issueId] AS activityScope,
           before AS activityBefore, after AS activityAfter"""
    + activity.RECORD
    + """
      RETURN after AS written
    }
    RETURN written, CASE WHEN written IS NULL THEN {before: before, standing: standing, caller: caller,
                                                    startsOn: startsOn, endsOn: endsOn} END AS refused"""
)


def _check_update(facts: Record, id: str, actor_id: str | None) -> None:
    """The rules of updating a team, in order, on what `_UPDATE` read: the first that fails raises."""
    if facts["before"] is None:
        raise NotFound("ProjectTeam", id, "id")
    membership.require_lead(facts["standing"], actor_id, "update the team")
    try:
        _check_dates(facts["startsOn"], facts["endsOn"])
    except ValueError as exc:
        raise InvalidInput.one("endDate", "must not be before startDate") from exc


def _dates_of(patch: TeamPatch) -> dict[str, date | list[date] | None]:
    """Dates as Python dates (the driver stores them as Neo4j Date), not their JSON strings."""
    names = {"legal_basis_date": "legalBasisDate", "start_date": "startDate", "end_date": "endDate"}
    dates: dict[str, date | list[date] | None] = {
        prop: getattr(patch, field) for field, prop in names.items() if field in patch.model_fields_set
    }
    if patch.reporting_deadlines is not None:
        dates["reportingDeadlines"] = sorted(set(patch.reporting_deadlines))
    return dates


async def archive(graph: Graph, id: str, actor_id: str | None) -> Record:
    async def apply_archive(tx: Tx, _: Record) -> None:
        await membership.check_lead(tx, id, actor_id, "archive the team")
        await entities.mark_archived(tx, id)

    return await entities.change(
        graph,
        label="ProjectTeam",
        id=id,
        verb="team.archived",
        actor_id=actor_id,
        read=_read,
        apply=apply_archive,
        scope=lambda n: [n["issueId"]],
        summary=lambda n: f"Team archived: {n['name']}",
    )
