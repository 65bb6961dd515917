"""HTTP behaviour of /graphql: methods, content types, the development IDE."""

from tests.conftest import Hub


def test_mutation_over_get_is_refused(hub: Hub) -> None:
    response = hub.http.get(
        "/graphql", params={"query": 'mutation { createSkill(input: {name: "X"}) { id } }'}
    )
    assert response.status_code in (400, 405)
    assert hub.data("{ skills { totalCount } }")["skills"]["totalCount"] == 0


def test_queries_over_get_are_refused_too(hub: Hub) -> None:
    response = hub.http.get("/graphql", params={"query": "{ skills { totalCount } }"})
    assert response.status_code in (400, 405)


def test_graphiql_is_served_in_development(hub: Hub) -> None:
    response = hub.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_form_encoded_post_is_refused(hub: Hub) -> None:
    response = hub.http.post("/graphql", data={"query": "{ skills { totalCount } }"})
    assert response.status_code in (400, 415)


def test_syntax_error_is_a_validation_error_not_a_crash(hub: Hub) -> None:
    result = hub.post("{ skills { ")
    assert result["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
