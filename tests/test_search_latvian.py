"""Search in Latvian: a word finds its item in any inflected form (nouns in several cases, verbs in
several forms), with or without diacritics, the last word as a type-ahead prefix; an institution's
exact code ranks it first; the list filters (`filter.text`) match as search does."""

from __future__ import annotations

import pytest

from graph.access import Viewer
from graph.driver import Graph
from graph.search import SearchKind, search
from tests import handbuilt as build
from tests.conftest import Hub

VIEWER = Viewer(person_id=None, signed_in=True)
INSTITUTIONS = ["inst_am", "inst_am_office", "inst_am_foreign"]


async def build_world(graph: Graph) -> None:
    await build.institution(graph, "inst_am", "Aizsardzības ministrija", code="AM")
    await build.institution(graph, "inst_am_office", "Aizsardzības ministrijas Kurzemes birojs", code="AMKB")
    await build.institution(graph, "inst_am_foreign", "Ārlietu ministrija", code="ĀM")
    await build.issue(graph, "i_sec", "Informācijas drošība")
    await build.issue(
        graph,
        "i_dig",
        "Valsts pakalpojumu digitalizācija",
        description="Izstrādāt vienotu pieteikšanās kārtību",
    )
    await build.issue(graph, "i_other", "Ūdens kvalitāte")
    await build.team(graph, "t_serv", "E-pakalpojums iedzīvotājiem", "i_dig")
    await build.cypher(
        graph,
        "MATCH (t:ProjectTeam {id: 't_serv'}) SET t.mandate = 'Izstrādā priekšlikumus ministrijai'",
    )
    await build.team(graph, "t_water", "Ūdens darba grupa", "i_other")


async def _ids(graph: Graph, text: str, *kinds: SearchKind) -> set[str]:
    return {r["id"] for r in await search(graph, text, VIEWER, kinds=list(kinds) or None, first=50)}


# The forms issue #23 names first, then other cases and verb forms.
@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("drošības", SearchKind.ISSUE, {"i_sec"}),
        ("drošība", SearchKind.ISSUE, {"i_sec"}),
        ("drošību", SearchKind.ISSUE, {"i_sec"}),
        ("drošībai", SearchKind.ISSUE, {"i_sec"}),
        ("ministrijas", SearchKind.INSTITUTION, set(INSTITUTIONS)),
        ("ministrija", SearchKind.INSTITUTION, set(INSTITUTIONS)),
        ("ministrijai", SearchKind.INSTITUTION, set(INSTITUTIONS)),
        ("ministrijām", SearchKind.INSTITUTION, set(INSTITUTIONS)),
        ("ministrijās", SearchKind.INSTITUTION, set(INSTITUTIONS)),
        ("ministrijai", SearchKind.TEAM, {"t_serv"}),  # the mandate's own form
        ("ministrijas", SearchKind.TEAM, {"t_serv"}),
        ("digitalizāciju", SearchKind.ISSUE, {"i_dig"}),
        ("digitalizācija", SearchKind.ISSUE, {"i_dig"}),
        ("digitalizācijas", SearchKind.ISSUE, {"i_dig"}),
        ("pakalpojums", SearchKind.ISSUE, {"i_dig"}),
        ("pakalpojumu", SearchKind.TEAM, {"t_serv"}),
        ("pakalpojumiem", SearchKind.ISSUE, {"i_dig"}),
        ("pakalpojumā", SearchKind.TEAM, {"t_serv"}),
        ("izstrādāt", SearchKind.TEAM, {"t_serv"}),  # the mandate says "izstrādā"
        ("izstrādā", SearchKind.ISSUE, {"i_dig"}),  # the description says "izstrādāt"
        ("izstrādāja", SearchKind.ISSUE, {"i_dig"}),
        ("izstrādājam", SearchKind.TEAM, {"t_serv"}),
        ("izstrādāts", SearchKind.ISSUE, {"i_dig"}),
        ("ūdens kvalitātes", SearchKind.ISSUE, {"i_other"}),
    ],
)
async def test_a_latvian_word_finds_its_item_in_another_inflected_form(
    graph: Graph, text: str, kind: SearchKind, expected: set[str]
) -> None:
    await build_world(graph)
    assert await _ids(graph, text, kind) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("drosibas", {"i_sec"}),
        ("digitalizaciju", {"i_dig"}),
        ("pakalpojumiem", {"i_dig", "t_serv"}),
        ("udens kvalitates", {"i_other"}),
    ],
)
async def test_an_inflected_form_typed_without_diacritics_finds_its_item(
    graph: Graph, text: str, expected: set[str]
) -> None:
    await build_world(graph)
    assert await _ids(graph, text, SearchKind.ISSUE, SearchKind.TEAM) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("drošī", {"i_sec"}),
        ("drosib", {"i_sec"}),
        ("digitaliz", {"i_dig"}),
        ("digitalizāc", {"i_dig"}),  # longer than the stem "digitalizācij" is not
        ("pakalpoj", {"i_dig", "t_serv"}),
        ("iedzīvotāj", {"t_serv"}),  # past the stem "iedzīvotāj" into "iedzīvotājiem"
        ("iedzīvotājie", {"t_serv"}),
        ("valsts pakalp", {"i_dig"}),
    ],
)
async def test_the_last_word_is_a_type_ahead_prefix_of_the_word_as_written(
    graph: Graph, text: str, expected: set[str]
) -> None:
    await build_world(graph)
    assert await _ids(graph, text, SearchKind.ISSUE, SearchKind.TEAM) == expected


async def test_an_institution_code_typed_exactly_ranks_that_institution_first(graph: Graph) -> None:
    await build_world(graph)
    foreign = await search(graph, "ĀM", VIEWER, kinds=[SearchKind.INSTITUTION])
    defence = await search(graph, "AM", VIEWER, kinds=[SearchKind.INSTITUTION])
    assert foreign[0]["id"] == "inst_am_foreign"
    assert defence[0]["id"] == "inst_am"
    # Folded alike, both codes still find both; the exact one scores as the best text hit.
    assert {r["id"] for r in foreign} == {r["id"] for r in defence} == set(INSTITUTIONS)
    assert foreign[0]["score"] == max(r["score"] for r in foreign)


async def test_an_exact_code_ranks_first_among_every_kind(graph: Graph) -> None:
    await build_world(graph)
    await build.person(graph, "ama", "Amanda Ām", "inst_am")
    rows = await search(graph, "ĀM", VIEWER)
    assert rows[0]["id"] == "inst_am_foreign"
    assert {r["id"] for r in rows} == {*INSTITUTIONS, "ama"}


async def test_a_code_in_other_case_is_no_exact_match(graph: Graph) -> None:
    await build_world(graph)
    rows = await search(graph, "ām", VIEWER, kinds=[SearchKind.INSTITUTION])
    assert {r["id"] for r in rows} == set(INSTITUTIONS)
    assert rows[0]["score"] >= rows[-1]["score"]  # ranked by text alone


async def test_an_exact_code_of_an_archived_institution_is_not_found(graph: Graph) -> None:
    await build_world(graph)
    await build.cypher(graph, "MATCH (n:Institution {id: 'inst_am_foreign'}) SET n.archivedAt = datetime()")
    rows = await search(graph, "ĀM", VIEWER, kinds=[SearchKind.INSTITUTION])
    assert "inst_am_foreign" not in {r["id"] for r in rows}


async def test_an_exact_code_is_not_found_when_institutions_are_not_asked_for(graph: Graph) -> None:
    await build_world(graph)
    assert await _ids(graph, "ĀM", SearchKind.ISSUE, SearchKind.TEAM) == set()


TEAMS = "query($text: String) { teams(filter: {text: $text}, first: 50) { totalCount nodes { id } } }"
ISSUES = "query($text: String) { issues(filter: {text: $text}, first: 50) { totalCount nodes { id } } }"


def _listed(hub: Hub, query: str, text: str | None) -> tuple[int, set[str]]:
    data = hub.data(query, {"text": text})
    [connection] = data.values()
    return connection["totalCount"], {n["id"] for n in connection["nodes"]}


async def test_filter_text_on_teams_matches_inflected_forms_of_the_name_and_mandate(
    hub: Hub, graph: Graph
) -> None:
    await build_world(graph)
    assert _listed(hub, TEAMS, "pakalpojumu") == (1, {"t_serv"})
    assert _listed(hub, TEAMS, "ministrijas") == (1, {"t_serv"})  # the mandate's "ministrijai"
    assert _listed(hub, TEAMS, "izstrādāt") == (1, {"t_serv"})
    assert _listed(hub, TEAMS, "udens") == (1, {"t_water"})
    assert _listed(hub, TEAMS, "darba gr") == (1, {"t_water"})


async def test_filter_text_on_issues_matches_inflected_forms_of_the_title_and_description(
    hub: Hub, graph: Graph
) -> None:
    await build_world(graph)
    assert _listed(hub, ISSUES, "drošības") == (1, {"i_sec"})
    assert _listed(hub, ISSUES, "drosibas") == (1, {"i_sec"})
    assert _listed(hub, ISSUES, "digitalizāciju") == (1, {"i_dig"})
    assert _listed(hub, ISSUES, "izstrādā") == (1, {"i_dig"})
    assert _listed(hub, ISSUES, "kvalit") == (1, {"i_other"})


async def test_filter_text_requires_every_word(hub: Hub, graph: Graph) -> None:
    await build_world(graph)
    assert _listed(hub, ISSUES, "valsts pakalpojumi") == (1, {"i_dig"})
    assert _listed(hub, ISSUES, "valsts drošība") == (0, set())


async def test_filter_text_with_no_word_matches_nothing_as_search_finds_nothing(
    hub: Hub, graph: Graph
) -> None:
    await build_world(graph)
    assert _listed(hub, ISSUES, None) == (3, {"i_sec", "i_dig", "i_other"})
    assert _listed(hub, ISSUES, "drošība") == (1, {"i_sec"})  # a plan with text, then text without words
    assert _listed(hub, ISSUES, "  ") == (0, set())
    assert _listed(hub, ISSUES, "!!!") == (0, set())
    assert _listed(hub, TEAMS, "a) OR b:*") == (0, set())  # text, never Lucene syntax


async def test_filter_text_keeps_the_other_filters_and_pages(hub: Hub, graph: Graph) -> None:
    await build_world(graph)
    await build.issue(graph, "i_sec2", "Drošības incidenti", status="PROPOSED")
    data = hub.data(
        '{ issues(filter: {text: "drošību", status: ACTIVE}) { totalCount nodes { id } } '
        ' first: issues(filter: {text: "drošību"}, orderBy: TITLE, descending: false, first: 1)'
        " { nodes { id } pageInfo { hasNextPage endCursor } } }"
    )
    assert data["issues"] == {"totalCount": 1, "nodes": [{"id": "i_sec"}]}
    assert data["first"]["nodes"] == [{"id": "i_sec2"}]  # "Drošības incidenti" < "Informācijas drošība"
    after = data["first"]["pageInfo"]["endCursor"]
    rest = hub.data(
        'query($after: String) { issues(filter: {text: "drošību"}, orderBy: TITLE, descending: false,'
        " first: 1, after: $after) { nodes { id } pageInfo { hasNextPage } } }",
        {"after": after},
    )
    assert rest["issues"] == {"nodes": [{"id": "i_sec"}], "pageInfo": {"hasNextPage": False}}
