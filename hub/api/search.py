"""One search box over people, issues, teams, institutions and skills."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph import search as text_search
from graph.search import SearchKind
from hub.api.base import GQLInfo, from_record
from hub.api.text_limits import SEARCH

strawberry.enum(SearchKind)


@strawberry.type(description="One search hit; fetch the object itself with `node(id)`.")
class SearchResult:
    kind: SearchKind
    id: strawberry.ID
    title: str
    subtitle: str | None = strawberry.field(
        description="A person's institution, an issue's status, a team's status and issue, "
        "an institution's code."
    )
    score: float = strawberry.field(description="Relevance; higher is better.")


@strawberry.type
class SearchQuery:
    @strawberry.field(
        description="Ranked full-text search; every word must match, the last one may be a prefix "
        "(type-ahead), and Latvian diacritics are optional in both directions."
    )
    async def search(
        self,
        info: GQLInfo,
        text: Annotated[str, SEARCH.argument("The words to find.")],
        kinds: list[SearchKind] | None = None,
        first: int = 10,
    ) -> list[SearchResult]:
        rows = await text_search.search(
            info.context.graph, text, info.context.viewer, kinds=kinds, first=first
        )
        return [from_record(SearchResult, r) for r in rows]
