"""How long each text argument and input field may be, declared once where the field is.

Every `String` argument and input field states its limit with one of the kinds below
(`name: str = NAME.field()`, `text: Annotated[str, SEARCH.argument("…")]`); the limit goes into
the field's description (and so into schema.graphql) and into the field's metadata, where
`hub/api/request_checks.py` reads it to refuse longer text before anything runs. Every `ID` is
at most `ID.max_length` characters without saying so field by field (the `Node` interface says
it). Where the graph layer validates the same text, the limit is taken from its type, so the two
cannot disagree.

Text never holds control characters (NUL, escape, …) or lone surrogates; a multi-line kind (a
post, a description) allows line breaks and tabs.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from typing import Annotated, Any

import strawberry
from pydantic import StringConstraints

from graph import decisions, lifecycle, lucene, pagination, posts, teams, validation

TEXT_LIMIT = "sadarbe.text_limit"  # the metadata key of a field's or argument's TextLimit

# C0 and C1 control characters and lone surrogates (which no UTF-8 store can hold); the
# multi-line set spares tab, line feed and carriage return.
_ONE_LINE_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_MULTILINE_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass(frozen=True)
class TextLimit:
    max_length: int
    multiline: bool = False

    @classmethod
    def like(cls, constrained: Any, *, multiline: bool = False) -> TextLimit:
        """The limit of a graph-layer text type (`Annotated[str, StringConstraints(max_length=…)]`)."""
        for part in typing.get_args(constrained)[1:]:
            if isinstance(part, StringConstraints) and part.max_length is not None:
                return cls(part.max_length, multiline)
        raise TypeError(f"{constrained} declares no max_length")

    def describe(self, description: str | None = None) -> str:
        rule = f"At most {self.max_length} characters" + (
            "; line breaks allowed." if self.multiline else ", on one line."
        )
        return f"{description} {rule}" if description else rule

    def problem(self, value: str) -> str | None:
        """What is wrong with `value` for this limit, or None."""
        if len(value) > self.max_length:
            return f"must be at most {self.max_length} characters (got {len(value)})"
        forbidden = (_MULTILINE_FORBIDDEN if self.multiline else _ONE_LINE_FORBIDDEN).search(value)
        if forbidden is not None:
            return f"must not contain control characters (found U+{ord(forbidden.group()):04X})"
        return None

    def field(self, description: str | None = None, **kwargs: Any) -> Any:
        """An input field with this limit (`strawberry.field`'s other arguments pass through)."""
        return strawberry.field(description=self.describe(description), metadata={TEXT_LIMIT: self}, **kwargs)

    def argument(self, description: str | None = None) -> Any:
        """An argument with this limit, for `Annotated[str, …]`."""
        return strawberry.argument(description=self.describe(description), metadata={TEXT_LIMIT: self})


NAME = TextLimit.like(validation.Name)  # a person, team, skill or institution
TITLE = TextLimit.like(validation.Name)  # an issue or a task
SHORT_TEXT = TextLimit.like(validation.ShortText)  # a job title, a reason, a legal basis
LONG_TEXT = TextLimit.like(validation.LongText, multiline=True)  # a description, a mandate, a message
POST = TextLimit.like(posts.Body, multiline=True)
DECISION = TextLimit.like(decisions.DecisionText, multiline=True)
OUTCOME = TextLimit.like(lifecycle.Outcome, multiline=True)
EMAIL = TextLimit.like(validation.Email)
CODE = TextLimit.like(validation.Code)  # an institution's code
ORDER_NUMBER = TextLimit.like(teams.OrderNumber)  # the number of the order that set up a team
LANGUAGE = TextLimit(2)  # an ISO 639-1 code
SEARCH = TextLimit(lucene.MAX_TEXT)  # words to search for
CURSOR = TextLimit(100)  # a live feed's cursor the hub issued
PAGE_CURSOR = TextLimit(pagination.MAX_CURSOR_LENGTH)  # a page's cursor: the last row's sort keys
VERB = TextLimit(64)  # an activity's verb, such as `team.created`
ID = TextLimit.like(validation.PublicId)  # every ID argument and input field

# An `after` argument: where a live feed continues, or a page (connection).
Cursor = Annotated[str | None, CURSOR.argument("A cursor the hub gave out; what follows it.")]
PageCursor = Annotated[str | None, PAGE_CURSOR.argument("A cursor the hub gave out; what follows it.")]
