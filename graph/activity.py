"""Activity: who did what to which entity, when; written in the same transaction as the change.

Every Activity gets the next number of one global counter. Taking the counter's write lock
serialises committing writers, so `seq` order is commit order: a cursor for gap-free replay.
"""

from __future__ import annotations

import json
from typing import Any, LiteralString

from graph.access import TEAM_VISIBLE, Viewer
from graph.driver import Graph, Record, Tx, run
from graph.ids import new_id
from graph.pagination import Page, PageRequest


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)


async def record(
    tx: Tx,
    *,
    verb: str,
    actor_id: str | None,
    target_id: str,
    summary: str,
    scope_ids: list[str] | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> Record:
    """Record one Activity about `target_id`, linked to every entity whose feed should show it."""
    rows = await run(
        tx,
        """
        MERGE (c:Counter {name: 'activity'})
          ON CREATE SET c.value = 0
        SET c.value = c.value + 1
        CREATE (a:Activity:Entity {id: $id, seq: c.value, at: datetime(), verb: $verb, targetId: $targetId,
                            summary: $summary, before: $before, after: $after, actorId: $actorId})
        WITH a
        OPTIONAL MATCH (actor:Person {id: $actorId})
        FOREACH (_ IN CASE WHEN actor IS NULL THEN [] ELSE [1] END | CREATE (a)-[:BY]->(actor))
        WITH a
        CALL (a) {
          UNWIND $scopeIds AS scopeId
          MATCH (s:Entity {id: scopeId})
          CREATE (a)-[:IN_SCOPE]->(s)
        }
        RETURN a {.*} AS activity
        """,
        id=new_id("Activity"),
        verb=verb,
        targetId=target_id,
        summary=summary,
        before=_json(before),
        after=_json(after),
        actorId=actor_id,
        scopeIds=list(dict.fromkeys([target_id, *(scope_ids or [])])),
    )
    return rows[0]["activity"]


# An activity about a team the viewer may not see is hidden with the team.
_ACTIVITY_VISIBLE: LiteralString = (
    "NOT EXISTS { MATCH (a)-[:IN_SCOPE]->(t:ProjectTeam) WHERE NOT " + TEAM_VISIBLE + " }"
)


async def list_page(
    graph: Graph, page: PageRequest, viewer: Viewer, *, scope_id: str | None = None, verb: str | None = None
) -> Page:
    """Activities newest first, optionally only those in one entity's scope."""
    rows = await graph.read(
        """
        CALL (){
          MATCH (a:Activity)
          WHERE $scopeId IS NULL AND ($verb IS NULL OR a.verb = $verb)
          RETURN a
          UNION
          MATCH (a:Activity)-[:IN_SCOPE]->(:Entity {id: $scopeId})
          WHERE $scopeId IS NOT NULL AND ($verb IS NULL OR a.verb = $verb)
          RETURN a
        }
        WITH a WHERE """
        + _ACTIVITY_VISIBLE
        + """
        WITH a ORDER BY a.seq DESC
        WITH collect(a) AS matched
        RETURN size(matched) AS total, [a IN matched[$skip..$skip + $first + 1] | a {.*}] AS rows
        """,
        scopeId=scope_id,
        verb=verb,
        skip=page.skip,
        first=page.first,
        **viewer.params(),
    )
    return Page.from_row(rows[0], page)


async def by_ids(graph: Graph, ids: list[str], viewer: Viewer) -> dict[str, Record]:
    rows = await graph.read(
        "UNWIND $ids AS id MATCH (a:Activity {id: id}) WHERE " + _ACTIVITY_VISIBLE + " RETURN a {.*} AS node",
        ids=ids,
        **viewer.params(),
    )
    return {r["node"]["id"]: r["node"] for r in rows}
