"""Skills: a shared vocabulary, listed by key and filtered by text."""

from graph import skills
from graph.driver import Graph
from graph.pagination import PageRequest
from tests import builders


async def test_text_filter_matches_part_of_a_key_whatever_the_case(graph: Graph) -> None:
    for name in ("Data analysis", "Legal drafting", "Open data policy"):
        await builders.skill(graph, name)

    page = await skills.list_page(graph, PageRequest(first=10, skip=0), text="DATA")

    assert [row["key"] for row in page.rows] == ["data analysis", "open data policy"]
    assert page.total == 2
