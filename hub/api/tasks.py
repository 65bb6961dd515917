"""Team tasks: title, assignee (a member), due date and status."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import people, tasks
from graph.driver import Record
from graph.tasks import TaskStatus
from hub.api.base import GQLInfo, Node, from_record, to_model
from hub.api.text_limits import TITLE

if TYPE_CHECKING:
    from hub.api.people import Person

strawberry.enum(TaskStatus)


@strawberry.type
class Task(Node):
    title: str
    status: TaskStatus
    due_date: date | None
    created_at: datetime | None
    updated_at: datetime | None
    team_id: strawberry.Private[str]
    assignee_id: strawberry.Private[str | None]

    @strawberry.field
    async def assignee(self, info: GQLInfo) -> Annotated[Person, strawberry.lazy("hub.api.people")] | None:
        from hub.api.people import person

        if self.assignee_id is None:
            return None
        record = await info.context.loaders.one(people.by_ids).load(self.assignee_id)
        return person(record) if record else None


def task(record: Record) -> Task:
    return from_record(Task, record)


@strawberry.input
class TaskInput:
    team_id: strawberry.ID
    title: str = TITLE.field()
    assignee_id: strawberry.ID | None = strawberry.field(default=None, description="Must be a member.")
    due_date: date | None = None
    status: TaskStatus = TaskStatus.TODO


@strawberry.input(description="Only the fields given are changed; null clears the assignee or due date.")
class TaskPatch:
    title: str | None = TITLE.field(default=strawberry.UNSET)
    assignee_id: strawberry.ID | None = strawberry.UNSET
    due_date: date | None = strawberry.UNSET
    status: TaskStatus | None = strawberry.UNSET


@strawberry.type
class TaskMutation:
    @strawberry.mutation
    async def create_task(self, info: GQLInfo, input: TaskInput) -> Task:
        data = to_model(tasks.TaskInput, input)
        ctx = info.context
        return task(await tasks.create(ctx.graph, data, ctx.actor_id, ctx.viewer))

    @strawberry.mutation
    async def update_task(self, info: GQLInfo, id: strawberry.ID, patch: TaskPatch) -> Task:
        data = to_model(tasks.TaskPatch, patch)
        ctx = info.context
        return task(await tasks.update(ctx.graph, id, data, ctx.actor_id, ctx.viewer))
