"""One ordered stream of committed activity per hub process, and the subscriptions fed from it.

Ordering across replicas: seqs are dense and given only to committed activity (graph/activity.py
numbers it just after the commit), so once a seq is committed every smaller one is too. Each process
delivers activity strictly in seq order: an event that arrives early (another replica's publish
overtook an earlier one) is held; if the missing seqs have not arrived within `gap_wait_s`, they
are read from Neo4j (`activity.between`), one query per gap. Subscriptions then see an ordered
stream with no gap and no duplicate. Cost: one small Neo4j read per gap, and up to `gap_wait_s`
extra latency for events behind a gap.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, suppress

import structlog

from graph import activity
from graph.access import Viewer
from graph.activity import ActivityEvent
from graph.driver import Graph
from graph.errors import ResyncRequired
from hub import metrics
from hub.live.access import NO_NEEDS, Access, ConnectionClosing, Needs, Peer
from hub.live.broker import Broker
from hub.live.fanout import Direct, Fanout, Members

log = structlog.get_logger(__name__)

ALL = "*"  # the scope key of subscriptions that see every activity (map changes)


def _history_reset() -> ResyncRequired:
    return ResyncRequired("the activity history was reset; resync required")


class SlowConsumer(ConnectionClosing):
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
        # Set once the subscription is live and served by the fan-out loop (hub/live/fanout.py).
        self.direct: Direct | None = None
        # The activity history (counter epoch) it follows, once its start is read (`LiveStream.bind`).
        self.epoch: str | None = None
        # Its starting point is read (`LiveStream.bind`): every event committed from now on reaches it.
        self.started = False

    @property
    def failure(self) -> Exception | None:
        return self._failure

    def can_go_direct(self) -> bool:
        """Nothing is queued for it (what is queued is the resolver's to yield first, in order)."""
        return not self._queue and self._failure is None

    async def failed(self) -> Exception:
        """Wait until the subscription fails (slow consumer, resync, a failed execution)."""
        while self._failure is None:
            self._wake.clear()
            await self._wake.wait()
        return self._failure

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

    def __init__(
        self,
        graph: Graph,
        broker: Broker,
        *,
        queue_size: int,
        gap_wait_s: float,
        encode: Callable[[object], str] | None = None,
        check_limit: int = 8,
    ) -> None:
        self.graph, self.broker = graph, broker
        self.queue_size, self.gap_wait_s = queue_size, gap_wait_s
        self.epoch: str | None = None
        self.last = 0  # the newest seq delivered in order
        self._retired: set[str] = set()
        self._held: dict[int, ActivityEvent] = {}
        self._gap_task: asyncio.Task[None] | None = None
        # Per feed: the subscriptions whose resolvers take their events from a queue, and those
        # the fan-out loop serves, grouped by share key when they went direct, so an event to
        # 10,000 subscribers costs a lookup per group here, not a step per subscriber.
        self._by_scope: dict[str, set[Subscription]] = {}
        self._direct: dict[str, dict[object, Members]] = {}
        self._visible: OrderedDict[tuple[str, int, Viewer], asyncio.Future[bool]] = OrderedDict()
        self.connections = 0
        # Who each signed-in socket is, and their reviews when an activity narrows their access.
        self.access = Access(graph, self.rebind, check_limit)
        self.fanout = Fanout(self.visible, encode or _compact_json, self.access.reviewed, self._groups_of)
        # Callers waiting for the next head read.
        self._head_batch: asyncio.Future[activity.Head] | None = None
        self._head_lock = asyncio.Lock()
        self._head_reads: set[asyncio.Future[None]] = set()

    @property
    def subscriptions(self) -> int:
        queued = sum(len(s) for s in self._by_scope.values())
        return queued + sum(len(m) for groups in self._direct.values() for m in groups.values())

    @property
    def started(self) -> int:
        """The subscriptions whose starting point is read (`bind`): an event committed after this
        count includes one is delivered to it. What a client can wait for before it writes."""
        return sum(1 for sub in self._every_subscription() if sub.started)

    async def start(self) -> None:
        # Activity a hub left unnumbered (it stopped between a commit and the numbering) gets its
        # number now; the other processes fill the gap from Neo4j as for any missed event.
        await activity.number_recorded(self.graph)
        head = await activity.head(self.graph)
        self.epoch, self.last = head.epoch, head.seq
        self.graph.on_commit = self.committed
        await self.broker.start(self.ingest, self.catch_up, self._notice)

    async def close(self) -> None:
        self.graph.on_commit = None
        if self._gap_task:
            self._gap_task.cancel()
        await self.fanout.close()
        await self.access.close()
        await self.broker.close()

    def sign_out(self, session_id: str) -> None:
        """A browser session signed out: its sockets close here and on every other hub process."""
        self.access.sign_out(session_id)
        self.broker.announce({"signedOut": session_id})

    def _notice(self, notice: dict[str, object]) -> None:
        if isinstance(session_id := notice.get("signedOut"), str):
            self.access.sign_out(session_id)

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

    def _every_subscription(self) -> Iterator[Subscription]:
        """Queued and direct (served by the fan-out loop) alike."""
        for subs in self._by_scope.values():
            yield from subs
        for groups in self._direct.values():
            for members in groups.values():
                yield from members

    def _new_epoch(self, epoch: str) -> None:
        """The activity counter was recreated (a wiped or replaced database): old cursors mean
        nothing now, so every subscriber following another history must resync; the new history
        starts at seq 1. One still reading where it starts binds to what it reads (`bind`)."""
        if self.epoch is not None:
            self._retired.add(self.epoch)
            error = _history_reset()
            for sub in self._every_subscription():
                if sub.epoch not in (None, epoch):
                    sub.fail(error)
        self.epoch, self.last = epoch, 0
        self._held.clear()

    def bind(self, sub: Subscription, epoch: str | None) -> None:
        """`sub` follows the history `epoch` (None: no activity yet), as read from Neo4j when it
        started. A history this process has not heard of yet (the first event of a reset
        database still on its way) is taken up now, so that event does not fail `sub`; a
        history already replaced fails it at once."""
        if epoch is None:
            sub.started = True
            return  # the first history is taken up with its first event
        if epoch in self._retired:
            sub.fail(_history_reset())
            return
        sub.epoch, sub.started = epoch, True
        if epoch != self.epoch:
            self._new_epoch(epoch)

    def _drain(self) -> None:
        while self.last + 1 in self._held:
            event = self._held.pop(self.last + 1)
            self.last = event.seq
            self._dispatch(event)

    def _dispatch(self, event: ActivityEvent) -> None:
        self.access.observe(event)
        served = False
        for key in (*event.scope_ids, ALL):
            for sub in tuple(self._by_scope.get(key, ())):
                sub.offer(event)
            served = served or key in self._direct
        if served:
            self.fanout.put(event)

    def _groups_of(self, event: ActivityEvent) -> list[Members]:
        """The share groups of the event's feeds as they are now (the fan-out loop asks when it
        writes the event, after the reviews before it, which may have moved or ended some)."""
        groups: list[Members] = []
        for key in (*event.scope_ids, ALL):
            if (direct := self._direct.get(key)) is not None:
                groups.extend(direct.values())
        return groups

    def go_direct(self, sub: Subscription, direct: Direct) -> bool:
        """Hand `sub` to the fan-out loop, if nothing is queued for it. True when handed over."""
        if not sub.can_go_direct():
            return False
        sub.direct = direct
        self._forget(sub)
        self._direct.setdefault(sub.scope, {}).setdefault(direct.group, {})[sub] = None
        return True

    def rebind(self, sub: Subscription, viewer: Viewer) -> None:
        """`sub` goes on as `viewer` (its person's roles changed): it is checked for that viewer from
        the next event on, and shares results with that viewer's equal subscriptions. Its
        connection's context already holds `viewer`, so its executor keys it under that viewer."""
        direct = sub.direct
        if direct is not None:
            self._forget(sub)
            direct.group = direct.executor.share_group()
            self._direct.setdefault(sub.scope, {}).setdefault(direct.group, {})[sub] = None
        sub.viewer = viewer

    def _forget(self, sub: Subscription) -> None:
        scope, direct = sub.scope, sub.direct
        subs = self._by_scope.get(scope)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._by_scope[scope]
        groups = self._direct.get(scope)
        if direct is None or groups is None or (members := groups.get(direct.group)) is None:
            return
        members.pop(sub, None)
        if not members:
            del groups[direct.group]
            if not groups:
                del self._direct[scope]

    async def committed_head(self) -> activity.Head:
        """The committed head, read after this call began; concurrent callers share one read.

        A burst of subscribes (thousands of clients reconnecting) would otherwise make one Neo4j
        read each, queue on the driver's pool and time out. A caller joins the batch whose read has
        not started yet (so the read still starts after it registered, which is what "from now"
        needs); one read is in flight at a time."""
        batch = self._head_batch
        if batch is None:
            batch = self._head_batch = asyncio.get_running_loop().create_future()
            self._head_reads.add(task := asyncio.ensure_future(self._read_head(batch)))
            task.add_done_callback(self._head_reads.discard)
        return await asyncio.shield(batch)

    async def _read_head(self, batch: asyncio.Future[activity.Head]) -> None:
        async with self._head_lock:
            if self._head_batch is batch:
                self._head_batch = None  # later callers wait for the next read
            try:
                batch.set_result(await activity.head(self.graph))
            except Exception as exc:
                batch.set_exception(exc)

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
        self,
        scope: str,
        viewer: Viewer,
        on_overflow: Callable[[str], None],
        peer: Peer | None = None,
        needs: Needs = NO_NEEDS,
    ) -> AsyncIterator[Subscription]:
        """A subscription to `scope`'s feed, registered before anything is read for it. With the
        `peer` (signed-in socket) it runs on, it is reviewed with that socket and must keep what it
        `needs` (checked here once registered, so no review can miss it)."""
        sub = Subscription(scope, viewer, self.queue_size, on_overflow)
        self._by_scope.setdefault(scope, set()).add(sub)
        metrics.subscription_started()
        try:
            self.access.watch(sub, peer, needs)
            await self.access.check(sub, needs)
            yield sub
        finally:
            metrics.subscription_ended()
            self.access.unwatch(sub, peer)
            self._forget(sub)
            sub.direct = None

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


def _compact_json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))
