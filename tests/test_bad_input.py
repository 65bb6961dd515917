"""Bad input is the client's error, refused before anything runs (checklist IN-01, IN-03, IN-04).

Over real HTTP against a hub process logging at info and the real Neo4j: each refusal has its
status, media type, code and message; no Cypher ran (`extensions.cypherQueries` is 0: the
development hub counts every round trip of a request, and the caller is one it remembers, so not
even a sign-in lookup); nothing was written; and the hub logged it at info as a refusal, without a
traceback.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
    get_named_type,
)

from graph.driver import Graph
from hub.api.request_checks import text_rules
from hub.api.schema import schema
from hub.api.text_limits import CURSOR, PAGE_CURSOR
from tests import builders, hub_log
from tests.conftest import TEST_ADMIN_EMAIL
from tests.hub_log import LoggedHub, assert_logged_as_refusal

logged_hub_server, logged_hub = hub_log.logged_hub_server, hub_log.logged_hub

JSON = "application/json"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"

CREATE_TASK = "mutation($input: TaskInput!) { createTask(input: $input) { id } }"
INVITE = "mutation($input: InvitationInput!) { inviteMember(input: $input) { id } }"
PEOPLE = "query($filter: PersonFilter) { people(filter: $filter) { totalCount } }"
CREATE_SKILL = "mutation($name: String!) { createSkill(input: {name: $name}) { id name } }"


@pytest.fixture(autouse=True)
async def remembered_administrator(logged_hub: LoggedHub, graph: Graph) -> None:
    """The tests' administrator is a person the hub remembers (hub/auth/callers.py): their
    requests make no sign-in lookup, so a refused one makes no round trip at all."""
    vk = await builders.institution(graph, "VK")
    root = await builders.person(graph, "Root Person", vk["id"], email=TEST_ADMIN_EMAIL)
    me = {"query": "{ me { person { id } } }"}
    post(logged_hub, me)  # signed in (and bound) afresh: the hub may remember another world's
    again = post(logged_hub, me).json()
    assert again == {"data": {"me": {"person": {"id": root["id"]}}}, "extensions": {"cypherQueries": 1}}


async def world(graph: Graph) -> dict[str, str]:
    """An institution, its person leading a team on an issue, and a second person: every bad
    request below names real ids, so only its bad input can stop it."""
    fm = await builders.institution(graph, "FM")
    lead = await builders.person(graph, "Anna Ozola", fm["id"])
    other = await builders.person(graph, "Jānis Kalniņš", fm["id"])
    issue = await builders.issue(graph, "Nodokļu reforma")
    team = await builders.team(graph, "Nodokļu komanda", issue["id"], lead["id"])
    return {"team": team["id"], "person": other["id"]}


def post(hub: LoggedHub, body: dict[str, Any], accept: str = JSON) -> httpx.Response:
    return hub.http.post("/graphql", json=body, headers={"accept": accept})


def refusal(response: httpx.Response, code: str = "BAD_USER_INPUT") -> dict[str, Any]:
    """The one error of a request refused before execution, under application/json."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == JSON
    body = response.json()
    assert body["data"] is None, body
    assert body["extensions"] == {"cypherQueries": 0}, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == code, error
    error_: dict[str, Any] = error
    return error_


# IN-01: variables that do not fit their types.
def variable_cases(ids: dict[str, str]) -> dict[str, tuple[str, dict[str, Any], str]]:
    task = {"teamId": ids["team"], "title": "Sagatavot ziņojumu"}
    invite = {"teamId": ids["team"], "personId": ids["person"], "allocation": 20}
    return {
        "wrong type": (
            CREATE_TASK,
            {"input": {**task, "title": 42}},
            "Variable '$input' has invalid value at .title: String cannot represent a non string value: 42",
        ),
        "missing required variable": (
            CREATE_TASK,
            {},
            "Variable '$input' has invalid value: Expected a value of non-null type 'TaskInput!' to be provided.",
        ),
        "null for a non-null variable": (
            CREATE_TASK,
            {"input": None},
            "Variable '$input' has invalid value: Expected value of non-null type 'TaskInput!' not to be None.",
        ),
        "null for a non-null input field": (
            CREATE_TASK,
            {"input": {**task, "title": None}},
            "Variable '$input' has invalid value at .title: Expected value of non-null type 'String!' not to be None.",
        ),
        "unknown enum value": (
            CREATE_TASK,
            {"input": {**task, "status": "FINISHED"}},
            "Variable '$input' has invalid value at .status: Value 'FINISHED' does not exist in 'TaskStatus' enum.",
        ),
        "unknown input field": (
            CREATE_TASK,
            {"input": {**task, "owner": "x"}},
            "Variable '$input' has invalid value: Expected value of type 'TaskInput' not to include unknown field "
            f"'owner', found: {{'teamId': '{ids['team']}', 'title': 'Sagatavot ziņojumu', 'owner': 'x'}}.",
        ),
        "bad date": (
            CREATE_TASK,
            {"input": {**task, "dueDate": "2026-02-30"}},
            "Variable '$input' has invalid value at .dueDate: Value cannot represent a Date: \"2026-02-30\". "
            "day is out of range for month",
        ),
        "bad date-time": (
            INVITE,
            {"input": {**invite, "expiresAt": "tomorrow"}},
            "Variable '$input' has invalid value at .expiresAt: Value cannot represent a DateTime: \"tomorrow\". "
            "Expected 4 digits, got 'tomo'",
        ),
        "integer out of range": (
            INVITE,
            {"input": {**invite, "allocation": 2**31}},
            "Variable '$input' has invalid value at .allocation: Int cannot represent non 32-bit signed "
            "integer value: 2147483648",
        ),
    }


CASES = list(variable_cases({"team": "", "person": ""}))


@pytest.mark.parametrize("case", CASES)
async def test_a_variable_that_does_not_fit_its_type_is_the_clients_error(
    logged_hub: LoggedHub, graph: Graph, case: str
) -> None:
    ids = await world(graph)
    query, variables, message = variable_cases(ids)[case]
    before = await builders.count(graph)
    mark = logged_hub.log.mark()

    error = refusal(post(logged_hub, {"query": query, "variables": variables}))

    assert error["message"] == message
    assert await builders.count(graph) == before
    assert_logged_as_refusal(logged_hub.log.since(mark), "BAD_USER_INPUT")


async def test_under_graphql_response_json_a_bad_variable_is_a_400_without_data(
    logged_hub: LoggedHub, graph: Graph
) -> None:
    ids = await world(graph)
    query, variables, message = variable_cases(ids)["bad date"]

    response = post(logged_hub, {"query": query, "variables": variables}, accept=GRAPHQL_RESPONSE_JSON)

    assert response.status_code == 400
    assert response.headers["content-type"] == GRAPHQL_RESPONSE_JSON
    body = response.json()
    assert "data" not in body
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [(message, "BAD_USER_INPUT")]


async def test_a_bad_date_written_in_the_document_is_a_validation_error(
    logged_hub: LoggedHub, graph: Graph
) -> None:
    ids = await world(graph)
    before = await builders.count(graph)
    mark = logged_hub.log.mark()
    query = (
        f'mutation {{ createTask(input: {{teamId: "{ids["team"]}", title: "T", dueDate: "2026-02-30"}}) '
        "{ id } }"
    )

    error = refusal(post(logged_hub, {"query": query}), "GRAPHQL_VALIDATION_FAILED")

    assert error["message"] == 'Value cannot represent a Date: "2026-02-30". day is out of range for month'
    assert await builders.count(graph) == before
    assert_logged_as_refusal(logged_hub.log.since(mark), "GRAPHQL_VALIDATION_FAILED")


async def test_a_subscription_sent_over_http_is_refused_as_a_bad_request(
    logged_hub: LoggedHub, graph: Graph
) -> None:
    mark = logged_hub.log.mark()
    body = {"query": "subscription { myFeed { activity { id } } }"}
    message = "Subscriptions are served over WebSocket (graphql-transport-ws) at /graphql, not over HTTP."

    error = refusal(post(logged_hub, body), "BAD_REQUEST")
    strict = post(logged_hub, body, accept=GRAPHQL_RESPONSE_JSON)

    assert error["message"] == message
    assert strict.status_code == 400
    assert strict.json()["errors"][0]["message"] == message and "data" not in strict.json()
    assert_logged_as_refusal(logged_hub.log.since(mark), "BAD_REQUEST")


# IN-03: text past its documented maximum.
async def test_a_900_kb_filter_text_is_refused_before_any_query_runs_even_eight_at_once(
    logged_hub: LoggedHub, graph: Graph
) -> None:
    mark = logged_hub.log.mark()
    body = {"query": PEOPLE, "variables": {"filter": {"text": "a" * 900_000}}}
    headers = {"Authorization": logged_hub.http.headers["Authorization"]}
    async with httpx.AsyncClient(base_url=logged_hub.base_url, headers=headers, timeout=30) as client:
        responses = await asyncio.gather(*(client.post("/graphql", json=body) for _ in range(8)))

    for response in responses:
        error = refusal(response)
        assert error["message"] == "filter.text: must be at most 200 characters (got 900000)"
        assert error["extensions"]["field"] == "filter.text"
    assert_logged_as_refusal(logged_hub.log.since(mark), "BAD_USER_INPUT")


def test_filter_text_at_its_maximum_is_accepted(logged_hub: LoggedHub) -> None:
    result = post(logged_hub, {"query": PEOPLE, "variables": {"filter": {"text": "ā" * 200}}}).json()
    assert result["data"] == {"people": {"totalCount": 0}}


async def test_a_name_one_character_over_its_maximum_writes_nothing(
    logged_hub: LoggedHub, graph: Graph
) -> None:
    before = await builders.count(graph)
    mark = logged_hub.log.mark()

    error = refusal(post(logged_hub, {"query": CREATE_SKILL, "variables": {"name": "ž" * 201}}))

    assert error["message"] == "input.name: must be at most 200 characters (got 201)"
    assert await builders.count(graph) == before
    assert_logged_as_refusal(logged_hub.log.since(mark), "BAD_USER_INPUT")


def test_a_name_at_its_maximum_is_written(logged_hub: LoggedHub) -> None:
    result = post(logged_hub, {"query": CREATE_SKILL, "variables": {"name": "ž" * 200}}).json()
    assert result["data"]["createSkill"]["name"] == "ž" * 200


async def test_an_argument_below_the_root_is_checked_too(logged_hub: LoggedHub, graph: Graph) -> None:
    ids = await world(graph)
    query = "query($id: ID!, $after: String) { team(id: $id) { posts(after: $after) { nodes { id } } } }"

    over = PAGE_CURSOR.max_length + 1
    error = refusal(post(logged_hub, {"query": query, "variables": {"id": ids["team"], "after": "c" * over}}))

    assert error["message"] == f"after: must be at most {PAGE_CURSOR.max_length} characters (got {over})"
    assert error["locations"] == [{"line": 1, "column": 51}]  # the `posts` field


async def test_a_page_cursor_after_the_longest_name_passes_the_limit_on_after(
    logged_hub: LoggedHub, graph: Graph
) -> None:
    # A page's cursor holds its last row's sort key (graph/pagination.py): after a name at its
    # maximum, in characters JSON escapes or writes in two bytes, it is far past a live cursor's
    # length, and the next page is still served.
    fm = await builders.institution(graph, "FM")
    longest = '"ž' * 100
    await builders.person(graph, longest, fm["id"], email="first@example.gov.lv")
    await builders.person(graph, "Žanis Ozols", fm["id"], email="second@example.gov.lv")
    query = (
        "query($fm: ID!, $after: String) { people(filter: {institutionId: $fm}, orderBy: NAME, first: 1,"
        " after: $after) { nodes { name } pageInfo { endCursor } } }"
    )
    first = post(logged_hub, {"query": query, "variables": {"fm": fm["id"]}}).json()["data"]["people"]
    cursor = first["pageInfo"]["endCursor"]
    assert first["nodes"] == [{"name": longest}]
    assert CURSOR.max_length < len(cursor) <= PAGE_CURSOR.max_length

    after = post(logged_hub, {"query": query, "variables": {"fm": fm["id"], "after": cursor}}).json()

    assert after["data"]["people"]["nodes"] == [{"name": "Žanis Ozols"}]


async def test_text_in_a_fragment_is_checked_too(logged_hub: LoggedHub, graph: Graph) -> None:
    query = (
        "query($text: String) { ...Found } "
        "fragment Found on Query { ... on Query { people(filter: {text: $text}) { totalCount } } }"
    )
    error = refusal(post(logged_hub, {"query": query, "variables": {"text": "a" * 201}}))
    assert error["extensions"]["field"] == "filter.text"


# IN-04: control characters.
@pytest.mark.parametrize(
    ("name", "character"),
    [("NUL", "\x00"), ("ESC", "\x1b"), ("line feed", "\n"), ("tab", "\t"), ("DEL", "\x7f"), ("NEL", "\x85")],
)
async def test_a_control_character_in_a_name_is_refused_naming_the_field(
    logged_hub: LoggedHub, graph: Graph, name: str, character: str
) -> None:
    before = await builders.count(graph)
    mark = logged_hub.log.mark()

    error = refusal(
        post(logged_hub, {"query": CREATE_SKILL, "variables": {"name": f"Kartogrā{character}fija"}})
    )

    assert (
        error["message"] == f"input.name: must not contain control characters (found U+{ord(character):04X})"
    )
    assert error["extensions"]["field"] == "input.name"
    assert await builders.count(graph) == before
    assert_logged_as_refusal(logged_hub.log.since(mark), "BAD_USER_INPUT")


async def test_a_lone_surrogate_is_refused_naming_the_field(logged_hub: LoggedHub, graph: Graph) -> None:
    before = await builders.count(graph)
    body = '{"query": "' + CREATE_SKILL + '", "variables": {"name": "a\\ud800b"}}'
    response = logged_hub.http.post("/graphql", content=body, headers={"content-type": JSON})

    error = refusal(response)

    assert error["message"] == "input.name: must not contain control characters (found U+D800)"
    assert await builders.count(graph) == before


async def test_multi_line_text_keeps_its_line_breaks_and_tabs(logged_hub: LoggedHub, graph: Graph) -> None:
    text = "Pirmā rinda\n\tOtrā rinda\r\nTrešā"
    result = post(
        logged_hub,
        {
            "query": 'mutation($d: String!) { createIssue(input: {title: "Reforma", description: $d}) '
            "{ description } }",
            "variables": {"d": text},
        },
    ).json()
    assert result["data"] == {"createIssue": {"description": text}}


async def test_a_line_break_in_a_title_is_refused(logged_hub: LoggedHub, graph: Graph) -> None:
    before = await builders.count(graph)
    query = 'mutation($t: String!) { createIssue(input: {title: $t, description: "x"}) { id } }'
    error = refusal(post(logged_hub, {"query": query, "variables": {"t": "Reforma\nun vēl"}}))
    assert error["message"] == "input.title: must not contain control characters (found U+000A)"
    assert await builders.count(graph) == before


def test_every_string_argument_and_input_field_declares_its_limit() -> None:
    assert text_rules(schema).undeclared == []


# Every text argument and input field of the schema: its limit is in its description, and one
# character more (or a NUL) is refused naming it. Documents are built from the schema itself.
_LIMIT = re.compile(r"At most (\d+) characters")


def _id_limit() -> int:
    """What the `Node` interface says of every ID."""
    stated = re.search(r"at most (\d+) characters", schema._schema.type_map["Node"].description or "")
    assert stated, "the Node interface states no limit for ids"
    return int(stated[1])


_SAMPLES = {
    "ID": "x",
    "String": "x",
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "Date": "2026-01-01",
    "DateTime": "2026-01-01T00:00:00+00:00",
}


def _sample(type_: GraphQLInputType) -> Any:
    """The smallest valid value of an input type."""
    if isinstance(type_, GraphQLNonNull):
        return _sample(type_.of_type)
    if isinstance(type_, GraphQLList):
        return []
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: _sample(field.type)
            for name, field in type_.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        }
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    assert isinstance(type_, GraphQLScalarType)
    return _SAMPLES[type_.name]


def _text_paths(type_: GraphQLInputType, path: str, description: str | None) -> list[tuple[str, int, bool]]:
    """(path, limit, in a list) of every String and ID place in a value of `type_`; the limit as
    its description states it."""
    named = get_named_type(type_)
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(named, GraphQLInputObjectType):
        if isinstance(inner, GraphQLList):
            return []  # lists of inputs: their fields are checked where the input is used alone
        return [
            found
            for name, field in named.fields.items()
            for found in _text_paths(field.type, f"{path}.{name}", field.description)
        ]
    if isinstance(named, GraphQLScalarType) and named.name in ("String", "ID"):
        if named.name == "ID" and not (description and _LIMIT.search(description)):
            return [(path, _id_limit(), isinstance(inner, GraphQLList))]
        stated = _LIMIT.search(description or "")
        assert stated, f"{path} states no limit in its description"
        return [(path, int(stated[1]), isinstance(inner, GraphQLList))]
    return []


def _cases() -> list[tuple[str, str, str, int, bool]]:
    cases = []
    for operation, root in (("query", schema._schema.query_type), ("mutation", schema._schema.mutation_type)):
        assert isinstance(root, GraphQLObjectType)
        for field_name, field in root.fields.items():
            for arg, definition in field.args.items():
                for path, limit, listed in _text_paths(definition.type, arg, definition.description):
                    cases.append((operation, field_name, path, limit, listed))
    return cases


def _document(operation: str, field_name: str, field: GraphQLField) -> str:
    variables = ", ".join(f"${arg}: {definition.type}" for arg, definition in field.args.items())
    arguments = ", ".join(f"{arg}: ${arg}" for arg in field.args)
    named = get_named_type(field.type)
    selection = "" if isinstance(named, GraphQLScalarType | GraphQLEnumType) else " { __typename }"
    return f"{operation}({variables}) {{ {field_name}({arguments}){selection} }}"


def _variables(field: GraphQLField, path: str, value: str, listed: bool) -> dict[str, Any]:
    variables = {arg: _sample(definition.type) for arg, definition in field.args.items()}
    *parents, last = path.split(".")
    target: Any = variables
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = [value] if listed else value
    return variables


@pytest.mark.parametrize(("operation", "field_name", "path", "limit", "listed"), _cases())
@pytest.mark.parametrize("problem", ["too long", "NUL"])
def test_every_text_argument_refuses_text_past_its_documented_maximum_and_control_characters(
    logged_hub: LoggedHub, operation: str, field_name: str, path: str, limit: int, listed: bool, problem: str
) -> None:
    root = schema._schema.query_type if operation == "query" else schema._schema.mutation_type
    assert root is not None
    field = root.fields[field_name]
    value = "x" * (limit + 1) if problem == "too long" else "x\x00"
    body = {
        "query": _document(operation, field_name, field),
        "variables": _variables(field, path, value, listed),
    }

    error = refusal(post(logged_hub, body))

    where = f"{path}.0" if listed else path
    expected = (
        f"must be at most {limit} characters (got {limit + 1})"
        if problem == "too long"
        else "must not contain control characters (found U+0000)"
    )
    assert error["extensions"]["problems"] == [{"field": where, "problem": expected}]
    assert error["message"] == f"{where}: {expected}"
