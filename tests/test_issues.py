"""Horizontal issues: affected institutions with stakes, plan direction, acyclic dependencies."""

import pytest

from graph import issues
from graph.driver import Graph, run
from graph.errors import Conflict, NotFound
from graph.issues import ImpactInput, IssuePatch, IssueStatus, Stake
from tests import builders, planned


async def test_create_records_affected_institutions_lead_first(graph: Graph) -> None:
    kem = await builders.institution(graph, "KEM")
    fm = await builders.institution(graph, "FM")
    issue = await builders.issue(graph, "Energy security", {fm["id"]: Stake.INVOLVED, kem["id"]: Stake.LEAD})

    found = await planned.data(
        graph,
        "query($id: ID!) { issue(id: $id) { affected { stake institution { id } } } }",
        {"id": issue["id"]},
    )

    assert found["issue"]["affected"] == [
        {"institution": {"id": kem["id"]}, "stake": "LEAD"},
        {"institution": {"id": fm["id"]}, "stake": "INVOLVED"},
    ]


async def test_the_same_institution_twice_is_refused(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    with pytest.raises(Conflict) as error:
        await issues.create(
            graph,
            issues.IssueInput(
                title="X",
                affected=[
                    ImpactInput(institution_id=fm["id"], stake=Stake.LEAD),
                    ImpactInput(institution_id=fm["id"], stake=Stake.INVOLVED),
                ],
            ),
            None,
        )
    assert error.value.field == "affected"


async def test_unknown_affected_institution_names_its_position(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    before = await builders.count(graph)
    with pytest.raises(NotFound) as error:
        await builders.issue(graph, "X", {fm["id"]: Stake.LEAD, "inst_" + "2" * 32: Stake.INVOLVED})
    assert error.value.field == "affected.1.institutionId"
    assert await builders.count(graph) == before


async def test_a_dependency_cycle_is_refused_and_nothing_changes(graph: Graph) -> None:
    a = await builders.issue(graph, "A")
    b = await builders.issue(graph, "B", depends_on_ids=[a["id"]])
    c = await builders.issue(graph, "C", depends_on_ids=[b["id"]])
    before = await builders.count(graph)

    with pytest.raises(Conflict) as error:
        await issues.add_dependency(graph, a["id"], c["id"], None)

    assert error.value.field == "dependsOnId"
    assert "cycle" in error.value.message
    assert await builders.count(graph) == before


async def test_an_issue_cannot_depend_on_itself(graph: Graph) -> None:
    a = await builders.issue(graph, "A")
    with pytest.raises(Conflict):
        await issues.add_dependency(graph, a["id"], a["id"], None)


async def test_dependencies_and_dependents_are_both_visible(graph: Graph) -> None:
    a = await builders.issue(graph, "A")
    b = await builders.issue(graph, "B", depends_on_ids=[a["id"]])

    query = "query($id: ID!) { issue(id: $id) { dependsOn { title } dependents { title } } }"
    assert (await planned.data(graph, query, {"id": b["id"]}))["issue"] == {
        "dependsOn": [{"title": "A"}],
        "dependents": [],
    }
    assert (await planned.data(graph, query, {"id": a["id"]}))["issue"] == {
        "dependsOn": [],
        "dependents": [{"title": "B"}],
    }


async def test_direction_is_set_and_filterable(graph: Graph) -> None:
    await graph.write(
        lambda tx: run(
            tx,
            "CREATE (:PlanDirection:Entity {id: 'dir_' + $hex, number: 1, titleLv: 'Vienota', titleEn: 'Unified'})",
            hex="3" * 32,
        )
    )
    direction_id = "dir_" + "3" * 32
    a = await builders.issue(graph, "A", direction_id=direction_id)
    await builders.issue(graph, "B")

    page = await planned.data(
        graph, "query($d: ID) { issues(filter: {directionId: $d}) { nodes { title } } }", {"d": direction_id}
    )

    assert a["directionId"] == direction_id
    assert page["issues"]["nodes"] == [{"title": "A"}]


async def test_status_update_is_recorded_with_before_and_after(graph: Graph) -> None:
    a = await builders.issue(graph, "A")
    await issues.update(graph, a["id"], IssuePatch(status=IssueStatus.ACTIVE), None)

    rows = await graph.read(
        "MATCH (x:Activity {verb: 'issue.updated', targetId: $id}) RETURN x.before AS before, x.after AS after",
        id=a["id"],
    )
    assert '"status": "PROPOSED"' in rows[0]["before"]
    assert '"status": "ACTIVE"' in rows[0]["after"]
