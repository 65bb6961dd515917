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
    text: str = strawberry.field(description="What was decided, as recorded.")
    date: date = strawberry.field(
        description="The day the decision was taken (may be before it was recorded)."
    )
    legal_basis: str | None = strawberry.field(
        description="The act or order it rests on, e.g. a Cabinet order; null when none was given."
    )
    created_at: datetime | None = strawberry.field(description="When it was recorded in the hub.")
    recorded_by: Annotated[Person, strawberry.lazy("hub.api.people")] | None = strawberry.field(
        description="The member who recorded it; null for an account without a person."
    )


@strawberry.input(description="A decision to record in a team's log (its members, or an administrator).")
class DecisionInput:
    team_id: strawberry.ID = strawberry.field(description="The team that decided.")
    text: str = DECISION.field("What was decided.")
    date: date = strawberry.field(description="The day the decision was taken.")
    legal_basis: str | None = SHORT_TEXT.field("The act or order it rests on.", default=None)


async def _record(ctx: Context, args: Args, _: Returning | None) -> object:
    data = validate(decisions.DecisionInput, args["input"])
    return await decisions.record(ctx.graph, data, ctx.actor_id, ctx.viewer)


@writes(recordDecision=Write(_record))
@strawberry.type
class DecisionMutation:
    @strawberry.mutation(description="Record a team decision (a member of the team, or an administrator).")
    def record_decision(
        self,
        input: Annotated[
            DecisionInput,
            strawberry.argument(description="The team, what it decided, when, and on what basis."),
        ],
    ) -> Decision:
        return answered_by_planner()
