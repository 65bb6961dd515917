"""Project teams: a cross-institution team that `ADDRESSES` one horizontal issue.

People are `MEMBER_OF` a team with a role and a time allocation. A team is created with its
lead; everyone else joins through invitations (graph/invitations.py).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Final, LiteralString

from pydantic import Field, StringConstraints, model_validator

from graph import activity, entities, identity, locks, membership
from graph.access import TEAM_VISIBLE, Viewer
from graph.checked_writes import write_checked
from graph.driver import Graph, Record, Tx, run
from graph.errors import InvalidInput, NotFound
from graph.ids import new_id
from graph.pagination import Page, PageRequest
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


async def by_ids(graph: Graph, ids: list[str], viewer: Viewer) -> dict[str, Record]:
    rows = await graph.read(
        "UNWIND $ids AS id MATCH (t:ProjectTeam {id: id}) WHERE "
        + TEAM_VISIBLE
        + " RETURN t {.*, issueId: head([(t)-[:ADDRESSES]->(i) | i.id])} AS node",
        ids=ids,
        **viewer.params(),
    )
    return {r["node"]["id"]: r["node"] for r in rows}


async def members_of(graph: Graph, ids: list[str], viewer: Viewer) -> dict[str, list[Record]]:
    """Members per team, lead first: [{personId, teamId, role, allocation, since}]."""
    rows = await graph.read(
        """
        UNWIND $ids AS id
        MATCH (t:ProjectTeam {id: id})<-[m:MEMBER_OF]-(p:Person)
        WHERE """
        + TEAM_VISIBLE
        + """
        WITH id, m, p
        ORDER BY CASE m.role WHEN 'LEAD' THEN 0 WHEN 'MEMBER' THEN 1 WHEN 'EXPERT' THEN 2 ELSE 3 END, p.name
        RETURN id, collect({personId: p.id, teamId: id, role: m.role, allocation: m.allocation,
                            since: m.since}) AS members
        """,
        ids=ids,
        **viewer.params(),
    )
    return {r["id"]: r["members"] for r in rows}


async def memberships_of(graph: Graph, ids: list[str], viewer: Viewer) -> dict[str, list[Record]]:
    """Each person's memberships in teams the viewer may see, active teams first."""
    rows = await graph.read(
        """
        UNWIND $ids AS id
        MATCH (:Person {id: id})-[m:MEMBER_OF]->(t:ProjectTeam)
        WHERE """
        + TEAM_VISIBLE
        + """
        WITH id, m, t
        ORDER BY CASE t.status WHEN 'ACTIVE' THEN 0 WHEN 'FORMING' THEN 1 ELSE 2 END, t.name
        RETURN id, collect({personId: id, teamId: t.id, role: m.role, allocation: m.allocation,
                            since: m.since}) AS memberships
        """,
        ids=ids,
        **viewer.params(),
    )
    return {r["id"]: r["memberships"] for r in rows}


async def addressing(graph: Graph, ids: list[str], viewer: Viewer) -> dict[str, list[Record]]:
    """Teams per issue that the viewer may see."""
    rows = await graph.read(
        """
        UNWIND $ids AS id
        MATCH (:HorizontalIssue {id: id})<-[:ADDRESSES]-(t:ProjectTeam)
        WHERE t.archivedAt IS NULL AND """
        + TEAM_VISIBLE
        + """
        WITH id, t ORDER BY t.name
        RETURN id, collect(t {.*, issueId: id}) AS nodes
        """,
        ids=ids,
        **viewer.params(),
    )
    return {r["id"]: r["nodes"] for r in rows}


async def list_page(
    graph: Graph,
    page: PageRequest,
    viewer: Viewer,
    *,
    status: TeamStatus | None = None,
    visibility: Visibility | None = None,
    issue_id: str | None = None,
    member_id: str | None = None,
    text: str | None = None,
    include_archived: bool = False,
    order: TeamOrder = TeamOrder.NAME,
    descending: bool = False,
) -> Page:
    rows = await graph.read(
        """
        MATCH (t:ProjectTeam)
        WHERE """
        + TEAM_VISIBLE
        + """
          AND ($includeArchived OR t.archivedAt IS NULL)
          AND ($status IS NULL OR t.status = $status)
          AND ($visibility IS NULL OR t.visibility = $visibility)
          AND ($issueId IS NULL OR EXISTS { (t)-[:ADDRESSES]->(:HorizontalIssue {id: $issueId}) })
          AND ($memberId IS NULL OR EXISTS { (t)<-[:MEMBER_OF]-(:Person {id: $memberId}) })
          AND ($text IS NULL OR toLower(t.name) CONTAINS toLower($text)
               OR toLower(t.mandate) CONTAINS toLower($text))
        WITH t, CASE $order WHEN 'CREATED' THEN toString(t.createdAt)
                WHEN 'END_DATE' THEN toString(t.endDate) ELSE t.name END AS key
        ORDER BY CASE WHEN $desc THEN null ELSE key END ASC,
                 CASE WHEN $desc THEN key ELSE null END DESC, t.id
        WITH collect(t) AS matched
        RETURN size(matched) AS total,
               [n IN matched[$skip..$skip + $first + 1] |
                n {.*, issueId: head([(n)-[:ADDRESSES]->(i) | i.id])}] AS rows
        """,
        status=status.value if status else None,
        visibility=visibility.value if visibility else None,
        issueId=issue_id,
        memberId=member_id,
        text=text,
        includeArchived=include_archived,
        order=order.value,
        desc=descending,
        skip=page.skip,
        first=page.first,
        **viewer.params(),
    )
    return Page.from_row(rows[0], page)


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


async def update(graph: Graph, id: str, patch: TeamPatch, actor_id: str | None, viewer: Viewer) -> Record:
    """One statement reads the team, the actor's standing and the caller, checks the rules
    (`_check_update`) and, when they hold, makes the change and its Activity."""
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
