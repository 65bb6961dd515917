"""Subscriptions: live activity feeds and issue-map changes, replayable from a cursor.

Every stream first replays what the subscriber missed (`after`), from Neo4j and filtered by
the viewer in Cypher, then continues with live events in seq order: the subscription is
registered before the replay is read, and events are de-duplicated by seq, so there is no gap
and no duplicate between the two.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from typing import Annotated

import strawberry
from graphql import GraphQLError

from graph import activity, map_changes
from graph.access import Viewer
from graph.activity import ActivityEvent
from graph.errors import DomainError, InvalidInput
from graph.issues import IssueStatus
from hub import metrics
from hub.api.activities import Activity, activity_of
from hub.api.base import GQLInfo, described_enum
from hub.api.errors import error_extensions
from hub.api.shared_results import SUBSCRIPTION_EXECUTOR
from hub.api.text_limits import Cursor
from hub.live.access import EVERY_SEQ, NO_NEEDS, ConnectionClosing, Needs
from hub.live.fanout import Direct
from hub.live.outlet import LIVE_TARGET, SLOW_CONSUMER_CODE
from hub.live.stream import ALL, LiveStream
from hub.live.stream import Subscription as LiveSubscription


@strawberry.type(description="One activity on a live feed, with the cursor to resume after it.")
class LiveActivity:
    cursor: str = strawberry.field(description="Pass as `after` to resume right after this event.")
    replayed: bool = strawberry.field(description="True while catching up from `after`, false once live.")
    activity: Activity = strawberry.field(description="The change itself.")
    # The event's identity: subscribers with the same operation, variables and viewer share one
    # execution of their selection for it (hub/api/shared_results.py).
    share_key: strawberry.Private[tuple[str, int, bool] | None] = None


described_enum(
    map_changes.Op,
    "Whether a map node or edge appeared, changed or went away.",
    name="MapChangeOp",
    ADDED="New on the map: draw it.",
    CHANGED="Still on the map with a new label (e.g. an issue's title or an edge's stake).",
    REMOVED="Gone from the map (deleted, archived, or no longer matching the filter): erase it.",
)


@strawberry.type(description="One change to a drawn issue map: a node or an edge added, changed or removed.")
class MapChange:
    cursor: str = strawberry.field(
        description="The position of the activity that caused the change in the feed."
    )
    op: map_changes.Op = strawberry.field(description="Added, changed or removed.")
    kind: str = strawberry.field(
        description="Node: HorizontalIssue, ProjectTeam, Institution. "
        "Edge: AFFECTS, DEPENDS_ON, ADDRESSES, UNDER_DIRECTION."
    )
    node_id: strawberry.ID | None = strawberry.field(description="Set for a node change.")
    source_id: strawberry.ID | None = strawberry.field(description="Set for an edge change.")
    target_id: strawberry.ID | None = strawberry.field(description="Set for an edge change.")
    label: str | None = strawberry.field(description="The node's title or name, or the edge's stake.")
    verb: str = strawberry.field(description="The activity that caused the change.")


@strawberry.input(description="Which issues a map shows; every field narrows it.")
class MapFilterInput:
    direction_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only issues under this plan direction."
    )
    statuses: list[IssueStatus] | None = strawberry.field(
        default=None, description="Only issues with one of these statuses; any status when omitted or empty."
    )
    institution_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only issues affecting this institution."
    )


def _id(value: str | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(value)


def _graphql_error(error: DomainError) -> GraphQLError:
    return GraphQLError(error.message, original_error=error, extensions=error_extensions(error))


def _live_activity(event: ActivityEvent, replayed: bool) -> LiveActivity:
    return LiveActivity(
        cursor=activity.encode_cursor(event.epoch, event.seq),
        replayed=replayed,
        activity=activity_of(event.activity),
        share_key=(event.epoch, event.seq, replayed),
    )


def _direct(sub: LiveSubscription, last: int) -> Direct | None:
    """The fan-out loop's handle on this subscription, when it runs under the hub's
    graphql-transport-ws handler (which sets the target) as a subscription operation."""
    target, executor = LIVE_TARGET.get(), SUBSCRIPTION_EXECUTOR.get()
    if target is None or executor is None:
        return None
    return Direct(
        outlet=target.outlet,
        head=target.head,
        alive=target.alive,
        executor=executor,
        group=executor.share_group(),
        make_root=lambda event: _live_activity(event, False),
        extensions=target.extensions,
        last=last,
    )


async def _events(
    info: GQLInfo,
    scope: str,
    after: str | None,
    viewer: Viewer,
    direct: Callable[[LiveSubscription, int], Direct | None] | None = None,
    needs: Needs = NO_NEEDS,
) -> AsyncGenerator[tuple[ActivityEvent, bool], None]:
    """(event, replayed) for `scope`'s feed as its viewer may see it: replay, then live. The viewer
    is `viewer` until a review of its socket changes it (`sub.viewer`, hub/live/access.py), and the
    subscription ends when the viewer no longer has what it `needs`.

    With `direct`, once live and nothing is queued, the subscription is handed to the fan-out
    loop (hub/live/fanout.py), which writes its frames; this generator then only waits for the
    subscription to fail (and raises that, as before) or to be cancelled."""
    live: LiveStream | None = info.context.live
    if live is None:
        raise InvalidInput.one("subscription", "subscriptions are served over WebSocket only")
    graph = info.context.graph
    # A cursor's history and seq, checked against the history in Neo4j.
    resume = (
        (activity.decode_cursor(after)[0], await activity.check_cursor(graph, after))
        if after is not None
        else None
    )

    def overflow(reason: str) -> None:
        metrics.slow_consumer_closed()
        websocket = info.context.websocket
        if websocket is not None:
            # Fire and forget: the close frame goes out once the socket drains; a peer that
            # stopped reading is cut off instead (hub/live/internals.py), which frees the rest.
            task = asyncio.ensure_future(websocket.close(code=SLOW_CONSUMER_CODE, reason=reason))
            task.add_done_callback(lambda t: t.cancelled() or t.exception())

    peer = live.access.peer(info.context.websocket)
    async with live.subscribe(scope, viewer, overflow, peer, needs) as sub:
        # "From now" is the committed head, read after registering so nothing committed later is
        # missed; this process's own view may lag (another replica's publish still in flight).
        epoch: str | None
        if resume is not None:
            epoch, last = resume
        else:
            head = await live.committed_head()
            epoch, last = head.epoch, head.seq
        live.bind(sub, epoch)
        if resume is not None:
            scope_id = None if scope == ALL else scope
            while True:
                # The checks asked for so far (hub/live/access.py) apply to what is read next.
                await live.access.reviewed(EVERY_SEQ)
                if sub.failure is not None:
                    break
                batch = await activity.replay(graph, sub.viewer, after_seq=last, scope_id=scope_id)
                for event in batch:
                    if sub.failure is not None:
                        break
                    last = event.seq
                    yield event, True
                if len(batch) < activity.REPLAY_BATCH:
                    break
        while True:
            handle = direct(sub, last) if direct is not None else None
            if handle is not None and live.go_direct(sub, handle):
                failure = await sub.failed()
                if isinstance(failure, ConnectionClosing):
                    await asyncio.Event().wait()  # as below: the connection is being closed
                raise failure
            try:
                event = await sub.next()
            except ConnectionClosing:
                # The connection is being closed (a slow consumer: 1013, a revoked sign-in: 4403)
                # and its teardown cancels this: ending here would send `complete`, telling the
                # client the feed is over when it should reconnect (or sign in again).
                await asyncio.Event().wait()
            if event.seq <= last:
                continue  # already replayed
            last = event.seq
            await live.access.reviewed(event.seq)  # what came before it may have revoked this
            if sub.failure is None and await live.visible(event, sub.viewer):
                yield event, False


async def _activities(
    info: GQLInfo, scope: str, after: str | None, needs: Needs = NO_NEEDS
) -> AsyncGenerator[LiveActivity, None]:
    try:
        async for event, replayed in _events(info, scope, after, info.context.viewer, _direct, needs):
            yield _live_activity(event, replayed)
    except DomainError as error:
        raise _graphql_error(error) from error


@strawberry.type(
    description="Live feeds over WebSocket (graphql-transport-ws) for signed-in callers: each event once, "
    "in commit order, and only what the subscriber may see."
)
class Subscription:
    @strawberry.subscription(
        description="Everything that happens to a team, in seq order; only for a team the viewer may see, "
        "and it ends if they lose sight of it."
    )
    async def team_activity(
        self,
        info: GQLInfo,
        team_id: Annotated[strawberry.ID, strawberry.argument(description="The team to follow.")],
        after: Cursor = None,
    ) -> AsyncGenerator[LiveActivity, None]:
        async for item in _activities(info, team_id, after, Needs(team_id=team_id)):
            yield item

    @strawberry.subscription(description="Everything in a horizontal issue's feed, its teams included.")
    async def issue_activity(
        self,
        info: GQLInfo,
        issue_id: Annotated[
            strawberry.ID, strawberry.argument(description="The horizontal issue to follow.")
        ],
        after: Cursor = None,
    ) -> AsyncGenerator[LiveActivity, None]:
        async for item in _activities(info, issue_id, after):
            yield item

    @strawberry.subscription(
        description="Everything in an institution's feed: its people, issues affecting it."
    )
    async def institution_activity(
        self,
        info: GQLInfo,
        institution_id: Annotated[
            strawberry.ID, strawberry.argument(description="The institution to follow.")
        ],
        after: Cursor = None,
    ) -> AsyncGenerator[LiveActivity, None]:
        async for item in _activities(info, institution_id, after):
            yield item

    @strawberry.subscription(
        description="The signed-in person's own feed: invitations, membership changes, mentions, tasks. "
        "`personId` names another person's feed (administrators only) or an administrator account's "
        "person when it has none."
    )
    async def my_feed(
        self,
        info: GQLInfo,
        after: Cursor = None,
        person_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Whose feed; the signed-in person's own when omitted."),
        ] = None,
    ) -> AsyncGenerator[LiveActivity, None]:
        person = person_id or info.context.viewer.person_id
        if person is None:
            raise _graphql_error(InvalidInput.one("personId", "is required: this account has no person"))
        needs = Needs(person_id=person_id) if person_id is not None else NO_NEEDS  # checked from now on
        async for item in _activities(info, person, after, needs):
            yield item

    @strawberry.subscription(
        description="Node and edge changes to an issue map drawn with `filter`, live from now on (no replay)."
    )
    async def issue_map_changes(
        self,
        info: GQLInfo,
        filter: Annotated[
            MapFilterInput | None,
            strawberry.argument(description="The same narrowing as the drawn map; every issue when omitted."),
        ] = None,
    ) -> AsyncGenerator[MapChange, None]:
        # Live only: a map is drawn from the current graph, then kept current with these deltas.
        f = map_changes.MapFilter(
            direction_id=filter.direction_id if filter else None,
            statuses=frozenset(s.value for s in (filter.statuses or [])) if filter else frozenset(),
            institution_id=filter.institution_id if filter else None,
        )
        try:
            in_map = await map_changes.issues_matching(info.context.graph, f)
            async for event, _ in _events(info, ALL, None, info.context.viewer):
                cursor = activity.encode_cursor(event.epoch, event.seq)
                for c in map_changes.derive(event.activity, f, in_map):
                    yield MapChange(
                        cursor=cursor,
                        op=c.op,
                        kind=c.kind,
                        node_id=_id(c.node_id),
                        source_id=_id(c.source_id),
                        target_id=_id(c.target_id),
                        label=c.label,
                        verb=event.activity["verb"],
                    )
        except DomainError as error:
            raise _graphql_error(error) from error
