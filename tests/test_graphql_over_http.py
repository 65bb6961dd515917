"""GraphQL over HTTP (checklist IN-02, GQL-28): every refusal of a request is a GraphQL error with
a code, in the media type the client accepts, with the status the GraphQL-over-HTTP specification
gives it; media types compare case-insensitively; and the npm `graphql-http` server audit passes
but for what the README refuses on purpose (GET, anonymous introspection)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph.driver import Graph
from hub.graphql_http import response_media_type
from tests import builders, hub_log
from tests.conftest import Hub
from tests.hub_log import LoggedHub
from tests.test_graphql_ws_client import js_packages

logged_hub_server, logged_hub = hub_log.logged_hub_server, hub_log.logged_hub

JSON = "application/json"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
CREATE_SKILL = 'mutation { createSkill(input: {name: "Kartogrāfija"}) { id } }'


def refused(response: httpx.Response, status: int, code: str, message: str, media_type: str = JSON) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == media_type
    assert response.json() == {"errors": [{"message": message, "extensions": {"code": code}}]}


def post_raw(hub: Hub, body: bytes, content_type: str = JSON, **headers: str) -> httpx.Response:
    return hub.http.post("/graphql", content=body, headers={"content-type": content_type, **headers})


async def test_a_body_that_is_not_utf8_is_a_400_and_no_internal_error(
    logged_hub: LoggedHub, graph: Graph
) -> None:
    mark = logged_hub.log.mark()
    body = b'{"query": "mutation { createSkill(input: {name: \\"Kartogr\xe2fija\\"}) { id } }"}'

    response = post_raw(logged_hub, body)

    refused(response, 400, "BAD_REQUEST", "The request body is not valid UTF-8.")
    assert await builders.count(graph) == (0, 0)
    logged = logged_hub.log.since(mark)
    assert "Traceback" not in logged and "[error" not in logged, logged


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"query": ', "The request body is not valid JSON."),
        (b"", "The request body is not valid JSON."),
        (b"[" * 100_000, "The request body is not valid JSON."),  # nested past any parser's depth
        (b"42", "The request body must be a JSON object with a `query`."),
        (b'"{ __typename }"', "The request body must be a JSON object with a `query`."),
        (b'{"query": 42}', "`query` must be a string or null."),
        (b'{"query": "{ __typename }", "variables": [1]}', "`variables` must be an object or null."),
        (b'{"query": "{ __typename }", "variables": "{}"}', "`variables` must be an object or null."),
        (b'{"query": "{ __typename }", "operationName": ["A"]}', "`operationName` must be a string or null."),
        (b'{"query": "{ __typename }", "extensions": 1}', "`extensions` must be an object or null."),
        (b'{"qeury": "{ __typename }"}', "No GraphQL query found in the request"),
        (b'{"query": "query A { __typename }", "operationName": "B"}', 'Unknown operation named "B".'),
    ],
)
def test_a_malformed_request_is_a_400_with_a_code(hub: Hub, body: bytes, message: str) -> None:
    refused(post_raw(hub, body), 400, "BAD_REQUEST", message)


async def test_a_batch_is_refused_and_none_of_it_runs(hub: Hub, graph: Graph) -> None:
    body = json.dumps([{"query": CREATE_SKILL}, {"query": "{ __typename }"}]).encode()

    refused(
        post_raw(hub, body), 400, "BAD_REQUEST", "Batching is not enabled: send one operation per request."
    )
    assert await builders.count(graph) == (0, 0)


async def test_get_is_refused_with_405_and_a_mutation_over_get_writes_nothing(hub: Hub, graph: Graph) -> None:
    for query in ("{ __typename }", CREATE_SKILL):
        response = hub.http.get("/graphql", params={"query": query}, headers={"accept": JSON})
        refused(response, 405, "METHOD_NOT_ALLOWED", "GraphQL is served over POST only.")
        assert response.headers["allow"] == "POST"
    assert await builders.count(graph) == (0, 0)


def test_other_methods_are_refused_with_405_as_graphql_errors(hub: Hub) -> None:
    response = hub.http.put("/graphql", json={"query": "{ __typename }"})
    refused(response, 405, "METHOD_NOT_ALLOWED", "GraphQL only supports GET and POST requests.")
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize(
    "content_type",
    ["APPLICATION/JSON", "Application/Json; Charset=UTF-8", 'application/json; charset="utf8"'],
)
def test_media_types_and_the_charset_compare_case_insensitively(hub: Hub, content_type: str) -> None:
    response = post_raw(hub, b'{"query": "{ __typename }"}', content_type)
    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}


@pytest.mark.parametrize("content_type", ["text/plain", "application/json; charset=latin-1", ""])
async def test_a_body_that_is_not_utf8_json_by_its_content_type_is_a_415(
    hub: Hub, graph: Graph, content_type: str
) -> None:
    body = json.dumps({"query": CREATE_SKILL}).encode()
    message = "POST /graphql takes Content-Type: application/json (UTF-8)."
    refused(post_raw(hub, body, content_type), 415, "UNSUPPORTED_MEDIA_TYPE", message)
    assert await builders.count(graph) == (0, 0)


def test_a_refused_request_comes_in_the_media_type_the_client_accepts(hub: Hub) -> None:
    response = post_raw(hub, b"[]", accept=GRAPHQL_RESPONSE_JSON)
    message = "Batching is not enabled: send one operation per request."
    refused(response, 400, "BAD_REQUEST", message, GRAPHQL_RESPONSE_JSON)


def test_a_refused_media_type_comes_in_the_media_type_the_client_accepts(hub: Hub) -> None:
    response = post_raw(hub, b"{}", "text/plain", accept=GRAPHQL_RESPONSE_JSON)
    message = "POST /graphql takes Content-Type: application/json (UTF-8)."
    refused(response, 415, "UNSUPPORTED_MEDIA_TYPE", message, GRAPHQL_RESPONSE_JSON)


def test_an_overlong_idempotency_key_is_a_400_with_a_code(hub: Hub) -> None:
    response = post_raw(hub, json.dumps({"query": CREATE_SKILL}).encode(), **{"idempotency-key": "k" * 256})
    refused(response, 400, "BAD_REQUEST", "Idempotency-Key must be 1 to 255 characters.")


def test_a_bad_token_is_a_401_in_the_accepted_media_type(hub: Hub) -> None:
    response = hub.http.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"authorization": "Bearer not-a-token", "accept": GRAPHQL_RESPONSE_JSON},
    )
    refused(response, 401, "UNAUTHENTICATED", "invalid or expired token", GRAPHQL_RESPONSE_JSON)
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


# Status codes by media type (GraphQL over HTTP, "application/graphql-response+json").
def strict_post(hub: Hub, query: str, accept: str = GRAPHQL_RESPONSE_JSON) -> httpx.Response:
    return hub.http.post("/graphql", json={"query": query}, headers={"accept": accept})


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("{", "Syntax Error: Expected Name, found <EOF>."),
        (
            "{ skils { totalCount } }",
            "Cannot query field 'skils' on type 'Query'. Did you mean 'skill' or 'skills'?",
        ),
    ],
)
def test_under_graphql_response_json_a_document_that_fails_is_a_400_without_data(
    hub: Hub, query: str, message: str
) -> None:
    response = strict_post(hub, query)

    assert response.status_code == 400
    assert response.headers["content-type"] == GRAPHQL_RESPONSE_JSON
    body = response.json()
    assert "data" not in body
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [
        (message, "GRAPHQL_VALIDATION_FAILED")
    ]


def test_under_application_json_a_document_that_fails_is_a_200_with_null_data(hub: Hub) -> None:
    response = strict_post(hub, "{", accept=JSON)

    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    assert response.json()["data"] is None
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_under_graphql_response_json_a_field_error_keeps_its_data_and_200(hub: Hub) -> None:
    response = strict_post(hub, '{ team(id: "team_x") { id } skills { totalCount } }')
    assert response.status_code == 200
    assert response.json()["data"] == {"team": None, "skills": {"totalCount": 0}}


def test_under_graphql_response_json_a_refused_root_field_is_a_partial_response(hub: Hub) -> None:
    response = strict_post(hub, 'mutation { acceptInvitation(invitationId: "inv_x") { id } }')

    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None  # null, but present: execution began
    assert body["errors"][0]["path"] == ["acceptInvitation"]


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, JSON),
        ("", JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        (JSON, JSON),
        (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
        ("APPLICATION/GRAPHQL-RESPONSE+JSON", GRAPHQL_RESPONSE_JSON),
        # urql's: its first choice
        (
            "application/graphql-response+json, application/graphql+json, application/json, "
            "text/event-stream, multipart/mixed",
            GRAPHQL_RESPONSE_JSON,
        ),
        ("application/json, application/graphql-response+json", JSON),
        ("application/json;q=0.5, application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json;q=0, */*", JSON),
        ("*/*, application/graphql-response+json;q=0.9", JSON),  # the exact range rates it
        ("application/graphql-response+json;q=0.9, */*;q=0.5", GRAPHQL_RESPONSE_JSON),
        ("text/html", JSON),  # neither: the legacy default
    ],
)
def test_the_response_media_type_is_the_clients_preference(accept: str | None, media_type: str) -> None:
    assert response_media_type(accept) == media_type


# The npm graphql-http package's audit of a server (GraphQL over HTTP conformance).
# Refused on purpose, as the README says: GraphQL over GET (a CSRF vector; the hub takes POST
# only) and introspection by an anonymous caller (every query but `me` needs a signed-in person).
REFUSED = {
    "5A70": "MAY accept application/x-www-form-urlencoded formatted GET requests",
    "D6D5": "MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting "
    "application/graphql-response+json",
    "6A70": "MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json",
    "28B9": "MUST allow map {variables} parameter when accepting application/json",
}


@pytest.fixture(scope="session")
def audit_script() -> Path:
    return js_packages() / "audit.mjs"


def test_the_graphql_http_server_audit_passes_but_for_get_and_anonymous_introspection(
    hub: Hub, audit_script: Path
) -> None:
    run = subprocess.run(
        ["node", str(audit_script), f"{hub.base_url}/graphql"], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    results: list[dict[str, Any]] = [json.loads(line) for line in run.stdout.splitlines()]

    failed = {r["id"]: r["name"] for r in results if r["status"] != "ok"}
    assert failed == REFUSED, [r for r in results if r["status"] != "ok"]
    anonymous_introspection = next(r for r in results if r["id"] == "28B9")
    assert anonymous_introspection["httpStatus"] == 200
    assert '"code":"UNAUTHENTICATED"' in anonymous_introspection["body"]
    for get in ("5A70", "D6D5", "6A70"):
        assert next(r for r in results if r["id"] == get)["httpStatus"] == 405
