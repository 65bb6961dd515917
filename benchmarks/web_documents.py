"""The web app's GraphQL documents (frontend/src), as it sends them: each operation with the
fragments it spreads, and `__typename` in every selection set of a field (urql's document cache
adds it). The benchmark measures them; the tests check them (tests/test_web_documents.py,
tests/test_web_app_reads.py)."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import FieldNode, NameNode, SelectionSetNode, Visitor, parse, print_ast, visit

FRONTEND = Path(__file__).resolve().parents[1] / "frontend" / "src"

# (where, text) of every `graphql(`...`)` in the app's sources, fragments included.
SOURCES = [
    (f"{path.relative_to(FRONTEND)}:{n}", text)
    for path in sorted(FRONTEND.rglob("*.ts*"))
    if "gql" not in path.relative_to(FRONTEND).parts  # generated from these documents
    for n, text in enumerate(re.findall(r"graphql\(`(.*?)`\)", path.read_text(), re.S))
]
FRAGMENTS = {match.group(1): text for _, text in SOURCES if (match := re.match(r"\s*fragment (\w+)", text))}
OPERATIONS = [(where, text) for where, text in SOURCES if not re.match(r"\s*fragment ", text)]


def with_fragments(text: str) -> str:
    """The operation as codegen sends it: with every fragment it spreads, transitively."""
    names: list[str] = []
    pending = re.findall(r"\.\.\.(\w+)", text)
    while pending:
        name = pending.pop()
        if name in FRAGMENTS and name not in names:
            names.append(name)
            pending += re.findall(r"\.\.\.(\w+)", FRAGMENTS[name])
    return "\n".join([text, *(FRAGMENTS[n] for n in names)])


class AddTypename(Visitor):
    """urql's document cache adds `__typename` to every field's selection set."""

    def leave_selection_set(
        self, node: SelectionSetNode, _key: object, parent: object, *_: object
    ) -> SelectionSetNode:
        if not isinstance(parent, FieldNode):
            return node  # the operation's own selection (a subscription allows only one field)
        typename = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())
        return SelectionSetNode(selections=(*node.selections, typename))


def as_sent(text: str) -> str:
    """An operation's text as the web app sends it."""
    return print_ast(visit(parse(with_fragments(text)), AddTypename()))


def reads() -> dict[str, str]:
    """Every query of the web app, by operation name, as it is sent."""
    found = {}
    for _, text in OPERATIONS:
        match = re.match(r"\s*query (\w+)", text)
        if match:
            found[match.group(1)] = as_sent(text)
    return found
