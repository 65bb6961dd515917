"""Free text to a safe Lucene query for the full-text search index, and the Cypher that runs it.

User text is never passed through as Lucene syntax: it is cut into words, and every Lucene special
character left in a word is escaped, so `a) OR b:*` is searched as text. The index's analyzer does
the rest (graph/migrations.py, migration 6): `latvian-folding` stems Latvian and folds diacritics,
both for the words and (Lucene normalises prefix terms with the analyzer) for the type-ahead prefix.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Final, LiteralString, cast

# Every character the classic query parser treats as syntax (&& and || are covered by & and |).
SPECIAL = frozenset('+-&|!(){}[]^"~*?:\\/')

# Words as the index's standard tokenizer sees them: inner dots and apostrophes stay
# ("j.berzins", "vk.gov.lv"); any other punctuation separates words.
_WORD = re.compile(r"\w+(?:[.'’]\w+)*")

MAX_WORDS = 10
MAX_TEXT = 200

# The analyzer of the Sadarbe launcher and plugin jar (infra/neo4j, `LatvianFolding`).
LATVIAN_FOLDING: Final = "latvian-folding"


def escape(word: str) -> str:
    return "".join("\\" + c if c in SPECIAL else c for c in word)


def words(text: str) -> list[str]:
    """The words as typed, lower-cased (so "AND" is a word, not an operator), diacritics kept:
    the Latvian stemmer reads them, and the analyzer folds them after."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())[:MAX_WORDS]


def type_ahead_query(text: str) -> str | None:
    """Every word required, the last one also as a prefix; None when no word is left to search."""
    found = [escape(w) for w in words(text)]
    if not found:
        return None
    *whole, last = found
    # The exact last word scores above the words it merely begins (prefix hits score flat).
    return " ".join([*(f"+{w}" for w in whole), f"+({last}^2 OR {last}*)"])


# The full-text indexes to query, as migration 6 recorded them on its version node: the one
# `latvian-folding` index, or, on a Neo4j without that analyzer (Aura), the built-in `latvian`
# index and its `standard-folding` copy. A node found by both counts once, at its better score.
_INDEXES: Final = (
    "coalesce(head(COLLECT { MATCH (s:SchemaVersion) WHERE s.textIndexes IS NOT NULL"
    " RETURN s.textIndexes ORDER BY s.version DESC }), ['search_text'])"
)


def matching(query: LiteralString, node: LiteralString, score: LiteralString | None = None) -> LiteralString:
    """Cypher binding `node` to every node whose text matches the parameter `query` (a query from
    `type_ahead_query`; null matches nothing), once each, and `score` to its relevance if given.
    Its own variables stay inside its subquery; the names given may be planner placeholders."""
    returned = (
        f"text_node AS {node}, max(text_score) AS {score}" if score else f"DISTINCT text_node AS {node}"
    )
    return cast(
        LiteralString,
        f"CALL () {{ WITH ${query} AS text_query WHERE text_query IS NOT NULL"
        f" UNWIND {_INDEXES} AS text_index"
        " CALL db.index.fulltext.queryNodes(text_index, text_query) YIELD node AS text_node, score AS text_score"
        f" RETURN {returned} }}",
    )


def filtered(match: LiteralString, text: str | None) -> tuple[LiteralString, dict[str, Any]]:
    """A list's `filter.text`, matched as `search` matches it: the page's `match` (its node
    `{node}`) preceded by the index, and the parameter that goes with it. As in `search`, text
    with no word to search (blank included) matches nothing; the statement's text depends only on
    whether there is text (the planner's rule), never on what it is."""
    if text is None:
        return match, {}
    return matching("textQuery", "{node}") + " " + match, {"textQuery": type_ahead_query(text)}
