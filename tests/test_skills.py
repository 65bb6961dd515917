"""Skills: a shared vocabulary, listed by key and filtered by text."""

from graph.driver import Graph
from tests import builders, planned


async def test_text_filter_matches_part_of_a_key_whatever_the_case(graph: Graph) -> None:
    for name in ("Data analysis", "Legal drafting", "Open data policy"):
        await builders.skill(graph, name)

    page = (await planned.data(graph, '{ skills(text: "DATA") { totalCount nodes { name } } }'))["skills"]

    assert [row["name"] for row in page["nodes"]] == ["Data analysis", "Open data policy"]
    assert page["totalCount"] == 2
