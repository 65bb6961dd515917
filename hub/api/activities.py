"""Activity: the record of every change, newest first."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from graph import activity, people
from graph.driver import Record
from hub.api.base import Connection, GQLInfo, Node, from_record, page_request
from hub.api.text_limits import VERB, Cursor

if TYPE_CHECKING:
    from hub.api.people import Person


@strawberry.type(description="Who did what to which entity, and when.")
class Activity(Node):
    seq: int = strawberry.field(
        description="Global order, numbered just after the commit: dense, usable as a replay cursor."
    )
    at: datetime
    verb: str = strawberry.field(description="What happened, e.g. `team.created`.")
    summary: str
    target_id: strawberry.ID
    actor_id: strawberry.Private[str | None]
    before: strawberry.Private[str | None]
    after: strawberry.Private[str | None]

    @strawberry.field
    async def actor(self, info: GQLInfo) -> Annotated[Person, strawberry.lazy("hub.api.people")] | None:
        from hub.api.people import person

        if self.actor_id is None:
            return None
        record = await info.context.loaders.one(people.by_ids).load(self.actor_id)
        return person(record) if record else None

    @strawberry.field(name="before", description="The changed entity's values before the change.")
    def before_values(self) -> JSON | None:
        return json.loads(self.before) if self.before else None

    @strawberry.field(name="after", description="The changed entity's values after the change.")
    def after_values(self) -> JSON | None:
        return json.loads(self.after) if self.after else None


def activity_of(record: Record) -> Activity:
    return from_record(Activity, record)


@strawberry.type
class ActivityQuery:
    @strawberry.field(description="Activities newest first; `scopeId` keeps those about one entity's feed.")
    async def activities(
        self,
        info: GQLInfo,
        scope_id: strawberry.ID | None = None,
        verb: Annotated[str | None, VERB.argument("Only this kind, e.g. `team.created`.")] = None,
        first: int | None = None,
        after: Cursor = None,
    ) -> Connection[Activity]:
        page = await activity.list_page(
            info.context.graph,
            page_request(info, first, after),
            info.context.viewer,
            scope_id=scope_id,
            verb=verb,
        )
        return Connection.of(page, activity_of)
