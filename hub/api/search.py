"""One search box over people, issues, teams, institutions and skills."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph import search as text_search
from graph.search import SearchKind
from hub.api.base import described_enum
from hub.api.planning import answered_by_planner, maps, roots
from hub.api.text_limits import SEARCH

described_enum(
    SearchKind,
    "What a search hit is.",
    PERSON="A person in the register.",
    ISSUE="A horizontal issue.",
    TEAM="A project team the viewer may see.",
    INSTITUTION="An institution in the register.",
    SKILL="A skill in the vocabulary.",
)


@maps(text_search.SEARCH_RESULT)
@strawberry.type(description="One search hit; fetch the object itself with `node(id)`.")
class SearchResult:
    kind: SearchKind = strawberry.field(
        description="What the hit is: a person, issue, team, institution or skill."
    )
    id: strawberry.ID = strawberry.field(description="The global id of the object found.")
    title: str = strawberry.field(description="The name or title to show for the hit.")
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
        "(type-ahead); Latvian words are found in any inflected form, diacritics optional in both "
        "directions; an institution whose code is exactly the text (case and diacritics as typed) comes first."
    )
    def search(
        self,
        text: Annotated[str, SEARCH.argument("The words to find.")],
        kinds: Annotated[
            list[SearchKind] | None,
            strawberry.argument(description="Only hits of these kinds; every kind when omitted."),
        ] = None,
        first: Annotated[int, strawberry.argument(description="How many hits at most, 1 to 50.")] = 10,
    ) -> list[SearchResult]:
        return answered_by_planner()
