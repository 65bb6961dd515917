"""The last Viewer looked up for each signed-in email.

Every request resolves its caller (email → Person id and roles), which would be one Neo4j query
per request on top of an operation that is itself one statement. An HTTP request takes the
caller from here instead (`remembered` says so), and the operation's own statement reads the
caller again (hub/api/planning.py; a one-statement write checks it in its guard,
graph/identity.py `CONFIRMED`): the answer stands only when that read matches what was
assumed; otherwise the entry is dropped and the operation runs again for a fresh lookup (a write
that cannot check it gets a fresh lookup first). So an entry may be stale but is never acted on:
a demoted, archived or erased person loses their rights from the next read on, on every
replica, with no invalidation messages.
"""

from __future__ import annotations

from collections import OrderedDict
from contextvars import ContextVar

from graph.access import Viewer

# Whether the caller resolved last in this task came from the cache (hub/auth/principal.py sets
# it; the app passes it on to the operation, which then reads the caller again).
remembered: ContextVar[bool] = ContextVar("caller_remembered", default=False)

CALLER_CACHE_SIZE = 4096  # distinct signed-in emails remembered, least recently used out first


class CallerCache:
    def __init__(self, size: int = CALLER_CACHE_SIZE) -> None:
        self._size = size
        self._viewers: OrderedDict[str, Viewer] = OrderedDict()

    def get(self, email: str) -> Viewer | None:
        viewer = self._viewers.get(email)
        if viewer is not None:
            self._viewers.move_to_end(email)
        return viewer

    def put(self, email: str, viewer: Viewer) -> None:
        self._viewers[email] = viewer
        self._viewers.move_to_end(email)
        while len(self._viewers) > self._size:
            self._viewers.popitem(last=False)

    def forget(self, email: str) -> None:
        self._viewers.pop(email, None)

    def __len__(self) -> int:
        return len(self._viewers)
