"""Every GraphQL document the web app sends is valid against the schema and within the cost budget."""

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse, validate, visit

from benchmarks.web_documents import OPERATIONS, AddTypename, with_fragments
from hub.api.schema import schema
from hub.config import Settings
from hub.limits import estimate_cost

DOCUMENTS = OPERATIONS


def test_the_web_app_has_documents_to_check() -> None:
    assert len(DOCUMENTS) >= 10


@pytest.mark.parametrize(("where", "text"), DOCUMENTS, ids=[w for w, _ in DOCUMENTS])
def test_document_validates_and_fits_the_cost_budget(where: str, text: str) -> None:
    document = visit(parse(with_fragments(text)), AddTypename())
    assert validate(schema._schema, document) == []
    budget = Settings().max_query_cost
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    for operation in document.definitions:
        if isinstance(operation, OperationDefinitionNode):
            cost = estimate_cost(schema._schema, operation, fragments, {}, Settings().max_page_size)
            assert cost <= budget
