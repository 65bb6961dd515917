"""The audit trail: every Activity (actor, time, before and after), filtered for administrators.

Activities are written only inside the mutations' own transactions (graph/activity.py); nothing
here or in the API updates or deletes them. `export` walks the trail in commit (`seq`) order with
keyset pagination so an export of any size streams in bounded memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from graph.activity import ACTIVITY_NUMBERED
from graph.driver import Graph, Record
from graph.pagination import Page, PageRequest


@dataclass(frozen=True)
class AuditFilter:
    actor_id: str | None = None
    verb: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def params(self) -> dict[str, Any]:
        return {
            "actorId": self.actor_id,
            "verb": self.verb,
            "targetId": self.target_id,
            "since": self.since,
            "until": self.until,
        }


_MATCHES: LiteralString = """
    ($actorId IS NULL OR a.actorId = $actorId)
    AND ($verb IS NULL OR a.verb = $verb)
    AND ($targetId IS NULL OR a.targetId = $targetId)
    AND ($since IS NULL OR a.at >= datetime($since))
    AND ($until IS NULL OR a.at < datetime($until))
"""

FIELDS = ("seq", "id", "at", "actorId", "verb", "targetId", "summary", "before", "after")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def list_page(graph: Graph, filter: AuditFilter, page: PageRequest) -> Page:
    """Matching activities, newest first."""
    await graph.settled()  # this process's writes' activity is numbered, so shown
    params = filter.params() | {"since": _iso(filter.since), "until": _iso(filter.until)}
    rows = await graph.read(
        "MATCH (a:Activity) WHERE "
        + ACTIVITY_NUMBERED
        + " AND "
        + _MATCHES
        + """
        WITH a ORDER BY a.seq DESC
        WITH collect(a) AS matched
        RETURN size(matched) AS total, [a IN matched[$skip..$skip + $first + 1] | a {.*}] AS rows
        """,
        skip=page.skip,
        first=page.first,
        **params,
    )
    return Page.from_row(rows[0], page)


async def export(graph: Graph, filter: AuditFilter, batch: int = 500) -> AsyncIterator[Record]:
    """Every matching activity, oldest first, one batch (one query) at a time."""
    await graph.settled()
    params = filter.params() | {"since": _iso(filter.since), "until": _iso(filter.until)}
    after = 0
    while True:
        rows = await graph.read(
            "MATCH (a:Activity) WHERE a.seq > $after AND "
            + _MATCHES
            + " RETURN a {.seq, .id, at: toString(a.at), .actorId, .verb, .targetId, .summary, .before, .after}"
            " AS a ORDER BY a.seq LIMIT $batch",
            after=after,
            batch=batch,
            **params,
        )
        for row in rows:
            yield row["a"]
        if len(rows) < batch:
            return
        after = rows[-1]["a"]["seq"]
