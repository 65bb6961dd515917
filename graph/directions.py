"""The Modernisation Plan 2023–2027's seven directions: reference data, loaded by the seed."""

from __future__ import annotations

from graph.model import Reach, by_id, entity

DIRECTION = entity(
    "PlanDirection",
    {
        "issues": Reach(
            "MATCH ({n})<-[:UNDER_DIRECTION]-({issue}:HorizontalIssue)",
            "HorizontalIssue",
            "issue",
            where="{issue}.archivedAt IS NULL",
            order="{issue}.title",
        ),
    },
)

# `planDirections`: all seven, in order.
DIRECTIONS = Reach("MATCH ({d}:PlanDirection)", "PlanDirection", "d", order="{d}.number")
DIRECTION_BY_ID = by_id("PlanDirection")
