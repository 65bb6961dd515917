"""When a job is due, from its last run (graph/jobs.py `last_runs`) and the time now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Final, Protocol
from zoneinfo import ZoneInfo

from graph.driver import Record

RIGA: Final = ZoneInfo("Europe/Riga")


class Schedule(Protocol):
    def due(self, last: Record | None, now: datetime) -> bool: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class Every:
    """Due once `interval` has passed since the last run started, whatever its outcome."""

    interval: timedelta

    def due(self, last: Record | None, now: datetime) -> bool:
        return last is None or now >= last["lastStartedAt"] + self.interval

    def describe(self) -> str:
        return f"every {self.interval.total_seconds():g} s"


@dataclass(frozen=True)
class DailyAt:
    """Due once a day at `at` Europe/Riga time (a missed day runs once when a runner is next up);
    a failed run is tried again after `retry`."""

    at: time
    retry: timedelta = timedelta(minutes=10)

    def latest(self, now: datetime) -> datetime:
        """The latest scheduled moment at or before `now`."""
        local = now.astimezone(RIGA)
        moment = datetime.combine(local.date(), self.at, tzinfo=RIGA)
        if moment > local:
            moment = datetime.combine(local.date() - timedelta(days=1), self.at, tzinfo=RIGA)
        return moment

    def due(self, last: Record | None, now: datetime) -> bool:
        if last is None:
            return True
        moment = self.latest(now)
        succeeded = last.get("lastSucceededAt")
        if succeeded is not None and succeeded >= moment:
            return False
        started: datetime = last["lastStartedAt"]
        return started < moment or now >= started + self.retry

    def describe(self) -> str:
        return f"daily at {self.at:%H:%M} Europe/Riga"
