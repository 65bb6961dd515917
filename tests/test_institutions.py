"""Institutions: creation, hierarchy without cycles, updates, archiving, listing."""

import pytest

from graph import institutions
from graph.driver import Graph
from graph.errors import Conflict, InvalidInput, NotFound
from graph.institutions import InstitutionKind, InstitutionPatch
from graph.validation import validate
from tests import builders, planned

LIST = """query($filter: InstitutionFilter, $first: Int, $after: String) {
  institutions(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { code }
  }
}"""


async def _listed(graph: Graph, **variables: object) -> dict[str, object]:
    listed: dict[str, object] = (await planned.data(graph, LIST, {"first": 10, **variables}))["institutions"]
    return listed


def _codes(page: dict[str, object]) -> list[str]:
    return [n["code"] for n in page["nodes"]]  # type: ignore[attr-defined]


async def test_create_stores_names_kind_and_parent(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM", name_lv="Finanšu ministrija", name_en="Ministry of Finance")
    vid = await builders.institution(graph, "VID", parent_id=fm["id"], kind=InstitutionKind.AGENCY)

    assert fm["nameLv"] == "Finanšu ministrija"
    assert fm["nameEn"] == "Ministry of Finance"
    assert vid["kind"] == "AGENCY"
    assert vid["parentId"] == fm["id"]
    assert vid["id"].startswith("inst_")


async def test_duplicate_code_is_a_conflict_and_writes_nothing(graph: Graph) -> None:
    await builders.institution(graph, "FM")
    before = await builders.count(graph)
    with pytest.raises(Conflict) as error:
        await builders.institution(graph, "FM")
    assert error.value.field == "code"
    assert await builders.count(graph) == before


async def test_unknown_parent_is_not_found_and_writes_nothing(graph: Graph) -> None:
    before = await builders.count(graph)
    with pytest.raises(NotFound) as error:
        await builders.institution(graph, "VID", parent_id="inst_" + "0" * 32)
    assert error.value.field == "parentId"
    assert await builders.count(graph) == before


async def test_making_a_parent_subordinate_to_its_child_is_refused(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    vid = await builders.institution(graph, "VID", parent_id=fm["id"])
    with pytest.raises(Conflict) as error:
        await institutions.update(graph, fm["id"], InstitutionPatch(parent_id=vid["id"]), None)
    assert error.value.field == "parentId"
    found = await planned.data(
        graph, "query($id: ID!) { institution(id: $id) { parent { id } } }", {"id": fm["id"]}
    )
    assert found["institution"]["parent"] is None


async def test_update_changes_only_given_fields_and_null_parent_detaches(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    vid = await builders.institution(graph, "VID", parent_id=fm["id"], name_en="Revenue")
    patch = validate(InstitutionPatch, {"name_en": "State Revenue Service", "parent_id": None})

    updated = await institutions.update(graph, vid["id"], patch, None)

    assert updated["nameEn"] == "State Revenue Service"
    assert updated["nameLv"] == vid["nameLv"]
    assert updated["parentId"] is None


async def test_null_for_a_required_field_is_refused(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    patch = validate(InstitutionPatch, {"name_lv": None})
    with pytest.raises(InvalidInput) as error:
        await institutions.update(graph, fm["id"], patch, None)
    assert error.value.problems[0].field == "nameLv"


async def test_archived_institutions_leave_the_default_list(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    await builders.institution(graph, "EM")
    await institutions.archive(graph, fm["id"], None)

    default = await _listed(graph)
    everything = await _listed(graph, filter={"includeArchived": True})

    assert _codes(default) == ["EM"]
    assert sorted(_codes(everything)) == ["EM", "FM"]


async def test_list_filters_by_kind_and_text_and_pages(graph: Graph) -> None:
    for code in ["AM", "EM", "FM", "VM"]:
        await builders.institution(graph, code)
    await builders.institution(graph, "VID", kind=InstitutionKind.AGENCY)

    ministries = await _listed(graph, filter={"kind": "MINISTRY"}, first=2)
    after = ministries["pageInfo"]["endCursor"]  # type: ignore[index]
    second = await _listed(graph, filter={"kind": "MINISTRY"}, first=2, after=after)
    text = await _listed(graph, filter={"text": "vid"})

    assert (ministries["totalCount"], _codes(ministries), ministries["pageInfo"]["hasNextPage"]) == (  # type: ignore[index]
        4,
        ["AM", "EM"],
        True,
    )
    assert (_codes(second), second["pageInfo"]["hasNextPage"]) == (["FM", "VM"], False)  # type: ignore[index]
    assert _codes(text) == ["VID"]
