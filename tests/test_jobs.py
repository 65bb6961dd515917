"""The timed jobs: their schedules, the lease in Neo4j that lets one runner at a time run them,
and a runner that stops its work when it loses the lease."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

import pytest
import structlog
from structlog.testing import capture_logs

from graph import jobs as job_runs
from graph.driver import Graph
from hub.config import Settings
from hub.jobs import registry
from hub.jobs.runner import NOTHING_DUE, Job, JobContext, JobRunner
from hub.jobs.schedule import RIGA, DailyAt, Every

LEASE = job_runs.JOBS_LEASE


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- Schedules -----------------------------------------------------------------------------------


def test_an_interval_job_is_due_when_never_run_and_once_its_interval_has_passed() -> None:
    every = Every(timedelta(minutes=5))
    started = at("2026-03-02T10:00:00+00:00")
    assert every.due(None, started)
    assert not every.due({"lastStartedAt": started}, started + timedelta(minutes=4, seconds=59))
    assert every.due({"lastStartedAt": started}, started + timedelta(minutes=5))


def test_a_daily_job_is_due_once_after_its_riga_time() -> None:
    daily = DailyAt(time(7, 0))
    # 07:00 in Riga is 05:00 UTC in winter (EET) and 04:00 UTC in summer (EEST).
    ran = at("2026-01-15T05:00:10+00:00")
    last = {"lastStartedAt": ran, "lastSucceededAt": ran}
    assert not daily.due(last, at("2026-01-16T04:59:59+00:00"))
    assert daily.due(last, at("2026-01-16T05:00:00+00:00"))
    assert daily.latest(at("2026-07-15T04:30:00+00:00")) == datetime(2026, 7, 15, 7, 0, tzinfo=RIGA)


def test_a_failed_daily_run_is_tried_again_after_its_retry_time() -> None:
    daily = DailyAt(time(7, 0), retry=timedelta(minutes=10))
    failed = {"lastStartedAt": at("2026-01-15T05:00:00+00:00"), "lastSucceededAt": None}
    assert not daily.due(failed, at("2026-01-15T05:09:00+00:00"))
    assert daily.due(failed, at("2026-01-15T05:10:00+00:00"))


def test_the_registry_names_each_job_once_in_running_order() -> None:
    names = [job.name for job in registry.jobs(Settings())]
    assert names == [
        "notification-reminders",
        "notification-digest",
        "deliver-notifications",
        "prune-activity",
        "prune-outbox",
    ]


# --- The lease -----------------------------------------------------------------------------------


async def test_a_free_lease_is_taken_and_renewed_by_its_holder_only(graph: Graph) -> None:
    assert (await job_runs.take_lease(graph, LEASE, "a", 30))["free"]
    assert (await job_runs.take_lease(graph, LEASE, "a", 30))["free"]
    refused = await job_runs.take_lease(graph, LEASE, "b", 30)
    assert not refused["free"] and refused["holder"] == "a"


async def test_an_expired_lease_goes_to_the_next_runner(graph: Graph) -> None:
    assert (await job_runs.take_lease(graph, LEASE, "a", 0.2))["free"]
    await asyncio.sleep(0.3)
    assert (await job_runs.take_lease(graph, LEASE, "b", 30))["free"]
    assert not (await job_runs.take_lease(graph, LEASE, "a", 30))["free"]


async def test_a_released_lease_is_free_at_once(graph: Graph) -> None:
    await job_runs.take_lease(graph, LEASE, "a", 30)
    await job_runs.release_lease(graph, LEASE, "b")  # not b's to give back
    assert not (await job_runs.take_lease(graph, LEASE, "b", 30))["free"]
    await job_runs.release_lease(graph, LEASE, "a")
    assert (await job_runs.take_lease(graph, LEASE, "b", 30))["free"]


async def test_runners_racing_for_a_free_lease_get_it_once(graph: Graph) -> None:
    for _ in range(5):
        await job_runs.release_lease(graph, LEASE, "holder-0")
        for n in range(8):
            await job_runs.release_lease(graph, LEASE, f"holder-{n}")
        taken = await asyncio.gather(
            *(job_runs.take_lease(graph, LEASE, f"holder-{n}", 30) for n in range(8))
        )
        assert sum(1 for t in taken if t["free"]) == 1


# --- The runner ----------------------------------------------------------------------------------


def settings(ttl_s: float) -> Settings:
    return Settings(HUB_JOBS_LEASE_TTL=ttl_s, HUB_OUTBOX_POLL=0.05)  # type: ignore[call-arg]


class Recorder:
    """A job that takes a while and records when each run started and ended, and by whom."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.runs: list[tuple[str, float, float]] = []
        self.cancelled: list[str] = []

    async def work(self, ctx: JobContext) -> str:
        loop = asyncio.get_running_loop()
        start = loop.time()
        try:
            await asyncio.sleep(self.seconds)
        except asyncio.CancelledError:
            self.cancelled.append(ctx.worker)
            raise
        self.runs.append((ctx.worker, start, loop.time()))
        return "slept"


async def wait_for(condition: Callable[[], bool], timeout_s: float = 120) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "not within the time"
        await asyncio.sleep(0.05)


async def test_two_runners_never_run_a_job_at_the_same_time(graph: Graph) -> None:
    recorder = Recorder(0.1)
    job = Job("sleeper", Every(timedelta(0)), recorder.work, "sleeps")
    runners = {name: JobRunner(graph, settings(3.0), [job], holder=name, tick_s=0.01) for name in ("a", "b")}
    tasks = {name: asyncio.create_task(r.run_forever()) for name, r in runners.items()}

    def ran(by: str) -> int:
        return sum(1 for who, _, _ in recorder.runs if who == by)

    try:
        await wait_for(lambda: len(recorder.runs) >= 5)
        first = recorder.runs[0][0]
        second = "b" if first == "a" else "a"
        # The holder stops (it gives the lease back): the other takes over and runs it from then on.
        tasks[first].cancel()
        await asyncio.gather(tasks[first], return_exceptions=True)
        await wait_for(lambda: ran(second) >= 5)
    finally:
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
    runs = sorted(recorder.runs, key=lambda r: r[1])
    for (_, _, ended), (_, started, _) in itertools.pairwise(runs):
        assert started >= ended, "two runs overlapped"
    assert ran(first) >= 5 and ran(second) >= 5


async def test_a_runner_that_loses_the_lease_stops_its_job(graph: Graph) -> None:
    recorder = Recorder(300)
    started = asyncio.Event()

    async def long(ctx: JobContext) -> str:
        started.set()
        return await recorder.work(ctx)

    runner = JobRunner(graph, settings(3), [Job("long", Every(timedelta(0)), long, "runs long")], holder="a")
    task = asyncio.create_task(runner.run_forever())
    try:
        await asyncio.wait_for(started.wait(), 120)
        # Another holder has it now (as when a's lease expired while a was cut off from Neo4j).
        await graph.write_once(
            "MATCH (l:Lease {name: $name}) SET l.holder = 'thief', l.expiresAt = datetime() + duration('PT600S')",
            name=LEASE,
        )
        await wait_for(lambda: bool(recorder.cancelled))
        assert recorder.cancelled == ["a"]
        assert recorder.runs == []
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_run_once_runs_the_due_jobs_and_records_them(graph: Graph) -> None:
    calls: list[str] = []

    async def note(ctx: JobContext) -> str:
        calls.append(ctx.worker)
        return "noted"

    due, later = (
        Job("due", Every(timedelta(hours=1)), note, ""),
        Job("later", Every(timedelta(hours=1)), note, ""),
    )
    await job_runs.record_run(graph, "later", started_at=datetime.now(UTC), outcome="OK")
    runner = JobRunner(graph, settings(5), [due, later], holder="cli")
    assert await runner.run_once() == [("due", "OK", "noted")]
    runs = await job_runs.last_runs(graph)
    assert runs["due"]["lastOutcome"] == "OK" and runs["due"]["lastSummary"] == "noted"
    # Not due again within the hour, unless forced; and the lease was given back.
    assert await JobRunner(graph, settings(5), [due, later], holder="other").run_once(["later"]) == [
        ("later", "OK", "noted")
    ]


async def test_run_once_does_nothing_while_another_runner_holds_the_lease(graph: Graph) -> None:
    await job_runs.take_lease(graph, LEASE, "hub-replica", 30)

    async def never(ctx: JobContext) -> str:
        raise AssertionError("ran without the lease")

    runner = JobRunner(graph, settings(5), [Job("x", Every(timedelta(0)), never, "")], holder="cli")
    assert await runner.run_once() is None


async def test_a_failing_job_is_recorded_and_the_others_still_run(graph: Graph) -> None:
    async def broken(ctx: JobContext) -> str:
        raise RuntimeError("boom")

    async def fine(ctx: JobContext) -> str:
        return "fine"

    jobs = [Job("broken", Every(timedelta(0)), broken, ""), Job("fine", Every(timedelta(0)), fine, "")]
    done = await JobRunner(graph, settings(5), jobs, holder="cli").run_once()
    assert done == [("broken", "FAILED", "RuntimeError: boom"), ("fine", "OK", "fine")]
    assert (await job_runs.last_runs(graph))["broken"]["lastError"] == "RuntimeError: boom"


def test_run_due_refuses_an_unknown_job_name() -> None:
    runner = JobRunner(None, settings(5), [], holder="cli")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no such job: nope"):
        asyncio.run(runner.run_due(["nope"]))


async def test_a_run_that_found_work_is_logged_at_info_and_one_that_found_none_at_debug(graph: Graph) -> None:
    async def idle(ctx: JobContext) -> str:
        return NOTHING_DUE

    async def busy(ctx: JobContext) -> str:
        return "2 sent"

    jobs = [Job("idle", Every(timedelta(0)), idle, ""), Job("busy", Every(timedelta(0)), busy, "")]
    configured = structlog.get_config()
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG)
    )  # whatever ran before
    try:
        with capture_logs() as logs:
            await JobRunner(graph, settings(5), jobs, holder="cli").run_once()
    finally:
        structlog.configure(**configured)
    ran = [(e["log_level"], e["job"], e["summary"]) for e in logs if e["event"] == "job_ran"]
    assert ran == [("debug", "idle", NOTHING_DUE), ("info", "busy", "2 sent")]
