"""Live access: a signed-in WebSocket is checked again whenever its person may see less.

An HTTP request looks its caller up every time, so a person archived, erased, demoted, taken off a
team or signed out is refused from their next request on. A WebSocket signs in once
(`connection_init`), so its subscriptions are checked again instead, when

- an activity that may narrow someone's access (`graph.access.NARROWS_PEOPLES_ACCESS`,
  `NARROWS_TEAM_ACCESS`) is delivered here. It reaches every hub process with the rest of the
  activity, in seq order (over Redis between replicas), so every replica reviews its own sockets.
  Each socket of the people concerned signs in again with what it signed in with (its token or its
  browser session, `Peer.sign_in`): when that finds no hub account any more (archived, erased, the
  e-mail changed) the socket closes with 4403; otherwise the socket runs as the viewer it finds
  now, and each subscription that viewer may not have (`Needs`) ends with a FORBIDDEN error while
  the others go on for that viewer;
- its browser session signs out (`sign_out`, announced to the other replicas over the broker):
  that session's sockets close with 4403, the person's other sessions stay.

Order: an event committed after the one that started a review reaches the reviewed people's
subscriptions only once the review is applied (`reviewed`, awaited by the fan-out loop and by every
queued subscription before its next event), so nothing committed after a revocation reaches what it
revoked. A review that cannot reach Neo4j closes the sockets it was checking with 1013 (try again
later): their clients reconnect and sign in afresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog

from graph import identity, teams
from graph.access import NARROWS_PEOPLES_ACCESS, NARROWS_TEAM_ACCESS, Viewer
from graph.activity import ActivityEvent
from graph.driver import Graph
from graph.errors import DomainError, NotAllowed
from hub.auth.tokens import InvalidToken

if TYPE_CHECKING:
    from hub.live.stream import Subscription

log = structlog.get_logger(__name__)

GONE_CODE = 4403  # as at connection_init: the sign-in no longer stands; clients do not retry it
RECHECK_FAILED_CODE = 1013  # try again later: the client reconnects and signs in afresh
CHECK_TIMEOUT_S = 5.0  # a check taking longer fails (1013): live events wait behind it
EVERY_SEQ = sys.maxsize  # `reviewed(EVERY_SEQ)`: every check asked for so far


class ConnectionClosing(Exception):
    """The subscription's connection is being closed: it ends with the connection, sending nothing
    more (no `complete`, which would tell the client its feed is over)."""


@dataclass(frozen=True)
class Needs:
    """What a subscription needs beyond a signed-in person, checked when it starts and again at
    every review of its person."""

    team_id: str | None = None  # teamActivity: a team the viewer may see
    person_id: str | None = None  # myFeed: the viewer's own person, or the viewer is an administrator


NO_NEEDS = Needs()


async def refusals(
    graph: Graph, viewer: Viewer, needs: dict[Subscription, Needs]
) -> dict[Subscription, DomainError]:
    """The subscriptions `viewer` may not have, with the error each ends with (the same at the
    start as later); one Cypher read for all their teams."""
    refused: dict[Subscription, DomainError] = {}
    for sub, need in needs.items():
        if need.person_id is not None and need.person_id != viewer.person_id and not viewer.admin:
            refused[sub] = NotAllowed("myFeed", "your own person, or an administrator, for personId")
    wanted = {n.team_id for s, n in needs.items() if n.team_id is not None and s not in refused}
    if wanted:
        visible = await teams.visible_ids(graph, sorted(wanted), viewer)
        for sub, need in needs.items():
            if need.team_id is not None and need.team_id not in visible and sub not in refused:
                # The same for a missing team: no existence oracle.
                refused[sub] = NotAllowed("teamActivity", "a team you may see")
    return refused


SignIn = Callable[[], Awaitable[Viewer]]  # raises InvalidToken when the sign-in no longer stands


class Peer:
    """One signed-in WebSocket: the context every operation on it runs with (its `viewer`), its
    browser session if it signed in with one, and how it signs in again."""

    def __init__(self, context: Any, websocket: Any, session_id: str | None, sign_in: SignIn) -> None:
        self.context, self.websocket, self.session_id, self.sign_in = context, websocket, session_id, sign_in
        self.subscriptions: dict[Subscription, Needs] = {}
        self.closing = False

    @property
    def viewer(self) -> Viewer:
        viewer: Viewer = self.context.viewer
        return viewer

    def close(self, code: int, reason: str) -> None:
        """End every subscription on the socket without another frame, then close it."""
        if self.closing:
            return
        self.closing = True
        for sub in self.subscriptions:
            sub.fail(ConnectionClosing(reason))
        task = asyncio.ensure_future(self.websocket.close(code, reason))
        task.add_done_callback(lambda t: t.cancelled() or t.exception())


@dataclass
class _Review:
    seq: int  # the activity that asked for it: later events wait until it is applied
    people: set[str]
    done: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class _Outcome:
    close: tuple[int, str] | None = None
    viewer: Viewer | None = None
    checked: dict[Subscription, Needs] = field(default_factory=dict)
    refused: dict[Subscription, DomainError] = field(default_factory=dict)


class Access:
    """This process's signed-in sockets, by person and by browser session, and their reviews."""

    def __init__(
        self, graph: Graph, rebind: Callable[[Subscription, Viewer], None], check_limit: int
    ) -> None:
        self._graph, self._rebind = graph, rebind
        self._peers: dict[Any, Peer] = {}  # by websocket
        self._by_person: dict[str, set[Peer]] = {}
        self._by_session: dict[str, set[Peer]] = {}
        self._team_followers: dict[str, set[Subscription]] = {}
        self._reviews: deque[_Review] = deque()
        self._worker: asyncio.Task[None] | None = None
        # Checks at subscribe take at most this many pool connections at once (a reconnect burst).
        self._checks = asyncio.Semaphore(check_limit)

    # --- sockets and their subscriptions ---

    def join(self, context: Any, websocket: Any, session_id: str | None, sign_in: SignIn) -> Peer:
        peer = self._peers[websocket] = Peer(context, websocket, session_id, sign_in)
        self._index(peer, add=True)
        if session_id is not None:
            self._by_session.setdefault(session_id, set()).add(peer)
        return peer

    def leave(self, peer: Peer) -> None:
        self._peers.pop(peer.websocket, None)
        self._index(peer, add=False)
        if peer.session_id is not None:
            _discard(self._by_session, peer.session_id, peer)

    def peer(self, websocket: Any) -> Peer | None:
        return self._peers.get(websocket)

    def watch(self, sub: Subscription, peer: Peer | None, needs: Needs) -> None:
        if peer is None:
            return
        peer.subscriptions[sub] = needs
        if needs.team_id is not None:
            self._team_followers.setdefault(needs.team_id, set()).add(sub)

    def unwatch(self, sub: Subscription, peer: Peer | None) -> None:
        if peer is None:
            return
        needs = peer.subscriptions.pop(sub, NO_NEEDS)
        if needs.team_id is not None:
            _discard(self._team_followers, needs.team_id, sub)

    async def check(self, sub: Subscription, needs: Needs) -> None:
        """Refuse a subscription its viewer may not have (NotAllowed). Called once it is watched,
        so a review from now on covers it."""
        if needs == NO_NEEDS:
            return
        async with self._checks:
            refused = await refusals(self._graph, sub.viewer, {sub: needs})
        if refused:
            raise refused[sub]

    def _index(self, peer: Peer, *, add: bool) -> None:
        person = peer.viewer.person_id
        if person is None:
            return
        if add:
            self._by_person.setdefault(person, set()).add(peer)
        else:
            _discard(self._by_person, person, peer)

    # --- sign-out ---

    def sign_out(self, session_id: str) -> None:
        for peer in tuple(self._by_session.get(session_id, ())):
            peer.close(GONE_CODE, "signed out")

    # --- reviews ---

    def observe(self, event: ActivityEvent) -> None:
        """An event delivered here in seq order: review whoever it may have taken access from."""
        verb = event.activity.get("verb")
        people: set[str] = set()
        if verb in NARROWS_PEOPLES_ACCESS:
            people.update(
                p for p in (event.activity.get("targetId"), *event.scope_ids) if p in self._by_person
            )
        if verb in NARROWS_TEAM_ACCESS:
            followers = self._team_followers.get(event.activity.get("targetId") or "", ())
            people.update(p for s in followers if (p := s.viewer.person_id) is not None)
        if people:
            self._enqueue(_Review(event.seq, people))

    def _enqueue(self, review: _Review) -> None:
        self._reviews.append(review)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work())

    async def reviewed(self, seq: int) -> None:
        """Wait until every review asked for by an event before `seq` is applied."""
        for review in tuple(self._reviews):
            if review.seq >= seq:
                return
            await review.done.wait()

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    async def _work(self) -> None:
        while self._reviews:
            review = self._reviews[0]
            try:
                await self._review(review)
            except Exception:
                log.exception("live access review failed", people=sorted(review.people))
            finally:
                self._reviews.popleft()
                review.done.set()

    async def _review(self, review: _Review) -> None:
        peers = [p for person in review.people for p in self._by_person.get(person, ()) if not p.closing]
        outcomes = await asyncio.gather(*(self._outcome(p) for p in peers))
        # Applied together, with nothing awaited in between: the next event sees all of it.
        again: set[str] = set()
        for peer, outcome in zip(peers, outcomes, strict=True):
            if self._peers.get(peer.websocket) is peer and not peer.closing:
                again.update(self._apply(peer, outcome))
        if again:  # subscriptions that started while this review read: theirs is another
            self._reviews.insert(1, _Review(review.seq, again))

    async def _outcome(self, peer: Peer) -> _Outcome:
        checked = dict(peer.subscriptions)
        person = peer.viewer.person_id
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S):
                try:
                    viewer = await peer.sign_in()
                except InvalidToken as gone:
                    closed = await identity.closed_account(self._graph, person) if person else None
                    return _Outcome(close=(GONE_CODE, f"account {closed}" if closed else str(gone)))
                refused = await refusals(self._graph, viewer, checked)
                return _Outcome(viewer=viewer, checked=checked, refused=refused)
        except Exception:
            log.exception("could not check a live socket's access again; closing it", person=person)
            return _Outcome(close=(RECHECK_FAILED_CODE, "could not check access again; reconnect"))

    def _apply(self, peer: Peer, outcome: _Outcome) -> Iterable[str]:
        """Apply a review to one socket; the people to review again (subscriptions it missed)."""
        if outcome.close is not None:
            peer.close(*outcome.close)
            return ()
        assert outcome.viewer is not None
        for sub, error in outcome.refused.items():
            if sub in peer.subscriptions:
                sub.fail(error)
        if outcome.viewer != peer.viewer:
            self._index(peer, add=False)
            peer.context.viewer = outcome.viewer  # every operation on the socket from now on
            self._index(peer, add=True)
            for sub in peer.subscriptions:
                if sub not in outcome.refused:
                    self._rebind(sub, outcome.viewer)
        missed = [s for s, n in peer.subscriptions.items() if s not in outcome.checked and n != NO_NEEDS]
        return (outcome.viewer.person_id,) if missed and outcome.viewer.person_id else ()


def _discard(index: dict[str, set[Any]], key: str, item: object) -> None:
    members = index.get(key)
    if members is not None:
        members.discard(item)
        if not members:
            del index[key]
