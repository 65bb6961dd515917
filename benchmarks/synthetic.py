"""A synthetic government for benchmarks, used until graph/seed/demo.py (`load_demo`) lands in main.

Shape (at people=10,000): 13 ministries and the State Chancellery, 70 agencies under them, the
seven plan directions, 60 skills, 400 horizontal issues (half ACTIVE) each affecting 2–6
institutions, 600 teams (PUBLIC/INTERNAL/RESTRICTED) of 4–12 members drawn from the affected
institutions, five backdated activities per team, 300 invitations. Deterministic for a seed.

Bulk writes use parameterised UNWIND batches: this is tooling, not the application (which writes
through graph/), and it disappears once the demo generator exists.
"""

from __future__ import annotations

import random
from typing import Any, LiteralString

from graph.driver import Graph, run
from graph.ids import stable_id

FIRST = ["Jānis", "Anna", "Pēteris", "Līga", "Andris", "Ilze", "Mārtiņš", "Kristīne", "Edgars", "Zane",
         "Kārlis", "Inese", "Valdis", "Dace", "Gatis", "Ieva", "Raimonds", "Sandra", "Uldis", "Baiba"]  # fmt: skip
LAST = ["Bērziņš", "Kalniņš", "Ozoliņš", "Liepa", "Krūmiņš", "Zariņš", "Jansons", "Vītols", "Kļaviņš",
        "Šmits", "Žagars", "Ģērmanis", "Ķēniņš", "Ņikitins", "Čakste", "Grīnbergs", "Lācis", "Priede"]  # fmt: skip
WORDS = ["datu", "apmaiņa", "sadarbība", "pašvaldības", "digitālā", "transformācija", "veselība",
         "izglītība", "nodokļi", "reģionālā", "attīstība", "klimats", "enerģētika", "drošība",
         "pārvaldība", "iepirkumi", "sociālā", "aizsardzība", "kultūra", "tiesiskums"]  # fmt: skip
MINISTRIES = ["AM", "AIM", "EM", "FM", "IZM", "KM", "LM", "SM", "TM", "VM", "VARAM", "ZM", "KEM"]


async def _batch(graph: Graph, query: LiteralString, rows: list[dict[str, Any]], size: int = 2000) -> None:
    for i in range(0, len(rows), size):
        chunk = rows[i : i + size]
        await graph.write(lambda tx, chunk=chunk: run(tx, query, rows=chunk))  # type: ignore[misc]


async def load_synthetic(graph: Graph, people: int = 10_000, seed: int = 1) -> dict[str, int]:
    rnd = random.Random(seed)  # noqa: S311 - reproducible data, not security
    insts = [{"id": stable_id("Institution", "VK"), "code": "VK", "name": "Valsts kanceleja",
              "kind": "CENTRE_OF_GOVERNMENT", "parent": None}]  # fmt: skip
    for code in MINISTRIES:
        insts.append({"id": stable_id("Institution", code), "code": code, "name": f"{code} ministrija",
                      "kind": "MINISTRY", "parent": None})  # fmt: skip
    for n in range(70):
        parent = insts[1 + n % len(MINISTRIES)]
        code = f"AG{n:02d}"
        insts.append({"id": stable_id("Institution", code), "code": code,
                      "name": f"{rnd.choice(WORDS).capitalize()} aģentūra {n}", "kind": "AGENCY",
                      "parent": parent["id"]})  # fmt: skip
    await _batch(
        graph,
        "UNWIND $rows AS r CREATE (:Institution:Entity {id: r.id, code: r.code, nameLv: r.name, nameEn: r.name, "
        "kind: r.kind, createdAt: datetime(), updatedAt: datetime()})",
        insts,
    )
    await _batch(
        graph,
        "UNWIND $rows AS r MATCH (n:Institution {id: r.id}), (p:Institution {id: r.parent}) "
        "CREATE (n)-[:SUBORDINATE_TO]->(p)",
        [i for i in insts if i["parent"]],
    )
    dirs = [
        {"id": stable_id("PlanDirection", str(n)), "number": n, "title": f"Virziens {n}"} for n in range(1, 8)
    ]
    await _batch(
        graph,
        "UNWIND $rows AS r CREATE (:PlanDirection:Entity {id: r.id, number: r.number, titleLv: r.title, "
        "titleEn: r.title})",
        dirs,
    )
    skills = [
        {"id": stable_id("Skill", f"s{n}"), "name": f"{rnd.choice(WORDS)} prasme {n}"} for n in range(60)
    ]
    await _batch(
        graph,
        "UNWIND $rows AS r CREATE (:Skill:Entity {id: r.id, key: toLower(r.name), name: r.name, "
        "createdAt: datetime(), updatedAt: datetime()})",
        skills,
    )
    # Ministries are larger than agencies; every institution has people.
    weights = [8 if i["kind"] != "AGENCY" else 1 for i in insts]
    persons = []
    by_inst: dict[str, list[str]] = {i["id"]: [] for i in insts}
    for n in range(people):
        inst = rnd.choices(insts, weights)[0]
        pid = stable_id("Person", f"p{n}")
        by_inst[inst["id"]].append(pid)
        persons.append({"id": pid, "name": f"{rnd.choice(FIRST)} {rnd.choice(LAST)}", "email": f"p{n}@example.gov.lv",
                        "inst": inst["id"], "skills": [[s["id"], rnd.randint(1, 5)] for s in rnd.sample(skills, 3)]})  # fmt: skip
    await _batch(
        graph,
        """
        UNWIND $rows AS r MATCH (i:Institution {id: r.inst})
        CREATE (p:Person:Entity {id: r.id, name: r.name, email: r.email, languages: ['lv'],
                                 createdAt: datetime(), updatedAt: datetime()})-[:WORKS_AT]->(i)
        WITH p, r UNWIND r.skills AS s MATCH (k:Skill {id: s[0]}) CREATE (p)-[:HAS_SKILL {level: s[1]}]->(k)
        """,
        persons,
    )
    issues = []
    for n in range(400):
        affected = rnd.sample(insts, rnd.randint(2, 6))
        stakes = ["LEAD"] + [rnd.choice(["INVOLVED", "CONSULTED"]) for _ in affected[1:]]
        issues.append({
            "id": stable_id("HorizontalIssue", f"i{n}"),
            "title": " ".join(rnd.sample(WORDS, 3)).capitalize() + f" {n}",
            "status": rnd.choices(["PROPOSED", "ACTIVE", "ON_HOLD", "RESOLVED"], [2, 5, 1, 2])[0],
            "dir": rnd.choice(dirs)["id"],
            "affects": [[a["id"], s] for a, s in zip(affected, stakes, strict=True)],
        })  # fmt: skip
    await _batch(
        graph,
        """
        UNWIND $rows AS r MATCH (d:PlanDirection {id: r.dir})
        CREATE (n:HorizontalIssue:Entity {id: r.id, title: r.title, description: '', status: r.status,
                priority: 'MEDIUM', createdAt: datetime(), updatedAt: datetime()})-[:UNDER_DIRECTION]->(d)
        WITH n, r UNWIND r.affects AS a MATCH (i:Institution {id: a[0]}) CREATE (n)-[:AFFECTS {stake: a[1]}]->(i)
        """,
        issues,
    )
    deps = [{"a": issues[n]["id"], "b": issues[rnd.randrange(n)]["id"]} for n in range(1, 400, 4)]
    await _batch(
        graph,
        "UNWIND $rows AS r MATCH (a:HorizontalIssue {id: r.a}), (b:HorizontalIssue {id: r.b}) "
        "CREATE (a)-[:DEPENDS_ON]->(b)",
        deps,
    )
    teams = []
    for n in range(600):
        issue = rnd.choice(issues)
        pool = [p for a in issue["affects"] for p in by_inst[a[0]]] or [persons[0]["id"]]
        members = rnd.sample(pool, min(len(pool), rnd.randint(4, 12)))
        teams.append({
            "id": stable_id("ProjectTeam", f"t{n}"), "name": f"Darba grupa {n}: {rnd.choice(WORDS)}",
            "issue": issue["id"],
            "status": rnd.choices(["FORMING", "ACTIVE", "CLOSED"], [2, 6, 2])[0],
            "visibility": rnd.choices(["PUBLIC", "INTERNAL", "RESTRICTED"], [50, 35, 15])[0],
            "ago": rnd.randint(1, 400),
            "members": [[p, "LEAD" if k == 0 else rnd.choice(["MEMBER", "EXPERT", "OBSERVER"]),
                         rnd.choice([5, 10, 20, 30, 50])] for k, p in enumerate(members)],
        })  # fmt: skip
    await _batch(
        graph,
        """
        UNWIND $rows AS r MATCH (i:HorizontalIssue {id: r.issue})
        CREATE (t:ProjectTeam:Entity {id: r.id, name: r.name, mandate: '', status: r.status,
                visibility: r.visibility, createdAt: datetime() - duration({days: r.ago}),
                updatedAt: datetime()})-[:ADDRESSES]->(i)
        WITH t, r UNWIND r.members AS m MATCH (p:Person {id: m[0]})
        CREATE (p)-[:MEMBER_OF {role: m[1], allocation: m[2], since: date()}]->(t)
        """,
        teams,
        size=200,
    )
    acts = [{"id": stable_id("Activity", f"a{n}"), "seq": n + 1, "team": teams[n // 5]["id"], "ago": rnd.randint(0, 120)}
            for n in range(len(teams) * 5)]  # fmt: skip
    await _batch(
        graph,
        """
        UNWIND $rows AS r MATCH (t:ProjectTeam {id: r.team})
        CREATE (a:Activity:Entity {id: r.id, seq: r.seq, at: datetime() - duration({days: r.ago}),
                verb: 'team.updated', targetId: r.team, summary: 'synthetic'})-[:IN_SCOPE]->(t)
        """,
        acts,
    )
    invites = [{"team": rnd.choice(teams)["id"], "ago": rnd.randint(0, 30),
                "status": rnd.choice(["PENDING", "ACCEPTED", "DECLINED"])} for _ in range(300)]  # fmt: skip
    await _batch(
        graph,
        "UNWIND $rows AS r MATCH (t:ProjectTeam {id: r.team}) "
        "CREATE (:Invitation {status: r.status, createdAt: datetime() - duration({days: r.ago})})-[:FOR_TEAM]->(t)",
        invites,
    )
    await graph.write(
        lambda tx: run(tx, "MERGE (c:Counter {name: 'activity'}) SET c.value = $n", n=len(acts))
    )
    await archive_some(graph)
    return {"institutions": len(insts), "people": people, "issues": len(issues), "teams": len(teams),
            "activities": len(acts)}  # fmt: skip


async def archive_some(graph: Graph) -> None:
    """A live system has archived nodes; without any, Neo4j warns on every `archivedAt` filter."""
    await graph.write(
        lambda tx: run(
            tx,
            """
            CALL () { MATCH (p:Person) WITH p ORDER BY p.id LIMIT 50 SET p.archivedAt = datetime() }
            CALL () { MATCH (i:HorizontalIssue) WITH i ORDER BY i.id LIMIT 5 SET i.archivedAt = datetime() }
            CALL () { MATCH (t:ProjectTeam) WITH t ORDER BY t.id LIMIT 5 SET t.archivedAt = datetime() }
            CALL () { MATCH (n:Institution {kind: 'AGENCY'}) WITH n ORDER BY n.id LIMIT 1 SET n.archivedAt = datetime() }
            """,
        )
    )
