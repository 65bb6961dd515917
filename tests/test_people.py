"""People: validation, unique email, institution, skills with levels."""

import pytest

from graph import people
from graph.driver import Graph
from graph.errors import Conflict, InvalidInput, NotFound
from graph.people import PersonInput, PersonPatch, PersonSkillInput
from graph.validation import validate
from tests import builders, planned


async def _skills(graph: Graph, person_id: str) -> list[dict[str, object]]:
    found = await planned.data(
        graph, "query($id: ID!) { person(id: $id) { skills { level skill { id } } } }", {"id": person_id}
    )
    return list(found["person"]["skills"])


async def test_create_links_institution_and_skills_strongest_first(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    law = await builders.skill(graph, "Legal drafting")
    data = await builders.skill(graph, "Data analysis")
    anna = await builders.person(
        graph,
        "Anna Bērziņa",
        fm["id"],
        email="Anna.Berzina@FM.gov.lv",
        skills=[
            PersonSkillInput(skill_id=law["id"], level=2),
            PersonSkillInput(skill_id=data["id"], level=5),
        ],
    )

    assert anna["email"] == "anna.berzina@fm.gov.lv"
    assert anna["institutionId"] == fm["id"]
    assert await _skills(graph, anna["id"]) == [
        {"skill": {"id": data["id"]}, "level": 5},
        {"skill": {"id": law["id"]}, "level": 2},
    ]


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("email", "not-an-email", "is not a valid email address"),
        ("name", "", "must not be empty"),
        ("name", "x" * 201, "string should have at most 200 characters"),
        ("languages", ["latvian"], "string should match pattern '^[a-z]{2}$'"),
    ],
)
def test_bad_person_input_names_the_field(field: str, value: object, problem: str) -> None:
    data = {"name": "Anna", "email": "anna@fm.gov.lv", "institution_id": "inst_x", field: value}
    with pytest.raises(InvalidInput) as error:
        validate(PersonInput, data)
    assert error.value.problems[0].problem == problem
    assert error.value.problems[0].field.startswith(field)


def test_skill_level_outside_1_to_5_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        validate(PersonSkillInput, {"skill_id": "skill_x", "level": 6})
    assert error.value.problems[0].field == "level"


async def test_duplicate_email_is_a_conflict_and_writes_nothing(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    await builders.person(graph, "Anna", fm["id"], email="anna@fm.gov.lv")
    before = await builders.count(graph)
    with pytest.raises(Conflict) as error:
        await builders.person(graph, "Other Anna", fm["id"], email="ANNA@fm.gov.lv")
    assert error.value.field == "email"
    assert await builders.count(graph) == before


async def test_unknown_institution_is_not_found_and_writes_nothing(graph: Graph) -> None:
    before = await builders.count(graph)
    with pytest.raises(NotFound) as error:
        await builders.person(graph, "Anna", "inst_" + "1" * 32)
    assert error.value.field == "institutionId"
    assert await builders.count(graph) == before


async def test_moving_a_person_replaces_their_institution(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    em = await builders.institution(graph, "EM")
    anna = await builders.person(graph, "Anna", fm["id"])

    moved = await people.update(graph, anna["id"], PersonPatch(institution_id=em["id"]), None)

    assert moved["institutionId"] == em["id"]
    at_fm = await planned.data(
        graph, "query($id: ID!) { institution(id: $id) { people { id } } }", {"id": fm["id"]}
    )
    assert at_fm["institution"]["people"] == []


async def test_setting_a_skill_twice_keeps_one_relationship_with_the_new_level(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    law = await builders.skill(graph, "Legal drafting")
    anna = await builders.person(graph, "Anna", fm["id"])
    await people.set_skill(graph, anna["id"], PersonSkillInput(skill_id=law["id"], level=2), None)
    await people.set_skill(graph, anna["id"], PersonSkillInput(skill_id=law["id"], level=4), None)

    assert await _skills(graph, anna["id"]) == [{"skill": {"id": law["id"]}, "level": 4}]


async def test_text_filter_matches_part_of_an_email_whatever_the_case(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    await builders.person(graph, "Anna Bērziņa", fm["id"], email="anna.berzina@fm.gov.lv")
    await builders.person(graph, "Jānis Kalns", fm["id"], email="janis.kalns@vk.gov.lv")

    page = await planned.data(graph, '{ people(filter: {text: "@FM.GOV"}) { nodes { name } } }')

    assert page["people"]["nodes"] == [{"name": "Anna Bērziņa"}]
