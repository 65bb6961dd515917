"""Reports the Cypher round trips an operation made in `extensions.cypherQueries` (development only).

It makes the no-N+1 rule observable from any client: tests assert it over real HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

from graph.driver import QueryCounter, count_queries


class CypherRoundTrips(SchemaExtension):
    counter: QueryCounter | None = None

    def on_operation(self) -> Iterator[None]:
        with count_queries() as counter:
            self.counter = counter
            yield

    def get_results(self) -> dict[str, Any]:
        return {"cypherQueries": self.counter.queries if self.counter else 0}
