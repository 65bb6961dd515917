"""The planner's rules, each as a document and the Cypher statement and parameters it compiles to
(graph/planner.py; the mappings of graph/model.py as the API declares them). No database: what
the statements return is specified against Neo4j in tests/test_web_app_reads.py."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse
from graphql.execution.values import get_argument_values, get_variable_values

from graph import in_python, model, planner
from graph.access import Viewer
from graph.model import Computed, Value
from graph.pagination import encode_cursor
from hub.api.planning import PlannedOperations, _operation, _plan, _shape, graphql_schema
from hub.api.schema import schema

SCHEMA = graphql_schema(schema)
VIEWER = Viewer.system()
TEAM_RULE = (
    "(v1.visibility = 'PUBLIC' OR (v1.visibility = 'INTERNAL' AND $viewerSignedIn) OR $viewerAdmin"
    " OR EXISTS { (v1)<-[:MEMBER_OF]-(:Person {id: $viewerId}) })"
)


def compiled(document: str, variables: dict[str, Any] | None = None) -> tuple[planner.Plan, dict[str, Any]]:
    """The statement of a query document's root fields, and its parameters."""
    parsed = parse(document)
    operation = _operation(parsed, None)
    coerced = get_variable_values(SCHEMA, operation.variable_definitions or (), variables or {})
    assert not isinstance(coerced, list), coerced
    plan = _plan(SCHEMA, parsed, operation, coerced)

    def args_at(site: int) -> Any:
        definition, node = plan.sites[site]
        return get_argument_values(definition, node, coerced)

    registry = PlannedOperations.registry
    assert registry is not None
    read = planner.compile_read(
        [(registry.roots[r.name], r.selection) for r in plan.roots], args_at, VIEWER, 100
    )
    params, refused = read.parameters(args_at, VIEWER, 100)
    assert not refused and not read.refused
    return read, params


def test_a_property_is_read_under_its_response_key_with_aliases_and_the_type_name() -> None:
    plan, params = compiled('{ skill(id: "s") { id label: name __typename } }')

    assert plan.text == (
        "RETURN head(COLLECT { MATCH (v1:Skill {id: $s0_id})"
        " RETURN v1 {`id`: v1.id, `label`: v1.name, `__typename`: 'Skill'} }) AS r0"
    )
    assert params == {"s0_id": "s"}
    assert plan.columns == {"skill": "r0"}


def test_dates_and_datetimes_are_written_in_cypher_as_the_scalars_write_them() -> None:
    plan, _ = compiled('{ team(id: "t") { startDate reportingDeadlines createdAt } }')

    assert "`startDate`: toString(v1.startDate)" in plan.text
    assert "`reportingDeadlines`: [v2 IN coalesce(v1.reportingDeadlines, []) | toString(v2)]" in plan.text
    assert (
        "`createdAt`: CASE WHEN v1.createdAt IS NULL THEN null ELSE toString(date(v1.createdAt)) + 'T' + "
        "right('0' + toString(v1.createdAt.hour), 2)"
    ) in plan.text


def test_a_protected_entity_gets_its_rule_where_it_is_reached() -> None:
    plan, _ = compiled('{ team(id: "t") { name } }')

    assert plan.text == (
        f"RETURN head(COLLECT {{ MATCH (v1:ProjectTeam {{id: $s0_id}}) WHERE ({TEAM_RULE})"
        " RETURN v1 {`name`: v1.name} }) AS r0"
    )


def test_a_relationship_to_a_protected_entity_gets_the_rule_too() -> None:
    plan, _ = compiled('{ person(id: "p") { memberships { role team { name } } } }')

    assert plan.text == (
        "RETURN head(COLLECT { MATCH (v1:Person {id: $s0_id}) RETURN v1 {`memberships`: COLLECT {"
        " MATCH (v1)-[v2:MEMBER_OF]->(v3:ProjectTeam) WHERE ("
        + TEAM_RULE.replace("v1", "v3")
        + ") WITH v2, v3 ORDER BY CASE v3.status WHEN 'ACTIVE' THEN 0 WHEN 'FORMING' THEN 1 ELSE 2 END, v3.name"
        " RETURN {`role`: v2.role, `team`: v3 {`name`: v3.name}} }} }) AS r0"
    )


def test_an_embedded_object_is_null_unless_its_condition_holds() -> None:
    plan, _ = compiled('{ team(id: "t") { legalBasis { orderNumber } } }')

    assert (
        "`legalBasis`: CASE WHEN v1.legalBasisNumber IS NOT NULL THEN {`orderNumber`: v1.legalBasisNumber} END"
        in plan.text
    )


def test_a_single_relationship_is_the_head_of_its_matches() -> None:
    plan, _ = compiled('{ team(id: "t") { issue { title } } }')

    assert (
        "`issue`: head(COLLECT { MATCH (v1)-[:ADDRESSES]->(v2:HorizontalIssue) RETURN v2 {`title`: v2.title} })"
        in plan.text
    )


def test_a_list_without_its_own_order_takes_its_entitys_order() -> None:
    plan, _ = compiled('{ team(id: "t") { decisions { text } } }')

    assert (
        "`decisions`: COLLECT { MATCH (v1)<-[:IN_TEAM]-(v2:Decision) WHERE (EXISTS { MATCH (v2)-[:IN_TEAM]->"
        "(home:ProjectTeam) WHERE "
    ) in plan.text
    assert "WITH v2 ORDER BY v2.date DESC, v2.createdAt DESC RETURN v2 {`text`: v2.text} }" in plan.text


def test_a_fields_arguments_are_parameters_of_its_own_site() -> None:
    plan, params = compiled('{ institution(id: "i") { people(first: 5) { name } } }')

    assert (
        "`people`: COLLECT { MATCH (v1)<-[:WORKS_AT]-(v2:Person) WHERE (v2.archivedAt IS NULL)"
        " WITH v2 ORDER BY v2.name LIMIT $s1_first RETURN v2 {`name`: v2.name} }"
    ) in plan.text
    assert params == {"s0_id": "i", "s1_first": 5}


def test_the_same_field_twice_under_two_aliases_is_two_sites() -> None:
    plan, params = compiled(
        '{ institution(id: "i") { few: people(first: 1) { name } many: people(first: 9) { name } } }'
    )

    assert "LIMIT $s1_first" in plan.text and "LIMIT $s2_first" in plan.text
    assert (params["s1_first"], params["s2_first"]) == (1, 9)


def test_a_connection_counts_and_pages_by_its_keys_and_id() -> None:
    plan, params = compiled(
        "{ skills(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { name } } }"
    )

    assert plan.text == (
        "RETURN head([v2 IN [COLLECT { MATCH (v1:Skill) WHERE (v1.archivedAt IS NULL)"
        " WITH v1 ORDER BY v1.key ASC, v1.id ASC LIMIT $s0_first + 1"
        " RETURN {k: [v1.key, v1.id], p0: v1 {`name`: v1.name}} }] |"
        " head([v3 IN [v2[0..$s0_first]] | {`totalCount`: COUNT { MATCH (v1:Skill) WHERE (v1.archivedAt IS NULL) },"
        " `pageInfo`: {`hasNextPage`: size(v2) > $s0_first,"
        " `endCursor`: CASE WHEN size(v3) = 0 THEN null ELSE v3[size(v3) - 1].k END},"
        " `nodes`: [v4 IN v3 | v4.p0]}])]) AS r0"
    )
    assert params == {"s0_text": None, "s0_first": 2}
    assert [f.path for f in plan.finishes] == [("skills", "pageInfo", "endCursor")]


def test_a_count_alone_reads_no_page() -> None:
    plan, _ = compiled("{ skills { totalCount } }")

    assert plan.text == (
        "RETURN {`totalCount`: COUNT { MATCH (v1:Skill) WHERE (v1.archivedAt IS NULL) }} AS r0"
    )


def test_after_a_cursor_the_page_continues_after_its_keys() -> None:
    cursor = encode_cursor("SKILLS_BY_KEY", ["law", "skill_1"])
    plan, params = compiled(
        "query($a: String) { skills(first: 2, after: $a) { nodes { name } } }", {"a": cursor}
    )

    assert (
        "WHERE (v1.archivedAt IS NULL) AND ((v1.key > $s0_c0) OR (v1.key = $s0_c0 AND v1.id > $s0_c1))"
        in plan.text
    )
    assert (params["s0_c0"], params["s0_c1"]) == ("law", "skill_1")


def test_a_descending_key_continues_below_the_cursor_and_a_datetime_key_is_read_back_as_one() -> None:
    cursor = encode_cursor("TEAMS_BY_CREATED_DESC", ["2026-01-01T00:00:00Z", "team_1"])
    plan, _ = compiled(
        "query($a: String) { teams(orderBy: CREATED, descending: true, after: $a) { nodes { id } } }",
        {"a": cursor},
    )

    created = "coalesce(v1.createdAt, datetime('1970-01-01T00:00Z'))"
    assert f"ORDER BY {created} DESC, v1.id ASC" in plan.text
    assert (
        f"(({created} < datetime($s0_c0)) OR ({created} = datetime($s0_c0) AND v1.id > $s0_c1))"
    ) in plan.text
    assert f"RETURN {{k: [toString({created}), v1.id]" in plan.text


def test_a_cursor_of_another_order_is_refused_naming_after() -> None:
    cursor = encode_cursor("SKILLS_BY_KEY", ["law", "skill_1"])
    document = parse("query($a: String) { teams(after: $a) { totalCount } }")
    operation = _operation(document, None)
    coerced = get_variable_values(SCHEMA, operation.variable_definitions or (), {"a": cursor})
    assert not isinstance(coerced, list)
    plan = _plan(SCHEMA, document, operation, coerced)
    registry = PlannedOperations.registry
    assert registry is not None

    read = planner.compile_read(
        [(registry.roots[r.name], r.selection) for r in plan.roots],
        lambda site: get_argument_values(*plan.sites[site], coerced),
        VIEWER,
        100,
    )

    assert read.columns == {}
    assert str(read.refused["teams"]) == "after: is not a valid cursor"


def test_node_projects_each_type_it_may_be_with_each_types_rule() -> None:
    plan, _ = compiled(
        '{ node(id: "x") { id __typename ... on ProjectTeam { name } ... on Person { email } } }'
    )

    assert plan.text.startswith("RETURN head(COLLECT { MATCH (v1:Entity {id: $s0_id}) WHERE ")
    assert f"(NOT v1:ProjectTeam OR {TEAM_RULE})" in plan.text
    assert "WHEN v1:Person THEN v1 {`id`: v1.id, `__typename`: 'Person', `email`: v1.email}" in plan.text
    assert (
        "WHEN v1:ProjectTeam THEN v1 {`id`: v1.id, `__typename`: 'ProjectTeam', `name`: v1.name}" in plan.text
    )
    assert "WHEN v1:Skill THEN v1 {`id`: v1.id, `__typename`: 'Skill'}" in plan.text


def test_an_analysis_runs_as_a_subquery_and_its_rows_are_projected() -> None:
    plan, params = compiled("{ hotspots(limit: 3) { code institution { nameEn } } }")

    assert plan.text.startswith("RETURN COLLECT { CALL () {\nCALL () {")
    assert (
        "LIMIT $s0_limit\n} WITH row AS v1 RETURN {`code`: v1.code, `institution`: head(COLLECT {"
        in plan.text
    )
    assert (
        "MATCH (v2:Institution {id: v1.institutionId}) RETURN v2 {`nameEn`: v2.nameEn} })} } AS r0"
        in plan.text
    )
    assert params == {"s0_limit": 3}


def test_an_analysis_with_rules_reads_its_facts_beside_it() -> None:
    plan, params = compiled('{ suggestMembers(teamId: "t", skills: ["a", "a"]) { score } }')

    assert plan.columns == {"suggestMembers": "r0"}
    assert [c.column for c in plan.checks] == ["f0"]
    assert plan.text.endswith(", teamId: $s0_teamId, requested: $s0_requested} AS f0")
    assert (params["s0_skillIds"], params["s0_requested"], params["s0_limit"]) == (["a"], ["a", "a"], 10)


def test_a_root_computed_in_python_runs_its_query_and_is_finished_at_its_path() -> None:
    plan, _ = compiled("{ issueMap { truncated nodes { id } } }")

    assert plan.text.startswith("RETURN head(COLLECT { \nCALL () {")
    assert plan.text.endswith("} AS value\n }) AS r0")
    assert [f.path for f in plan.finishes] == [("issueMap",)]


def test_a_field_finished_in_python_is_read_raw_and_named_at_its_path() -> None:
    plan, _ = compiled("{ activities { nodes { before } edges { cursor node { after } } } }")

    assert {f.path for f in plan.finishes} == {
        ("activities", "nodes", "*", "before"),
        ("activities", "edges", "*", "cursor"),
        ("activities", "edges", "*", "node", "after"),
    }
    assert "`before`: v1.before" in plan.text


PLAIN = """query($id: ID!) {
  team(id: $id) { id name members { role person { name } } issue { title } }
}"""
RESHAPED = [
    # a named fragment, an inline fragment, a skipped and an included field, another order
    """query($id: ID!, $no: Boolean!) {
  team(id: $id) { ...T issue { title } mandate @skip(if: true) extra: status @include(if: $no) }
}
fragment T on ProjectTeam { ... on ProjectTeam { id } name members { role person { name } } }""",
    """query($id: ID!) { team(id: $id) { issue { title } members { person { name } role } name id } }""",
]


@pytest.mark.parametrize("document", RESHAPED)
def test_fragments_directives_and_order_resolve_to_the_same_fields(document: str) -> None:
    plain, _ = compiled(PLAIN, {"id": "t"})
    reshaped, _ = compiled(document, {"id": "t", "no": False})

    def keys(text: str) -> list[str]:
        return sorted(part.split("`")[1] for part in text.split("`: ")[:-1] if "`" in part)

    assert keys(reshaped.text) == keys(plain.text)
    assert len(reshaped.text) == len(plain.text)


def test_a_plan_depends_on_which_variables_are_null_and_on_booleans_and_enums_only() -> None:
    assert _shape({"text": "a", "first": 3, "on": True, "gone": None, "ids": ["x"]}) == (
        ("first", ""),
        ("gone", None),
        ("ids", ("[]",)),
        ("on", True),
        ("text", ""),
    )


def _python_fields() -> set[str]:
    used = set()
    fields = [f for m in model.MAPPINGS.values() for f in m.fields.values()]
    registry = PlannedOperations.registry
    assert registry is not None
    fields += list(registry.roots.values())
    for found in fields:
        python = found.python if isinstance(found, Value | Computed) else None
        if python is not None:
            used.add(python.name)
    return used


def test_every_field_finished_in_python_is_on_the_one_list() -> None:
    assert _python_fields() == {entry.name for entry in in_python.FIELDS_IN_PYTHON}
    assert all(entry.reason for entry in in_python.FIELDS_IN_PYTHON)


def test_a_projection_on_a_written_node_reaches_with_the_rules_but_skips_its_own() -> None:
    document = parse('mutation { updateTeam(id: "t", patch: {}) { id issue { title } } }')
    operation = _operation(document, None)
    coerced = get_variable_values(SCHEMA, (), {})
    assert not isinstance(coerced, list)
    [root] = _plan(SCHEMA, document, operation, coerced).roots

    projection = planner.compile_projection(
        "ProjectTeam", "writtenNode", root.selection, lambda _: {}, VIEWER, 100
    )

    assert projection.label == "ProjectTeam"
    assert projection.text == (
        "writtenNode {`id`: writtenNode.id, `issue`: head(COLLECT { MATCH (writtenNode)-[:ADDRESSES]->"
        "(v1:HorizontalIssue) RETURN v1 {`title`: v1.title} })}"
    )
