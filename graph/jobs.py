"""The timed jobs' lease and their last runs.

    (:Lease {name, holder, expiresAt})   one per runner group: whoever holds it runs the jobs
    (:JobRun {name, lastStartedAt, lastFinishedAt, lastOutcome, lastSummary, lastError})

A lease is taken and renewed in one statement that first takes the node's write lock (a SET of a
property the statement then reads), so two runners reading "free" at the same moment cannot both
take it: the second reads after the first committed, and sees it held. A holder that stops
renewing loses it when `expiresAt` passes; another runner then takes it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, LiteralString

from graph.driver import Graph, Record

JOBS_LEASE: Final = "jobs"

_TAKE: Final[LiteralString] = """
MERGE (l:Lease {name: $name})
SET l.lockedAt = datetime()
WITH l, coalesce(l.holder IS NULL OR l.holder = $holder OR l.expiresAt <= datetime(), false) AS free
SET l.holder = CASE WHEN free THEN $holder ELSE l.holder END,
    l.expiresAt = CASE WHEN free THEN datetime() + duration({milliseconds: $ttlMs}) ELSE l.expiresAt END
RETURN free, l.holder AS holder, l.expiresAt AS expiresAt
"""


async def take_lease(graph: Graph, name: str, holder: str, ttl_s: float) -> Record:
    """Take or renew lease `name` for `holder` until now + `ttl_s`, when it is free, expired or
    already theirs: `{free, holder, expiresAt}` (`free`: `holder` holds it now)."""
    rows = await graph.write_once(_TAKE, name=name, holder=holder, ttlMs=int(ttl_s * 1000))
    return rows[0]


async def release_lease(graph: Graph, name: str, holder: str) -> None:
    """Give the lease up (only if still held by `holder`), so another runner need not wait."""
    await graph.write_once(
        "MATCH (l:Lease {name: $name}) SET l.lockedAt = datetime() WITH l WHERE l.holder = $holder "
        "SET l.holder = null, l.expiresAt = null",
        name=name,
        holder=holder,
    )


async def holds_lease(graph: Graph, name: str, holder: str) -> bool:
    rows = await graph.read(
        "OPTIONAL MATCH (l:Lease {name: $name}) "
        "RETURN l IS NOT NULL AND l.holder = $holder AND l.expiresAt > datetime() AS held",
        name=name,
        holder=holder,
    )
    return bool(rows[0]["held"])


async def last_runs(graph: Graph) -> dict[str, Record]:
    """Each job's last run, by job name."""
    rows = await graph.read("MATCH (j:JobRun) RETURN j {.*} AS run")
    return {r["run"]["name"]: r["run"] for r in rows}


async def record_run(
    graph: Graph,
    name: str,
    *,
    started_at: datetime,
    outcome: str,
    summary: str | None = None,
    error: str | None = None,
) -> None:
    """Remember a job's run: when it started (what the schedule counts from) and how it ended."""
    await graph.write_once(
        """
        MERGE (j:JobRun {name: $name})
        SET j.lastStartedAt = $startedAt, j.lastFinishedAt = datetime(), j.lastOutcome = $outcome,
            j.lastSummary = $summary, j.lastError = $error,
            j.lastSucceededAt = CASE WHEN $outcome = 'OK' THEN $startedAt ELSE j.lastSucceededAt END
        """,
        name=name,
        startedAt=started_at,
        outcome=outcome,
        summary=summary,
        error=error,
    )
