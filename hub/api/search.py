"""One search box over people, issues, teams, institutions and skills."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph import search as text_search
from graph.search import SearchKind
from hub.api.planning import answered_by_planner, maps, roots
from hub.api.text_limits import SEARCH

strawberry.enum(SearchKind)


@maps(text_search.SEARCH_RESULT)
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


@roots(search=text_search.SEARCH_FIELD)
@strawberry.type
class SearchQuery:
    @strawberry.field(
        description="Ranked full-text search; every word must match, the last one may be a prefix "
        "(type-ahead), and Latvian diacritics are optional in both directions."
    )
    def search(
        self,
        text: Annotated[str, SEARCH.argument("The words to find.")],
        kinds: list[SearchKind] | None = None,
        first: int = 10,
    ) -> list[SearchResult]:
        return answered_by_planner()
