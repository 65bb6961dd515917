"""Team decisions: text, date and legal basis."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import decisions, people
from graph.driver import Record
from hub.api.base import GQLInfo, Node, from_record, to_model
from hub.api.text_limits import DECISION, SHORT_TEXT

if TYPE_CHECKING:
    from hub.api.people import Person


@strawberry.type(description="Something a team decided, on a date, optionally on a legal basis.")
class Decision(Node):
    text: str
    date: date
    legal_basis: str | None
    created_at: datetime | None
    team_id: strawberry.Private[str]
    recorded_by_id: strawberry.Private[str | None]

    @strawberry.field
    async def recorded_by(self, info: GQLInfo) -> Annotated[Person, strawberry.lazy("hub.api.people")] | None:
        from hub.api.people import person

        if self.recorded_by_id is None:
            return None
        record = await info.context.loaders.one(people.by_ids).load(self.recorded_by_id)
        return person(record) if record else None


def decision(record: Record) -> Decision:
    return from_record(Decision, record)


@strawberry.input
class DecisionInput:
    team_id: strawberry.ID
    text: str = DECISION.field()
    date: date
    legal_basis: str | None = SHORT_TEXT.field(default=None)


@strawberry.type
class DecisionMutation:
    @strawberry.mutation
    async def record_decision(self, info: GQLInfo, input: DecisionInput) -> Decision:
        data = to_model(decisions.DecisionInput, input)
        ctx = info.context
        return decision(await decisions.record(ctx.graph, data, ctx.actor_id, ctx.viewer))
