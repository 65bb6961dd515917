"""Abuse resistance over real HTTP (checklist GQL-01…24): each hostile request is turned away
quickly with a clear error, nothing runs, and the hub keeps answering others."""

import json
import time

import httpx

from graph.driver import Graph
from tests.conftest import Hub

SKILLS = "{ skills { totalCount } }"


def still_serving(hub: Hub) -> bool:
    return bool(hub.data(SKILLS)["skills"]["totalCount"] == 0)


def nested_depth(depth: int) -> str:
    """`institution.parent.parent…` with `depth` levels of selection."""
    inner = "code"
    for _ in range(depth - 2):
        inner = f"parent {{ {inner} }}"
    return f'{{ institution(id: "x") {{ {inner} }} }}'


def test_query_over_max_depth_is_rejected_naming_the_limit(hub: Hub) -> None:
    error = hub.error(nested_depth(12))
    assert "exceeds maximum operation depth of 10" in error["message"]
    assert still_serving(hub)


def test_query_at_max_depth_is_accepted(hub: Hub) -> None:
    assert hub.data(nested_depth(10)) == {"institution": None}


def test_depth_reached_through_fragments_is_rejected(hub: Hub) -> None:
    query = (
        '{ institution(id: "x") { ...A } } '
        "fragment A on Institution { parent { ... on Institution { parent { ...B } } } } "
        "fragment B on Institution { parent { parent { parent { parent { parent { parent "
        "{ parent { parent { parent { code } } } } } } } } } }"
    )
    assert "exceeds maximum operation depth" in hub.error(query)["message"]


def test_circular_fragments_are_a_validation_error(hub: Hub) -> None:
    query = "{ skills { nodes { ...A } } } fragment A on Skill { ...B name } fragment B on Skill { ...A id }"
    result = hub.post(query)
    assert result["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "Cannot spread fragment" in result["errors"][0]["message"]


def test_more_than_15_aliases_are_rejected(hub: Hub) -> None:
    query = "{ " + " ".join(f"a{i}: skills {{ totalCount }}" for i in range(16)) + " }"
    assert hub.error(query)["message"] == "16 aliases found. Allowed: 15"


def test_101_typename_aliases_are_rejected(hub: Hub) -> None:
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(101)) + " }"
    assert hub.error(query)["message"] == "101 aliases found. Allowed: 15"


def test_a_document_over_2000_tokens_is_rejected_at_parse(hub: Hub) -> None:
    query = "{ " + " ".join(["__typename"] * 2500) + " }"
    error = hub.error(query)
    assert "2000" in error["message"] and "tokens" in error["message"]


def test_directive_overloading_is_rejected_with_bounded_errors(hub: Hub) -> None:
    query = "{ __typename " + "@aa" * 1000 + " }"
    result = hub.post(query)
    assert result["errors"]
    assert len(result["errors"]) <= 101


def test_first_over_the_page_cap_is_refused_naming_the_field(hub: Hub) -> None:
    # The cost estimate counts such a `first` at the cap, so the resolver's clearer error wins.
    for first in (101, 99999999):
        error = hub.error(f"{{ skills(first: {first}) {{ totalCount }} }}")
        assert error["extensions"] == {
            "code": "BAD_USER_INPUT",
            "field": "first",
            "problems": [{"field": "first", "problem": "must be between 0 and 100"}],
        }


def test_negative_first_is_refused(hub: Hub) -> None:
    error = hub.error("{ skills(first: -1) { totalCount } }")
    assert error["extensions"]["field"] == "first"


COSTLY = (
    "{ people(first: 100) { nodes { skills { skill { people(first: 20) { skills { skill "
    "{ people(first: 20) { name } } } } } } } } }"
)


def test_query_over_the_cost_budget_is_rejected_before_execution_with_its_cost(
    hub: Hub, graph: Graph
) -> None:
    error = hub.error(COSTLY)
    ext = error["extensions"]
    assert ext["code"] == "QUERY_TOO_COSTLY"
    assert ext["maxCost"] == 20_000
    # innermost people(first: 20) { name } = 21; skill 22; skills 1 + 20 × 22 = 441;
    # people(first: 20) 1 + 20 × 441 = 8821; skill 8822; skills 176 441; nodes 176 442; × 100 + 1
    assert ext["cost"] == 17_644_201
    assert error["message"].startswith("Query cost 17644201 exceeds the maximum of 20000")
    assert hub.post(COSTLY)["data"] is None


def test_cost_uses_first_from_variables(hub: Hub) -> None:
    query = (
        "query($n: Int) { people(first: $n) { nodes { skills { skill { people(first: 20) { name } } } } } }"
    )
    assert hub.data(query, {"n": 10}) == {"people": {"nodes": []}}
    # people 1 + n × (nodes 1 + skills (1 + 20 × (skill 1 + people 21))) = 1 + n × 442
    error = hub.error(query, {"n": 100})
    assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 44_201, "maxCost": 20_000}


def test_cheap_query_is_accepted(hub: Hub) -> None:
    assert hub.data("{ people(first: 100) { nodes { name skills { level } } } }") == {"people": {"nodes": []}}


def test_body_over_one_megabyte_is_413_before_parsing(hub: Hub) -> None:
    body = json.dumps({"query": SKILLS, "variables": {"pad": "x" * 2_000_000}})
    start = time.monotonic()
    response = hub.http.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert time.monotonic() - start < 5
    assert still_serving(hub)


def test_chunked_body_over_the_limit_is_413(hub: Hub) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"query": "{ __typename }", "variables": {"pad": "'
        for _ in range(20):
            yield b"x" * 100_000
        yield b'"}}'

    response = hub.http.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_text_plain_post_is_415_and_nothing_runs(hub: Hub, graph: Graph) -> None:
    body = json.dumps({"query": 'mutation { createSkill(input: {name: "Csrf"}) { id } }'})
    response = hub.http.post("/graphql", content=body, headers={"content-type": "text/plain"})
    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert still_serving(hub)


def test_form_encoded_mutation_is_415_and_nothing_runs(hub: Hub) -> None:
    response = hub.http.post(
        "/graphql", data={"query": 'mutation { createSkill(input: {name: "Csrf"}) { id } }'}
    )
    assert response.status_code == 415
    assert still_serving(hub)


def test_multipart_post_is_415(hub: Hub) -> None:
    response = hub.http.post("/graphql", files={"operations": (None, json.dumps({"query": SKILLS}))})
    assert response.status_code == 415


def test_cross_site_post_by_origin_is_403_and_nothing_runs(hub: Hub) -> None:
    response = hub.http.post(
        "/graphql",
        json={"query": 'mutation { createSkill(input: {name: "Csrf"}) { id } }'},
        headers={"origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "CROSS_SITE_REQUEST"
    assert still_serving(hub)


def test_cross_site_post_by_fetch_metadata_is_403(hub: Hub) -> None:
    response = hub.http.post("/graphql", json={"query": SKILLS}, headers={"sec-fetch-site": "cross-site"})
    assert response.status_code == 403


def test_same_origin_post_is_accepted(hub: Hub) -> None:
    response = hub.http.post("/graphql", json={"query": SKILLS}, headers={"origin": hub.base_url})
    assert response.status_code == 200
    assert response.json()["data"] == {"skills": {"totalCount": 0}}


def test_cors_preflight_from_an_unlisted_origin_gets_no_allow_origin(hub: Hub) -> None:
    response = hub.http.options(
        "/graphql",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert "access-control-allow-origin" not in response.headers
    assert response.status_code == 400


def test_batched_operations_are_refused(hub: Hub) -> None:
    response = hub.http.post("/graphql", json=[{"query": SKILLS}] * 10)
    assert response.status_code == 400


def test_request_id_is_echoed_or_made(hub: Hub) -> None:
    given = hub.http.post("/graphql", json={"query": SKILLS}, headers={"x-request-id": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = hub.http.post("/graphql", json={"query": SKILLS}, headers={"x-request-id": "bad id!"})
    assert len(made.headers["x-request-id"]) == 32


def test_hostile_requests_do_not_block_other_clients(hub: Hub) -> None:
    """Ten oversized and ten over-deep requests in flight while a normal client keeps its latency."""
    import concurrent.futures

    big = json.dumps({"query": SKILLS, "variables": {"pad": "x" * 1_500_000}})

    def hostile(i: int) -> int:
        with httpx.Client(base_url=hub.base_url, timeout=30) as client:
            if i % 2:
                return client.post(
                    "/graphql", content=big, headers={"content-type": "application/json"}
                ).status_code
            return client.post("/graphql", json={"query": nested_depth(30)}).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(hostile, i) for i in range(20)]
        for _ in range(5):
            assert still_serving(hub)
        statuses = sorted({f.result() for f in futures})
    assert statuses == [200, 413]
