"""The outbox's delivery side, run by the timed jobs (hub/jobs/): reminders made when due,
items claimed, read and settled by the delivery worker, the daily digest gathered, old items pruned.
The states and the claim are described in graph/outbox.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Final, LiteralString

from graph import invitations
from graph.driver import Graph, Record
from graph.outbox import SEES_TEAM, Notice, Status

# --- Reminders: timed, each once per subject, date and recipient --------------------------------

# A reminder item for person `p` keyed `reminderKey`, about `reminderSubject` (team `t`), on
# `reminderOn` (a date), unless one with that key exists; returns how many were made.
_REMIND: Final[LiteralString] = """
WITH p, t, reminderSubject, reminderOn, reminderKey
WHERE p.erasedAt IS NULL AND p.archivedAt IS NULL AND NOT EXISTS { MATCH (:Outbox {key: reminderKey}) }
CREATE (o:Outbox {id: 'mail_' + replace(randomUUID(), '-', ''), key: reminderKey, notice: $notice,
                  recipientId: p.id, subjectId: reminderSubject, teamId: t.id, on: reminderOn,
                  createdAt: datetime(), status: 'PENDING', attempts: 0, nextAttemptAt: datetime()})
CREATE (o)-[:TO]->(p)
RETURN count(o) AS made
"""

_MANDATE_ENDING: Final[LiteralString] = (
    """
MATCH (t:ProjectTeam) WHERE t.endDate >= $today AND t.endDate <= $horizon
  AND t.status <> 'CLOSED' AND t.archivedAt IS NULL
MATCH (p:Person)-[:MEMBER_OF]->(t)
WITH p, t, t.id AS reminderSubject, t.endDate AS reminderOn,
     $notice + ':' + t.id + ':' + toString(t.endDate) + ':' + p.id AS reminderKey"""
    + _REMIND
)

_REPORTING_DEADLINE: Final[LiteralString] = (
    """
MATCH (t:ProjectTeam) WHERE t.status <> 'CLOSED' AND t.archivedAt IS NULL
  AND any(d IN coalesce(t.reportingDeadlines, []) WHERE d >= $today AND d <= $horizon)
UNWIND [d IN t.reportingDeadlines WHERE d >= $today AND d <= $horizon] AS due
MATCH (p:Person)-[:MEMBER_OF {role: 'LEAD'}]->(t)
WITH p, t, t.id AS reminderSubject, due AS reminderOn,
     $notice + ':' + t.id + ':' + toString(due) + ':' + p.id AS reminderKey"""
    + _REMIND
)

_INVITATION_EXPIRING: Final[LiteralString] = (
    """
MATCH (v:Invitation {status: 'PENDING'})
WHERE v.expiresAt > datetime() AND v.expiresAt <= datetime() + duration({days: $days})
MATCH (v)-[:INVITES]->(p:Person), (v)-[:TO_JOIN]->(t:ProjectTeam)
WITH p, t, v.id AS reminderSubject, date(v.expiresAt) AS reminderOn,
     $notice + ':' + v.id + ':' + p.id AS reminderKey"""
    + _REMIND
)

# Told to whoever sent it, else the team's lead; only for invitations that expired in the last
# week (older ones expired before this job existed, or were told already).
_INVITATION_EXPIRED: Final[LiteralString] = (
    """
MATCH (v:Invitation {status: 'PENDING'})
WHERE v.expiresAt <= datetime() AND v.expiresAt > datetime() - duration({days: 7})
MATCH (v)-[:TO_JOIN]->(t:ProjectTeam)
WITH v, t, COLLECT { MATCH (v)-[:SENT_BY]->(s:Person) RETURN s } AS senders
UNWIND CASE WHEN size(senders) > 0 THEN senders
            ELSE COLLECT { MATCH (l:Person)-[:MEMBER_OF {role: 'LEAD'}]->(t) RETURN l } END AS p
WITH p, t, v.id AS reminderSubject, date(v.expiresAt) AS reminderOn,
     $notice + ':' + v.id + ':' + p.id AS reminderKey"""
    + _REMIND
)


async def enqueue_reminders(
    graph: Graph, *, today: date, mandate_days: int, deadline_days: int, invitation_days: int
) -> dict[Notice, int]:
    """Make the reminders due by `today` (Europe/Riga) that are not made yet: mandates ending and
    reporting deadlines within their notice days, invitations expiring within theirs, invitations
    that expired unanswered. Safe to run any number of times: each is made once."""
    made: dict[Notice, int] = {}
    for notice, statement, params in (
        (Notice.MANDATE_ENDING, _MANDATE_ENDING, {"horizon": _days_after(today, mandate_days)}),
        (Notice.REPORTING_DEADLINE, _REPORTING_DEADLINE, {"horizon": _days_after(today, deadline_days)}),
        (Notice.INVITATION_EXPIRING, _INVITATION_EXPIRING, {"days": invitation_days}),
        (Notice.INVITATION_EXPIRED, _INVITATION_EXPIRED, {}),
    ):
        rows = await graph.write_once(statement, notice=notice.value, today=today, **params)
        made[notice] = int(rows[0]["made"]) if rows else 0
    return made


def _days_after(day: date, days: int) -> date:
    return date.fromordinal(day.toordinal() + days)


# --- Delivery ------------------------------------------------------------------------------------

# Claims up to $batch items due for delivery for worker $worker until $claimS from now. Each
# item's write lock is taken (the SET) before its status and claim are read again, so an item
# another worker claimed in the meantime is left to it.
_CLAIM: Final[LiteralString] = """
MATCH (o:Outbox {status: 'PENDING'})
WHERE o.nextAttemptAt <= datetime() AND (o.claimedUntil IS NULL OR o.claimedUntil <= datetime())
WITH o ORDER BY o.nextAttemptAt, o.createdAt LIMIT $batch
SET o.lockedAt = datetime()
WITH o WHERE o.status = 'PENDING' AND (o.claimedUntil IS NULL OR o.claimedUntil <= datetime())
SET o.claimedBy = $worker, o.claimedUntil = datetime() + duration({seconds: $claimS})
RETURN o.id AS id
"""


async def claim(graph: Graph, worker: str, *, batch: int, claim_s: int) -> list[str]:
    """Claim items due for delivery; the ids claimed, oldest due first."""
    rows = await graph.write_once(_CLAIM, worker=worker, batch=batch, claimS=claim_s)
    return [r["id"] for r in rows]


# What a message is written from: the item, its recipient (with their language and
# preferences), its team, who acted, and its subject as it stands now.
_VIEWS: Final[LiteralString] = (
    """
UNWIND $ids AS id
MATCH (o:Outbox {id: id})
OPTIONAL MATCH (recipient:Person {id: o.recipientId})
OPTIONAL MATCH (t:ProjectTeam {id: o.teamId})
OPTIONAL MATCH (v:Invitation {id: o.subjectId})
OPTIONAL MATCH (post:Post {id: o.subjectId})
OPTIONAL MATCH (task:Task {id: o.subjectId})
RETURN o {.*} AS item,
       recipient {.*} AS recipient,
       t {.id, .name, .status, .visibility, .endDate, .reportingDeadlines, .archivedAt} AS team,
       t IS NULL OR recipient IS NULL OR """
    + SEES_TEAM
    + """ AS seesTeam,
       head(COLLECT { MATCH (actor:Person {id: o.actorId}) RETURN actor.name }) AS actorName,
       CASE WHEN v IS NOT NULL THEN v {.role, .allocation, .expiresAt, status: """
    + invitations.STATUS
    + """,
              invitee: head(COLLECT { MATCH (v)-[:INVITES]->(p:Person) RETURN p.name })}
            WHEN post IS NOT NULL THEN {body: post.body}
            WHEN task IS NOT NULL THEN task {.title, .dueDate, .status,
              assigneeId: head(COLLECT { MATCH (task)-[:ASSIGNED_TO]->(a:Person) RETURN a.id })}
       END AS subject,
       COLLECT { MATCH (o)-[:GATHERS]->(i:Outbox) RETURN i.id ORDER BY i.createdAt } AS gathered
"""
)


async def views(graph: Graph, ids: list[str]) -> list[Record]:
    """For each item, what its message is written from (see `_VIEWS`), in the order of `ids`."""
    rows = await graph.read(_VIEWS, ids=ids)
    by_id = {r["item"]["id"]: r for r in rows}
    return [by_id[i] for i in ids if i in by_id]


async def settle(
    graph: Graph,
    id: str,
    worker: str,
    status: Status,
    *,
    tries: int = 0,
    error: str | None = None,
    message_id: str | None = None,
    retry_at: datetime | None = None,
) -> bool:
    """End `worker`'s claim on item `id`: `status` (PENDING with `retry_at` to try again then),
    counting `tries` delivery attempts. False when the claim was no longer the worker's (it
    expired and another worker took the item): nothing is changed then."""
    rows = await graph.write_once(
        """
        MATCH (o:Outbox {id: $id})
        SET o.lockedAt = datetime()
        WITH o WHERE o.claimedBy = $worker
        SET o.status = $status, o.attempts = coalesce(o.attempts, 0) + $tries,
            o.lastError = coalesce($error, o.lastError), o.claimedBy = null, o.claimedUntil = null,
            o.sentAt = CASE WHEN $status = 'SENT' THEN datetime() ELSE o.sentAt END,
            o.messageId = coalesce($messageId, o.messageId),
            o.nextAttemptAt = coalesce($retryAt, o.nextAttemptAt)
        RETURN o.id AS id
        """,
        id=id,
        worker=worker,
        status=status.value,
        tries=tries,
        error=error,
        messageId=message_id,
        retryAt=retry_at,
    )
    return bool(rows)


# --- The daily digest ----------------------------------------------------------------------------

_GATHER: Final[LiteralString] = """
MATCH (i:Outbox {status: 'WAITING'})
WITH i.recipientId AS recipientId, collect(i) AS items
MATCH (p:Person {id: recipientId})
MERGE (d:Outbox {key: 'DIGEST:' + recipientId + ':' + toString($day)})
  ON CREATE SET d.id = 'mail_' + replace(randomUUID(), '-', ''), d.notice = 'DIGEST',
                d.recipientId = recipientId, d.on = $day, d.createdAt = datetime(), d.status = 'PENDING',
                d.attempts = 0, d.nextAttemptAt = datetime()
MERGE (d)-[:TO]->(p)
WITH d, items WHERE d.status = 'PENDING' AND d.claimedBy IS NULL
FOREACH (i IN items | SET i.status = 'GATHERED', i.digestId = d.id MERGE (d)-[:GATHERS]->(i))
RETURN count(d) AS digests, sum(size(items)) AS items
"""


async def gather_digests(graph: Graph, day: date) -> Record:
    """Gather every WAITING item into one DIGEST item per recipient for `day` (Europe/Riga):
    `{digests, items}`. Once per person and day: run again, it adds to that day's digest only
    while it is not being sent or sent; later items wait for the next day's."""
    rows = await graph.write_once(_GATHER, day=day)
    return {"digests": rows[0]["digests"] if rows else 0, "items": (rows[0]["items"] or 0) if rows else 0}


# --- Retention ----------------------------------------------------------------------------------


async def prune(graph: Graph, older_than: datetime, batch: int = 10_000) -> int:
    """Delete items settled (sent, gathered, skipped, failed) before `older_than`."""
    deleted = 0
    while True:
        rows = await graph.write_once(
            """
            MATCH (o:Outbox) WHERE o.status IN ['SENT', 'GATHERED', 'SKIPPED', 'FAILED']
              AND o.createdAt < $cutoff
              AND NOT EXISTS { (o)<-[:GATHERS]-(d:Outbox) WHERE d.status IN ['PENDING', 'WAITING'] }
            WITH o LIMIT $batch
            DETACH DELETE o
            RETURN count(*) AS n
            """,
            cutoff=older_than,
            batch=batch,
        )
        n = int(rows[0]["n"])
        deleted += n
        if n < batch:
            return deleted
