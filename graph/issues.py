"""Horizontal issues: what cuts across ministries, which institutions each `AFFECTS` and how."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from graph import activity, entities
from graph.driver import Graph, Record, Tx, run
from graph.errors import Conflict
from graph.ids import new_id
from graph.pagination import Page, PageRequest
from graph.validation import Input, LongText, PublicId, patch_properties
from graph.validation import Name as Title


class IssueStatus(StrEnum):
    PROPOSED = "PROPOSED"
    ACTIVE = "ACTIVE"
    ON_HOLD = "ON_HOLD"
    RESOLVED = "RESOLVED"


class Priority(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


class Stake(StrEnum):
    LEAD = "LEAD"
    INVOLVED = "INVOLVED"
    CONSULTED = "CONSULTED"


class IssueOrder(StrEnum):
    TITLE = "TITLE"
    PRIORITY = "PRIORITY"
    CREATED = "CREATED"
    UPDATED = "UPDATED"


class ImpactInput(Input):
    institution_id: PublicId
    stake: Stake


class IssueInput(Input):
    title: Title
    description: LongText = ""
    status: IssueStatus = IssueStatus.PROPOSED
    priority: Priority = Priority.MEDIUM
    direction_id: PublicId | None = None
    affected: Annotated[list[ImpactInput], Field(max_length=100)] = []
    depends_on_ids: Annotated[list[PublicId], Field(max_length=50)] = []


class IssuePatch(Input):
    title: Title | None = None
    description: LongText | None = None
    status: IssueStatus | None = None
    priority: Priority | None = None
    direction_id: PublicId | None = None


_READ = """
MATCH (n:HorizontalIssue {id: $id})
RETURN n {.*,
  directionId: head([(n)-[:UNDER_DIRECTION]->(d) | d.id]),
  affected: [(n)-[a:AFFECTS]->(i) | {institutionId: i.id, stake: a.stake}],
  dependsOnIds: [(n)-[:DEPENDS_ON]->(d) | d.id]
} AS node
"""


async def by_ids(graph: Graph, ids: list[str]) -> dict[str, Record]:
    rows = await graph.read(
        "UNWIND $ids AS id MATCH (n:HorizontalIssue {id: id}) "
        "RETURN n {.*, directionId: head([(n)-[:UNDER_DIRECTION]->(d) | d.id])} AS node",
        ids=ids,
    )
    return {r["node"]["id"]: r["node"] for r in rows}


async def impacts_of(graph: Graph, ids: list[str]) -> dict[str, list[Record]]:
    """Affected institutions per issue, lead stake first: [{institutionId, stake}]."""
    rows = await graph.read(
        """
        UNWIND $ids AS id
        MATCH (:HorizontalIssue {id: id})-[a:AFFECTS]->(i:Institution)
        WITH id, a, i ORDER BY CASE a.stake WHEN 'LEAD' THEN 0 WHEN 'INVOLVED' THEN 1 ELSE 2 END, i.code
        RETURN id, collect({institutionId: i.id, stake: a.stake}) AS impacts
        """,
        ids=ids,
    )
    return {r["id"]: r["impacts"] for r in rows}


async def impacts_on(graph: Graph, ids: list[str]) -> dict[str, list[Record]]:
    """Issues affecting each institution: [{issueId, stake}]."""
    rows = await graph.read(
        """
        UNWIND $ids AS id
        MATCH (:Institution {id: id})<-[a:AFFECTS]-(n:HorizontalIssue)
        WHERE n.archivedAt IS NULL
        WITH id, a, n ORDER BY n.title
        RETURN id, collect({issueId: n.id, stake: a.stake}) AS impacts
        """,
        ids=ids,
    )
    return {r["id"]: r["impacts"] for r in rows}


async def dependencies_of(graph: Graph, ids: list[str]) -> dict[str, list[Record]]:
    rows = await graph.read(
        """
        UNWIND $ids AS id
        MATCH (:HorizontalIssue {id: id})-[:DEPENDS_ON]->(n:HorizontalIssue)
        WITH id, n ORDER BY n.title
        RETURN id, collect(n {.*, directionId: head([(n)-[:UNDER_DIRECTION]->(d) | d.id])}) AS nodes
        """,
        ids=ids,
    )
    return {r["id"]: r["nodes"] for r in rows}


async def dependents_of(graph: Graph, ids: list[str]) -> dict[str, list[Record]]:
    rows = await graph.read(
        """
        UNWIND $ids AS id
        MATCH (:HorizontalIssue {id: id})<-[:DEPENDS_ON]-(n:HorizontalIssue)
        WITH id, n ORDER BY n.title
        RETURN id, collect(n {.*, directionId: head([(n)-[:UNDER_DIRECTION]->(d) | d.id])}) AS nodes
        """,
        ids=ids,
    )
    return {r["id"]: r["nodes"] for r in rows}


async def under_directions(graph: Graph, ids: list[str]) -> dict[str, list[Record]]:
    rows = await graph.read(
        """
        UNWIND $ids AS id
        MATCH (:PlanDirection {id: id})<-[:UNDER_DIRECTION]-(n:HorizontalIssue)
        WHERE n.archivedAt IS NULL
        WITH id, n ORDER BY n.title
        RETURN id, collect(n {.*, directionId: id}) AS nodes
        """,
        ids=ids,
    )
    return {r["id"]: r["nodes"] for r in rows}


async def list_page(
    graph: Graph,
    page: PageRequest,
    *,
    status: IssueStatus | None = None,
    priority: Priority | None = None,
    direction_id: str | None = None,
    institution_id: str | None = None,
    text: str | None = None,
    include_archived: bool = False,
    order: IssueOrder = IssueOrder.UPDATED,
    descending: bool = True,
) -> Page:
    rows = await graph.read(
        """
        MATCH (n:HorizontalIssue)
        WHERE ($includeArchived OR n.archivedAt IS NULL)
          AND ($status IS NULL OR n.status = $status)
          AND ($priority IS NULL OR n.priority = $priority)
          AND ($directionId IS NULL OR EXISTS { (n)-[:UNDER_DIRECTION]->(:PlanDirection {id: $directionId}) })
          AND ($institutionId IS NULL OR EXISTS { (n)-[:AFFECTS]->(:Institution {id: $institutionId}) })
          AND ($text IS NULL OR toLower(n.title) CONTAINS toLower($text)
               OR toLower(n.description) CONTAINS toLower($text))
        WITH n, CASE $order
                  WHEN 'TITLE' THEN n.title
                  WHEN 'PRIORITY' THEN CASE n.priority WHEN 'LOW' THEN '1' WHEN 'MEDIUM' THEN '2'
                                       WHEN 'HIGH' THEN '3' ELSE '4' END
                  WHEN 'CREATED' THEN toString(n.createdAt)
                  ELSE toString(n.updatedAt) END AS key
        ORDER BY CASE WHEN $desc THEN null ELSE key END ASC,
                 CASE WHEN $desc THEN key ELSE null END DESC, n.id
        WITH collect(n) AS matched
        RETURN size(matched) AS total,
               [n IN matched[$skip..$skip + $first + 1] |
                n {.*, directionId: head([(n)-[:UNDER_DIRECTION]->(d) | d.id])}] AS rows
        """,
        status=status.value if status else None,
        priority=priority.value if priority else None,
        directionId=direction_id,
        institutionId=institution_id,
        text=text,
        includeArchived=include_archived,
        order=order.value,
        desc=descending,
        skip=page.skip,
        first=page.first,
    )
    return Page.from_row(rows[0], page)


async def _read(tx: Tx, id: str) -> Record:
    return (await run(tx, _READ, id=id))[0]["node"]


async def _set_direction(tx: Tx, id: str, direction_id: str | None) -> None:
    if direction_id is not None:
        await entities.require(tx, "PlanDirection", direction_id, "directionId")
    await run(
        tx,
        """
        MATCH (n:HorizontalIssue {id: $id})
        OPTIONAL MATCH (n)-[old:UNDER_DIRECTION]->() DELETE old
        WITH DISTINCT n
        OPTIONAL MATCH (d:PlanDirection {id: $directionId})
        FOREACH (_ IN CASE WHEN d IS NULL THEN [] ELSE [1] END | CREATE (n)-[:UNDER_DIRECTION]->(d))
        """,
        id=id,
        directionId=direction_id,
    )


async def _set_impact(tx: Tx, id: str, institution_id: str, stake: Stake, field: str) -> None:
    await entities.require(tx, "Institution", institution_id, field)
    await run(
        tx,
        "MATCH (n:HorizontalIssue {id: $id}), (i:Institution {id: $institutionId}) "
        "MERGE (n)-[a:AFFECTS]->(i) SET a.stake = $stake",
        id=id,
        institutionId=institution_id,
        stake=stake.value,
    )


async def _add_dependency(tx: Tx, id: str, depends_on_id: str, field: str) -> None:
    await entities.require(tx, "HorizontalIssue", depends_on_id, field)
    rows = await run(
        tx,
        "MATCH (d:HorizontalIssue {id: $dependsOnId}) "
        "RETURN d.id = $id OR EXISTS { (d)-[:DEPENDS_ON*1..]->(:HorizontalIssue {id: $id}) } AS cycle",
        id=id,
        dependsOnId=depends_on_id,
    )
    if rows[0]["cycle"]:
        raise Conflict(field, f"depending on {depends_on_id} would create a dependency cycle")
    await run(
        tx,
        "MATCH (n:HorizontalIssue {id: $id}), (d:HorizontalIssue {id: $dependsOnId}) "
        "MERGE (n)-[:DEPENDS_ON]->(d)",
        id=id,
        dependsOnId=depends_on_id,
    )


async def create(graph: Graph, data: IssueInput, actor_id: str | None) -> Record:
    leads = [a for a in data.affected if a.stake is Stake.LEAD]
    if len({a.institution_id for a in data.affected}) != len(data.affected):
        raise Conflict("affected", "lists the same institution twice")

    async def work(tx: Tx) -> Record:
        id = new_id("HorizontalIssue")
        await run(
            tx,
            "CREATE (n:HorizontalIssue:Entity {id: $id, title: $title, description: $description, "
            "status: $status, priority: $priority, createdAt: datetime(), updatedAt: datetime()})",
            id=id,
            title=data.title,
            description=data.description,
            status=data.status.value,
            priority=data.priority.value,
        )
        await _set_direction(tx, id, data.direction_id)
        for i, impact in enumerate(data.affected):
            await _set_impact(tx, id, impact.institution_id, impact.stake, f"affected.{i}.institutionId")
        for i, dep in enumerate(data.depends_on_ids):
            await _add_dependency(tx, id, dep, f"dependsOnIds.{i}")
        node = await _read(tx, id)
        await activity.record(
            tx,
            verb="issue.created",
            actor_id=actor_id,
            target_id=id,
            scope_ids=[a.institution_id for a in data.affected],
            summary=f"Issue created: {data.title}" + (" (no lead institution yet)" if not leads else ""),
            after=node,
        )
        return node

    return await graph.write(work)


def _scope(node: Record) -> list[str]:
    return [a["institutionId"] for a in node["affected"]]


async def update(graph: Graph, id: str, patch: IssuePatch, actor_id: str | None) -> Record:
    props = patch_properties(patch, nullable=frozenset({"direction_id"}))
    direction_given = "directionId" in props
    direction_id = props.pop("directionId", None)

    async def apply(tx: Tx, _: Record) -> None:
        await entities.set_properties(tx, id, props)
        if direction_given:
            await _set_direction(tx, id, direction_id)

    return await entities.change(
        graph,
        label="HorizontalIssue",
        id=id,
        verb="issue.updated",
        actor_id=actor_id,
        read=_read,
        apply=apply,
        scope=_scope,
        summary=lambda n: f"Issue updated: {n['title']}",
    )


async def set_impact(graph: Graph, id: str, impact: ImpactInput, actor_id: str | None) -> Record:
    return await entities.change(
        graph,
        label="HorizontalIssue",
        id=id,
        id_field="issueId",
        verb="issue.impact_set",
        actor_id=actor_id,
        read=_read,
        scope=_scope,
        apply=lambda tx, _: _set_impact(tx, id, impact.institution_id, impact.stake, "institutionId"),
        summary=lambda n: f"{n['title']}: stake {impact.stake.value.lower()}",
    )


async def remove_impact(graph: Graph, id: str, institution_id: str, actor_id: str | None) -> Record:
    async def apply(tx: Tx, _: Record) -> None:
        await entities.require(tx, "Institution", institution_id, "institutionId")
        await run(
            tx,
            "MATCH (:HorizontalIssue {id: $id})-[a:AFFECTS]->(:Institution {id: $institutionId}) DELETE a",
            id=id,
            institutionId=institution_id,
        )

    return await entities.change(
        graph,
        label="HorizontalIssue",
        id=id,
        id_field="issueId",
        verb="issue.impact_removed",
        actor_id=actor_id,
        read=_read,
        apply=apply,
        scope=lambda n: [*_scope(n), institution_id],
        summary=lambda n: f"{n['title']}: institution no longer affected",
    )


async def add_dependency(graph: Graph, id: str, depends_on_id: str, actor_id: str | None) -> Record:
    return await entities.change(
        graph,
        label="HorizontalIssue",
        id=id,
        id_field="issueId",
        verb="issue.dependency_added",
        actor_id=actor_id,
        read=_read,
        scope=lambda _: [depends_on_id],
        apply=lambda tx, _: _add_dependency(tx, id, depends_on_id, "dependsOnId"),
        summary=lambda n: f"{n['title']}: dependency added",
    )


async def remove_dependency(graph: Graph, id: str, depends_on_id: str, actor_id: str | None) -> Record:
    return await entities.change(
        graph,
        label="HorizontalIssue",
        id=id,
        id_field="issueId",
        verb="issue.dependency_removed",
        actor_id=actor_id,
        read=_read,
        scope=lambda _: [depends_on_id],
        apply=lambda tx, _: run(
            tx,
            "MATCH (:HorizontalIssue {id: $id})-[d:DEPENDS_ON]->(:HorizontalIssue {id: $dependsOnId}) "
            "DELETE d",
            id=id,
            dependsOnId=depends_on_id,
        ),
        summary=lambda n: f"{n['title']}: dependency removed",
    )


async def archive(graph: Graph, id: str, actor_id: str | None) -> Record:
    return await entities.change(
        graph,
        label="HorizontalIssue",
        id=id,
        verb="issue.archived",
        actor_id=actor_id,
        read=_read,
        apply=lambda tx, _: entities.mark_archived(tx, id),
        scope=_scope,
        summary=lambda n: f"Issue archived: {n['title']}",
    )
