"""search: one ranked full-text search; diacritics fold both ways, the last word is a prefix,
hostile input is text (never Lucene syntax), restricted teams only for members."""

from __future__ import annotations

import pytest

from graph.access import Viewer
from graph.driver import Graph
from graph.errors import InvalidInput
from graph.search import SearchKind, search
from tests import handbuilt as build
from tests.conftest import Hub

OUTSIDER = Viewer(person_id="janis", signed_in=True)
MEMBER = Viewer(person_id="anna", signed_in=True)


async def build_directory(graph: Graph) -> None:
    await build.institution(graph, "inst_fm", "Finanšu ministrija", code="FM")
    await build.person(graph, "janis", "Jānis Bērziņš", "inst_fm", title="Vecākais eksperts")
    await build.person(graph, "anna", "Anna Ozola", "inst_fm")
    await build.issue(graph, "i1", "Sadarbība ar pašvaldībām", status="ACTIVE")
    await build.issue(graph, "i2", "Sadarbibas plans bez diakritikas", status="PROPOSED")
    await build.team(graph, "t_open", "Atklātā darba grupa", "i1", status="FORMING")
    await build.team(
        graph,
        "t_secret",
        "Slepenā darba grupa",
        "i1",
        visibility="RESTRICTED",
        members=[("anna", "LEAD", 10)],
    )
    await build.cypher(
        graph, "CREATE (:Skill:Entity {id: 'skill_data', key: 'datu analīze', name: 'Datu analīze'})"
    )


def _hits(rows: list[dict]) -> list[tuple[str, str]]:
    return [(r["kind"], r["id"]) for r in rows]


async def test_search_finds_text_with_diacritics_typed_without_them(graph: Graph) -> None:
    await build_directory(graph)
    assert _hits(await search(graph, "berzins", OUTSIDER)) == [("PERSON", "janis")]


async def test_search_finds_text_without_diacritics_typed_with_them(graph: Graph) -> None:
    await build_directory(graph)
    assert _hits(await search(graph, "sadarbības plāns", OUTSIDER)) == [("ISSUE", "i2")]


async def test_search_treats_the_last_word_as_a_prefix_with_or_without_diacritics(graph: Graph) -> None:
    await build_directory(graph)
    assert _hits(await search(graph, "Jānis Bērz", OUTSIDER)) == [("PERSON", "janis")]
    assert _hits(await search(graph, "janis berz", OUTSIDER)) == [("PERSON", "janis")]


async def test_search_requires_every_word(graph: Graph) -> None:
    await build_directory(graph)
    assert _hits(await search(graph, "sadarbiba pasvaldibam", OUTSIDER)) == [("ISSUE", "i1")]


async def test_search_ranks_an_exact_word_above_a_prefix_match(graph: Graph) -> None:
    await build_directory(graph)
    rows = await search(graph, "sadarbiba", OUTSIDER, kinds=[SearchKind.ISSUE])
    assert _hits(rows) == [("ISSUE", "i1"), ("ISSUE", "i2")]
    assert rows[0]["score"] > rows[1]["score"]


async def test_search_results_carry_kind_title_and_subtitle(graph: Graph) -> None:
    await build_directory(graph)
    [person] = await search(graph, "berzins", OUTSIDER)
    assert {k: person[k] for k in ("kind", "id", "title", "subtitle")} == {
        "kind": "PERSON",
        "id": "janis",
        "title": "Jānis Bērziņš",
        "subtitle": "Finanšu ministrija",
    }
    [issue] = await search(graph, "pasvaldibam", OUTSIDER)
    assert (issue["title"], issue["subtitle"]) == ("Sadarbība ar pašvaldībām", "ACTIVE")
    [team] = await search(graph, "atklata", OUTSIDER)
    assert (team["kind"], team["subtitle"]) == ("TEAM", "FORMING · Sadarbība ar pašvaldībām")
    [inst] = await search(graph, "finansu", OUTSIDER, kinds=[SearchKind.INSTITUTION])
    assert (inst["title"], inst["subtitle"]) == ("Finanšu ministrija", "FM")
    [skill] = await search(graph, "analize", OUTSIDER)
    assert (skill["kind"], skill["title"]) == ("SKILL", "Datu analīze")


async def test_search_keeps_only_the_kinds_asked_for(graph: Graph) -> None:
    await build_directory(graph)
    assert _hits(await search(graph, "sadarbiba", OUTSIDER, kinds=[SearchKind.TEAM])) == []
    assert _hits(await search(graph, "grupa", OUTSIDER, kinds=[SearchKind.TEAM, SearchKind.PERSON])) == [
        ("TEAM", "t_open")
    ]


async def test_search_shows_a_restricted_team_only_to_its_members(graph: Graph) -> None:
    await build_directory(graph)
    assert _hits(await search(graph, "slepena", OUTSIDER)) == []
    assert _hits(await search(graph, "slepena", MEMBER)) == [("TEAM", "t_secret")]


async def test_search_first_caps_the_results(graph: Graph) -> None:
    await build_directory(graph)
    assert len(await search(graph, "grupa", MEMBER)) == 2
    assert len(await search(graph, "grupa", MEMBER, first=1)) == 1


@pytest.mark.parametrize(
    "text",
    ["a) OR b:*", '"unbalanced', "sadarbiba AND", "AND", "*", "*:*", "\\", "name:[a TO z]", "((", "~1^2", ""],
)
async def test_search_survives_hostile_input(graph: Graph, text: str) -> None:
    await build_directory(graph)
    await search(graph, text, OUTSIDER)  # no error


@pytest.mark.parametrize("text", ["*", "*:*", "title:*", "?", '") OR ("'])
async def test_search_never_lets_wildcards_match_everything(graph: Graph, text: str) -> None:
    await build_directory(graph)
    assert await search(graph, text, MEMBER) == []


async def test_search_reads_operators_as_plain_words(graph: Graph) -> None:
    await build_directory(graph)
    # As Lucene syntax this would be "berzins OR ozola" (two people); as text it needs both words.
    assert await search(graph, "berzins OR ozola", MEMBER) == []
    assert await search(graph, "sadarbiba AND", MEMBER) == []  # "and" is a required word, not AND


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": "x" * 201}, "text: must be at most 200 characters"),
        ({"text": "x", "first": 0}, "first: must be between 1 and 50"),
        ({"text": "x", "first": 51}, "first: must be between 1 and 50"),
    ],
)
async def test_search_refuses_bad_arguments(graph: Graph, kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        await search(graph, viewer=OUTSIDER, **kwargs)
    assert exc.value.message == message


async def test_search_over_http(hub: Hub, graph: Graph) -> None:
    await build_directory(graph)
    data = hub.data('{ search(text: "Bērz", kinds: [PERSON]) { kind id title subtitle score } }')
    [hit] = data["search"]
    assert {k: hit[k] for k in ("kind", "id", "title", "subtitle")} == {
        "kind": "PERSON",
        "id": "janis",
        "title": "Jānis Bērziņš",
        "subtitle": "Finanšu ministrija",
    }
    assert hit["score"] > 0
    # The words are "ar", "un" (Latvian stop words) and the prefix "b": no syntax error, no injection.
    assert hub.data('{ search(text: "ar) UN b:*") { id } }') == {"search": [{"id": "janis"}]}
