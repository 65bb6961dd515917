"""Project teams: created with their lead, dated mandates, and visibility enforced in Cypher."""

from datetime import date

import pytest

from graph import teams
from graph.access import Viewer
from graph.driver import Graph
from graph.errors import InvalidInput, NotFound
from graph.pagination import PageRequest
from graph.teams import TeamInput, TeamPatch, Visibility
from graph.validation import validate
from tests import builders


async def _setup(graph: Graph) -> tuple[dict, dict, dict]:  # type: ignore[type-arg]
    fm = await builders.institution(graph, "FM")
    lead = await builders.person(graph, "Līga Lead", fm["id"])
    issue = await builders.issue(graph, "Budget reform")
    return fm, lead, issue


async def test_a_new_team_is_forming_with_its_lead_as_only_member(graph: Graph) -> None:
    _, lead, issue = await _setup(graph)
    team = await builders.team(graph, "Budget team", issue["id"], lead["id"], lead_allocation=30)

    members = await teams.members_of(graph, [team["id"]], Viewer.system())

    assert team["status"] == "FORMING"
    assert team["issueId"] == issue["id"]
    assert members[team["id"]] == [
        {
            "personId": lead["id"],
            "teamId": team["id"],
            "role": "LEAD",
            "allocation": 30,
            "since": date.today(),
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

    listed = await teams.list_page(graph, PageRequest(first=10, skip=0), viewer)
    by_id = await teams.by_ids(graph, [secret["id"]], viewer)
    on_issue = await teams.addressing(graph, [issue["id"]], viewer)
    lead_memberships = await teams.memberships_of(graph, [lead["id"]], viewer)

    assert ([r["name"] for r in listed.rows], listed.total) == (["Open"], 1)
    assert by_id == {}
    assert [t["name"] for t in on_issue[issue["id"]]] == ["Open"]
    assert secret["id"] not in [m["teamId"] for m in lead_memberships[lead["id"]]]


async def test_restricted_team_is_visible_to_its_member(graph: Graph) -> None:
    _, lead, issue = await _setup(graph)
    secret = await builders.team(graph, "Secret", issue["id"], lead["id"], visibility=Visibility.RESTRICTED)

    seen = await teams.by_ids(graph, [secret["id"]], Viewer(person_id=lead["id"], signed_in=True))

    assert list(seen) == [secret["id"]]


async def test_internal_team_needs_a_signed_in_viewer(graph: Graph) -> None:
    _, lead, issue = await _setup(graph)
    internal = await builders.team(graph, "Internal", issue["id"], lead["id"], visibility=Visibility.INTERNAL)

    assert await teams.by_ids(graph, [internal["id"]], Viewer.anonymous()) == {}
    assert list(await teams.by_ids(graph, [internal["id"]], Viewer(signed_in=True))) == [internal["id"]]
