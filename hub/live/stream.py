"""One ordered stream of committed activity per hub process, and the subscriptions fed from it.

Ordering across replicas: seqs are dense (the counter increments inside the committing
transaction, so a rolled-back write takes its number back) and commit-ordered. Each process
delivers activity strictly in seq order: an event that arrives early (another replica's publish
overtook an earlier one) is held; if the missing seqs have not arrived within `gap_wait_s`, they
are read from Neo4j (`activity.between`), one query per gap. Subscriptions then see an ordered
stream with no gap and no duplicate. Cost: one small Neo4j read per gap, and up to `gap_wait_s`
extra latency for events behind a gap.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

import structlog

from graph import activity
from graph.access import Viewer
from graph.activity import ActivityEvent
from graph.driver import Graph
from graph.errors import ResyncRequired
from hub import metrics
from hub.live.broker import Broker

log = structlog.get_logger(__name__)

ALL = "*"  # the scope key of subscriptions that see every activity (map changes)
SLOW_CONSUMER_CODE = 1013  # "try again later": clients reconnect and resume from their cursor


class SlowConsumer(Exception):
    """A subscriber fell further behind than its queue allows."""


class Subscription:
    """A bounded queue of events for one subscription; overflowing it closes the connection.

    A deque and one Event rather than an asyncio.Queue: waiting for "an event or a failure" is
    then one Event wait, not two futures and asyncio.wait per event per subscriber."""

    def __init__(self, scope: str, viewer: Viewer, size: int, on_overflow: Callable[[str], None]) -> None:
        self.scope, self.viewer = scope, viewer
        self._queue: deque[ActivityEvent] = deque()
        self._size = size
        self._failure: Exception | None = None
        self._on_overflow = on_overflow
        self._wake = asyncio.Event()

    def offer(self, event: ActivityEvent) -> None:
        if self._failure is not None:
            return
        if len(self._queue) >= self._size:
            reason = f"slow consumer: more than {self._size} events waiting"
            self.fail(SlowConsumer(reason))
            self._on_overflow(reason)
            return
        self._queue.append(event)
        self._wake.set()

    def fail(self, error: Exception) -> None:
        self._failure = error
        self._wake.set()

    async def next(self) -> ActivityEvent:
        while True:
            if self._failure is not None:
                raise self._failure
            if self._queue:
                return self._queue.popleft()
            self._wake.clear()
            await self._wake.wait()


class LiveStream:
    VISIBILITY_CACHE = 4096

    def __init__(self, graph: Graph, broker: Broker, *, queue_size: int, gap_wait_s: float) -> None:
        self.graph, self.broker = graph, broker
        self.queue_size, self.gap_wait_s = queue_size, gap_wait_s
        self.epoch: str | None = None
        self.last = 0  # the newest seq delivered in order
        self._retired: set[str] = set()
        self._held: dict[int, ActivityEvent] = {}
        self._gap_task: asyncio.Task[None] | None = None
        self._by_scope: dict[str, set[Subscription]] = {}
        self._visible: OrderedDict[tuple[str, int, Viewer], asyncio.Future[bool]] = OrderedDict()
        self.connections = 0

    @property
    def subscriptions(self) -> int:
        return sum(len(s) for s in self._by_scope.values())

    async def start(self) -> None:
        head = await activity.head(self.graph)
        self.epoch, self.last = head.epoch, head.seq
        self.graph.on_commit = self.committed
        await self.broker.start(self.ingest, self.catch_up)

    async def close(self) -> None:
        self.graph.on_commit = None
        if self._gap_task:
            self._gap_task.cancel()
        await self.broker.close()

    def committed(self, items: list[object]) -> None:
        """Graph.on_commit: deliver here at once, and to the other hub processes."""
        events = [i for i in items if isinstance(i, ActivityEvent)]
        if events:
            self.ingest(events)
            self.broker.publish(events)

    def ingest(self, events: list[ActivityEvent]) -> None:
        for event in sorted(events, key=lambda e: e.seq):
            if event.epoch in self._retired:
                continue
            if event.epoch != self.epoch:
                self._new_epoch(event.epoch)
            if event.seq > self.last:
                self._held.setdefault(event.seq, event)
        self._drain()
        if self._held and (self._gap_task is None or self._gap_task.done()):
            self._gap_task = asyncio.create_task(self._fill_gap())

    def _new_epoch(self, epoch: str) -> None:
        """The activity counter was recreated (a wiped or replaced database): old cursors mean
        nothing now, so every subscriber must resync; the new history starts at seq 1."""
        if self.epoch is not None:
            self._retired.add(self.epoch)
            error = ResyncRequired("the activity history was reset; resync required")
            for subs in self._by_scope.values():
                for sub in subs:
                    sub.fail(error)
        self.epoch, self.last = epoch, 0
        self._held.clear()

    def _drain(self) -> None:
        while self.last + 1 in self._held:
            event = self._held.pop(self.last + 1)
            self.last = event.seq
            self._dispatch(event)

    def _dispatch(self, event: ActivityEvent) -> None:
        for key in (*event.scope_ids, ALL):
            for sub in tuple(self._by_scope.get(key, ())):
                sub.offer(event)

    async def _fill_gap(self) -> None:
        await asyncio.sleep(self.gap_wait_s)
        while self._held:
            before = min(self._held)
            if before <= self.last + 1:
                self._drain()
                continue
            epoch = self.epoch
            try:
                missing = await activity.between(self.graph, self.last, before)
            except Exception:
                log.exception("could not fill a live activity gap from Neo4j; retrying")
                await asyncio.sleep(1)
                continue
            if epoch != self.epoch:
                continue
            found = [e for e in missing if e.epoch == epoch]
            if found:
                self.ingest(found)
            else:  # the missing seqs are gone (pruned): nothing was lost to deliver
                self.last = before - 1
            self._drain()

    async def catch_up(self) -> None:
        """After (re)connecting to the broker: deliver what was committed meanwhile."""
        while True:
            events = await activity.between(self.graph, self.last, None)
            if not events:
                return
            self.ingest(events)
            if len(events) < activity.REPLAY_BATCH * 4:
                return

    @asynccontextmanager
    async def subscribe(
        self, scope: str, viewer: Viewer, on_overflow: Callable[[str], None]
    ) -> AsyncIterator[Subscription]:
        sub = Subscription(scope, viewer, self.queue_size, on_overflow)
        self._by_scope.setdefault(scope, set()).add(sub)
        metrics.subscription_started()
        try:
            yield sub
        finally:
            metrics.subscription_ended()
            subs = self._by_scope.get(scope)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._by_scope[scope]

    async def visible(self, event: ActivityEvent, viewer: Viewer) -> bool:
        """Whether `viewer` may see the event; one Cypher check per (event, viewer) per process,
        shared by all that viewer's subscriptions."""
        if not event.team_scoped:
            return True
        key = (event.epoch, event.seq, viewer)
        future = self._visible.get(key)
        if future is None:
            future = asyncio.ensure_future(self._check(event.seq, viewer))
            self._visible[key] = future
            while len(self._visible) > self.VISIBILITY_CACHE:
                self._visible.popitem(last=False)
        try:
            return await asyncio.shield(future)
        except Exception:
            with suppress(KeyError):
                del self._visible[key]
            raise

    async def _check(self, seq: int, viewer: Viewer) -> bool:
        return seq in await activity.visible_seqs(self.graph, [seq], viewer)
