"""The outbox: e-mail notifications, written in the same statement or transaction as their event.

    (:Outbox {id, key, notice, recipientId, subjectId, teamId, actorId, on, createdAt, status,
              attempts, nextAttemptAt, claimedBy, claimedUntil, sentAt, messageId, lastError})
      -[:TO]->(:Person)
    (:Outbox {notice: 'DIGEST'})-[:GATHERS]->(:Outbox)

An item names what happened by ids only (the subject, its team, who did it); the message is
written when it is sent, from the names of that moment, in the recipient's language, and only
if the event still stands (an invitation still open, a task still theirs). `key` makes each
item once: an event's items are keyed by its Activity and recipient, a reminder's by its subject,
date and recipient, a digest's by its recipient and day.

    PENDING ─▶ SENT                 the server accepted it (marked only then)
            ─▶ WAITING ─▶ GATHERED  the recipient wants it in the daily digest, which gathered it
            ─▶ SKIPPED              the recipient wants no such mail, or the event no longer stands
            ─▶ FAILED               refused for good by the server, or too many attempts

A delivery worker first claims items (`claimedBy`, `claimedUntil`), so two workers never send
one item at the same time; a worker that dies leaves its claim to expire. An item is marked SENT
only after the server accepted it: a worker killed between the two sends it again later, with the
same Message-ID (derived from `id`), which mail systems use to drop the duplicate.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, LiteralString

from graph.driver import Tx, run


class Notice(StrEnum):
    """What a message tells its recipient."""

    INVITATION = "INVITATION"  # to the invitee
    INVITATION_EXPIRING = "INVITATION_EXPIRING"  # to the invitee, days before it expires
    INVITATION_EXPIRED = "INVITATION_EXPIRED"  # to whoever invited, once it expired unanswered
    CONSENT_REQUEST = "CONSENT_REQUEST"  # to the managers of an invitee's institution
    MENTION = "MENTION"  # to a person mentioned in a post
    TASK_ASSIGNED = "TASK_ASSIGNED"  # to the assignee
    MANDATE_ENDING = "MANDATE_ENDING"  # to a team's members, days before its end date
    REPORTING_DEADLINE = "REPORTING_DEADLINE"  # to a team's lead, days before a reporting deadline
    DIGEST = "DIGEST"  # a day's WAITING items, to one person


class Status(StrEnum):
    PENDING = "PENDING"
    WAITING = "WAITING"
    GATHERED = "GATHERED"
    SENT = "SENT"
    SKIPPED = "SKIPPED"
    FAILED = "FAILED"


# An item for each of `notifyRecipients` (person ids), about `notifySubject` of team
# `notifyTeam`, telling `notifyNotice`: appended to a statement that records an Activity
# (`$activity`, graph/activity.py), whose id keys the items. Nobody is told of their own act, and
# an archived or erased person is told nothing.
NOTIFY: Final[LiteralString] = """
CALL (notifyNotice, notifyRecipients, notifySubject, notifyTeam) {
  UNWIND notifyRecipients AS notifyRecipient
  WITH DISTINCT notifyNotice, notifySubject, notifyTeam, notifyRecipient
  MATCH (recipient:Person {id: notifyRecipient})
  WHERE recipient.erasedAt IS NULL AND recipient.archivedAt IS NULL
    AND recipient.id <> coalesce($activity.actorId, '')
  MERGE (o:Outbox {key: $activity.id + ':' + notifyNotice + ':' + recipient.id})
    ON CREATE SET o.id = 'mail_' + replace(randomUUID(), '-', ''), o.notice = notifyNotice,
                  o.recipientId = recipient.id, o.subjectId = notifySubject, o.teamId = notifyTeam,
                  o.actorId = $activity.actorId, o.createdAt = datetime(), o.status = 'PENDING',
                  o.attempts = 0, o.nextAttemptAt = datetime()
  MERGE (o)-[:TO]->(recipient)
}
"""

# Whether person `recipient` may see team `t` (graph/access.py's rule, for another person than
# the viewer): a mention in a restricted team's post reaches only those who may read it.
SEES_TEAM: Final[LiteralString] = (
    "(t.visibility <> 'RESTRICTED' OR EXISTS { (recipient)-[:MEMBER_OF]->(t) }"
    " OR 'ADMIN' IN coalesce(recipient.roles, []))"
)


async def enqueue(
    tx: Tx,
    *,
    notice: Notice,
    recipient_ids: list[str],
    subject_id: str,
    team_id: str | None,
    event_id: str,
    actor_id: str | None,
) -> None:
    """NOTIFY as a statement of its own in `tx`, for writes made of several statements; the
    event's id (`event_id`, unique to it) keys the items."""
    await run(
        tx,
        "WITH $notice AS notifyNotice, $recipients AS notifyRecipients, $subject AS notifySubject,"
        " $team AS notifyTeam" + NOTIFY,
        notice=notice.value,
        recipients=recipient_ids,
        subject=subject_id,
        team=team_id,
        activity={"id": event_id, "actorId": actor_id},
    )


# --- Personal data ----------------------------------------------------------------------------


# Everything the outbox holds for person `$id`, for their data export.
OF_PERSON: Final[LiteralString] = """
COLLECT { MATCH (o:Outbox {recipientId: $id})
          RETURN o {.id, .notice, .status, .subjectId, .teamId, .actorId, .on, .createdAt, .sentAt,
                    .attempts, .lastError} AS o ORDER BY o.createdAt }
"""


async def erase_person(tx: Tx, person_id: str) -> None:
    """Delete every item addressed to the person: nothing more is sent to them."""
    await run(tx, "MATCH (o:Outbox {recipientId: $id}) DETACH DELETE o", id=person_id)
