"""Reports the Cypher round trips of a request in `extensions.cypherQueries` (development only):
every statement sent for it, the caller's sign-in lookup included when it was not cached (the
app counts the whole HTTP request, hub/app.py `Authenticated`; elsewhere the operation alone).

It makes the round-trip rule observable from any client: tests assert it over real HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

from graph.driver import QueryCounter, active_counter, count_queries


class CypherRoundTrips(SchemaExtension):
    counter: QueryCounter | None = None

    def on_operation(self) -> Iterator[None]:
        self.counter = active_counter()
        if self.counter is not None:
            yield
            return
        with count_queries() as counter:
            self.counter = counter
            yield

    def get_results(self) -> dict[str, Any]:
        return {"cypherQueries": self.counter.queries if self.counter else 0}
