"""Activity: who did what to which entity, when; written in the same transaction as the change.

Every Activity gets the next number (`seq`) of one global counter, the cursor for gap-free replay:
seqs are dense, and once a seq is committed every smaller one is too. The number is given *after*
the change has committed, by `number_recorded`, one short auto-commit statement shared by the
writes that committed at the same time: it takes the counter's lock, numbers every committed
activity still `:Unsequenced` (the oldest first, these writes' and any another writer left
behind), and commits, all inside Neo4j. A writer holding the counter inside its own transaction
kept it across a round trip to the hub, which under load was a wait for the hub's event loop,
and every other writer waited behind it.

The write answers without waiting for the number (graph/driver.py runs the numbering as a task
of its own). An activity is shown (feeds, pages, replay) once it has its number, a few
milliseconds after the commit; the reads that show activity first wait for this process's
numbering in flight (`Graph.settled`), so a caller sees their own write's activity on the hub
that made it. A write whose numbering failed (Neo4j went away just after the commit) still
succeeded: its activity is numbered by the next write, or when a hub starts (`number_pending`).
"""

from __future__ import annotations

import asyncio
import json
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, LiteralString

import structlog

from graph import pagination
from graph.access import Viewer, team_visible
from graph.driver import Graph, Record, Tx, after_commit, run
from graph.errors import DatabaseUnavailable, InvalidInput, ResyncRequired
from graph.ids import new_id
from graph.json_text import json_of
from graph.model import Asked, Connection, InPython, Key, Order, Page, Reach, Value, entity


@dataclass(frozen=True)
class ActivityEvent:
    """A committed Activity as live subscribers hear of it: which counter epoch, where in commit
    order, which feeds it belongs to, and whether a team's visibility decides who may see it."""

    epoch: str
    seq: int
    scope_ids: tuple[str, ...]
    team_scoped: bool
    activity: Record

    @classmethod
    def of(cls, row: Record) -> ActivityEvent:
        return cls(
            row["epoch"], row["activity"]["seq"], tuple(row["scopeIds"]), row["teamScoped"], row["activity"]
        )


# The feeds an activity belongs to (a bound), and whether any is a team.
_EVENT_SCOPE: LiteralString = (
    "[(a)-[:IN_SCOPE]->(s) | s.id] AS scopeIds, EXISTS { (a)-[:IN_SCOPE]->(:ProjectTeam) } AS teamScoped"
)


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)


# Records one Activity at the end of the statement that makes the change: one round trip for
# both. `$activity` (from `recorded`) names it; the statement binds what it read: the summary
# (`activitySummary`), the ids of the other feeds that show it (`activityScope`; the target's own
# is added) and the entity before and after (`activityBefore`, `activityAfter`: maps, written
# here as JSON text by graph/json_text.py, or that text already). Once per row: the statements
# have one.
RECORD: Final[LiteralString] = (
    """
CALL (activitySummary, activityScope, activityBefore, activityAfter) {
  WITH activitySummary, activityScope,
       [activityValue IN [activityBefore, activityAfter] |
        CASE WHEN activityValue IS :: STRING THEN activityValue ELSE """
    + json_of("activityValue")
    + """ END] AS activityJson
  CREATE (a:Activity:Entity:Unsequenced {id: $activity.id, at: datetime(), verb: $activity.verb,
          targetId: $activity.targetId, summary: activitySummary, before: activityJson[0],
          after: activityJson[1], actorId: $activity.actorId})
  WITH a, activityScope
  OPTIONAL MATCH (actor:Person {id: $activity.actorId})
  FOREACH (_ IN CASE WHEN actor IS NULL THEN [] ELSE [1] END | CREATE (a)-[:BY]->(actor))
  WITH a, activityScope
  CALL (a, activityScope) {
    UNWIND [$activity.targetId] + activityScope AS scopeId
    WITH DISTINCT scopeId
    MATCH (s:Entity {id: scopeId})
    CREATE (a)-[:IN_SCOPE]->(s)
  }
}
"""
)


def recorded(*, verb: str, actor_id: str | None, target_id: str) -> Record:
    """The `$activity` parameter of a statement ending in RECORD: one Activity by `actor_id` about
    `target_id`, numbered once the transaction has committed (`number_recorded`)."""
    after_commit(number_recorded)
    return {"id": new_id("Activity"), "verb": verb, "targetId": target_id, "actorId": actor_id}


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
    """Record one Activity in a statement of its own, linked to every entity whose feed should
    show it; returns what it stored."""
    activity = recorded(verb=verb, actor_id=actor_id, target_id=target_id)
    stored = {
        **activity,
        "summary": summary,
        "scopeIds": list(dict.fromkeys([target_id, *(scope_ids or [])])),
        "before": _json(before),
        "after": _json(after),
    }
    await run(
        tx,
        "WITH $stored.summary AS activitySummary, $stored.scopeIds AS activityScope,"
        " $stored.before AS activityBefore, $stored.after AS activityAfter" + RECORD,
        activity=activity,
        stored=stored,
    )
    return stored


NUMBER_BATCH: Final = 1_000

log = structlog.get_logger(__name__)


async def number_pending(graph: Graph) -> list[ActivityEvent]:
    """Number every committed activity not numbered yet, oldest first; the events, in seq order.

    The counter's lock is taken first (a SET that reads the value it writes locks before reading),
    so the `:Unsequenced` activities are read after any other numbering has committed: none is
    numbered twice, none skipped."""
    events: list[ActivityEvent] = []
    while True:
        rows = await graph.write_once(
            """
            MERGE (c:Counter {name: 'activity'})
              ON CREATE SET c.value = 0
            SET c.value = c.value + 0, c.epoch = coalesce(c.epoch, randomUUID())
            WITH c
            CALL (c) {
              MATCH (a:Unsequenced)
              WITH a ORDER BY a.at, a.id LIMIT $batch
              RETURN collect(a) AS pending
            }
            WITH c, pending, c.value AS base
            SET c.value = base + size(pending)
            WITH c, pending, base
            UNWIND range(0, size(pending) - 1) AS k
            WITH c, pending[k] AS a, base + k + 1 AS seq
            SET a.seq = seq
            REMOVE a:Unsequenced
            RETURN a {.*} AS activity, c.epoch AS epoch, """
            + _EVENT_SCOPE,
            batch=NUMBER_BATCH,
        )
        events.extend(sorted((ActivityEvent.of(r) for r in rows), key=lambda e: e.seq))
        if len(rows) < NUMBER_BATCH:
            return events


class _Run:
    """One numbering statement and the writers it serves: whoever committed before it started."""

    __slots__ = ("events", "task")

    def __init__(self) -> None:
        self.events: list[ActivityEvent] = []
        self.task: asyncio.Task[None] | None = None


class _Numbering:
    """Per Graph: the numbering run in flight and the one writers join while it runs.

    Each `number_pending` takes the counter's lock, so N writers committing together used to make
    N statements queue on it. A run in flight may have read the `:Unsequenced` activities before a
    writer's commit, so that writer joins the next run instead, which starts once the one in
    flight has ended; everyone who joins before it starts shares it. The run is a task of its own,
    so a follower cancelled (its event loop closing) cannot strand the others."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.next: _Run | None = None

    async def join(self, graph: Graph) -> list[ActivityEvent]:
        run = self.next
        if run is None:
            run = self.next = _Run()
            run.task = asyncio.create_task(self._start(graph, run))
        assert run.task is not None
        await asyncio.shield(run.task)  # a follower cancelled here leaves the run to the others
        events, run.events = run.events, []  # announced once, by the first writer back
        return events

    async def _start(self, graph: Graph, run: _Run) -> None:
        async with self.lock:
            self.next = None  # from here on, a committing writer joins the next run
            try:
                run.events = await number_pending(graph)
            except DatabaseUnavailable:
                log.warning("activity_numbering_failed", retry="numbered by the next write")


_NUMBERING: weakref.WeakKeyDictionary[Graph, _Numbering] = weakref.WeakKeyDictionary()


async def number_recorded(graph: Graph) -> list[ActivityEvent]:
    """After a write that recorded activity: `number_pending`, shared with the writers that
    committed at the same time (`_Numbering`); the events numbered, to the first of them only.
    If Neo4j fails it here, the write has committed all the same; the next numbering (any write,
    any hub) catches its activity up."""
    numbering = _NUMBERING.get(graph)
    if numbering is None:
        numbering = _NUMBERING[graph] = _Numbering()
    return await numbering.join(graph)


# An activity is shown (feeds, pages, the audit log) only once numbered: `seq` is its cursor.
ACTIVITY_NUMBERED: LiteralString = "a.seq IS NOT NULL"


def activity_visible(a: LiteralString) -> LiteralString:
    """Numbered, and not about a team the viewer may not see (hidden with the team)."""
    return (
        a
        + ".seq IS NOT NULL AND NOT EXISTS { MATCH ("
        + a
        + ")-[:IN_SCOPE]->(scopeTeam:ProjectTeam) WHERE NOT "
        + team_visible("scopeTeam")
        + " }"
    )


# The rule for an activity bound to `a`, for the replay's own Cypher.
ACTIVITY_VISIBLE: LiteralString = activity_visible("a")

JSON_TEXT = InPython(
    "Activity.before, Activity.after",
    "stored as JSON text, written in the change's own statement (graph/json_text.py); Cypher "
    "cannot parse JSON without APOC, which a managed Neo4j may not have",
    lambda text: json.loads(text) if text else None,
)

ACTIVITY = entity(
    "Activity",
    {
        "actor": Reach("MATCH ({actor}:Person {id: {n}.actorId})", "Person", "actor", many=False),
        "before": Value("{n}.before", python=JSON_TEXT),
        "after": Value("{n}.after", python=JSON_TEXT),
    },
    visible=activity_visible,
)

_NEWEST: Final = Order("NEWEST", (Key("{node}.seq", "number", descending=True),))


def _activities_page(asked: Asked) -> Page:
    """`activities(scopeId, verb, first, after)`: newest first; `scopeId` keeps one entity's feed."""
    scope_id, verb = asked.args.get("scopeId"), asked.args.get("verb")
    match: LiteralString = (
        "MATCH ({node}:Activity)-[:IN_SCOPE]->(:Entity {id: $scopeId})"
        if scope_id is not None
        else "MATCH ({node}:Activity)"
    )
    where: tuple[LiteralString, ...] = ("{node}.verb = $verb",) if verb is not None else ()
    return pagination.page(asked, match, _NEWEST, where=where, params={"scopeId": scope_id, "verb": verb})


# `liveCursor` of a page of activity (newest first): where a subscription starts so that nothing
# committed after the page was read is missed. It is the page's newest seq (or, for an empty
# page, the oldest kept position), not the counter's value: Neo4j reads committed data, so a
# counter read in the same statement may already count an activity the page's scan did not see.
# An activity committed after the scan, numbered or not yet, gets a higher seq, and is replayed.
LIVE_CURSOR: Final = Value(
    "head(COLLECT { MATCH ({c}:Counter {name: 'activity'}) WHERE {c}.epoch IS NOT NULL"
    " RETURN {c}.epoch + ':' + toString(reduce({m} = coalesce({c}.prunedThrough, 0), {k} IN {page} |"
    " CASE WHEN {k}[0] > {m} THEN {k}[0] ELSE {m} END)) })"
)

ACTIVITIES = Connection("Activity", _activities_page, {"liveCursor": LIVE_CURSOR})


# --- Live replay -------------------------------------------------------------------------------
# A cursor is "<epoch>:<seq>". The epoch is the activity counter's identity: a wiped or replaced
# database starts a new one, so an old cursor asks for a resync instead of replaying wrong events.

REPLAY_BATCH = 500


def encode_cursor(epoch: str, seq: int) -> str:
    return f"{epoch}:{seq}"


def decode_cursor(cursor: str, field: str = "after") -> tuple[str, int]:
    epoch, sep, seq = cursor.rpartition(":")
    if not sep or not epoch or not seq.isdigit() or len(cursor) > 100:
        raise InvalidInput.one(field, "is not a cursor this hub issued")
    return epoch, int(seq)


@dataclass(frozen=True)
class Head:
    epoch: str | None
    seq: int  # the newest committed activity (0: none yet)
    pruned_through: int  # activities up to this seq were pruned by the retention policy


async def head(graph: Graph) -> Head:
    await graph.settled()  # counting this process's writes
    rows = await graph.read(
        "OPTIONAL MATCH (c:Counter {name: 'activity'}) "
        "RETURN c.epoch AS epoch, coalesce(c.value, 0) AS seq, coalesce(c.prunedThrough, 0) AS pruned"
    )
    return Head(rows[0]["epoch"], rows[0]["seq"], rows[0]["pruned"])


async def check_cursor(graph: Graph, cursor: str, field: str = "after") -> int:
    """The seq a subscriber resumes after, or ResyncRequired when replay could leave a gap."""
    epoch, seq = decode_cursor(cursor, field)
    now = await head(graph)
    if epoch != now.epoch:
        raise ResyncRequired(f"{field}: the cursor belongs to another activity history; resync required")
    if seq < now.pruned_through:
        raise ResyncRequired(
            f"{field}: activities after this cursor are no longer kept "
            f"(oldest kept follows {now.pruned_through}); resync required"
        )
    if seq > now.seq:
        raise ResyncRequired(f"{field}: the cursor is ahead of this hub's history; resync required")
    return seq


async def replay(
    graph: Graph, viewer: Viewer, *, after_seq: int, scope_id: str | None, limit: int = REPLAY_BATCH
) -> list[ActivityEvent]:
    """Up to `limit` activities after `after_seq` in commit order, those in `scope_id`'s feed
    (all when None), visible to `viewer`."""
    await graph.settled()
    rows = await graph.read(
        """
        CALL () {
          MATCH (a:Activity) WHERE $scopeId IS NULL AND a.seq > $after
          RETURN a
          UNION
          MATCH (a:Activity)-[:IN_SCOPE]->(:Entity {id: $scopeId}) WHERE a.seq > $after
          RETURN a
        }
        WITH a WHERE """
        + ACTIVITY_VISIBLE
        + """
        WITH a ORDER BY a.seq LIMIT $limit
        OPTIONAL MATCH (c:Counter {name: 'activity'})
        RETURN a {.*} AS activity, c.epoch AS epoch, """
        + _EVENT_SCOPE,
        scopeId=scope_id,
        after=after_seq,
        limit=limit,
        **viewer.params(),
    )
    return [ActivityEvent.of(r) for r in rows]


async def between(graph: Graph, after_seq: int, before_seq: int | None) -> list[ActivityEvent]:
    """Every activity with after_seq < seq < before_seq (no viewer filter): fills a gap in the
    live stream that a lost or late broker message left."""
    await graph.settled()
    rows = await graph.read(
        """
        MATCH (a:Activity) WHERE a.seq > $after AND ($before IS NULL OR a.seq < $before)
        WITH a ORDER BY a.seq LIMIT $limit
        OPTIONAL MATCH (c:Counter {name: 'activity'})
        RETURN a {.*} AS activity, c.epoch AS epoch, """
        + _EVENT_SCOPE,
        after=after_seq,
        before=before_seq,
        limit=REPLAY_BATCH * 4,
    )
    return [ActivityEvent.of(r) for r in rows]


async def visible_seqs(graph: Graph, seqs: list[int], viewer: Viewer) -> set[int]:
    """Which of these activities `viewer` may see (the team rule, in Cypher)."""
    rows = await graph.read(
        "UNWIND $seqs AS seq MATCH (a:Activity {seq: seq}) WHERE "
        + ACTIVITY_VISIBLE
        + " RETURN a.seq AS seq",
        seqs=seqs,
        **viewer.params(),
    )
    return {r["seq"] for r in rows}


async def prune(graph: Graph, older_than: datetime, batch: int = 10_000) -> int:
    """Delete activities recorded before `older_than` (the retention policy); remember the newest
    pruned seq so a cursor from before it gets RESYNC_REQUIRED instead of a silent gap."""
    deleted = 0
    while True:

        async def work(tx: Tx) -> int:
            rows = await run(
                tx,
                """
                MATCH (a:Activity) WHERE a.at < $cutoff
                WITH a ORDER BY a.seq LIMIT $batch
                WITH collect(a) AS old
                WITH old, reduce(m = 0, a IN old | CASE WHEN a.seq > m THEN a.seq ELSE m END) AS newest
                FOREACH (a IN old | DETACH DELETE a)
                WITH size(old) AS n, newest
                OPTIONAL MATCH (c:Counter {name: 'activity'})
                FOREACH (_ IN CASE WHEN c IS NULL OR n = 0 THEN [] ELSE [1] END |
                  SET c.prunedThrough = CASE WHEN coalesce(c.prunedThrough, 0) > newest
                                             THEN c.prunedThrough ELSE newest END)
                RETURN n
                """,
                cutoff=older_than,
                batch=batch,
            )
            return int(rows[0]["n"])

        n = await graph.write(work)
        deleted += n
        if n < batch:
            return deleted
