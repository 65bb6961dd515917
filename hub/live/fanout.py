"""One fan-out loop per hub process writes each live event's `next` frame straight to the sockets.

Through Strawberry every subscriber costs, per event, a task wake-up, a chain of async generators
(the resolver's, graphql-core's mapping, Strawberry's stream and extensions runner) and the
handler's send: about 60 % of the hub's CPU at 1,000 subscribers, even once the result itself was
shared. Here an activity feed, once it has replayed what it missed and is live, is handed to the
live stream as a `Direct` subscription: its resolver stays suspended (it still owns the
subscription's lifetime, its `complete` and its errors), and for every event the loop

- waits for the access reviews asked for by earlier events (`hub/live/access.py`), so what they
  revoked gets nothing later,
- takes the direct subscriptions of the event's feeds, grouped by operation, variables and viewer
  (the share key of `hub/api/shared_results.py`) once, when each went live (`LiveStream`), not
  per event,
- checks visibility once per group (`LiveStream.visible`: Cypher, per event and viewer, so a
  member removed from a team stops receiving its events at once),
- executes the selection once per group (the shared execution), encodes the frame once per
  operation id (most clients number their operations alike, so usually once),
- and writes it to each socket, in seq order, skipping what a subscription already replayed.

A frame is never written for an operation the handler no longer holds (completed by the client or
ended with an error), so no `next` follows a `complete`. A socket that cannot take more right now
gets its frames queued on its `Outlet`, drained by one writer task; past the queue bound it is a
slow consumer, closed with 1013 as before.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any

import structlog
from graphql import ExecutionResult

from graph.access import Viewer
from graph.activity import ActivityEvent
from graph.driver import count_queries
from hub import metrics
from hub.api.shared_results import SharedData
from hub.live.outlet import Outlet, TextFrame

if TYPE_CHECKING:
    from hub.live.stream import Subscription

log = structlog.get_logger(__name__)

Encode = Callable[[object], str]
Members = dict["Subscription", None]  # one share group's subscriptions, in the order they went live


class Direct:
    """How the fan-out loop serves one subscription: its socket, its id, and how to execute its
    selection for an event (graphql-core's per-event executor of the subscription's operation)."""

    __slots__ = ("alive", "executor", "extensions", "group", "head", "last", "make_root", "outlet")

    def __init__(
        self,
        *,
        outlet: Outlet,
        head: bytes,
        alive: Callable[[], bool],
        executor: Any,
        group: object,
        make_root: Callable[[ActivityEvent], object],
        extensions: bool,
        last: int,
    ) -> None:
        self.outlet, self.head, self.alive = outlet, head, alive
        self.executor, self.group, self.make_root = executor, group, make_root
        self.extensions, self.last = extensions, last


class Fanout:
    """The loop: events in seq order, each written to every direct subscription it concerns.

    The groups of one event are served concurrently, a few at a time: a team-scoped event costs
    each distinct viewer a Cypher visibility check, which one after the other would add up, and
    all at once would drain the Neo4j pool. Each subscription still gets its events in seq order
    (the next event waits for every group of this one)."""

    GROUPS_AT_ONCE = 16

    def __init__(
        self,
        visible: Callable[[ActivityEvent, Viewer], Awaitable[bool]],
        encode: Encode,
        reviewed: Callable[[int], Awaitable[None]],
        groups_of: Callable[[ActivityEvent], list[Members]],
    ) -> None:
        self._visible, self._encode = visible, encode
        self._reviewed, self._groups_of = reviewed, groups_of
        self._pending: deque[ActivityEvent] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._groups_at_once = asyncio.Semaphore(self.GROUPS_AT_ONCE)

    def put(self, event: ActivityEvent) -> None:
        """Deliver `event` to its feeds' share groups, after the events put before it. The groups
        are read when the event's turn comes (`groups_of`), their members when it is written."""
        self._pending.append(event)
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            while self._pending:
                event = self._pending.popleft()
                try:
                    await self._reviewed(event.seq)
                    await self.deliver(event, self._groups_of(event))
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("live fan-out failed for an event", seq=event.seq)
            self._wake.clear()
            await self._wake.wait()

    async def deliver(self, event: ActivityEvent, groups: list[Members]) -> None:
        if len(groups) == 1:  # the common case (everyone asks the same): no task, no semaphore
            await self._deliver_group(event, groups[0])
        elif groups:
            await asyncio.gather(*(self._deliver_limited(event, members) for members in groups))

    async def _deliver_limited(self, event: ActivityEvent, members: Members) -> None:
        async with self._groups_at_once:
            await self._deliver_group(event, members)

    async def _deliver_group(self, event: ActivityEvent, group: Members) -> None:
        # Its members now: one a review moves to another group while this one executes still gets
        # this event from here, as the viewer it was when the event came.
        members = tuple(group)
        due = next(((sub, d) for sub in members if (d := _due(sub, event)) is not None), None)
        if due is None:
            return
        first, direct = due
        result: Any = None
        try:
            with count_queries() as counter:
                if not await self._visible(event, first.viewer):
                    return
                executor = direct.executor.build_per_event_executor(direct.make_root(event))
                result = executor.execute_operation(False)
                if executor.is_awaitable(result):
                    result = await result
        except Exception as error:
            # As on Strawberry's path: the subscription's resolver raises it (an error, then complete).
            for sub in members:
                if _due(sub, event) is not None:
                    sub.fail(error)
            return
        body = self._body(result, counter.queries if direct.extensions else None).encode()
        frames: dict[bytes, TextFrame] = {}  # by the frame's head: the operation's id
        written = 0
        for sub in members:
            d = _due(sub, event)
            if d is None or not d.alive():
                continue
            d.last = event.seq
            frame = frames.get(d.head)
            if frame is None:
                frame = frames[d.head] = TextFrame(d.head + body)
            d.outlet.write(frame)
            written += 1
        if written > 1:  # the group's other members take the result the first one got
            metrics.subscription_result(shared=True, count=written - 1)
        metrics.fanout_frames(written)

    def _body(self, result: ExecutionResult, queries: int | None) -> str:
        """The frame after its id: `,"type":"next","payload":{...}}`, in the key order and compact
        form Strawberry's handler sends (`data`, `errors`, `extensions`)."""
        data = result.data
        encoded = data.encoded(self._encode) if isinstance(data, SharedData) else self._encode(data)
        payload = '{"data":' + encoded
        if result.errors:  # logged as Strawberry's path logs them
            log.warning("live result with errors", errors=[e.message for e in result.errors])
            payload += ',"errors":' + self._encode([e.formatted for e in result.errors])
        if queries is not None:
            payload += ',"extensions":' + self._encode({"cypherQueries": queries})
        return ',"type":"next","payload":' + payload + "}}"


def _due(sub: Subscription, event: ActivityEvent) -> Direct | None:
    """The subscription's handle, when it is served here and has not had `event` (replayed or
    written) yet."""
    direct = sub.direct
    return direct if direct is not None and sub.failure is None and event.seq > direct.last else None
