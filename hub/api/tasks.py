"""Team tasks: title, assignee (a member), due date and status."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import tasks
from graph.tasks import TaskStatus
from graph.validation import validate
from hub.api.base import Node
from hub.api.context import Context
from hub.api.planning import Args, Returning, Write, answered_by_planner, maps, writes
from hub.api.text_limits import TITLE

if TYPE_CHECKING:
    from hub.api.people import Person

strawberry.enum(TaskStatus)


@maps(tasks.TASK)
@strawberry.type
class Task(Node):
    title: str
    status: TaskStatus
    due_date: date | None
    created_at: datetime | None
    updated_at: datetime | None
    assignee: Annotated[Person, strawberry.lazy("hub.api.people")] | None


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


async def _create(ctx: Context, args: Args, _: Returning | None) -> object:
    return await tasks.create(ctx.graph, validate(tasks.TaskInput, args["input"]), ctx.actor_id, ctx.viewer)


async def _update(ctx: Context, args: Args, _: Returning | None) -> object:
    data = validate(tasks.TaskPatch, args["patch"])
    return await tasks.update(ctx.graph, args["id"], data, ctx.actor_id, ctx.viewer)


@writes(createTask=Write(_create), updateTask=Write(_update))
@strawberry.type
class TaskMutation:
    @strawberry.mutation
    def create_task(self, input: TaskInput) -> Task:
        return answered_by_planner()

    @strawberry.mutation
    def update_task(self, id: strawberry.ID, patch: TaskPatch) -> Task:
        return answered_by_planner()
