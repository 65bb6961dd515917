"""The job runner: runs the due jobs while it holds the jobs lease in Neo4j (graph/jobs.py).

Every hub process starts one (unless HUB_JOBS_RUNNER=false); they all try to take the lease and
one holds it at a time. The holder renews it every third of its time to live; a renewal that
fails (another runner took an expired lease, or Neo4j could not be reached before the lease would
run out) cancels the work in progress at once, and the runner goes back to trying to take it. A
holder that dies stops renewing, and another runner takes the lease once it has expired.

Jobs run one after another, never two at once in one runner. Each is idempotent: one cut short
by a lost lease, or run again by the next holder, does no harm (the outbox's per-item claims
keep two workers from sending one message, graph/outbox.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import structlog
from neo4j import exceptions as neo4j_errors

from graph import jobs as job_runs
from graph.driver import Graph, Record
from graph.errors import DatabaseUnavailable
from hub.config import Settings
from hub.jobs.schedule import Schedule

T = TypeVar("T")
log = structlog.get_logger(__name__)

# A job's summary when it found no work: logged at debug, since frequent jobs (delivery) would
# otherwise fill a quiet hub's log with the same line.
NOTHING_DUE = "nothing due"

# What a failed lease or job-state statement raises when Neo4j is away or busy.
DATABASE_FAULTS = (DatabaseUnavailable, neo4j_errors.Neo4jError, neo4j_errors.DriverError, OSError)


@dataclass(frozen=True)
class JobContext:
    graph: Graph
    settings: Settings
    worker: str  # the runner's lease holder id: claims made by this run carry it


JobWork = Callable[[JobContext], Awaitable[str]]


@dataclass(frozen=True)
class Job:
    name: str
    schedule: Schedule
    work: JobWork  # returns a one-line summary of what it did
    description: str


def holder_id() -> str:
    """Unique to this runner: host, process and a random part (a restarted process is another)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaseLost(Exception):
    """The work was stopped because the runner no longer holds the lease."""


class JobRunner:
    def __init__(
        self,
        graph: Graph,
        settings: Settings,
        jobs: Sequence[Job],
        *,
        holder: str | None = None,
        tick_s: float = 1.0,
    ) -> None:
        self.graph = graph
        self.settings = settings
        self.jobs = tuple(jobs)
        self.holder = holder or holder_id()
        self.ttl_s = settings.jobs_lease_ttl_s
        self.tick_s = min(tick_s, settings.outbox_poll_s)
        self.runs: dict[str, Record] = {}  # each job's last run, as this holder knows it

    async def run_forever(self) -> None:
        """Take the lease whenever it is free and run the due jobs while holding it. Cancelled
        (the hub shutting down), it gives the lease back so another runner need not wait."""
        try:
            while True:
                if await self._take():
                    log.info("jobs_lease_taken", holder=self.holder)
                    try:
                        await self._hold(self._run_due_forever)
                    except LeaseLost:
                        log.warning("jobs_lease_lost", holder=self.holder)
                # Not in step with the other runners, so they do not all ask at the same moment.
                await asyncio.sleep(self.ttl_s / 3 * random.uniform(0.8, 1.2))  # noqa: S311 - jitter
        finally:
            with contextlib.suppress(*DATABASE_FAULTS, TimeoutError):
                async with asyncio.timeout(2):
                    await job_runs.release_lease(self.graph, job_runs.JOBS_LEASE, self.holder)

    async def run_once(self, force: Sequence[str] = ()) -> list[tuple[str, str, str]] | None:
        """Take the lease, run every due job (and those named in `force`) once, give it back:
        `[(job, outcome, summary)]`, or None when another runner holds the lease."""
        if not await self._take():
            return None
        try:
            return await self._hold(lambda: self.run_due(force))
        finally:
            await job_runs.release_lease(self.graph, job_runs.JOBS_LEASE, self.holder)

    async def _take(self) -> bool:
        try:
            lease = await job_runs.take_lease(self.graph, job_runs.JOBS_LEASE, self.holder, self.ttl_s)
        except DATABASE_FAULTS as exc:
            log.warning("jobs_lease_unavailable", error=str(exc))
            return False
        return bool(lease["free"])

    async def _hold(self, work: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run `work` while renewing the lease; cancel it and raise LeaseLost when a renewal
        fails, or when Neo4j cannot be reached before the lease would expire."""
        valid_until = time.monotonic() + self.ttl_s
        self.runs = await job_runs.last_runs(self.graph)
        task: asyncio.Task[T] = asyncio.create_task(work())
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=self.ttl_s / 3)
                if done:
                    return task.result()
                asked = time.monotonic()
                try:
                    lease = await job_runs.take_lease(
                        self.graph, job_runs.JOBS_LEASE, self.holder, self.ttl_s
                    )
                except DATABASE_FAULTS as exc:
                    # Keep going only while the lease surely has not expired yet.
                    if time.monotonic() < valid_until - self.ttl_s / 3:
                        log.warning("jobs_lease_renewal_failed", error=str(exc))
                        continue
                    raise LeaseLost() from exc
                if not lease["free"]:
                    raise LeaseLost()
                valid_until = asked + self.ttl_s
        finally:
            if not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    async def _run_due_forever(self) -> None:
        while True:
            await self.run_due()
            await asyncio.sleep(self.tick_s)

    async def run_due(self, force: Sequence[str] = ()) -> list[tuple[str, str, str]]:
        """Run each job that is due (or forced), one after another, in the registry's order."""
        unknown = set(force) - {job.name for job in self.jobs}
        if unknown:
            raise ValueError(f"no such job: {', '.join(sorted(unknown))}")
        done = []
        for job in self.jobs:
            if job.name in force or job.schedule.due(self.runs.get(job.name), datetime.now(UTC)):
                done.append(await self._run(job))
        return done

    async def _run(self, job: Job) -> tuple[str, str, str]:
        started = datetime.now(UTC)
        try:
            summary, outcome, error = (
                await job.work(JobContext(self.graph, self.settings, self.holder)),
                "OK",
                None,
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("job_failed", job=job.name)
            summary, outcome, error = "", "FAILED", f"{type(exc).__name__}: {exc}"[:1000]
        previous = self.runs.get(job.name) or {}
        self.runs[job.name] = {
            "name": job.name,
            "lastStartedAt": started,
            "lastSucceededAt": started if outcome == "OK" else previous.get("lastSucceededAt"),
        }
        try:
            await job_runs.record_run(
                self.graph, job.name, started_at=started, outcome=outcome, summary=summary, error=error
            )
        except DATABASE_FAULTS as exc:  # remembered here all the same; the next holder may run it again
            log.warning("job_run_not_recorded", job=job.name, error=str(exc))
        if outcome == "OK" and summary:
            (log.debug if summary == NOTHING_DUE else log.info)("job_ran", job=job.name, summary=summary)
        return job.name, outcome, summary or error or ""
