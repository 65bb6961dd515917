"""The audit trail: every Activity (actor, time, before and after), filtered for administrators.

Activities are written only inside the mutations' own transactions (graph/activity.py); nothing
here or in the API updates or deletes them. `export` walks the trail in commit (`seq`) order with
keyset pagination so an export of any size streams in bounded memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, LiteralString

from graph import activity, pagination
from graph.driver import Graph, Record
from graph.model import Asked, Connection, Key, Order, Page


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


def _audit_page(asked: Asked) -> Page:
    """`auditLog(filter, first, after)`: matching activities, newest first (administrators:
    hub/api/authz.py). The times are compared as Neo4j datetimes, a time without an offset as UTC."""
    f = asked.args.get("filter") or {}
    where: list[LiteralString] = []
    if f.get("actorId") is not None:
        where.append("{node}.actorId = $actorId")
    if f.get("verb") is not None:
        where.append("{node}.verb = $verb")
    if f.get("targetId") is not None:
        where.append("{node}.targetId = $targetId")
    if f.get("since") is not None:
        where.append("{node}.at >= datetime($since)")
    if f.get("until") is not None:
        where.append("{node}.at < datetime($until)")
    filter = AuditFilter(f.get("actorId"), f.get("verb"), f.get("targetId"), f.get("since"), f.get("until"))
    params = filter.params() | {"since": _iso(filter.since), "until": _iso(filter.until)}
    return pagination.page(asked, "MATCH ({node}:Activity)", _NEWEST, where=tuple(where), params=params)


_NEWEST: Final = Order("AUDIT_NEWEST", (Key("{node}.seq", "number", descending=True),))
AUDIT_LOG = Connection("Activity", _audit_page, {"liveCursor": activity.LIVE_CURSOR})


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
