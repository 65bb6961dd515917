"""Forming a team: ranked member suggestions, institution coverage, and overlap warnings."""

from __future__ import annotations

from typing import Any

import pytest

from graph import formation, invitations, people, teams
from graph.access import Viewer
from graph.driver import Graph, run
from graph.errors import Conflict, InvalidInput, NotFound
from graph.validation import validate
from tests import formation_builders as b
from tests import planned
from tests.formation_builders import SYSTEM


async def invite(graph: Graph, team_id: str, person_id: str, allocation: int = 20) -> str:
    data = validate(
        invitations.InvitationInput, {"team_id": team_id, "person_id": person_id, "allocation": allocation}
    )
    return str((await invitations.invite(graph, data, None, SYSTEM))["id"])


async def suggest(
    graph: Graph, team_id: str, skills: list[str], limit: int = 10, viewer: Viewer = SYSTEM
) -> list[Any]:
    data = validate(formation.SuggestionInput, {"team_id": team_id, "skills": skills, "limit": limit})
    return await formation.suggest(graph, data, viewer)


@pytest.fixture
async def ranked(graph: Graph) -> dict[str, str]:
    """A team on an issue affecting VM (lead), FM (involved), TM (consulted), led from VM, and people
    around it. Expected scores (10 × levels + gap + free/10):
    Anna 80+0+10=90, Boris 20+20+10=50, Dace 40+0+3=43, Karlis 30+0+10=40, Olga 20+0+10=30,
    Cecilia 0+10+10=20, Edgars 10+0+10=20 (Cecilia first by name)."""
    vm, fm, tm, xx = [await b.institution(graph, c) for c in ("VM", "FM", "TM", "XX")]
    law, data = await b.skill(graph, "Law"), await b.skill(graph, "Data")
    ids: dict[str, str] = {"law": law, "data": data, "VM": vm, "FM": fm, "TM": tm}
    issue = await b.issue(graph, "Open data", {vm: "LEAD", fm: "INVOLVED", tm: "CONSULTED"})
    lead = await b.person(graph, "Lead", vm, {law: 5})
    ids["team"] = team = await b.team(graph, "Open data team", issue, lead)
    other_issue = await b.issue(graph, "Other")

    for name, inst, skills in [
        ("Anna", xx, {law: 5, data: 3}),
        ("Boris", fm, {law: 2}),
        ("Cecilia", tm, {}),
        ("Dace", vm, {law: 4}),
        ("Edgars", xx, {data: 1}),
        ("Full", xx, {law: 5}),
        ("Arnis", xx, {law: 5}),
        ("Mara", xx, {law: 5}),
        ("Ilze", xx, {law: 5}),
        ("Karlis", xx, {law: 3}),
        ("Nobody", xx, {}),
        ("Olga", xx, {data: 2}),
    ]:
        ids[name] = await b.person(graph, name, inst, skills)

    active = await b.team(graph, "Active elsewhere", other_issue, ids["Dace"], lead_allocation=70)
    await b.set_team(graph, active, status="ACTIVE")
    await b.team(graph, "Forming elsewhere", other_issue, ids["Full"], lead_allocation=100)
    closed = await b.team(graph, "Closed elsewhere", other_issue, ids["Karlis"], lead_allocation=100)
    await b.set_team(graph, closed, status="CLOSED")
    await people.archive(graph, ids["Arnis"], None)
    await b.member(graph, team, ids["Mara"])
    await invite(graph, team, ids["Ilze"])
    expired = await invite(graph, team, ids["Olga"])
    await graph.write(
        lambda tx: run(
            tx, "MATCH (v:Invitation {id: $id}) SET v.expiresAt = datetime() - duration('P1D')", id=expired
        )
    )
    return ids


def names(suggestions: list[Any], ids: dict[str, str]) -> list[tuple[str, int]]:
    by_id = {v: k for k, v in ids.items()}
    return [(by_id[s["personId"]], s["score"]) for s in suggestions]


async def test_suggestions_are_ranked_by_skills_institution_gap_and_capacity(
    graph: Graph, ranked: dict[str, str]
) -> None:
    found = await suggest(graph, ranked["team"], [ranked["law"], ranked["data"]])
    assert names(found, ranked) == [
        ("Anna", 90),
        ("Boris", 50),
        ("Dace", 43),
        ("Karlis", 40),
        ("Olga", 30),
        ("Cecilia", 20),
        ("Edgars", 20),
    ]


async def test_a_suggestion_carries_its_reasons(graph: Graph, ranked: dict[str, str]) -> None:
    found = {s["personId"]: s for s in await suggest(graph, ranked["team"], [ranked["law"], ranked["data"]])}
    assert found[ranked["Anna"]] == {
        "personId": ranked["Anna"],
        "score": 90,
        "freeCapacity": 100,
        "skills": [{"skillId": ranked["law"], "level": 5}, {"skillId": ranked["data"], "level": 3}],
        "gap": None,
    }
    assert found[ranked["Boris"]]["gap"] == {"institutionId": ranked["FM"], "stake": "INVOLVED"}
    assert found[ranked["Dace"]]["freeCapacity"] == 30


async def test_suggestions_stop_at_the_limit(graph: Graph, ranked: dict[str, str]) -> None:
    found = await suggest(graph, ranked["team"], [ranked["law"], ranked["data"]], limit=2)
    assert names(found, ranked) == [("Anna", 90), ("Boris", 50)]


async def test_without_skills_only_institution_gaps_are_suggested(
    graph: Graph, ranked: dict[str, str]
) -> None:
    assert names(await suggest(graph, ranked["team"], []), ranked) == [("Boris", 30), ("Cecilia", 20)]


async def test_suggestions_are_one_query(graph: Graph, ranked: dict[str, str]) -> None:
    from graph.driver import count_queries

    with count_queries() as counter:
        await suggest(graph, ranked["team"], [ranked["law"]])
    assert counter.queries == 1


async def test_suggestions_for_an_unknown_skill_name_the_skill(graph: Graph, ranked: dict[str, str]) -> None:
    with pytest.raises(NotFound) as err:
        await suggest(graph, ranked["team"], [ranked["law"], "skill_" + "0" * 32])
    assert err.value.field == "skills.1"


async def test_suggestions_for_an_unknown_team_name_the_team(graph: Graph) -> None:
    with pytest.raises(NotFound) as err:
        await suggest(graph, "team_" + "0" * 32, [])
    assert err.value.field == "teamId"


async def test_suggestion_limit_out_of_range_is_refused(graph: Graph) -> None:
    with pytest.raises(InvalidInput) as err:
        validate(formation.SuggestionInput, {"team_id": "t", "limit": 0})
    assert err.value.problems[0].field == "limit"


async def test_a_closed_team_gets_no_suggestions(graph: Graph, ranked: dict[str, str]) -> None:
    await b.set_team(graph, ranked["team"], status="CLOSED")
    with pytest.raises(Conflict) as err:
        await suggest(graph, ranked["team"], [ranked["law"]])
    assert err.value.field == "teamId"


async def test_a_restricted_team_has_no_suggestions_for_outsiders(
    graph: Graph, ranked: dict[str, str]
) -> None:
    await b.set_team(graph, ranked["team"], visibility="RESTRICTED")
    outsider = Viewer(person_id=ranked["Anna"], signed_in=True)
    with pytest.raises(NotFound) as err:
        await suggest(graph, ranked["team"], [ranked["law"]], viewer=outsider)
    assert err.value.field == "teamId"


# Coverage


@pytest.fixture
async def covered(graph: Graph) -> dict[str, str]:
    vm, fm, tm = [await b.institution(graph, c) for c in ("VM", "FM", "TM")]
    issue = await b.issue(graph, "Open data", {vm: "LEAD", fm: "INVOLVED", tm: "CONSULTED"})
    lead = await b.person(graph, "Lead", fm)
    zane = await b.person(graph, "Zane", tm)
    aija = await b.person(graph, "Aija", tm)
    team = await b.team(graph, "Team", issue, lead)
    await b.member(graph, team, zane)
    await b.member(graph, team, aija)
    return {"VM": vm, "FM": fm, "TM": tm, "team": team, "lead": lead, "zane": zane, "aija": aija}


async def _coverage(graph: Graph, team_id: str, viewer: Viewer = SYSTEM) -> dict[str, Any] | None:
    sides = "stake institution { id } representatives { id } missing"
    found: dict[str, Any] | None = (
        await planned.data(
            graph,
            "query($id: ID!) { coverage(teamId: $id) { institutions { "
            + sides
            + " } missing { "
            + sides
            + " }"
            " leadInstitutionMissing } }",
            {"id": team_id},
            viewer,
        )
    )["coverage"]
    return found


async def test_coverage_lists_each_affected_institution_with_its_representatives(
    graph: Graph, covered: dict[str, str]
) -> None:
    found = await _coverage(graph, covered["team"])
    assert found == {
        "institutions": [
            {"institution": {"id": covered["VM"]}, "stake": "LEAD", "representatives": [], "missing": True},
            {
                "institution": {"id": covered["FM"]},
                "stake": "INVOLVED",
                "representatives": [{"id": covered["lead"]}],
                "missing": False,
            },
            {
                "institution": {"id": covered["TM"]},
                "stake": "CONSULTED",
                "representatives": [{"id": covered["aija"]}, {"id": covered["zane"]}],
                "missing": False,
            },
        ],
        "missing": [
            {"institution": {"id": covered["VM"]}, "stake": "LEAD", "representatives": [], "missing": True}
        ],
        "leadInstitutionMissing": True,
    }


async def test_coverage_clears_the_lead_flag_once_the_lead_institution_is_represented(
    graph: Graph, covered: dict[str, str]
) -> None:
    vm_person = await b.person(graph, "Vilnis", covered["VM"])
    await b.member(graph, covered["team"], vm_person)
    found = await _coverage(graph, covered["team"])
    assert found is not None and found["leadInstitutionMissing"] is False
    assert found["institutions"][0]["representatives"] == [{"id": vm_person}]


async def test_coverage_of_a_restricted_team_is_hidden_from_outsiders(
    graph: Graph, covered: dict[str, str]
) -> None:
    await b.set_team(graph, covered["team"], visibility="RESTRICTED")
    outsider = await b.person(graph, "Outsider", covered["VM"])
    assert await _coverage(graph, covered["team"], Viewer(person_id=outsider, signed_in=True)) is None
    member = Viewer(person_id=covered["zane"], signed_in=True)
    assert await _coverage(graph, covered["team"], member) is not None


# Overlap warnings


async def create(
    graph: Graph, issue: str, lead: str, viewer: Viewer = SYSTEM, **extra: Any
) -> tuple[Any, Any]:
    data = validate(teams.TeamInput, {"name": "New team", "issue_id": issue, "lead_person_id": lead, **extra})
    return await formation.create_team(graph, data, None, viewer)


@pytest.fixture
async def overlap(graph: Graph) -> dict[str, str]:
    vm = await b.institution(graph, "VM")
    ids = {n: await b.person(graph, n, vm) for n in ("Lead", "A", "B", "C", "D")}
    ids["issue"] = await b.issue(graph, "Open data", {vm: "LEAD"})
    ids["other_issue"] = await b.issue(graph, "Other")
    return ids


async def test_no_warnings_for_a_first_team(graph: Graph, overlap: dict[str, str]) -> None:
    _, warnings = await create(graph, overlap["issue"], overlap["Lead"])
    assert warnings == []


async def test_a_second_team_on_an_issue_with_an_active_team_is_warned_about_but_created(
    graph: Graph, overlap: dict[str, str]
) -> None:
    active = await b.team(graph, "Active team", overlap["issue"], overlap["A"])
    await b.set_team(graph, active, status="ACTIVE")
    team, warnings = await create(graph, overlap["issue"], overlap["Lead"])
    assert warnings == [
        {
            "code": "ISSUE_HAS_ACTIVE_TEAM",
            "teamId": active,
            "message": "The issue already has an active team: Active team",
        }
    ]
    assert team["status"] == "FORMING"


async def test_a_forming_team_on_the_issue_is_not_an_overlap(graph: Graph, overlap: dict[str, str]) -> None:
    await b.team(graph, "Forming team", overlap["issue"], overlap["A"])
    _, warnings = await create(graph, overlap["issue"], overlap["Lead"])
    assert warnings == []


async def test_most_proposed_members_on_one_active_team_is_warned_about(
    graph: Graph, overlap: dict[str, str]
) -> None:
    busy = await b.team(graph, "Busy team", overlap["other_issue"], overlap["A"])
    await b.member(graph, busy, overlap["B"])
    await b.set_team(graph, busy, status="ACTIVE")
    _, warnings = await create(
        graph,
        overlap["issue"],
        overlap["Lead"],
        proposed_member_ids=[overlap["A"], overlap["B"], overlap["C"]],
    )
    assert warnings == [
        {
            "code": "MEMBERS_OVERLAP",
            "teamId": busy,
            "message": "2 of the 3 proposed members already sit on Busy team",
        }
    ]


async def test_exactly_half_of_the_proposed_members_is_not_mostly(
    graph: Graph, overlap: dict[str, str]
) -> None:
    busy = await b.team(graph, "Busy team", overlap["other_issue"], overlap["A"])
    await b.set_team(graph, busy, status="ACTIVE")
    _, warnings = await create(
        graph, overlap["issue"], overlap["Lead"], proposed_member_ids=[overlap["A"], overlap["C"]]
    )
    assert warnings == []


async def test_overlap_with_a_restricted_team_is_not_revealed_to_outsiders(
    graph: Graph, overlap: dict[str, str]
) -> None:
    secret = await b.team(graph, "Secret team", overlap["issue"], overlap["A"], visibility="RESTRICTED")
    await b.set_team(graph, secret, status="ACTIVE")
    outsider = Viewer(person_id=overlap["Lead"], signed_in=True)
    _, warnings = await create(
        graph, overlap["issue"], overlap["Lead"], viewer=outsider, proposed_member_ids=[overlap["A"]]
    )
    assert warnings == []


async def test_an_unknown_proposed_member_is_refused_and_nothing_is_written(
    graph: Graph, overlap: dict[str, str]
) -> None:
    before = await b.counts(graph)
    with pytest.raises(NotFound) as err:
        await create(graph, overlap["issue"], overlap["Lead"], proposed_member_ids=["person_" + "0" * 32])
    assert err.value.field == "proposedMemberIds"
    assert await b.counts(graph) == before


async def test_a_lead_without_enough_free_time_is_refused(graph: Graph, overlap: dict[str, str]) -> None:
    await b.team(graph, "Full-time elsewhere", overlap["other_issue"], overlap["Lead"], lead_allocation=90)
    before = await b.counts(graph)
    with pytest.raises(Conflict) as err:
        await create(graph, overlap["issue"], overlap["Lead"], lead_allocation=20)
    assert err.value.field == "leadAllocation"
    assert await b.counts(graph) == before
