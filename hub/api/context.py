"""Per-request context: the graph, settings, the caller, and request-scoped DataLoaders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader

from graph.access import Viewer
from graph.driver import Graph, Record
from hub.config import Settings

FetchOne = Callable[..., Awaitable[dict[str, Record]]]
FetchMany = Callable[..., Awaitable[dict[str, list[Record]]]]


class Loaders:
    """One DataLoader per graph batch function (and extra arguments), created on first use.

    Every field that follows a relationship goes through here, so a request costs one Cypher
    round trip per relationship and depth, whatever the list sizes (no N+1).
    """

    def __init__(self, graph: Graph) -> None:
        self._graph = graph
        self._loaders: dict[Hashable, DataLoader[str, Any]] = {}

    def one(self, fetch: FetchOne, *args: Hashable) -> DataLoader[str, Record | None]:
        async def load(keys: list[str]) -> list[Record | None]:
            found = await fetch(self._graph, list(keys), *args)
            return [found.get(k) for k in keys]

        return self._get((fetch, *args), load)

    def many(self, fetch: FetchMany, *args: Hashable) -> DataLoader[str, list[Record]]:
        async def load(keys: list[str]) -> list[list[Record]]:
            found = await fetch(self._graph, list(keys), *args)
            return [found.get(k, []) for k in keys]

        return self._get((fetch, *args), load)

    def _get(self, key: Hashable, load: Callable[[list[str]], Awaitable[list[Any]]]) -> DataLoader[str, Any]:
        if key not in self._loaders:
            self._loaders[key] = DataLoader(load_fn=load)
        return self._loaders[key]


@dataclass
class Context:
    graph: Graph
    settings: Settings
    # Set from the bearer token or session (hub/auth/principal.py); anonymous until then.
    viewer: Viewer = field(default_factory=Viewer.anonymous)
    client_ip: str | None = None  # keys the rate limit for anonymous callers (hub/limits.py)
    # WebSocket connections only: the live stream, the socket, the connection_init payload, and
    # when its token expires (epoch seconds; the subscription ends then).
    live: Any = None
    websocket: Any = None
    connection_params: dict[str, Any] | None = None
    token_expires_at: float | None = None
    loaders: Loaders = field(init=False)

    @property
    def actor_id(self) -> str | None:
        return self.viewer.person_id

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.graph)
