"""Running a team: posts with @mentions and replies, decisions, tasks — each with its Activity."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from graph import decisions, posts, tasks
from graph.access import Viewer
from graph.driver import Graph
from graph.errors import Conflict, Forbidden, InvalidInput, NotFound
from graph.validation import validate
from tests import formation_builders as b
from tests import planned
from tests.formation_builders import SYSTEM


@pytest.fixture
async def g(graph: Graph) -> dict[str, str]:
    vm = await b.institution(graph, "VM")
    ids = {"VM": vm, "issue": await b.issue(graph, "Open data", {vm: "LEAD"})}
    for name in ("Lead", "Anna", "Outsider"):
        ids[name] = await b.person(graph, name, vm)
    ids["team"] = await b.team(graph, "Team", ids["issue"], ids["Lead"])
    await b.member(graph, ids["team"], ids["Anna"])
    return ids


async def post(graph: Graph, g: dict[str, str], body: str, actor: str | None = None, **extra: Any) -> Any:
    data = validate(posts.PostInput, {"team_id": g["team"], "body": body, **extra})
    return await posts.create(graph, data, actor, SYSTEM)


def test_mentions_are_parsed_from_at_email_tokens() -> None:
    body = "Ask @Anna@example.lv and @lead@example.lv, not me@example.lv; again @anna@example.lv."
    assert posts.mentioned_emails(body) == ["anna@example.lv", "lead@example.lv"]


async def test_a_post_mentions_explicit_ids_and_at_email_people(graph: Graph, g: dict[str, str]) -> None:
    created = await post(
        graph, g, "Draft ready, @anna@example.lv please review", mentioned_person_ids=[g["Lead"]]
    )
    assert created["body"] == "Draft ready, @anna@example.lv please review"
    assert sorted(created["mentionIds"]) == sorted([g["Anna"], g["Lead"]])


async def test_a_post_shows_in_the_team_issue_and_mentioned_feeds_only(
    graph: Graph, g: dict[str, str]
) -> None:
    await post(graph, g, "Hello @anna@example.lv")
    for scope in (g["team"], g["issue"], g["Anna"]):
        assert (await b.verbs_in_scope(graph, scope))[-1] == "post.created"
    assert "post.created" not in await b.verbs_in_scope(graph, g["Outsider"])


async def test_an_unknown_at_email_stays_plain_text(graph: Graph, g: dict[str, str]) -> None:
    assert (await post(graph, g, "cc @nobody@example.lv"))["mentionIds"] == []


async def test_an_unknown_mentioned_id_is_refused_and_nothing_written(
    graph: Graph, g: dict[str, str]
) -> None:
    before = await b.counts(graph)
    with pytest.raises(NotFound) as err:
        await post(graph, g, "Hi", mentioned_person_ids=["person_" + "0" * 32])
    assert err.value.field == "mentionedPersonIds"
    assert await b.counts(graph) == before


def test_an_empty_post_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        validate(posts.PostInput, {"team_id": "t", "body": "   "})
    assert (err.value.problems[0].field, err.value.problems[0].problem) == ("body", "must not be empty")


async def test_replies_hang_under_their_post_oldest_first(graph: Graph, g: dict[str, str]) -> None:
    parent = await post(graph, g, "Question")
    first = await post(graph, g, "Answer 1", reply_to_id=parent["id"])
    second = await post(graph, g, "Answer 2", reply_to_id=parent["id"])
    found = await planned.data(
        graph, "query($id: ID!) { node(id: $id) { ... on Post { replies { id } } } }", {"id": parent["id"]}
    )
    assert [r["id"] for r in found["node"]["replies"]] == [first["id"], second["id"]]
    assert first["replyToId"] == parent["id"]


async def test_a_reply_to_a_reply_is_refused(graph: Graph, g: dict[str, str]) -> None:
    parent = await post(graph, g, "Question")
    reply = await post(graph, g, "Answer", reply_to_id=parent["id"])
    with pytest.raises(Conflict) as err:
        await post(graph, g, "Nested", reply_to_id=reply["id"])
    assert err.value.field == "replyToId"


async def test_a_reply_to_another_teams_post_is_refused(graph: Graph, g: dict[str, str]) -> None:
    other = await b.team(graph, "Other", g["issue"], g["Outsider"])
    foreign = await post(graph, {**g, "team": other}, "Elsewhere")
    with pytest.raises(Conflict) as err:
        await post(graph, g, "Answer", reply_to_id=foreign["id"])
    assert err.value.field == "replyToId"


async def test_a_reply_to_an_unknown_post_is_not_found(graph: Graph, g: dict[str, str]) -> None:
    with pytest.raises(NotFound) as err:
        await post(graph, g, "Answer", reply_to_id="post_" + "0" * 32)
    assert err.value.field == "replyToId"


async def test_team_posts_are_top_level_newest_first_and_paged(graph: Graph, g: dict[str, str]) -> None:
    first = await post(graph, g, "One")
    await post(graph, g, "Reply", reply_to_id=first["id"])
    second = await post(graph, g, "Two")
    third = await post(graph, g, "Three")
    query = """query($id: ID!, $after: String) { team(id: $id) {
      posts(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id body } } } }"""
    page = (await planned.data(graph, query, {"id": g["team"]}))["team"]["posts"]
    assert page["totalCount"] == 3
    assert [p["id"] for p in page["nodes"]] == [third["id"], second["id"]]
    assert ([p["body"] for p in page["nodes"]], page["pageInfo"]["hasNextPage"]) == (["Three", "Two"], True)
    after = page["pageInfo"]["endCursor"]
    rest = (await planned.data(graph, query, {"id": g["team"], "after": after}))["team"]["posts"]
    assert ([p["id"] for p in rest["nodes"]], rest["pageInfo"]["hasNextPage"]) == ([first["id"]], False)


async def test_only_members_post(graph: Graph, g: dict[str, str]) -> None:
    with pytest.raises(Forbidden):
        await post(graph, g, "Hi", actor=g["Outsider"])
    assert (await post(graph, g, "Hi", actor=g["Anna"]))["authorId"] == g["Anna"]


async def test_a_restricted_teams_posts_are_invisible_to_outsiders(graph: Graph, g: dict[str, str]) -> None:
    await b.set_team(graph, g["team"], visibility="RESTRICTED")
    created = await post(graph, g, "Secret")
    outsider = Viewer(person_id=g["Outsider"], signed_in=True)
    found = await planned.data(
        graph,
        "query($post: ID!, $team: ID!) { node(id: $post) { id } team(id: $team) { posts { totalCount } } }",
        {"post": created["id"], "team": g["team"]},
        outsider,
    )
    assert found == {"node": None, "team": None}
    with pytest.raises(NotFound) as err:
        await posts.create(
            graph, validate(posts.PostInput, {"team_id": g["team"], "body": "x"}), None, outsider
        )
    assert err.value.field == "teamId"


# Decisions


async def test_a_decision_is_recorded_with_date_and_legal_basis(graph: Graph, g: dict[str, str]) -> None:
    data = validate(
        decisions.DecisionInput,
        {
            "team_id": g["team"],
            "text": "Adopt the open data policy",
            "date": date(2026, 11, 20),
            "legal_basis": "MK rīkojums Nr. 123",
        },
    )
    recorded = await decisions.record(graph, data, None, SYSTEM)
    assert (recorded["text"], recorded["date"], recorded["legalBasis"]) == (
        "Adopt the open data policy",
        date(2026, 11, 20),
        "MK rīkojums Nr. 123",
    )
    assert (await b.verbs_in_scope(graph, g["issue"]))[-1] == "decision.recorded"


async def test_decisions_list_latest_date_first(graph: Graph, g: dict[str, str]) -> None:
    for day in (3, 9, 1):
        data = validate(
            decisions.DecisionInput, {"team_id": g["team"], "text": f"D{day}", "date": date(2026, 11, day)}
        )
        await decisions.record(graph, data, None, SYSTEM)
    found = await planned.data(
        graph, "query($id: ID!) { team(id: $id) { decisions { text } } }", {"id": g["team"]}
    )
    assert [d["text"] for d in found["team"]["decisions"]] == ["D9", "D3", "D1"]


def test_a_decision_needs_text_and_a_date() -> None:
    with pytest.raises(InvalidInput) as err:
        validate(decisions.DecisionInput, {"team_id": "t", "text": ""})
    assert [p.field for p in err.value.problems] == ["text", "date"]


# Tasks


async def task(graph: Graph, g: dict[str, str], **extra: Any) -> Any:
    data = validate(tasks.TaskInput, {"team_id": g["team"], "title": "Draft the report", **extra})
    return await tasks.create(graph, data, None, SYSTEM)


async def test_a_task_assigned_to_a_member_shows_in_their_feed(graph: Graph, g: dict[str, str]) -> None:
    created = await task(graph, g, assignee_id=g["Anna"], due_date=date(2026, 12, 1))
    assert (created["status"], created["assigneeId"], created["dueDate"]) == (
        "TODO",
        g["Anna"],
        date(2026, 12, 1),
    )
    for scope in (g["team"], g["issue"], g["Anna"]):
        assert (await b.verbs_in_scope(graph, scope))[-1] == "task.created"


async def test_a_task_cannot_go_to_a_non_member(graph: Graph, g: dict[str, str]) -> None:
    before = await b.counts(graph)
    with pytest.raises(Conflict) as err:
        await task(graph, g, assignee_id=g["Outsider"])
    assert err.value.field == "assigneeId"
    assert await b.counts(graph) == before


async def test_updating_a_task_changes_status_and_reassigns(graph: Graph, g: dict[str, str]) -> None:
    created = await task(graph, g, assignee_id=g["Anna"])
    patch = validate(tasks.TaskPatch, {"status": "IN_PROGRESS", "assignee_id": g["Lead"]})
    updated = await tasks.update(graph, created["id"], patch, None, SYSTEM)
    assert (updated["status"], updated["assigneeId"]) == ("IN_PROGRESS", g["Lead"])
    assert (await b.verbs_in_scope(graph, g["Lead"]))[-1] == "task.updated"
    assert (await b.verbs_in_scope(graph, g["Anna"]))[-1] == "task.updated"


async def test_a_task_update_to_a_non_member_is_refused(graph: Graph, g: dict[str, str]) -> None:
    created = await task(graph, g)
    before = await b.counts(graph)
    with pytest.raises(Conflict) as err:
        await tasks.update(
            graph, created["id"], validate(tasks.TaskPatch, {"assignee_id": g["Outsider"]}), None, SYSTEM
        )
    assert err.value.field == "assigneeId"
    assert await b.counts(graph) == before


def test_a_bad_task_status_names_the_field() -> None:
    with pytest.raises(InvalidInput) as err:
        validate(tasks.TaskPatch, {"status": "SOMEDAY"})
    assert err.value.problems[0].field == "status"


async def test_an_unknown_task_is_not_found(graph: Graph, g: dict[str, str]) -> None:
    with pytest.raises(NotFound) as err:
        await tasks.update(
            graph, "task_" + "0" * 32, validate(tasks.TaskPatch, {"status": "DONE"}), None, SYSTEM
        )
    assert err.value.field == "id"


async def test_tasks_list_open_work_first_soonest_due_first(graph: Graph, g: dict[str, str]) -> None:
    await task(graph, g, title="Later", due_date=date(2026, 12, 20))
    await task(graph, g, title="Done", status="DONE")
    await task(graph, g, title="Undated")
    await task(graph, g, title="Sooner", due_date=date(2026, 12, 1))
    await task(graph, g, title="Started", status="IN_PROGRESS")
    found = await planned.data(
        graph, "query($id: ID!) { team(id: $id) { tasks { title } } }", {"id": g["team"]}
    )
    assert [t["title"] for t in found["team"]["tasks"]] == ["Started", "Sooner", "Later", "Undated", "Done"]


async def test_a_closed_teams_workspace_is_read_only(graph: Graph, g: dict[str, str]) -> None:
    await b.set_team(graph, g["team"], status="CLOSED")
    with pytest.raises(Conflict) as err:
        await task(graph, g)
    assert err.value.field == "teamId"
