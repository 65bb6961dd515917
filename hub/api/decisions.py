"""Team decisions: text, date and legal basis."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import decisions
from graph.validation import validate
from hub.api.base import Node
from hub.api.context import Context
from hub.api.planning import Args, Returning, Write, answered_by_planner, maps, writes
from hub.api.text_limits import DECISION, SHORT_TEXT

if TYPE_CHECKING:
    from hub.api.people import Person


@maps(decisions.DECISION)
@strawberry.type(description="Something a team decided, on a date, optionally on a legal basis.")
class Decision(Node):
    text: str
    date: date
    legal_basis: str | None
    created_at: datetime | None
    recorded_by: Annotated[Person, strawberry.lazy("hub.api.people")] | None


@strawberry.input
class DecisionInput:
    team_id: strawberry.ID
    text: str = DECISION.field()
    date: date
    legal_basis: str | None = SHORT_TEXT.field(default=None)


async def _record(ctx: Context, args: Args, _: Returning | None) -> object:
    data = validate(decisions.DecisionInput, args["input"])
    return await decisions.record(ctx.graph, data, ctx.actor_id, ctx.viewer)


@writes(recordDecision=Write(_record))
@strawberry.type
class DecisionMutation:
    @strawberry.mutation
    def record_decision(self, input: DecisionInput) -> Decision:
        return answered_by_planner()
