"""Bad input over graphql-transport-ws (checklist GQL-14, IN-01, IN-03, IN-04): a `subscribe` the
hub cannot parse closes the socket with 4400 as the protocol says; one that does not validate, or
whose variables or text do not fit, gets an `error` for its id and nothing else; the socket keeps
serving; and the hub logs each as the client's error, without a traceback."""

from __future__ import annotations

from typing import Any

import pytest

from graph.driver import Graph
from tests import hub_log
from tests import live_client as lc
from tests.hub_log import LoggedHub, assert_logged_as_refusal
from tests.test_subscriptions import INSTITUTION_FEED, institution, rename

logged_hub_server, logged_hub = hub_log.logged_hub_server, hub_log.logged_hub

TEAM_FEED = "subscription($id: ID!, $after: String) { teamActivity(teamId: $id, after: $after) { cursor } }"


def deep(levels: int) -> str:
    """A team feed selecting `levels` deep through institutions' parents."""
    inner = "code"
    for _ in range(levels - 4):
        inner = f"parent {{ {inner} }}"
    return f'subscription {{ teamActivity(teamId: "team_x") {{ activity {{ actor {{ institution {{ {inner} }} }} }} }} }}'


async def only_an_error(ws: Any, id: str) -> list[dict[str, Any]]:
    """The `error` message for `id`; then a ping is answered with nothing for `id` in between."""
    message = await lc.receive(ws)
    assert message["type"] == "error" and message["id"] == id, message
    await lc.send(ws, {"type": "ping"})
    assert await lc.receive(ws) == {"type": "pong"}  # no `next` or `complete` came for `id` first
    errors: list[dict[str, Any]] = message["payload"]
    return errors


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("subscription { teamActivity(teamId: ", "Syntax Error: Unexpected <EOF>."),
        (
            "subscription { " + " ".join(["__typename"] * 2001) + " }",
            "Syntax Error: Document contains more than 2000 tokens. Parsing aborted.",
        ),
    ],
)
async def test_a_subscribe_that_does_not_parse_closes_the_socket_with_4400(
    logged_hub: LoggedHub, query: str, reason: str
) -> None:
    mark = logged_hub.log.mark()
    ws = await lc.connect(logged_hub.ws_url, logged_hub.ws_init())

    await lc.subscribe(ws, "1", query)

    assert await lc.close_code(ws) == (4400, reason)
    assert_logged_as_refusal(logged_hub.log.since(mark), "GRAPHQL_VALIDATION_FAILED")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (deep(12), "'anonymous' exceeds maximum operation depth of 10"),
        (
            'subscription { teamActivity(teamId: "team_x") { '
            + " ".join(f"a{i}: cursor" for i in range(16))
            + " } }",
            "16 aliases found. Allowed: 15",
        ),
        (
            "subscription { teamFeed }",
            "Cannot query field 'teamFeed' on type 'Subscription'. Did you mean 'myFeed'?",
        ),
    ],
)
async def test_a_subscribe_that_does_not_validate_gets_an_error_for_its_id(
    logged_hub: LoggedHub, query: str, message: str
) -> None:
    mark = logged_hub.log.mark()
    ws = await lc.connect(logged_hub.ws_url, logged_hub.ws_init())

    await lc.subscribe(ws, "1", query)

    errors = await only_an_error(ws, "1")
    assert [(e["message"], e["extensions"]["code"]) for e in errors] == [
        (message, "GRAPHQL_VALIDATION_FAILED")
    ]
    await ws.close()
    assert_logged_as_refusal(logged_hub.log.since(mark), "GRAPHQL_VALIDATION_FAILED")


@pytest.mark.parametrize(
    ("variables", "message", "field"),
    [
        ({"id": True}, "Variable '$id' has invalid value: ID cannot represent value: True", None),
        (
            {},
            "Variable '$id' has invalid value: Expected a value of non-null type 'ID!' to be provided.",
            None,
        ),
        ({"id": "team_x", "after": "c" * 101}, "after: must be at most 100 characters (got 101)", "after"),
        ({"id": "team_\x00"}, "teamId: must not contain control characters (found U+0000)", "teamId"),
    ],
)
async def test_a_subscribe_whose_input_does_not_fit_gets_bad_user_input_and_the_socket_serves_on(
    logged_hub: LoggedHub, graph: Graph, variables: dict[str, Any], message: str, field: str | None
) -> None:
    fm = institution(logged_hub, "FM")
    await lc.idle(logged_hub.base_url)  # the last case's subscription ends a moment after its socket
    mark = logged_hub.log.mark()
    ws = await lc.connect(logged_hub.ws_url, logged_hub.ws_init())

    await lc.subscribe(ws, "1", TEAM_FEED, variables)

    [error] = await only_an_error(ws, "1")
    assert (error["message"], error["extensions"]["code"]) == (message, "BAD_USER_INPUT")
    assert error["extensions"].get("field") == field
    assert_logged_as_refusal(logged_hub.log.since(mark), "BAD_USER_INPUT")
    await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm})  # the id is free again
    await lc.started(logged_hub.base_url, 1)  # a rename committed before its start would not reach it
    rename(logged_hub, fm, "Finanšu ministrija")
    assert (await lc.next_payload(ws))["data"]["institutionActivity"]["activity"][
        "verb"
    ] == "institution.updated"
    await ws.close()
