"""Activity: the record of every change, newest first."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from graph import activity
from graph.driver import Record
from hub.api.base import Connection, Node, PageSize
from hub.api.planning import answered_by_planner, maps, roots
from hub.api.text_limits import VERB, PageCursor

if TYPE_CHECKING:
    from hub.api.people import Person


@maps(activity.ACTIVITY)
@strawberry.type(
    description="Who did what to which entity, and when: one entry of a feed or of the audit trail. "
    "Activity about a team follows the team's visibility."
)
class Activity(Node):
    seq: int = strawberry.field(
        description="Global order, numbered just after the commit: dense, usable as a replay cursor."
    )
    at: datetime = strawberry.field(description="When the change was committed.")
    verb: str = strawberry.field(description="What happened, e.g. `team.created`.")
    summary: str = strawberry.field(
        description="One line for a person to read, e.g. `Team created: Digital services`."
    )
    target_id: strawberry.ID = strawberry.field(description="The id of the entity that changed.")
    actor: Annotated[Person, strawberry.lazy("hub.api.people")] | None = strawberry.field(
        default=None, description="Who made the change; null for the system or an account without a person."
    )
    before: JSON | None = strawberry.field(
        default=None, description="The changed entity's values before the change."
    )
    after: JSON | None = strawberry.field(
        default=None, description="The changed entity's values after the change."
    )


def activity_of(record: Record) -> Activity:
    """An Activity as a subscription yields it (hub/api/live.py): its own values from the record;
    `actor` is read by the planner when selected (hub/api/planning.py)."""
    return Activity(
        id=strawberry.ID(record["id"]),
        seq=record["seq"],
        at=record["at"],
        verb=record["verb"],
        summary=record["summary"],
        target_id=strawberry.ID(record["targetId"]),
        before=json.loads(record["before"]) if record.get("before") else None,
        after=json.loads(record["after"]) if record.get("after") else None,
    )


@strawberry.type(description="A page of activity, and where a live feed continues from it.")
class ActivityConnection(Connection[Activity]):
    live_cursor: str | None = strawberry.field(
        description="Pass as the subscription's `after` to receive, replayed, every activity committed "
        "after this page was read, numbered then or later: nothing falls between the page and the feed. "
        "The page's newest activity, or for an empty page the oldest position still kept; null only "
        "before any activity history exists."
    )


@roots(activities=activity.ACTIVITIES)
@strawberry.type
class ActivityQuery:
    @strawberry.field(description="Activities newest first; `scopeId` keeps those about one entity's feed.")
    def activities(
        self,
        scope_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="A team, issue, institution or person: only activity in its feed; all when omitted."
            ),
        ] = None,
        verb: Annotated[str | None, VERB.argument("Only this kind, e.g. `team.created`.")] = None,
        first: PageSize = None,
        after: PageCursor = None,
    ) -> ActivityConnection:
        return answered_by_planner()
