"""The last Viewer looked up for each signed-in email, for the compiled pages' early path only.

Every request resolves its caller (email → Person id and roles), which is one Neo4j query per
request on top of a page that is itself one query. The early path (hub/api/early_pages.py) takes
the caller from here instead, and the page's own query reads the caller again in the same
transaction (graph/pages.py `Answer.caller`): the page is served only when that read matches
what was assumed; otherwise the entry is dropped and the request goes the usual way, with a fresh
lookup. So an entry may be stale but is never acted on: a demoted, archived or erased person
loses their rights from the next read on, on every replica, with no invalidation messages. Every
other path looks its caller up as before.
"""

from __future__ import annotations

from collections import OrderedDict

from graph.access import Viewer

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
