"""The delivery worker: the outbox's due items become e-mail, each sent at most once at a time.

Each round claims a batch (graph/outbox_jobs.py), reads what the messages are written from, and
settles every item: SKIPPED when its event no longer stands or its recipient wants no such mail,
WAITING when they want it in the digest, SENT once the server accepted it. A send the server
refuses for now is tried again at once a few times (tenacity), then left PENDING for a later round
after a back-off that doubles with each failed round; refused for good, or after
HUB_OUTBOX_MAX_ATTEMPTS tries, it is FAILED. "SENT" is written after the server's acceptance, so a
process killed between the two sends the message once more, under the same Message-ID.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Final

import structlog
import tenacity

from graph import outbox_jobs
from graph.driver import Record
from graph.notification_settings import KIND_OF, Delivery, delivery_of
from graph.outbox import Notice, Status
from hub.jobs.runner import NOTHING_DUE, JobContext
from hub.jobs.schedule import RIGA
from hub.mail import messages
from hub.mail.smtp import DeliveryFailed, Mailer

log = structlog.get_logger(__name__)

BATCH: Final = 50
TRIES_PER_ROUND: Final = 3


def claim_seconds(ctx: JobContext) -> int:
    """How long a claim lasts: longer than a round's tries can take, so it never expires while
    its worker is still sending."""
    return int(TRIES_PER_ROUND * (ctx.settings.smtp_timeout_s + 2) * 2) + 10


def retry_at(attempts: int, base_s: float) -> datetime:
    """When to try again after `attempts` failed tries: the base doubled per round, at most a day."""
    rounds = max(1, attempts // TRIES_PER_ROUND)
    return datetime.now(UTC) + timedelta(seconds=min(86_400.0, base_s * 2 ** (rounds - 1)))


async def deliver(ctx: JobContext) -> str:
    """Deliver every item due now; a summary of what became of them."""
    if ctx.settings.smtp_endpoint is None:
        return "e-mail delivery is off"
    mailer = Mailer(ctx.settings)
    outcomes: Counter[str] = Counter()
    while True:
        ids = await outbox_jobs.claim(ctx.graph, ctx.worker, batch=BATCH, claim_s=claim_seconds(ctx))
        for view in await outbox_jobs.views(ctx.graph, ids):
            outcomes[await _deliver_one(ctx, mailer, view)] += 1
        if len(ids) < BATCH:
            break
    return ", ".join(f"{n} {status.lower()}" for status, n in sorted(outcomes.items())) or NOTHING_DUE


async def _deliver_one(ctx: JobContext, mailer: Mailer, view: Record) -> str:
    item = view["item"]
    message = await _message(ctx, view)
    if isinstance(message, Status):
        await outbox_jobs.settle(ctx.graph, item["id"], ctx.worker, message)
        return message.value
    return await _send(ctx, mailer, item, message)


async def _message(ctx: JobContext, view: Record) -> EmailMessage | Status:
    """The message to send for the item, or the status it settles in without one."""
    today = datetime.now(RIGA).date()
    sender, public_url = ctx.settings.mail_from, ctx.settings.effective_public_url
    notice = Notice(view["item"]["notice"])
    if notice is Notice.DIGEST:
        gathered = [v for v in await outbox_jobs.views(ctx.graph, view["gathered"]) if messages.stands(v)]
        if not gathered or view["recipient"] is None or not view["recipient"].get("email"):
            return Status.SKIPPED
        return messages.digest(view, gathered, sender=sender, public_url=public_url, today=today)
    if not messages.stands(view):
        return Status.SKIPPED
    delivery = delivery_of(view["recipient"], KIND_OF[notice])
    if delivery is Delivery.NEVER:
        return Status.SKIPPED
    if delivery is Delivery.DIGEST:
        return Status.WAITING
    return messages.single(view, sender=sender, public_url=public_url, today=today)


async def _send(ctx: JobContext, mailer: Mailer, item: Record, message: EmailMessage) -> str:
    tries = 0
    try:
        async for attempt in tenacity.AsyncRetrying(
            retry=tenacity.retry_if_exception(lambda e: isinstance(e, DeliveryFailed) and not e.permanent),
            stop=tenacity.stop_after_attempt(TRIES_PER_ROUND),
            wait=tenacity.wait_exponential(multiplier=0.5, max=4),
            reraise=True,
        ):
            with attempt:
                tries += 1
                await mailer.send(message)
    except DeliveryFailed as exc:
        attempts = (item.get("attempts") or 0) + tries
        gave_up = exc.permanent or attempts >= ctx.settings.outbox_max_attempts
        log.warning("notification_not_delivered", item=item["id"], error=str(exc), gave_up=gave_up)
        await outbox_jobs.settle(
            ctx.graph,
            item["id"],
            ctx.worker,
            Status.FAILED if gave_up else Status.PENDING,
            tries=tries,
            error=str(exc),
            retry_at=None if gave_up else retry_at(attempts, ctx.settings.outbox_retry_base_s),
        )
        return "failed" if gave_up else "retrying"
    # Accepted: marked SENT even if the job is being cancelled now (a lost lease), so it is not
    # sent again.
    await asyncio.shield(
        outbox_jobs.settle(
            ctx.graph, item["id"], ctx.worker, Status.SENT, tries=tries, message_id=message["Message-ID"]
        )
    )
    return "sent"
