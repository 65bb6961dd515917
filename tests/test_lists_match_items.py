"""Every list returns, for each of its items, exactly what the single-item read returns: teams and
team(id), issues and issue(id), people and person(id), institutions and institution(id), over
HTTP GraphQL, for every field of the type and the fields of the objects nested in it.

The documents are made from the schema (schema.graphql), one per field of the listed type, so a
field added later is compared too; the lists are read a page of two at a time, so every item
is compared and paging is on the way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    get_named_type,
    is_leaf_type,
)

from graph import decisions, invitations, posts, tasks
from graph.driver import Graph
from graph.validation import validate
from tests import builders
from tests import formation_builders as b
from tests.conftest import Hub

SCHEMA: GraphQLSchema = build_schema((Path(__file__).parents[1] / "schema.graphql").read_text())
PAGE = 2
# Kept well under the hub's cost budget (HUB_MAX_QUERY_COST): a list field selected inside
# another is left out of a document that would cost more (hub/limits.py's estimate).
BUDGET = 10_000
LIST_SIZE = 20  # what hub/limits.py counts for a list without `first`


def _is_list(field: GraphQLField) -> bool:
    type_ = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    return isinstance(type_, GraphQLList)


def _selectable(field: GraphQLField) -> bool:
    """Fields that need no argument without a default."""
    return all(
        not isinstance(arg.type, GraphQLNonNull) or arg.default_value is not None
        for arg in field.args.values()
    )


def _selection(type_: GraphQLObjectType, depth: int, lists: bool = True) -> tuple[str, int]:
    """(selection set, its estimated cost): every leaf field of `type_` and, `depth` levels down,
    the object fields (`lists`: list fields too)."""
    parts, cost = [], 0
    for name, field in type_.fields.items():
        if not _selectable(field):
            continue
        inner = get_named_type(field.type)
        if is_leaf_type(inner):
            parts.append(name)
            cost += 1
        elif isinstance(inner, GraphQLObjectType) and depth > 0 and (lists or not _is_list(field)):
            text, inner_cost = _selection(inner, depth - 1, lists)
            parts.append(f"{name} {text}")
            cost += 1 + (LIST_SIZE if _is_list(field) else 1) * inner_cost
    return "{ " + " ".join(parts) + " }", cost


def documents(type_name: str, list_field: str, item_field: str) -> list[tuple[str, str, str]]:
    """(field, list document, item document) for every object field of `type_name`, and one for
    its leaves; two levels of nested objects, nested lists left out where they would cost too much."""
    type_ = SCHEMA.get_type(type_name)
    assert isinstance(type_, GraphQLObjectType)
    leaves, _ = _selection(type_, 0)
    picked = [("leaves", leaves)]
    for name, field in type_.fields.items():
        inner = get_named_type(field.type)
        if not _selectable(field) or not isinstance(inner, GraphQLObjectType):
            continue
        multiplier = PAGE * (LIST_SIZE if _is_list(field) else 1)
        text, cost = _selection(inner, 1)
        if cost * multiplier > BUDGET:
            text, cost = _selection(inner, 1, lists=False)
        picked.append((name, "{ id " + name + " " + text + " }"))
    return [
        (
            name,
            f"query($after: String) {{ {list_field}(first: {PAGE}, after: $after) "
            f"{{ pageInfo {{ hasNextPage endCursor }} nodes {selection} }} }}",
            f"query($id: ID!) {{ {item_field}(id: $id) {selection} }}",
        )
        for name, selection in picked
    ]


@pytest.fixture
async def world(hub: Hub, graph: Graph) -> None:
    """Three teams on three issues (the teams list once gave every team one issue), with
    members, invitations, a post, a decision and a task; institutions with a parent, people
    with skills."""
    vm = (await builders.institution(graph, "VM"))["id"]
    fm = (await builders.institution(graph, "FM", parent_id=vm))["id"]
    data = await b.skill(graph, "Datu analīze")
    law = await b.skill(graph, "Tiesības")
    people = [
        await b.person(graph, "Anna", vm, {data: 4}),
        await b.person(graph, "Juris", fm, {law: 3, data: 2}),
        await b.person(graph, "Līga", fm),
        await b.person(graph, "Pēteris", vm, {law: 5}),
    ]
    issues = [
        await b.issue(graph, "Open data", {vm: "LEAD", fm: "INVOLVED"}),
        await b.issue(graph, "Tax reform", {fm: "LEAD"}),
        await b.issue(graph, "Archives", {vm: "CONSULTED"}),
    ]
    teams = [
        await b.team(graph, "Open data team", issues[0], people[0]),
        await b.team(graph, "Tax team", issues[1], people[1], visibility="PUBLIC"),
        await b.team(graph, "Archive team", issues[2], people[3]),
    ]
    await b.member(graph, teams[0], people[1], "EXPERT", 10)
    await b.member(graph, teams[1], people[2], "MEMBER", 30)
    await b.member(graph, teams[2], people[0], "OBSERVER", 5)
    for team, person in ((teams[0], people[2]), (teams[1], people[3])):
        data_in = {"team_id": team, "person_id": person, "allocation": 10}
        await invitations.invite(graph, validate(invitations.InvitationInput, data_in), None, b.SYSTEM)
    post = {"team_id": teams[0], "body": "Kick-off on Monday", "mentioned_person_ids": [people[1]]}
    await posts.create(graph, validate(posts.PostInput, post), people[0], b.SYSTEM)
    decision = {"team_id": teams[1], "text": "Draft by March", "date": "2026-02-01"}
    await decisions.record(graph, validate(decisions.DecisionInput, decision), None, b.SYSTEM)
    task = {"team_id": teams[2], "title": "Inventory", "assignee_id": people[0]}
    await tasks.create(graph, validate(tasks.TaskInput, task), None, b.SYSTEM)


async def _pages(hub: Hub, document: str, list_field: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    after = None
    while True:
        page = hub.data(document, {"after": after})[list_field]
        items.extend(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return items
        after = page["pageInfo"]["endCursor"]


LISTS = [
    ("ProjectTeam", "teams", "team", 3),
    ("HorizontalIssue", "issues", "issue", 3),
    ("Person", "people", "person", 4),
    ("Institution", "institutions", "institution", 2),
]


@pytest.mark.parametrize(("type_name", "list_field", "item_field", "count"), LISTS, ids=[x[1] for x in LISTS])
async def test_every_list_item_reads_as_its_single_item_read(
    hub: Hub, world: None, type_name: str, list_field: str, item_field: str, count: int
) -> None:
    differences = []
    for field, list_document, item_document in documents(type_name, list_field, item_field):
        listed = await _pages(hub, list_document, list_field)
        assert len(listed) == count, (field, listed)
        for item in listed:
            single = hub.data(item_document, {"id": item["id"]})[item_field]
            if single != item:
                differences.append((field, item["id"], item, single))
    assert not differences, differences[0]
