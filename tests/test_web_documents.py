"""Every GraphQL document the web app sends is valid against the schema and within the cost budget."""

import re
from pathlib import Path

import pytest
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Visitor,
    parse,
    validate,
    visit,
)

from hub.api.schema import schema
from hub.config import Settings
from hub.limits import estimate_cost

FRONTEND = Path(__file__).resolve().parents[1] / "frontend" / "src"
_ALL = [
    (f"{path.relative_to(FRONTEND)}:{n}", text)
    for path in sorted(FRONTEND.rglob("*.ts*"))
    if "gql" not in path.relative_to(FRONTEND).parts  # generated from these documents
    for n, text in enumerate(re.findall(r"graphql\(`(.*?)`\)", path.read_text(), re.S))
]
# Shared fragments, by name; codegen adds the ones an operation spreads to what it sends.
FRAGMENTS = {match.group(1): text for _, text in _ALL if (match := re.match(r"\s*fragment (\w+)", text))}
DOCUMENTS = [(where, text) for where, text in _ALL if not re.match(r"\s*fragment ", text)]


def _with_fragments(text: str) -> str:
    """The operation as codegen sends it: with every fragment it spreads, transitively."""
    names: list[str] = []
    pending = re.findall(r"\.\.\.(\w+)", text)
    while pending:
        name = pending.pop()
        if name in FRAGMENTS and name not in names:
            names.append(name)
            pending += re.findall(r"\.\.\.(\w+)", FRAGMENTS[name])
    return "\n".join([text, *(FRAGMENTS[n] for n in names)])


class _AddTypename(Visitor):
    """urql's document cache adds `__typename` to every field's selection set: cost what is sent."""

    def leave_selection_set(
        self, node: SelectionSetNode, _key: object, parent: object, *_: object
    ) -> SelectionSetNode:
        if not isinstance(parent, FieldNode):
            return node  # the operation's own selection (a subscription allows only one field)
        typename = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())
        return SelectionSetNode(selections=(*node.selections, typename))


def test_the_web_app_has_documents_to_check() -> None:
    assert len(DOCUMENTS) >= 10


@pytest.mark.parametrize(("where", "text"), DOCUMENTS, ids=[w for w, _ in DOCUMENTS])
def test_document_validates_and_fits_the_cost_budget(where: str, text: str) -> None:
    document = visit(parse(_with_fragments(text)), _AddTypename())
    assert validate(schema._schema, document) == []
    budget = Settings().max_query_cost
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    for operation in document.definitions:
        if isinstance(operation, OperationDefinitionNode):
            cost = estimate_cost(schema._schema, operation, fragments, {}, Settings().max_page_size)
            assert cost <= budget
