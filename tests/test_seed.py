"""The demo seed: real reference data, a deterministic population, idempotent reloads."""

from typing import Any

import pytest

from graph import activity
from graph.driver import Graph, run
from graph.ids import stable_id
from graph.seed import demo, reference
from graph.seed.demo import load_demo

PEOPLE = 120  # the smallest useful population: every institution staffed, teams filled


async def one(graph: Graph, cypher: Any, **params: Any) -> Any:
    await graph.settled()  # the last write's activity numbered
    rows = await graph.read(cypher, **params)
    return rows[0]["v"]


async def wipe(graph: Graph) -> None:
    await graph.write(lambda tx: run(tx, "MATCH (n) WHERE NOT n:SchemaVersion DETACH DELETE n"))


# --- reference data (pure) ----------------------------------------------------------------


def test_reference_institutions_are_unique_and_complete() -> None:
    codes = [i.code for i in reference.INSTITUTIONS]
    assert len(codes) == len(set(codes)) == 25
    assert [m.code for m in reference.MINISTRIES] == [
        "AM", "ĀM", "EM", "FM", "IeM", "IZM", "KEM", "KM", "LM", "SM", "TM", "VM", "VARAM", "ZM",
    ]  # fmt: skip
    parents = {i.code: i.parent_code for i in reference.AGENCIES}
    assert parents == {
        "VAS": "VK", "VRAA": "VARAM", "PMLP": "IeM", "VID": "FM", "CSP": "EM", "NVD": "VM",
        "VP": "IeM", "VISC": "IZM",
    }  # fmt: skip


def test_reference_issues_follow_latvia_md() -> None:
    issues = {i.key: i for i in reference.ISSUES}
    digital = issues["digital-services"]
    assert [(a.code, a.stake.value) for a in digital.affected[:3]] == [
        ("VARAM", "LEAD"), ("VK", "INVOLVED"), ("FM", "INVOLVED"),
    ]  # fmt: skip
    assert {a.stake.value for a in digital.affected[3:]} == {"CONSULTED"}
    assert len(digital.affected) == 15  # VARAM, VK, FM and the other 12 ministries
    assert {k: i.direction for k, i in issues.items()} == {
        "energy-security": 1, "demography": 1, "civil-preparedness": 1, "digital-services": 7,
        "ukraine-support": 1, "red-tape": 3, "shared-service-centre": 4,
    }  # fmt: skip
    assert {i.priority.value for i in reference.ISSUES} == {"LOW", "MEDIUM", "HIGH", "CRITICAL"}


def test_plan_is_deterministic_per_seed_and_stable_across_scales() -> None:
    a, b, c = demo.plan(PEOPLE, 1), demo.plan(PEOPLE, 1), demo.plan(PEOPLE, 2)
    assert a == b
    assert a.people != c.people
    # Person k is the same whatever the population size.
    assert demo.plan(300, 1).people[: PEOPLE + 4] == a.people


def test_emails_are_unique_ascii_and_name_based() -> None:
    p = demo.plan(1500, 7)
    emails = [r["email"] for r in p.people]
    assert len(set(emails)) == len(emails)
    assert all(e.isascii() and e == e.lower() for e in emails)
    first = p.people[4]  # after the four demo users; person 1 works at the first ministry, AM
    assert first["email"].endswith(".1@am.gov.lv")
    assert first["email"].split(".")[0] == demo.ascii_fold(first["name"].split()[0]).lower()


def test_scaled_population_adds_issues_and_teams() -> None:
    small, large = demo.plan(1000, 1), demo.plan(1200, 1)
    assert len(small.issues) == 7
    assert len(large.issues) == 1200 // 20
    assert len(large.teams) == 1200 // 6


def test_scaled_population_works_partly_in_regional_units_under_the_reference_institutions() -> None:
    p = demo.plan(1600, 1)
    reference_codes = {i.code for i in reference.INSTITUTIONS}
    units = [i for i in p.institutions if i["code"] not in reference_codes]
    parents = {r["code"]: r["parent"] for r in p.parents}

    assert len(units) == 1600 // demo.PEOPLE_PER_UNIT
    assert units[0] | {"id": None} == {
        "id": None, "code": "AM-1", "nameLv": "AM Rīgas reģionālā nodaļa",
        "nameEn": "AM Riga regional office", "kind": "OTHER",
    }  # fmt: skip
    assert all(parents[u["code"]] in reference_codes for u in units)
    assert {u["code"] for u in units} & {person["institution"] for person in p.people}


def test_below_the_scale_threshold_there_are_only_the_reference_institutions() -> None:
    assert len(demo.plan(1000, 1).institutions) == len(reference.INSTITUTIONS)


def test_every_team_has_its_creation_and_each_joining_in_its_history() -> None:
    p = demo.plan(1200, 1)
    created = [a["targetId"] for a in p.activities if a["verb"] == "team.created"]
    joined = sum(a["verb"] == "member.joined" for a in p.activities)

    assert sorted(created) == sorted(t["id"] for t in p.teams)
    assert joined == sum(len(m["members"]) - 1 for m in p.memberships)


async def test_tiny_population_still_keeps_the_invariants(graph: Graph) -> None:
    summary = await load_demo(graph, people=0, seed=1)

    assert summary.nodes["Person"] == 4
    assert summary.nodes["ProjectTeam"] == 1  # only the demo users' team can be staffed
    assert summary.relationships["MEMBER_OF"] == 2
    await load_demo(graph, people=10, seed=1)
    assert (
        await one(
            graph,
            "MATCH (t:ProjectTeam) WHERE COUNT { (t)<-[:MEMBER_OF {role: 'LEAD'}]-() } <> 1 RETURN count(t) AS v",
        )
        == 0
    )


# --- loading ------------------------------------------------------------------------------


async def test_demo_loads_reference_data(graph: Graph) -> None:
    assert await demo.is_empty(graph)
    summary = await load_demo(graph, people=PEOPLE, seed=1)
    assert not await demo.is_empty(graph)

    insts = await graph.read(
        "MATCH (n:Institution) RETURN n.code AS code, n.nameLv AS lv, n.nameEn AS en, n.kind AS kind, "
        "head([(n)-[:SUBORDINATE_TO]->(p) | p.code]) AS parent ORDER BY code"
    )
    by_code = {r["code"]: r for r in insts}
    assert len(insts) == 25
    assert by_code["VK"] == {"code": "VK", "lv": "Valsts kanceleja", "en": "State Chancellery",
                             "kind": "CENTRE_OF_GOVERNMENT", "parent": None}  # fmt: skip
    assert by_code["ĀM"]["lv"] == "Ārlietu ministrija"
    assert by_code["ĀM"]["en"] == "Ministry of Foreign Affairs"
    assert by_code["VARAM"]["lv"] == "Viedās administrācijas un reģionālās attīstības ministrija"
    assert by_code["VAS"] == {"code": "VAS", "lv": "Valsts administrācijas skola",
                              "en": "Latvian School of Public Administration", "kind": "AGENCY",
                              "parent": "VK"}  # fmt: skip
    assert by_code["VKont"]["kind"] == "OTHER" and by_code["VKont"]["parent"] is None
    assert sorted(r["code"] for r in insts if r["kind"] == "MINISTRY") == sorted(
        m.code for m in reference.MINISTRIES
    )
    assert summary.nodes["Institution"] == 25
    assert summary.relationships["SUBORDINATE_TO"] == 8

    dirs = await graph.read(
        "MATCH (d:PlanDirection) RETURN d.number AS n, d.titleLv AS lv, d.titleEn AS en, "
        "d.descriptionLv AS description ORDER BY n"
    )
    assert [d["n"] for d in dirs] == [1, 2, 3, 4, 5, 6, 7]
    assert dirs[0]["lv"] == "Vienota un efektīva valsts pārvalde"
    assert dirs[0]["en"] == "Unified and effective public administration"
    assert dirs[0]["description"].endswith("horizontālu jautājumu risināšanas spējas.")
    assert dirs[6]["description"].startswith(
        "Horizontālais virziens – valsts pārvaldes digitālā transformācija"
    )

    issues = await graph.read(
        """
        MATCH (i:HorizontalIssue)-[:UNDER_DIRECTION]->(d)
        RETURN i.title AS title, i.status AS status, d.number AS direction,
               [(i)-[a:AFFECTS {stake: 'LEAD'}]->(x) | x.code] AS lead, COUNT { (i)-[:AFFECTS]->() } AS affected
        ORDER BY title
        """
    )
    assert {i["title"]: (i["direction"], i["lead"], i["affected"]) for i in issues} == {
        "Atbalsts Ukrainas civiliedzīvotājiem": (1, ["VARAM"], 5),
        "Birokrātijas mazināšana": (3, ["VK"], 3),
        "Civilā sagatavotība un hibrīdapdraudējumu novēršana": (1, ["AM"], 5),
        "Demogrāfiskā lejupslīde un atbalsts ģimenēm": (1, ["LM"], 5),
        "Energoapgādes drošība un atjaunīgās enerģijas attīstība": (1, ["KEM"], 4),
        "Valsts pārvaldes pakalpojumu digitālā transformācija": (7, ["VARAM"], 15),
        "Vienotais pakalpojumu centrs atbalsta funkcijām": (4, ["VK"], 3),
    }
    assert {i["status"] for i in issues} == {"ACTIVE"}


async def test_counts_match_the_plan_exactly(graph: Graph) -> None:
    p = demo.plan(PEOPLE, 1)
    summary = await load_demo(graph, people=PEOPLE, seed=1)

    memberships = sum(len(m["members"]) for m in p.memberships)
    assert summary.nodes == {
        "Institution": 25, "Person": PEOPLE + 4, "Skill": len(reference.SKILLS), "PlanDirection": 7,
        "HorizontalIssue": 7, "ProjectTeam": len(p.teams), "Activity": len(p.activities),
    }  # fmt: skip
    assert summary.relationships == {
        "SUBORDINATE_TO": 8,
        "WORKS_AT": PEOPLE + 4,
        "HAS_SKILL": sum(len(r["skills"]) for r in p.people),
        "AFFECTS": 4 + 5 + 5 + 15 + 5 + 3 + 3,
        "UNDER_DIRECTION": 7,
        "DEPENDS_ON": 3,
        "ADDRESSES": len(p.teams),
        "MEMBER_OF": memberships,
        "BY": len(p.activities),
        "IN_SCOPE": 3 * len(p.activities),  # team, issue and the person who acted
    }
    assert summary.demo_users == {
        "admin": "admin@example.org", "cog": "cog@example.org", "lead": "lead@example.org",
        "member": "member@example.org",
    }  # fmt: skip


async def test_every_node_is_well_formed(graph: Graph) -> None:
    await load_demo(graph, people=PEOPLE, seed=1)

    bad = await one(
        graph,
        """
        MATCH (n) WHERE NOT n:SchemaVersion AND NOT n:Counter AND NOT n:Activity
          AND NOT (n:Entity AND n.id IS NOT NULL AND n.createdAt IS NOT NULL AND n.updatedAt IS NOT NULL)
        RETURN count(n) AS v
        """,
    )
    assert bad == 0
    prefixes = await graph.read(
        "MATCH (n:Entity) RETURN DISTINCT [l IN labels(n) WHERE l <> 'Entity'][0] AS label, "
        "split(n.id, '_')[0] AS prefix ORDER BY label"
    )
    assert {r["label"]: r["prefix"] for r in prefixes} == {
        "Activity": "act", "HorizontalIssue": "issue", "Institution": "inst", "Person": "person",
        "PlanDirection": "dir", "ProjectTeam": "team", "Skill": "skill",
    }  # fmt: skip


async def test_invariants(graph: Graph) -> None:
    await load_demo(graph, people=PEOPLE, seed=3)

    assert (
        await one(graph, "MATCH (p:Person) WHERE COUNT { (p)-[:WORKS_AT]->() } <> 1 RETURN count(p) AS v")
        == 0
    )
    assert (
        await one(
            graph,
            "MATCH (t:ProjectTeam) WHERE COUNT { (t)<-[:MEMBER_OF {role: 'LEAD'}]-() } <> 1 RETURN count(t) AS v",
        )
        == 0
    )
    assert (
        await one(
            graph, "MATCH (t:ProjectTeam) WHERE COUNT { (t)-[:ADDRESSES]->() } <> 1 RETURN count(t) AS v"
        )
        == 0
    )
    sizes = await graph.read(
        "MATCH (t:ProjectTeam) RETURN min(COUNT { (t)<-[:MEMBER_OF]-() }) AS lo, "
        "max(COUNT { (t)<-[:MEMBER_OF]-() }) AS hi"
    )
    assert sizes[0]["lo"] >= 4  # the lead and at least three more
    assert await one(graph, "MATCH p = (i:HorizontalIssue)-[:DEPENDS_ON*]->(i) RETURN count(p) AS v") == 0
    assert await one(graph, "MATCH p = (i:Institution)-[:SUBORDINATE_TO*]->(i) RETURN count(p) AS v") == 0
    assert (
        await one(
            graph,
            "MATCH ()-[m:MEMBER_OF]->() WHERE NOT m.allocation >= 5 AND m.allocation <= 50 RETURN count(m) AS v",
        )
        == 0
    )
    assert (
        await one(
            graph, "MATCH ()-[h:HAS_SKILL]->() WHERE NOT h.level IN [1, 2, 3, 4, 5] RETURN count(h) AS v"
        )
        == 0
    )
    assert (
        await one(
            graph,
            "MATCH (p:Person) WHERE NOT ('lv' IN p.languages AND size(p.languages) <= 3) RETURN count(p) AS v",
        )
        == 0
    )
    overloaded = await one(
        graph,
        """
        MATCH (p:Person)-[m:MEMBER_OF]->(t:ProjectTeam {status: 'ACTIVE'})
        WITH p, sum(m.allocation) AS load WHERE load > 100
        RETURN count(p) AS v
        """,
    )
    assert overloaded == 3
    teams = await graph.read(
        "MATCH (t:ProjectTeam) RETURN t.legalBasisNumber AS number, t.legalBasisDate.year AS year, "
        "t.startDate <= t.endDate AS ordered, t.status AS status, t.visibility AS visibility"
    )
    assert all(t["number"].startswith("Nr. ") and 2023 <= t["year"] <= 2026 and t["ordered"] for t in teams)
    assert {t["status"] for t in teams} <= {"FORMING", "ACTIVE", "CLOSED"}
    assert {t["visibility"] for t in teams} <= {"PUBLIC", "INTERNAL", "RESTRICTED"}


async def test_demo_users(graph: Graph) -> None:
    await load_demo(graph, people=PEOPLE, seed=1)

    users = await graph.read(
        """
        MATCH (p:Person)-[:WORKS_AT]->(i)
        WHERE toLower(p.email) ENDS WITH '@example.org'
        RETURN p.email AS email, p.name AS name, i.code AS institution,
               [(p)-[m:MEMBER_OF]->(t) | [m.role, t.name]] AS teams
        ORDER BY email
        """
    )
    team = "Valsts pārvaldes pakalpojumu digitālā transformācija – starpinstitūciju darba grupa"
    assert users == [
        {"email": "admin@example.org", "name": "Administrators Admins", "institution": "VK", "teams": []},
        {"email": "cog@example.org", "name": "Dace Kalniņa", "institution": "VK", "teams": []},
        {"email": "lead@example.org", "name": "Mārtiņš Ozoliņš", "institution": "VARAM",
         "teams": [["LEAD", team]]},
        {"email": "member@example.org", "name": "Laura Bērziņa", "institution": "FM",
         "teams": [["MEMBER", team]]},
    ]  # fmt: skip


async def test_reload_is_idempotent(graph: Graph) -> None:
    first = await load_demo(graph, people=PEOPLE, seed=1)
    seqs = await one(graph, "MATCH (a:Activity) RETURN collect(a.seq) AS v")

    second = await load_demo(graph, people=PEOPLE, seed=1)

    assert (second.nodes, second.relationships) == (first.nodes, first.relationships)
    assert await one(graph, "MATCH (a:Activity) RETURN collect(a.seq) AS v") == seqs
    assert await one(graph, "MATCH (c:Counter {name: 'activity'}) RETURN c.value AS v") == len(seqs)


async def test_reload_at_another_scale_keeps_teams_consistent(graph: Graph) -> None:
    await load_demo(graph, people=200, seed=1)
    summary = await load_demo(graph, people=PEOPLE, seed=1)

    assert summary.nodes["Person"] == 200 + 4  # people are never deleted by a reseed
    assert (
        await one(
            graph,
            "MATCH (t:ProjectTeam) WHERE COUNT { (t)<-[:MEMBER_OF {role: 'LEAD'}]-() } <> 1 RETURN count(t) AS v",
        )
        == 0
    )
    assert summary.relationships["MEMBER_OF"] == sum(
        len(m["members"]) for m in demo.plan(PEOPLE, 1).memberships
    )


async def test_same_seed_gives_same_ids(graph: Graph) -> None:
    query = """
        MATCH (n:Entity)
        RETURN collect(n.id) AS ids,
               COLLECT { MATCH (p:Person)-[m:MEMBER_OF]->(t) RETURN p.id + m.role + t.id } AS members,
               COLLECT { MATCH (a:Activity) RETURN a.id + ':' + toString(a.seq) } AS activities
        """
    await load_demo(graph, people=PEOPLE, seed=5)
    first = (await graph.read(query))[0]
    await wipe(graph)
    await load_demo(graph, people=PEOPLE, seed=5)
    second = (await graph.read(query))[0]

    assert sorted(first["ids"]) == sorted(second["ids"])
    assert sorted(first["members"]) == sorted(second["members"])
    assert sorted(first["activities"]) == sorted(second["activities"])
    admin = await one(graph, "MATCH (p:Person {email: 'admin@example.org'}) RETURN p.id AS v")
    assert admin == stable_id("Person", "admin@example.org")


async def test_activities_follow_the_global_counter(graph: Graph) -> None:
    async def earlier(tx: Any) -> None:
        await activity.record(tx, verb="test.before", actor_id=None, target_id="x", summary="before")

    await graph.write(earlier)
    await graph.settled()  # numbered before the seed counts on from the counter
    await load_demo(graph, people=PEOPLE, seed=1)

    rows = await graph.read(
        """
        MATCH (a:Activity) WITH a ORDER BY a.seq
        RETURN collect(a.seq) AS seqs, collect(a.at) AS ats, collect(a.verb) AS verbs,
               all(x IN collect(EXISTS { (a)-[:IN_SCOPE]->(:ProjectTeam) }
                                AND EXISTS { (a)-[:IN_SCOPE]->(:HorizontalIssue) }) WHERE x) AS scoped
        """
    )
    seqs, ats, verbs = rows[0]["seqs"], rows[0]["ats"], rows[0]["verbs"]
    assert seqs == list(range(1, len(seqs) + 1))
    assert verbs[0] == "test.before"
    assert set(verbs[1:]) == {"team.created", "member.joined"}
    assert ats[1:] == sorted(ats[1:])  # seq order is time order within the seed
    counter = await one(graph, "MATCH (c:Counter {name: 'activity'}) RETURN c.value AS v")
    assert counter == len(seqs)

    async def later(tx: Any) -> Any:
        return await activity.record(tx, verb="test.after", actor_id=None, target_id="x", summary="after")

    after = await graph.write(later)
    assert await one(graph, "MATCH (a:Activity {id: $id}) RETURN a.seq AS v", id=after["id"]) == len(seqs) + 1


async def test_progress_reports_every_batch(graph: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "BATCH_SIZE", 50)
    calls: list[tuple[int, int]] = []

    await load_demo(graph, people=PEOPLE, seed=1, progress=lambda done, total: calls.append((done, total)))

    totals = {t for _, t in calls}
    assert len(totals) == 1
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert calls[-1][0] == calls[-1][1]
    assert len(calls) >= 10


async def test_a_fresh_demo_names_its_activity_history_with_an_epoch(graph: Graph) -> None:
    await load_demo(graph, people=PEOPLE, seed=1)
    epoch = await one(graph, "MATCH (c:Counter {name: 'activity'}) RETURN c.epoch AS v")

    async def later(tx: Any) -> Any:
        return await activity.record(tx, verb="test.after", actor_id=None, target_id="x", summary="after")

    await graph.write(later)

    # Live cursors tell histories apart by it (graph/activity.py): a demo
    # loaded into a wiped database must not look like the one before.
    assert isinstance(epoch, str) and len(epoch) == 36
    assert await one(graph, "MATCH (c:Counter {name: 'activity'}) RETURN c.epoch AS v") == epoch
