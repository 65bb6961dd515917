"""Read-your-writes across hub replicas: a write's Neo4j bookmark goes back to the client in the
`Sadarbe-Bookmark` response header, and the client sends it back with its next requests, whose
reads and writes then start no earlier than that write, whichever replica and whichever Neo4j
cluster member answers them (graph/driver.py `causally_after`; docs/scaling.md).

The header is opaque to clients and signed with HUB_SECRET_KEY, so a client can only send back what
a hub of this deployment handed out: a forged bookmark could make Neo4j wait for a transaction that
never comes. A value that is not one the hub issued is refused with 400 and `BAD_BOOKMARK`.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.driver import causally_after
from hub.middleware import reject

HEADER = "sadarbe-bookmark"
_RAW_HEADER = HEADER.encode()
MAX_HEADER_CHARS = 4096
MAX_BOOKMARKS = 16
# Neo4j's bookmarks are printable tokens ("FB:" and base64); ',' separates them, '.' the signature.
_BOOKMARK = re.compile(r"[A-Za-z0-9:+/=_-]{1,512}")


class BadBookmark(ValueError):
    pass


class Signer:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"sadarbe-bookmark:" + secret.encode()).digest()

    def _signature(self, joined: str) -> str:
        return hmac.new(self._key, joined.encode(), hashlib.sha256).hexdigest()

    def encode(self, bookmarks: tuple[str, ...]) -> str:
        joined = ",".join(bookmarks)
        return f"{joined}.{self._signature(joined)}"

    def decode(self, value: str) -> tuple[str, ...]:
        """The bookmarks in a header this hub issued, else BadBookmark saying what is wrong."""
        if len(value) > MAX_HEADER_CHARS:
            raise BadBookmark(f"{HEADER} is longer than {MAX_HEADER_CHARS} characters")
        joined, _, signature = value.strip().rpartition(".")
        bookmarks = tuple(joined.split(","))
        if len(bookmarks) > MAX_BOOKMARKS or not all(_BOOKMARK.fullmatch(b) for b in bookmarks):
            raise BadBookmark(f"{HEADER} is not a bookmark this hub handed out")
        if not hmac.compare_digest(signature, self._signature(joined)):
            raise BadBookmark(
                f"{HEADER} is not a bookmark this hub handed out (its signature does not match)"
            )
        return bookmarks


class Bookmarks:
    """ASGI middleware for HTTP requests: the request's Neo4j sessions start after the bookmarks in
    its `Sadarbe-Bookmark` header, and a request that wrote answers with its write's bookmarks."""

    def __init__(self, app: ASGIApp, *, secret: str) -> None:
        self.app = app
        self.signer = Signer(secret)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = [v.decode("latin-1") for k, v in scope["headers"] if k == _RAW_HEADER]
        try:
            after = self.signer.decode(given[-1]) if given else ()
        except BadBookmark as exc:
            await reject(scope, receive, send, 400, "BAD_BOOKMARK", str(exc))
            return
        with causally_after(after) as causality:

            async def send_bookmark(message: Message) -> None:
                if message["type"] == "http.response.start" and causality.wrote and causality.bookmarks:
                    token = self.signer.encode(causality.bookmarks).encode()
                    message = {**message, "headers": [*message.get("headers", []), (_RAW_HEADER, token)]}
                await send(message)

            await self.app(scope, receive, send_bookmark)
