"""One ranked full-text search over people, issues, teams, institutions and skills.

Backed by the full-text index (graph/lucene.py: Latvian words in any inflected form, diacritics
optional, the last word a type-ahead prefix); an institution's exact code ranks it first.
Restricted teams the viewer may not see never come back.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final, LiteralString

from graph import lucene
from graph.access import TEAM_VISIBLE, Viewer
from graph.driver import Graph, Record
from graph.errors import InvalidInput
from graph.model import Narrowing, analysis, shape


class SearchKind(StrEnum):
    PERSON = "PERSON"
    ISSUE = "ISSUE"
    TEAM = "TEAM"
    INSTITUTION = "INSTITUTION"
    SKILL = "SKILL"


MAX_RESULTS = 50
MAX_TEXT = lucene.MAX_TEXT

# The best matches first, one `row` each: {kind, id, title, subtitle, score}; `$query` is the
# safe Lucene query made from the text (graph/lucene.py), null when it has no word to search.
# An institution whose code is exactly the text, case and diacritics as typed (`$code`), comes
# first ("ĀM" is Foreign Affairs, "AM" Defence, which the index folds alike), scored as the best
# text hit.
SEARCH: Final[LiteralString] = (
    """
    WITH $query AS query WHERE query IS NOT NULL
    OPTIONAL MATCH (exact:Institution {code: $code})
    CALL (exact) {
      WITH exact WHERE exact IS NOT NULL
      RETURN exact AS t, null AS score, true AS isExact
      UNION ALL
      """
    + lucene.matching("query", "t", "score")
    + """
      WITH t, score WHERE exact IS NULL OR t <> exact
      RETURN t, score, false AS isExact
    }
    WITH t, score, isExact,
         CASE WHEN t:Person THEN 'PERSON' WHEN t:HorizontalIssue THEN 'ISSUE'
              WHEN t:ProjectTeam THEN 'TEAM' WHEN t:Institution THEN 'INSTITUTION'
              ELSE 'SKILL' END AS kind
    WHERE kind IN $kinds AND t.archivedAt IS NULL AND (NOT t:ProjectTeam OR """
    + TEAM_VISIBLE
    + """)
    WITH t, score, isExact, kind ORDER BY isExact DESC, score DESC LIMIT $first
    WITH collect({t: t, score: score, isExact: isExact, kind: kind}) AS hits
    WITH hits, reduce(best = 0.0, h IN hits | CASE WHEN h.score > best THEN h.score ELSE best END) AS best
    UNWIND hits AS hit
    WITH hit.t AS t, hit.kind AS kind, hit.isExact AS isExact,
         CASE WHEN hit.isExact THEN best ELSE hit.score END AS score
    WITH t, score, kind, isExact,
         CASE kind WHEN 'PERSON' THEN t.name WHEN 'ISSUE' THEN t.title WHEN 'TEAM' THEN t.name
                   WHEN 'INSTITUTION' THEN t.nameLv ELSE t.name END AS title
    RETURN {kind: kind, id: t.id, score: score, title: title,
            subtitle: CASE kind
              WHEN 'PERSON' THEN head([(t)-[:WORKS_AT]->(i) | i.nameLv])
              WHEN 'ISSUE' THEN t.status
              WHEN 'TEAM' THEN t.status + ' · ' + coalesce(head([(t)-[:ADDRESSES]->(i) | i.title]), '')
              WHEN 'INSTITUTION' THEN t.code
              ELSE null END} AS row
    ORDER BY score DESC, isExact DESC, title, row.id
    """
)


def _params(text: str, kinds: list[SearchKind] | None, first: int) -> dict[str, Any]:
    if len(text) > MAX_TEXT:
        raise InvalidInput.one("text", f"must be at most {MAX_TEXT} characters")
    if not 1 <= first <= MAX_RESULTS:
        raise InvalidInput.one("first", f"must be between 1 and {MAX_RESULTS}")
    # Text with no words finds nothing; neither do no kinds.
    return {
        "query": lucene.type_ahead_query(text),
        "code": text.strip() or None,
        "kinds": [SearchKind(k).value for k in SearchKind]
        if kinds is None
        else [SearchKind(k).value for k in kinds],
        "first": first,
    }


# `search(text, kinds, first)`.
SEARCH_FIELD = analysis(
    SEARCH,
    "SearchResult",
    args=lambda asked: Narrowing(
        params=_params(asked.args["text"], asked.args.get("kinds"), asked.args["first"])
    ),
)
SEARCH_RESULT = shape("SearchResult", ("row",))


async def search(
    graph: Graph, text: str, viewer: Viewer, *, kinds: list[SearchKind] | None = None, first: int = 10
) -> list[Record]:
    """Best matches first: [{kind, id, title, subtitle, score}]. Text with no words finds nothing."""
    rows = await graph.read(SEARCH, **_params(text, kinds, first), **viewer.params())
    return [r["row"] for r in rows]
