"""Project teams: created with their lead, dated mandates, and visibility enforced in Cypher."""

from datetime import date

import pytest

from graph import teams
from graph.access import Viewer
from graph.driver import Graph
from graph.errors import InvalidInput, NotFound
from graph.teams import TeamInput, TeamPatch, Visibility
from graph.validation import validate
from tests import builders, planned

TEAM = "query($id: ID!) { team(id: $id) { id } }"


async def _setup(graph: Graph) -> tuple[dict, dict, dict]:  # type: ignore[type-arg]
    fm = await builders.institution(graph, "FM")
    lead = await builders.person(graph, "Līga Lead", fm["id"])
    issue = await builders.issue(graph, "Budget reform")
    return fm, lead, issue


async def test_a_new_team_is_forming_with_its_lead_as_only_member(graph: Graph) -> None:
    _, lead, issue = await _setup(graph)
    team = await builders.team(graph, "Budget team", issue["id"], lead["id"], lead_allocation=30)

    found = await planned.data(
        graph,
        "query($id: ID!) { team(id: $id) { members { role allocation since person { id } team { id } } } }",
        {"id": team["id"]},
    )

    assert team["status"] == "FORMING"
    assert team["issueId"] == issue["id"]
    assert found["team"]["members"] == [
        {
            "person": {"id": lead["id"]},
            "team": {"id": team["id"]},
            "role": "LEAD",
            "allocation": 30,
            "since": date.today().isoformat(),
        }
    ]


async def test_unknown_issue_or_lead_is_not_found_and_writes_nothing(graph: Graph) -> None:
    _, lead, issue = await _setup(graph)
    before = await builders.count(graph)
    with pytest.raises(NotFound) as error:
        await builders.team(graph, "T", "issue_" + "4" * 32, lead["id"])
    assert error.value.field == "issueId"
    with pytest.raises(NotFound) as error:
        await builders.team(graph, "T", issue["id"], "person_" + "4" * 32)
    assert error.value.field == "leadPersonId"
    assert await builders.count(graph) == before


def test_allocation_outside_0_to_100_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        validate(TeamInput, {"name": "T", "issue_id": "i", "lead_person_id": "p", "lead_allocation": 101})
    assert error.value.problems[0].field == "leadAllocation"


def test_a_mandate_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        validate(
            TeamInput,
            {
                "name": "T",
                "issue_id": "i",
                "lead_person_id": "p",
                "start_date": "2026-05-01",
                "end_date": "2026-04-01",
            },
        )
    assert "endDate must not be before startDate" in error.value.message


async def test_update_refuses_an_end_date_before_the_stored_start(graph: Graph) -> None:
    _, lead, issue = await _setup(graph)
    team = await builders.team(graph, "T", issue["id"], lead["id"], start_date=date(2026, 5, 1))
    with pytest.raises(InvalidInput) as error:
        await teams.update(graph, team["id"], TeamPatch(end_date=date(2026, 1, 1)), None, Viewer.system())
    assert error.value.problems[0].field == "endDate"


async def test_update_stores_legal_basis_as_dates(graph: Graph) -> None:
    _, lead, issue = await _setup(graph)
    team = await builders.team(graph, "T", issue["id"], lead["id"])
    patch = TeamPatch(legal_basis_number="Nr. 240", legal_basis_date=date(2023, 5, 8))

    updated = await teams.update(graph, team["id"], patch, None, Viewer.system())

    assert (updated["legalBasisNumber"], updated["legalBasisDate"]) == ("Nr. 240", date(2023, 5, 8))


async def test_restricted_team_is_invisible_to_a_non_member(graph: Graph) -> None:
    fm, lead, issue = await _setup(graph)
    outsider = await builders.person(graph, "Outsider", fm["id"])
    secret = await builders.team(graph, "Secret", issue["id"], lead["id"], visibility=Visibility.RESTRICTED)
    await builders.team(graph, "Open", issue["id"], lead["id"], visibility=Visibility.PUBLIC)
    viewer = Viewer(person_id=outsider["id"], signed_in=True)

    found = await planned.data(
        graph,
        """query($team: ID!, $issue: ID!, $lead: ID!) {
          teams { totalCount nodes { name } }
          team(id: $team) { id }
          issue(id: $issue) { teams { name } }
          person(id: $lead) { memberships { team { name } } }
        }""",
        {"team": secret["id"], "issue": issue["id"], "lead": lead["id"]},
        viewer,
    )

    assert found["teams"] == {"totalCount": 1, "nodes": [{"name": "Open"}]}
    assert found["team"] is None
    assert found["issue"]["teams"] == [{"name": "Open"}]
    assert found["person"]["memberships"] == [{"team": {"name": "Open"}}]


async def test_restricted_team_is_visible_to_its_member(graph: Graph) -> None:
    _, lead, issue = await _setup(graph)
    secret = await builders.team(graph, "Secret", issue["id"], lead["id"], visibility=Visibility.RESTRICTED)

    seen = await planned.data(graph, TEAM, {"id": secret["id"]}, Viewer(person_id=lead["id"], signed_in=True))

    assert seen["team"] == {"id": secret["id"]}


async def test_internal_team_needs_a_signed_in_viewer(graph: Graph) -> None:
    _, lead, issue = await _setup(graph)
    internal = await builders.team(graph, "Internal", issue["id"], lead["id"], visibility=Visibility.INTERNAL)

    # The rule itself: no query reaches it anonymously (every query but `me` needs a signed-in
    # caller, hub/api/authz.py), so it is read as the live access checks read it.
    assert await teams.visible_ids(graph, [internal["id"]], Viewer.anonymous()) == set()
    assert await teams.visible_ids(graph, [internal["id"]], Viewer(signed_in=True)) == {internal["id"]}
    assert (await planned.data(graph, TEAM, {"id": internal["id"]}, Viewer(signed_in=True)))["team"] == {
        "id": internal["id"]
    }
