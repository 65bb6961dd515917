"""The audit trail (query with filters, CSV and JSON-lines export, administrators only, not
editable), a person's own data export, and erasure that keeps the trail under a pseudonym."""

from __future__ import annotations

import csv
import io
import json

import httpx

from graph import identity
from graph.driver import Graph
from hub.api.schema import schema
from tests import builders, identity_world
from tests.conftest import TEST_ADMIN_EMAIL, Hub, recorded

LOG = """query($f: AuditFilter) { auditLog(filter: $f, first: 50) {
  totalCount nodes { verb targetId actor { email } before after } } }"""


async def test_the_audit_log_filters_by_actor_and_verb(hub: Hub, graph: Graph) -> None:
    world = await identity_world.build(graph)
    hub.as_user("cog@t.lv").data(
        "mutation($id: ID!) { updateIssue(id: $id, patch: {priority: HIGH}) { id } }",
        {"id": world.ids["issueId"]},
    )
    admin = hub.as_user("admin@t.lv")
    by_cog = admin.data(LOG, {"f": {"actorId": world.ids["cogId"]}})["auditLog"]
    assert by_cog["totalCount"] == 1
    [entry] = by_cog["nodes"]
    assert (entry["verb"], entry["targetId"], entry["actor"]) == (
        "issue.updated",
        world.ids["issueId"],
        {"email": "cog@t.lv"},
    )
    assert (entry["before"]["priority"], entry["after"]["priority"]) == ("MEDIUM", "HIGH")
    created = admin.data(LOG, {"f": {"verb": "team.created"}})["auditLog"]
    assert [n["targetId"] for n in created["nodes"]] == [world.ids["teamId"]]


async def test_the_audit_log_filters_by_time_range(hub: Hub, graph: Graph) -> None:
    await identity_world.build(graph)
    admin = hub.as_user("admin@t.lv")
    everything = admin.data(LOG)["auditLog"]["totalCount"]
    assert everything > 0
    assert admin.data(LOG, {"f": {"since": "2100-01-01T00:00:00+00:00"}})["auditLog"]["totalCount"] == 0
    assert (
        admin.data(LOG, {"f": {"until": "2100-01-01T00:00:00+00:00"}})["auditLog"]["totalCount"] == everything
    )


async def test_only_administrators_read_the_audit_log(hub: Hub, graph: Graph) -> None:
    await identity_world.build(graph)
    error = hub.as_user("cog@t.lv").error(LOG)
    assert error["extensions"]["code"] == "FORBIDDEN"


def test_no_mutation_edits_or_deletes_the_audit_trail() -> None:
    mutations = schema._schema.mutation_type.fields  # type: ignore[union-attr]
    assert not [m for m in mutations if "activit" in m.lower() or "audit" in m.lower()]


def export(hub: Hub, email: str | None, **params: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {hub.token_for(email)}"} if email else {}
    return httpx.get(hub.base_url + "/audit/export", params=params, headers=headers, timeout=30)


async def test_the_audit_export_streams_json_lines(hub: Hub, graph: Graph) -> None:
    world = await identity_world.build(graph)
    response = export(hub, "admin@t.lv", format="jsonl", verb="team.created")
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [(line["verb"], line["targetId"]) for line in lines] == [("team.created", world.ids["teamId"])]
    assert sorted(lines[0]) == [
        "actorId",
        "after",
        "at",
        "before",
        "id",
        "seq",
        "summary",
        "targetId",
        "verb",
    ]


async def test_the_audit_export_writes_csv_in_commit_order(hub: Hub, graph: Graph) -> None:
    await identity_world.build(graph)
    response = export(hub, "admin@t.lv", format="csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    seqs = [int(r["seq"]) for r in rows]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs)) > 5
    assert rows[0]["verb"] == "institution.created"


# OWASP "CSV injection": cells a spreadsheet would run as formulas.
FORMULAS = [
    '=HYPERLINK("https://evil.example","Atvērt")',
    "+SUM(1;2)",
    "-2+3",
    "@SUM(A1)",
    "\t=1+2",
    "\r=1+2",
]


async def test_the_audit_export_csv_prefixes_cells_a_spreadsheet_would_run_as_formulas(
    hub: Hub, graph: Graph
) -> None:
    for summary in [*FORMULAS, "Skill Kartogrāfija created", "a-b=c"]:
        await graph.write(lambda tx, summary=summary: recorded(tx, summary))
    await graph.settled()

    response = export(hub, TEST_ADMIN_EMAIL, format="csv")

    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["summary"] for r in rows] == ["'" + f for f in FORMULAS] + [
        "Skill Kartogrāfija created",
        "a-b=c",
    ]
    assert {r["targetId"] for r in rows} == {"x"}  # the other cells as they were


async def test_the_audit_export_json_lines_keep_such_text_as_it_is(hub: Hub, graph: Graph) -> None:
    for summary in FORMULAS:
        await graph.write(lambda tx, summary=summary: recorded(tx, summary))
    await graph.settled()

    response = export(hub, TEST_ADMIN_EMAIL, format="jsonl")

    assert [json.loads(line)["summary"] for line in response.text.splitlines()] == FORMULAS


async def test_an_issue_title_written_as_a_formula_is_text_in_the_audit_csv(hub: Hub, graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    created = hub.data('mutation { createIssue(input: {title: "=1+2"}) { id } }')["createIssue"]
    hub.data(
        "mutation($issue: ID!, $fm: ID!) { setIssueImpact(issueId: $issue, input: {institutionId: $fm, "
        "stake: LEAD}) { id } }",
        {"issue": created["id"], "fm": fm["id"]},
    )

    rows = list(csv.DictReader(io.StringIO(export(hub, TEST_ADMIN_EMAIL, format="csv").text)))

    assert rows[-1]["summary"] == "'=1+2: stake lead"


async def test_the_audit_export_is_for_administrators_only(hub: Hub, graph: Graph) -> None:
    await identity_world.build(graph)
    assert export(hub, "cog@t.lv").status_code == 403
    assert export(hub, None).status_code == 401
    assert export(hub, "admin@t.lv", format="xml").status_code == 400


async def test_a_person_exports_everything_about_them_including_restricted_teams(
    hub: Hub, graph: Graph
) -> None:
    world = await identity_world.build(graph)
    await builders.team(
        graph, "Secret team", world.ids["issueId"], world.ids["memberId"], visibility="RESTRICTED"
    )
    data = hub.as_user("member@t.lv").data("{ myData }")["myData"]
    assert data["profile"]["email"] == "member@t.lv"
    assert data["institution"]["code"] == "FM"
    assert sorted((m["team"], m["role"]) for m in data["memberships"]) == [
        ("Budget team", "MEMBER"),
        ("Secret team", "LEAD"),
    ]
    assert [a["verb"] for a in data["activities"]] == ["person.created"]


async def test_erasure_removes_personal_data_and_keeps_the_trail_pseudonymised(
    hub: Hub, graph: Graph
) -> None:
    world = await identity_world.build(graph)
    member = hub.as_user("member@t.lv")
    member.data(
        'mutation($id: ID!) { updatePerson(id: $id, patch: {title: "Chief analyst"}) { id } }',
        {"id": world.ids["memberId"]},
    )
    erased = hub.as_user("admin@t.lv").data(
        "mutation($id: ID!) { erasePerson(id: $id) { name email title archivedAt memberships { role } } }",
        {"id": world.ids["memberId"]},
    )["erasePerson"]
    pseudonym = identity.pseudonym(world.ids["memberId"])
    assert erased["name"] == pseudonym and erased["title"] is None and erased["archivedAt"] is not None
    assert erased["email"].endswith("@erased.invalid") and erased["memberships"] == []
    trail = await graph.read(
        "MATCH (a:Activity) WHERE a.actorId = $id OR a.targetId = $id "
        "RETURN a.verb AS verb, a.actorId AS actor, a.summary + coalesce(a.before, '') + coalesce(a.after, '') AS text "
        "ORDER BY a.seq",
        id=world.ids["memberId"],
    )
    assert [t["verb"] for t in trail] == ["person.created", "person.updated", "person.erased"]
    assert trail[1]["actor"] == world.ids["memberId"]  # who did it stays accountable
    everything = " ".join(t["text"] for t in trail)
    assert (
        "Member Person" not in everything
        and "member@t.lv" not in everything
        and "Chief analyst" not in everything
    )
    assert pseudonym in everything


async def test_an_erased_person_can_no_longer_sign_in(hub: Hub, graph: Graph) -> None:
    world = await identity_world.build(graph)
    hub.as_user("admin@t.lv").data(
        "mutation($id: ID!) { erasePerson(id: $id) { id } }", {"id": world.ids["civilId"]}
    )
    response = httpx.post(
        hub.base_url + "/graphql",
        json={"query": "{ me { email } }"},
        headers={"Authorization": f"Bearer {hub.token_for('civil@t.lv')}"},
    )
    assert response.status_code == 401


async def test_erasing_twice_is_refused(hub: Hub, graph: Graph) -> None:
    world = await identity_world.build(graph)
    admin = hub.as_user("admin@t.lv")
    admin.data("mutation($id: ID!) { erasePerson(id: $id) { id } }", {"id": world.ids["targetId"]})
    error = admin.error("mutation($id: ID!) { erasePerson(id: $id) { id } }", {"id": world.ids["targetId"]})
    assert (error["extensions"]["code"], error["message"]) == (
        "BAD_USER_INPUT",
        "id: this person has already been erased",
    )
