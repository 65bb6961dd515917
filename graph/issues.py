"""Horizontal issues: what cuts across ministries, which institutions each `AFFECTS` and how."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Final, LiteralString

from pydantic import Field

from graph import activity, entities, lucene, pagination
from graph.driver import Graph, Record, Tx, run
from graph.errors import Conflict
from graph.ids import new_id
from graph.model import Asked, Connection, Key, Node, Order, Page, Reach, Value, by_id, entity, shape
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


# Affected institutions: the lead stake first, then by code.
_STAKE_ORDER: Final[LiteralString] = "CASE {rel}.stake WHEN 'LEAD' THEN 0 WHEN 'INVOLVED' THEN 1 ELSE 2 END"

ISSUE = entity(
    "HorizontalIssue",
    {
        "direction": Reach(
            "MATCH ({n})-[:UNDER_DIRECTION]->({direction}:PlanDirection)",
            "PlanDirection",
            "direction",
            many=False,
        ),
        "affected": Reach(
            "MATCH ({n})-[{rel}:AFFECTS]->({institution}:Institution)",
            "Impact",
            {"rel": "rel", "issue": "n", "institution": "institution"},
            order=_STAKE_ORDER + ", {institution}.code",
        ),
        "dependsOn": Reach(
            "MATCH ({n})-[:DEPENDS_ON]->({issue}:HorizontalIssue)",
            "HorizontalIssue",
            "issue",
            order="{issue}.title",
        ),
        "dependents": Reach(
            "MATCH ({n})<-[:DEPENDS_ON]-({issue}:HorizontalIssue)",
            "HorizontalIssue",
            "issue",
            order="{issue}.title",
        ),
        # Teams working on it that the viewer may see (the rule comes with the label).
        "teams": Reach(
            "MATCH ({n})<-[:ADDRESSES]-({team}:ProjectTeam)",
            "ProjectTeam",
            "team",
            where="{team}.archivedAt IS NULL",
            order="{team}.name",
        ),
    },
)

# An institution's stake in an issue: the AFFECTS relationship and its two ends.
IMPACT = shape(
    "Impact",
    ("rel", "issue", "institution"),
    {
        "stake": Value("{rel}.stake"),
        "issue": Node("issue", "HorizontalIssue"),
        "institution": Node("institution", "Institution"),
    },
)

_ISSUE_KEYS: Final = {
    IssueOrder.TITLE: Key("{node}.title"),
    IssueOrder.PRIORITY: Key(
        "CASE {node}.priority WHEN 'LOW' THEN 1 WHEN 'MEDIUM' THEN 2 WHEN 'HIGH' THEN 3 ELSE 4 END", "number"
    ),
    IssueOrder.CREATED: Key("coalesce({node}.createdAt, datetime('1970-01-01T00:00Z'))", "datetime"),
    IssueOrder.UPDATED: Key("coalesce({node}.updatedAt, datetime('1970-01-01T00:00Z'))", "datetime"),
}


def _issues_page(asked: Asked) -> Page:
    f = asked.args.get("filter") or {}
    where: list[LiteralString] = []
    if not f.get("includeArchived"):
        where.append("{node}.archivedAt IS NULL")
    if f.get("status") is not None:
        where.append("{node}.status = $status")
    if f.get("priority") is not None:
        where.append("{node}.priority = $priority")
    if f.get("directionId") is not None:
        where.append("EXISTS { ({node})-[:UNDER_DIRECTION]->(:PlanDirection {id: $directionId}) }")
    if f.get("institutionId") is not None:
        where.append("EXISTS { ({node})-[:AFFECTS]->(:Institution {id: $institutionId}) }")
    order = IssueOrder(asked.args.get("orderBy", IssueOrder.UPDATED))
    key = _ISSUE_KEYS[order]
    descending = bool(asked.args.get("descending", True))
    match, text = lucene.filtered("MATCH ({node}:HorizontalIssue)", f.get("text"))
    return pagination.page(
        asked,
        match,
        Order(
            "ISSUES_BY_" + order.value + ("_DESC" if descending else ""),
            (Key(key.cypher, key.kind, descending),),
        ),
        where=tuple(where),
        params={**{k: f.get(k) for k in ("status", "priority", "directionId", "institutionId")}, **text},
    )


ISSUES = Connection("HorizontalIssue", _issues_page)
ISSUE_BY_ID = by_id("HorizontalIssue")


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
