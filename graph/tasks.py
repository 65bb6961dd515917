"""Team tasks: a title, an assignee who is a member of the team, a due date and a status.

    (Task)-[:IN_TEAM]->(ProjectTeam), (Task)-[:ASSIGNED_TO]->(Person).

Assigning a task puts its Activity in the assignee's feed (and, on reassignment, the previous one's)
and tells the new assignee by e-mail.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Final, LiteralString

from graph import activity, entities, membership, outbox
from graph.access import TEAM_VISIBLE, Viewer
from graph.driver import Graph, Record, Tx, run
from graph.errors import Conflict, NotFound
from graph.ids import new_id
from graph.model import Reach, entity
from graph.posts import in_visible_team
from graph.validation import Input, Name, PublicId, patch_properties


class TaskStatus(StrEnum):
    TODO = "TODO"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


class TaskInput(Input):
    team_id: PublicId
    title: Name
    assignee_id: PublicId | None = None
    due_date: date | None = None
    status: TaskStatus = TaskStatus.TODO


class TaskPatch(Input):
    title: Name | None = None
    assignee_id: PublicId | None = None
    due_date: date | None = None
    status: TaskStatus | None = None


_NODE: Final[LiteralString] = "n {.*, teamId: t.id, assigneeId: head([(n)-[:ASSIGNED_TO]->(a) | a.id])}"


TASK = entity(
    "Task",
    {"assignee": Reach("MATCH ({n})-[:ASSIGNED_TO]->({person}:Person)", "Person", "person", many=False)},
    visible=in_visible_team,
    # Open work first, soonest due first (no due date last), then finished and cancelled.
    order="CASE {n}.status WHEN 'IN_PROGRESS' THEN 0 WHEN 'TODO' THEN 1 WHEN 'DONE' THEN 2 ELSE 3 END,"
    " {n}.dueDate IS NULL, {n}.dueDate, {n}.createdAt",
)


async def _assign(
    tx: Tx, id: str, team_id: str, assignee_id: str | None, actor_id: str | None, previous: str | None = None
) -> None:
    """Assign the task (None: to nobody); a new assignee is told by e-mail (graph/outbox.py)."""
    if assignee_id is not None:
        await entities.require(tx, "Person", assignee_id, "assigneeId")
        await membership.require_member(tx, team_id, assignee_id, "assigneeId")
        if assignee_id != previous:
            await outbox.enqueue(
                tx,
                notice=outbox.Notice.TASK_ASSIGNED,
                recipient_ids=[assignee_id],
                subject_id=id,
                team_id=team_id,
                event_id=new_id("Activity"),
                actor_id=actor_id,
            )
    await run(
        tx,
        """
        MATCH (n:Task {id: $id})
        OPTIONAL MATCH (n)-[old:ASSIGNED_TO]->() DELETE old
        WITH DISTINCT n
        OPTIONAL MATCH (p:Person {id: $assigneeId})
        FOREACH (_ IN CASE WHEN p IS NULL THEN [] ELSE [1] END | CREATE (n)-[:ASSIGNED_TO]->(p))
        """,
        id=id,
        assigneeId=assignee_id,
    )


def _reader(viewer: Viewer) -> entities.Reader:
    async def read(tx: Tx, id: str) -> Record:
        rows = await run(
            tx,
            "MATCH (n:Task {id: $id})-[:IN_TEAM]->(t:ProjectTeam) WHERE "
            + TEAM_VISIBLE
            + " RETURN "
            + _NODE
            + " AS node, t.status AS teamStatus, t.name AS teamName,"
            " head([(t)-[:ADDRESSES]->(i) | i.id]) AS issueId",
            id=id,
            **viewer.params(),
        )
        if not rows:  # a restricted team's task reads as missing, like the team itself
            raise NotFound("Task", id, "id")
        row = rows[0]
        return {
            **row["node"],
            "teamStatus": row["teamStatus"],
            "teamName": row["teamName"],
            "issueId": row["issueId"],
        }

    return read


def _scope(node: Record) -> list[str]:
    return [node["teamId"], node["issueId"], *([node["assigneeId"]] if node["assigneeId"] else [])]


async def create(graph: Graph, data: TaskInput, actor_id: str | None, viewer: Viewer) -> Record:
    read = _reader(viewer)

    async def work(tx: Tx) -> Record:
        team = await membership.require_team(tx, data.team_id, viewer, locking=True)
        await membership.check_member(tx, data.team_id, actor_id, "add tasks")
        if team["status"] == "CLOSED":
            raise Conflict("teamId", "the team is closed")
        id = new_id("Task")
        await run(
            tx,
            """
            MATCH (t:ProjectTeam {id: $teamId})
            CREATE (n:Task:Entity {id: $id, title: $title, dueDate: $dueDate, status: $status,
                    createdAt: datetime(), updatedAt: datetime()})
            CREATE (n)-[:IN_TEAM]->(t)
            """,
            id=id,
            teamId=data.team_id,
            title=data.title,
            dueDate=data.due_date,
            status=data.status.value,
        )
        await _assign(tx, id, data.team_id, data.assignee_id, actor_id)
        node = await read(tx, id)
        await activity.record(
            tx,
            verb="task.created",
            actor_id=actor_id,
            target_id=id,
            scope_ids=_scope(node),
            summary=f"{team['name']}: task {data.title}",
            after=node,
        )
        return node

    return await graph.write(work)


async def update(graph: Graph, id: str, patch: TaskPatch, actor_id: str | None, viewer: Viewer) -> Record:
    props = patch_properties(patch, nullable=frozenset({"assignee_id", "due_date"}))
    assignee_given = "assigneeId" in props
    props.pop("assigneeId", None)
    if "due_date" in patch.model_fields_set:
        props["dueDate"] = patch.due_date  # a Date, not its JSON string
    read = _reader(viewer)
    previous: list[str] = []

    async def apply(tx: Tx, _: Record) -> None:
        current = await read(tx, id)
        await membership.check_member(tx, current["teamId"], actor_id, "change tasks")
        if current["teamStatus"] == "CLOSED":
            raise Conflict("id", "the task's team is closed")
        if current["assigneeId"]:
            previous.append(current["assigneeId"])
        await entities.set_properties(tx, id, props)
        if assignee_given:
            await _assign(tx, id, current["teamId"], patch.assignee_id, actor_id, current["assigneeId"])

    return await entities.change(
        graph,
        label="Task",
        id=id,
        verb="task.updated",
        actor_id=actor_id,
        read=read,
        apply=apply,
        scope=lambda n: [*_scope(n), *previous],
        summary=lambda n: f"{n['teamName']}: task {n['title']} ({n['status'].lower().replace('_', ' ')})",
    )
