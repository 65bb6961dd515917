"""Free text to a safe Lucene query for the `search_text` full-text index.

User text is never passed through as Lucene syntax: it is folded, cut into words, and every
Lucene special character left in a word is escaped, so `a) OR b:*` is searched as text.
"""

from __future__ import annotations

import re
import unicodedata

# Every character the classic query parser treats as syntax (&& and || are covered by & and |).
SPECIAL = frozenset('+-&|!(){}[]^"~*?:\\/')

# Words as the index's standard tokenizer sees them: inner dots and apostrophes stay
# ("j.berzins", "vk.gov.lv"); any other punctuation separates words.
_WORD = re.compile(r"\w+(?:[.'’]\w+)*")

MAX_WORDS = 10
MAX_TEXT = 200


def fold(text: str) -> str:
    """Lower-case and strip diacritics ("Bērziņš" → "berzins").

    The `standard-folding` analyzer folds indexed text and plain query terms, but Lucene does not
    analyse prefix (`word*`) terms, so the type-ahead word must arrive already folded.
    """
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def escape(word: str) -> str:
    return "".join("\\" + c if c in SPECIAL else c for c in word)


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))[:MAX_WORDS]


def type_ahead_query(text: str) -> str | None:
    """Every word required, the last one also as a prefix; None when no word is left to search."""
    found = [escape(w) for w in words(text)]
    if not found:
        return None
    *whole, last = found
    # The exact last word scores above the words it merely begins (prefix hits score flat).
    return " ".join([*(f"+{w}" for w in whole), f"+({last}^2 OR {last}*)"])
