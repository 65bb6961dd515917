"""Every timed job, with its schedule: the one place that says what runs when.

In a round, jobs run in this order, so that reminders and the digest made in it are delivered in
it too. Each is safe to run twice: reminders and digests are keyed (made once), delivery claims
each item, pruning deletes what is old either way.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from graph import activity, outbox_jobs
from hub.config import Settings
from hub.jobs.delivery import deliver
from hub.jobs.runner import Job, JobContext
from hub.jobs.schedule import RIGA, DailyAt, Every


async def remind(ctx: JobContext) -> str:
    made = await outbox_jobs.enqueue_reminders(
        ctx.graph,
        today=datetime.now(RIGA).date(),
        mandate_days=ctx.settings.mandate_notice_days,
        deadline_days=ctx.settings.deadline_notice_days,
        invitation_days=ctx.settings.invitation_notice_days,
    )
    return ", ".join(f"{n} {notice.lower()}" for notice, n in made.items())


async def gather_digest(ctx: JobContext) -> str:
    gathered = await outbox_jobs.gather_digests(ctx.graph, datetime.now(RIGA).date())
    return f"{gathered['items']} items in {gathered['digests']} digests"


async def prune_activity(ctx: JobContext) -> str:
    cutoff = datetime.now(UTC) - timedelta(days=ctx.settings.activity_retention_days)
    return f"{await activity.prune(ctx.graph, cutoff)} activities before {cutoff:%Y-%m-%d} deleted"


async def prune_outbox(ctx: JobContext) -> str:
    cutoff = datetime.now(UTC) - timedelta(days=ctx.settings.outbox_retention_days)
    return (
        f"{await outbox_jobs.prune(ctx.graph, cutoff)} settled notifications before {cutoff:%Y-%m-%d} deleted"
    )


def jobs(settings: Settings) -> tuple[Job, ...]:
    return (
        Job(
            "notification-reminders",
            Every(timedelta(hours=1)),
            remind,
            "mandates ending, reporting deadlines, invitations expiring or expired: reminders made",
        ),
        Job(
            "notification-digest",
            DailyAt(settings.digest_time),
            gather_digest,
            "each person's waiting notifications gathered into one digest message",
        ),
        Job(
            "deliver-notifications",
            Every(timedelta(seconds=settings.outbox_poll_s)),
            deliver,
            "the outbox's due e-mail sent",
        ),
        Job(
            "prune-activity",
            DailyAt(time(3, 17)),
            prune_activity,
            "activities older than HUB_ACTIVITY_RETENTION_DAYS deleted",
        ),
        Job(
            "prune-outbox",
            DailyAt(time(3, 47)),
            prune_outbox,
            "settled notifications older than HUB_OUTBOX_RETENTION_DAYS deleted",
        ),
    )
