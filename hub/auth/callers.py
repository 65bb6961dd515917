"""The last Viewer looked up for each sign-in.

Every request resolves its caller (the identity provider's issuer and subject → the Person bound
to them, with id, roles and e-mail), which would be one Neo4j query per request on top of an
operation that is itself one statement. An HTTP request takes the caller from here instead
(`remembered` says so), and the operation's own statement reads the caller again
(hub/api/planning.py; a one-statement write checks it in its guard, graph/identity.py
`CONFIRMED`): the answer stands only when that read matches what was assumed; otherwise the entry
is dropped and the operation runs again for a fresh lookup (a write that cannot check it gets a
fresh lookup first). So an entry may be stale but is never acted on: a demoted, archived or erased
person loses their rights from the next read on, on every replica, with no invalidation messages;
so does a sign-in released or bound to someone else, and a person whose e-mail changed (it may
decide a HUB_ADMIN_EMAILS grant). An entry is keyed by everything the token says of who signs in
(issuer, subject, e-mail, whether verified), so a token with other claims is looked up afresh.
"""

from __future__ import annotations

from collections import OrderedDict
from contextvars import ContextVar

from graph.access import SignIn, Viewer

# Whether the caller resolved last in this task came from the cache (hub/auth/principal.py sets
# it; the app passes it on to the operation, which then reads the caller again).
remembered: ContextVar[bool] = ContextVar("caller_remembered", default=False)

CALLER_CACHE_SIZE = 4096  # distinct sign-ins remembered, least recently used out first


class CallerCache:
    def __init__(self, size: int = CALLER_CACHE_SIZE) -> None:
        self._size = size
        self._viewers: OrderedDict[SignIn, Viewer] = OrderedDict()

    def get(self, sign_in: SignIn) -> Viewer | None:
        viewer = self._viewers.get(sign_in)
        if viewer is not None:
            self._viewers.move_to_end(sign_in)
        return viewer

    def put(self, sign_in: SignIn, viewer: Viewer) -> None:
        self._viewers[sign_in] = viewer
        self._viewers.move_to_end(sign_in)
        while len(self._viewers) > self._size:
            self._viewers.popitem(last=False)

    def forget(self, sign_in: SignIn | None) -> None:
        if sign_in is not None:
            self._viewers.pop(sign_in, None)

    def __len__(self) -> int:
        return len(self._viewers)
