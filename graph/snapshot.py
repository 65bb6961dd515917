"""Whole-graph aggregates cached against the committed activity head, so they are never stale.

Every write records an Activity in its own transaction (graph/entities.py `change`, the demo
loader and the importer included), and each Activity takes the next `seq` of one global counter
just after its commit (graph/activity.py). So the counter's (epoch, seq, prunedThrough) names the committed state of the graph:
while it is unchanged nothing was written, and an aggregate computed at it is still the answer.

A result is keyed by that head, read *before* computing (the result then reflects at least that
state, never less), by the function and its arguments, and by every viewer parameter the
function's Cypher sees, so visibility (TEAM_VISIBLE) is decided by the query for each viewer
exactly as without the cache: a restricted team counted for its members is never in the entry a
non-member reads. A graph without a counter (nothing recorded yet, or hand-built test data) is
never cached. Time-dependent rules (e.g. "inactive for 30 days") are applied to cached facts
by the caller, never baked into an entry.

A compute function may depend on the viewer only through `viewer.params()` (what its Cypher
sees), and on nothing but the graph and its arguments. Cached results are shared between
requests: callers read them and build new values, never change them in place. Writes that
bypass the domain functions (raw Cypher in a console, a data migration) record no Activity and
are not seen until the next recorded write.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Final, TypeVar
from weakref import WeakKeyDictionary

from graph import activity
from graph.access import Viewer
from graph.driver import Graph

T = TypeVar("T")

MAX_ENTRIES: Final = 512  # per Graph; a few kilobytes to a few hundred each


class SnapshotCache:
    """Least-recently-used results, each valid only at the activity head it was computed at."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[Hashable, ...], Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    async def get(
        self,
        graph: Graph,
        viewer: Viewer,
        compute: Callable[..., Awaitable[T]],
        *args: Hashable,
    ) -> T:
        """`await compute(graph, viewer, *args)`, or its result from an earlier call at the same
        committed head for the same viewer parameters and arguments."""
        head = await activity.head(graph)
        if head.epoch is None:
            return await compute(graph, viewer, *args)
        viewer_key = tuple(sorted(viewer.params().items()))
        key: tuple[Hashable, ...] = (
            compute.__module__,
            compute.__qualname__,
            args,
            viewer_key,
            head.epoch,
            head.seq,
            head.pruned_through,
        )
        if key in self._entries:
            self._entries.move_to_end(key)
            self.hits += 1
            return self._entries[key]
        self.misses += 1
        result = await compute(graph, viewer, *args)
        self._entries[key] = result
        # Entries at an older head can never be read again: drop them first, then the oldest.
        if len(self._entries) > self.max_entries:
            for old in [k for k in self._entries if k[4:] != key[4:]]:
                del self._entries[old]
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return result


_caches: WeakKeyDictionary[Graph, SnapshotCache] = WeakKeyDictionary()


def cache_of(graph: Graph) -> SnapshotCache:
    """The process's cache for this graph (one per Graph, so per database)."""
    if graph not in _caches:
        _caches[graph] = SnapshotCache()
    return _caches[graph]


async def cached(graph: Graph, viewer: Viewer, compute: Callable[..., Awaitable[T]], *args: Hashable) -> T:
    return await cache_of(graph).get(graph, viewer, compute, *args)
