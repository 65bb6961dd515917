"""Read-your-writes across hub processes (and Neo4j cluster members) through bookmarks: a write's
bookmark goes back to the client in the `Sadarbe-Bookmark` header, and the client's next request,
on any hub process, runs its Neo4j sessions after it. Reads are routed as reads, writes as writes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import neo4j
import pytest

from graph.driver import Graph, causally_after, run
from graph.errors import UnknownBookmark
from hub.bookmarks import HEADER, BadBookmark, Signer
from hub.config import DEV_SECRET_KEY
from tests.conftest import Hub, served_hub
from tests.test_subscriptions import CREATE_INSTITUTION


class SessionsOpened:
    """The real driver's sessions, with the access mode and bookmarks each was opened with."""

    def __init__(self, graph: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
        self.opened: list[tuple[str, frozenset[str]]] = []
        session = graph.driver.session

        def recording(**config: Any) -> neo4j.AsyncSession:
            bookmarks = config.get("bookmarks")
            self.opened.append(
                (config["default_access_mode"], frozenset(bookmarks.raw_values) if bookmarks else frozenset())
            )
            return session(**config)

        monkeypatch.setattr(graph.driver, "session", recording)


async def create_probe(graph: Graph) -> None:
    await graph.write(lambda tx: run(tx, "CREATE (:BookmarkProbe)"))


async def test_a_write_hands_its_bookmark_to_its_context(graph: Graph) -> None:
    with causally_after(()) as causality:
        assert not causality.wrote
        await create_probe(graph)
    assert causality.wrote
    assert causality.bookmarks and all(isinstance(b, str) and b for b in causality.bookmarks)


async def test_reads_are_routed_as_reads_and_start_after_the_bookmarks_they_are_given(
    graph: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    with causally_after(()) as written:
        await create_probe(graph)
    sessions = SessionsOpened(graph, monkeypatch)
    with causally_after(written.bookmarks):
        rows = await graph.read("MATCH (p:BookmarkProbe) RETURN count(p) AS n")
    assert rows == [{"n": 1}]
    assert sessions.opened == [(neo4j.READ_ACCESS, frozenset(written.bookmarks))]


async def test_writes_are_routed_as_writes_and_the_next_one_starts_after_the_last(
    graph: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = SessionsOpened(graph, monkeypatch)
    with causally_after(()) as causality:
        await create_probe(graph)
        first = causality.bookmarks
        await create_probe(graph)
    assert sessions.opened == [(neo4j.WRITE_ACCESS, frozenset()), (neo4j.WRITE_ACCESS, frozenset(first))]
    assert causality.bookmarks != first


async def test_outside_a_request_sessions_carry_no_bookmarks(
    graph: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = SessionsOpened(graph, monkeypatch)
    await graph.read("RETURN 1 AS one")
    assert sessions.opened == [(neo4j.READ_ACCESS, frozenset())]


async def test_a_bookmark_the_database_does_not_know_is_refused_by_name(graph: Graph) -> None:
    with causally_after(("FB:not-a-bookmark",)), pytest.raises(UnknownBookmark) as refused:
        await graph.read("RETURN 1 AS one")
    assert refused.value.code == "BAD_BOOKMARK"


# --- the header -------------------------------------------------------------------------------


def test_a_signed_bookmark_reads_back_as_it_was_written() -> None:
    signer = Signer("s" * 40)
    assert signer.decode(signer.encode(("FB:abc=", "FB:de/f+"))) == ("FB:abc=", "FB:de/f+")


@pytest.mark.parametrize(
    "value",
    [
        Signer("another deployment's secret").encode(("FB:abc",)),
        Signer("s" * 40).encode(("FB:abc",)).replace("abc", "abd"),
        "FB:abc",
        "FB:abc." + "0" * 64,
        "FB:a b." + "0" * 64,
        "x" * 5000,
    ],
    ids=["other-secret", "tampered", "unsigned", "bad-signature", "bad-characters", "too-long"],
)
def test_a_header_this_hub_did_not_hand_out_is_refused(value: str) -> None:
    with pytest.raises(BadBookmark, match=HEADER):
        Signer("s" * 40).decode(value)


# --- two hub processes ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_hubs(hub_env: dict[str, str], session_graph: Graph) -> Iterator[tuple[Hub, Hub]]:
    with served_hub(hub_env) as a, served_hub(hub_env) as b:
        yield a, b


INSTITUTION = "query($id: ID!) { node(id: $id) { ... on Institution { code } } }"


def post(hub: Hub, query: str, variables: dict[str, Any], bookmark: str | None = None) -> httpx.Response:
    headers = {HEADER: bookmark} if bookmark is not None else {}
    return hub.http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


async def test_a_write_on_one_hub_is_read_on_the_other_after_its_bookmark(
    two_hubs: tuple[Hub, Hub], graph: Graph
) -> None:
    a, b = two_hubs
    created = post(a, CREATE_INSTITUTION, {"code": "FM"})
    assert "errors" not in created.json(), created.json()
    bookmark = created.headers[HEADER]
    institution = created.json()["data"]["createInstitution"]["id"]

    read = post(b, INSTITUTION, {"id": institution}, bookmark)
    assert read.status_code == 200
    assert read.json()["data"] == {"node": {"code": "FM"}}
    assert HEADER not in read.headers  # a request that wrote nothing has no new bookmark


async def test_the_other_hub_hands_the_bookmark_to_its_neo4j_session(
    two_hubs: tuple[Hub, Hub], graph: Graph
) -> None:
    """A bookmark signed as a hub would, but which no database issued: the other hub's Neo4j
    refuses it, so it was sent with that hub's read."""
    _, b = two_hubs
    forged = Signer(DEV_SECRET_KEY).encode(("FB:not-a-bookmark",))
    answer = post(b, "{ institutions(first: 1) { totalCount } }", {}, forged).json()
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["BAD_BOOKMARK"]


async def test_a_bookmark_header_no_hub_signed_is_refused_before_anything_runs(
    two_hubs: tuple[Hub, Hub], graph: Graph
) -> None:
    a, _ = two_hubs
    refused = post(a, CREATE_INSTITUTION, {"code": "FM"}, "FB:abc.0123")
    assert refused.status_code == 400
    [error] = refused.json()["errors"]
    assert error["extensions"]["code"] == "BAD_BOOKMARK"
    assert HEADER in error["message"]
    assert await graph.read("MATCH (i:Institution) RETURN count(i) AS n") == [{"n": 0}]
