"""Importing institutions and people from CSV/JSON: exact results, every bad row, all or nothing."""

from pathlib import Path
from typing import Any

import pytest

from graph import importer
from graph.driver import Graph, run
from graph.errors import ImportRejected, RowError

DATA = Path(__file__).parent / "data"


async def snapshot(graph: Graph) -> dict[str, Any]:
    """Everything an import could change: node and relationship counts and the activity counter."""
    await graph.settled()  # the numbering of the last import's activity
    rows = await graph.read(
        """
        RETURN COUNT { (n) WHERE NOT n:SchemaVersion } AS nodes, COUNT { ()-[]->() } AS rels,
               COUNT { (:Activity) } AS activities,
               COLLECT { MATCH (c:Counter {name: 'activity'}) RETURN c.value } AS counter
        """
    )
    return rows[0]


async def rejected(graph: Graph, name: str, kind: importer.Kind) -> list[RowError]:
    before = await snapshot(graph)
    with pytest.raises(ImportRejected) as exc:
        await importer.import_file(graph, DATA / name, kind)
    assert await snapshot(graph) == before, "a rejected import must write nothing"
    return exc.value.errors


async def institutions(graph: Graph) -> list[dict[str, Any]]:
    return await graph.read(
        """
        MATCH (n:Institution)
        RETURN n.code AS code, n.nameLv AS nameLv, n.nameEn AS nameEn, n.kind AS kind,
               head([(n)-[:SUBORDINATE_TO]->(p) | p.code]) AS parent,
               n:Entity AND n.id STARTS WITH 'inst_' AND n.createdAt IS NOT NULL
                 AND n.updatedAt IS NOT NULL AS wellFormed
        ORDER BY code
        """
    )


async def people(graph: Graph) -> list[dict[str, Any]]:
    return await graph.read(
        """
        MATCH (p:Person)-[:WORKS_AT]->(i:Institution)
        RETURN p.email AS email, p.name AS name, p.title AS title, p.languages AS languages,
               i.code AS institution,
               [(p)-[h:HAS_SKILL]->(s) | s.name + ':' + toString(h.level)] AS skills,
               COUNT { (p)-[:WORKS_AT]->() } AS employers,
               p:Entity AND p.id STARTS WITH 'person_' AND p.createdAt IS NOT NULL AS wellFormed
        ORDER BY email
        """
    )


# --- happy paths ------------------------------------------------------------------------------


async def test_institutions_csv_creates_hierarchy_and_one_activity(graph: Graph) -> None:
    summary = await importer.import_file(graph, DATA / "institutions_good.csv", "institutions")

    assert (summary.rows, summary.created, summary.updated) == (5, 5, 0)
    assert await institutions(graph) == [
        {"code": "FM", "nameLv": "Finanšu ministrija", "nameEn": "Ministry of Finance, Republic of Latvia",
         "kind": "MINISTRY", "parent": None, "wellFormed": True},
        {"code": "LPS", "nameLv": "Latvijas Pašvaldību savienība",
         "nameEn": "Latvian Association of Local Governments", "kind": "OTHER", "parent": None,
         "wellFormed": True},
        {"code": "VAS", "nameLv": "Valsts administrācijas skola",
         "nameEn": "Latvian School of Public Administration", "kind": "AGENCY", "parent": "VK",
         "wellFormed": True},
        {"code": "VID", "nameLv": "Valsts ieņēmumu dienests", "nameEn": "State Revenue Service",
         "kind": "AGENCY", "parent": "FM", "wellFormed": True},
        {"code": "VK", "nameLv": "Valsts kanceleja", "nameEn": "State Chancellery",
         "kind": "CENTRE_OF_GOVERNMENT", "parent": None, "wellFormed": True},
    ]  # fmt: skip
    await graph.settled()  # the import's activity is numbered after its commit
    acts = await graph.read(
        "MATCH (a:Activity) RETURN a.verb AS verb, a.summary AS summary, a.seq AS seq, "
        "a.id = $id AS same, COUNT { (a)-[:IN_SCOPE]->(:Institution) } AS scopes",
        id=summary.activity_id,
    )
    assert acts == [
        {"verb": "import.institutions", "seq": 1, "same": True, "scopes": 5,
         "summary": "Imported 5 institutions from institutions_good.csv: 5 created, 0 updated"},
    ]  # fmt: skip


async def test_institutions_json_then_csv_updates_by_code(graph: Graph) -> None:
    first = await importer.import_file(graph, DATA / "institutions_good.json", "institutions")
    ids = {
        r["code"]: r["id"]
        for r in await graph.read("MATCH (n:Institution) RETURN n.code AS code, n.id AS id")
    }
    second = await importer.import_file(graph, DATA / "institutions_good.csv", "institutions")

    assert (first.rows, first.created, first.updated) == (3, 3, 0)
    assert (second.rows, second.created, second.updated) == (5, 2, 3)
    rows = await graph.read("MATCH (n:Institution) RETURN n.code AS code, n.id AS id, n.nameEn AS nameEn")
    assert len(rows) == 5
    assert all(ids.get(r["code"], r["id"]) == r["id"] for r in rows), "upserts keep ids"
    assert {r["code"]: r["nameEn"] for r in rows}["FM"] == "Ministry of Finance, Republic of Latvia"
    await graph.settled()
    assert (await graph.read("MATCH (a:Activity) RETURN collect(a.seq) AS seqs"))[0]["seqs"] == [1, 2]


async def test_people_csv_exact_result(graph: Graph) -> None:
    await importer.import_file(graph, DATA / "institutions_good.csv", "institutions")
    summary = await importer.import_file(graph, DATA / "people_good.csv", "people")

    assert (summary.rows, summary.created, summary.updated, summary.skills_created) == (4, 4, 0, 4)
    got = await people(graph)
    for p in got:
        p["skills"] = sorted(p["skills"])
    assert got == [
        {"email": "anna.berzina@fm.gov.lv", "name": "Anna Bērziņa", "title": "vecākā eksperte",
         "languages": ["lv", "en"], "institution": "FM",
         "skills": ["Legal drafting:2", "Policy analysis:4"], "employers": 1, "wellFormed": True},
        {"email": "ilze.ozola@vid.gov.lv", "name": "Ilze Ozola", "title": None, "languages": ["lv"],
         "institution": "VID", "skills": [], "employers": 1, "wellFormed": True},
        {"email": "janis.kalnins@vk.gov.lv", "name": "Jānis Kalniņš", "title": "nodaļas vadītājs",
         "languages": ["lv", "en", "ru"], "institution": "VK", "skills": ["Project management:5"],
         "employers": 1, "wellFormed": True},
        {"email": "peteris.liepa@vas.gov.lv", "name": "Pēteris Liepa", "title": "juriskonsults",
         "languages": ["lv", "de"], "institution": "VAS", "skills": ["EU law:3", "Legal drafting:5"],
         "employers": 1, "wellFormed": True},
    ]  # fmt: skip
    skills = await graph.read("MATCH (s:Skill) RETURN s.key AS key ORDER BY key")
    assert [s["key"] for s in skills] == ["eu law", "legal drafting", "policy analysis", "project management"]
    act = await graph.read(
        "MATCH (a:Activity {verb: 'import.people'}) "
        "RETURN a.summary AS summary, a.after AS after, "
        "[(a)-[:IN_SCOPE]->(i:Institution) | i.code] AS scope"
    )
    assert act[0]["summary"] == "Imported 4 people from people_good.csv: 4 created, 0 updated"
    assert sorted(act[0]["scope"]) == ["FM", "VAS", "VID", "VK"]
    assert '"skillsCreated": 4' in act[0]["after"]


async def test_people_json_updates_and_leaves_empty_fields_alone(graph: Graph) -> None:
    await importer.import_file(graph, DATA / "institutions_good.csv", "institutions")
    await importer.import_file(graph, DATA / "people_good.csv", "people")
    ids = await graph.read("MATCH (p:Person) RETURN p.email AS email, p.id AS id ORDER BY email")

    summary = await importer.import_file(graph, DATA / "people_good.json", "people")

    assert (summary.rows, summary.created, summary.updated, summary.skills_created) == (2, 0, 2, 0)
    assert await graph.read("MATCH (p:Person) RETURN p.email AS email, p.id AS id ORDER BY email") == ids
    by_email = {p["email"]: p for p in await people(graph)}
    assert by_email["ilze.ozola@vid.gov.lv"]["languages"] == ["lv"]
    assert sorted(by_email["anna.berzina@fm.gov.lv"]["skills"]) == ["Legal drafting:2", "Policy analysis:4"]
    assert (await snapshot(graph))["activities"] == 3


async def test_person_moving_institution_keeps_exactly_one_employer(graph: Graph, tmp_path: Path) -> None:
    await importer.import_file(graph, DATA / "institutions_good.csv", "institutions")
    await importer.import_file(graph, DATA / "people_good.csv", "people")
    moved = tmp_path / "moved.json"
    moved.write_text(
        '[{"email": "anna.berzina@fm.gov.lv", "name": "Anna Bērziņa", "institution_code": "VID",'
        ' "skills": [{"name": "Data analysis", "level": 3}]}]',
        encoding="utf-8",
    )

    summary = await importer.import_file(graph, moved, "people")

    assert (summary.created, summary.updated, summary.skills_created) == (0, 1, 1)
    anna = {p["email"]: p for p in await people(graph)}["anna.berzina@fm.gov.lv"]
    assert (anna["institution"], anna["employers"], anna["skills"]) == ("VID", 1, ["Data analysis:3"])
    assert anna["title"] == "vecākā eksperte"  # not in the file: unchanged


# --- bad rows: every one reported with its line, nothing written --------------------------------


async def test_bad_institution_rows_each_reported_with_line(graph: Graph) -> None:
    errors = await rejected(graph, "institutions_bad.csv", "institutions")

    assert [(e.line, e.problem) for e in errors] == [
        (3, "code: is required"),
        (4, "kind: input should be 'MINISTRY', 'CENTRE_OF_GOVERNMENT', 'AGENCY' or 'OTHER'"),
        (5, "code: 'VK' is already on line 2"),
        (6, "parent_code: no institution with code 'XX'"),
        (7, "name_lv: string should have at most 200 characters"),
        (8, "code: string should match pattern '^[^\\s]+$'"),
        (9, "parent_code: would make a cycle (X1 → X2 → X1)"),
        (10, "parent_code: would make a cycle (X2 → X1 → X2)"),
        (11, "parent_code: an institution cannot be its own parent"),
        (12, "row: has 6 values, the header has 5"),
    ]
    assert await institutions(graph) == []


async def test_parent_code_is_checked_against_the_database(graph: Graph, tmp_path: Path) -> None:
    await importer.import_file(graph, DATA / "institutions_good.csv", "institutions")
    known = tmp_path / "subordinate.csv"
    known.write_text(
        "code,name_lv,name_en,kind,parent_code\n"
        "CSP,Centrālā statistikas pārvalde,Central Statistical Bureau,AGENCY,FM\n",
        encoding="utf-8",
    )
    cycle = tmp_path / "cycle.csv"  # VK is stored at the top; putting it under VAS (under VK) cycles
    cycle.write_text(
        "code,name_lv,name_en,kind,parent_code\nVK,Valsts kanceleja,State Chancellery,CENTRE_OF_GOVERNMENT,VAS\n",
        encoding="utf-8",
    )

    assert (await importer.import_file(graph, known, "institutions")).created == 1
    before = await snapshot(graph)
    with pytest.raises(ImportRejected) as exc:
        await importer.import_file(graph, cycle, "institutions")
    assert exc.value.errors == [RowError(2, "parent_code: would make a cycle (VK → VAS → VK)")]
    assert await snapshot(graph) == before


async def test_bad_people_rows_each_reported_with_physical_line(graph: Graph) -> None:
    await importer.import_file(graph, DATA / "institutions_good.csv", "institutions")

    errors = await rejected(graph, "people_bad.csv", "people")

    assert [(e.line, e.problem) for e in errors] == [
        (3, "email: is not a valid email address"),
        (5, "email: 'dup@fm.gov.lv' is already on line 4"),
        (6, "skills.1.level: input should be less than or equal to 5"),
        (7, "institution_code: no institution with code 'XX'"),
        (8, "name: is required"),
        (9, "languages.1: 'latviešu' is not a two-letter ISO 639-1 code such as 'lv'"),
        (10, "skills.1.level: is required"),  # a quoted name spans lines 10–11
        (12, "skills.1.level: input should be a valid integer, unable to parse string as an integer"),
        (13, "skills: 'data analysis' is listed twice"),
    ]
    assert await people(graph) == []


async def test_bad_json_items_reported_by_item_number(graph: Graph) -> None:
    await importer.import_file(graph, DATA / "institutions_good.csv", "institutions")

    errors = await rejected(graph, "people_bad.json", "people")

    assert [(e.line, e.problem) for e in errors] == [
        (2, "email: is not a valid email address"),
        (3, "skills.1.level: input should be greater than or equal to 1"),
        (4, "department: unknown column"),
        (5, "item: must be an object keyed by column name"),
        (6, "institution_code: is required"),
        (7, "languages: input should be a valid list"),
    ]


async def test_archived_institution_is_not_a_valid_employer(graph: Graph) -> None:
    await importer.import_file(graph, DATA / "institutions_good.csv", "institutions")
    await graph.write(lambda tx: run(tx, "MATCH (n:Institution {code: 'VID'}) SET n.archivedAt = datetime()"))

    errors = await rejected(graph, "people_good.csv", "people")

    assert errors == [RowError(4, "institution_code: institution 'VID' is archived")]


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("empty.csv", "institutions", [RowError(0, "file: is empty")]),
        ("header_only.csv", "institutions", [RowError(0, "file: has no rows")]),
        (
            "not_utf8.csv",
            "institutions",
            [RowError(0, "file: is not UTF-8 text (first bad byte on line 3); export it as UTF-8")],
        ),
        (
            "bad_header.csv",
            "institutions",
            [
                RowError(1, "header: unknown column 'name'"),
                RowError(1, "header: unknown column 'region'"),
                RowError(1, "header: missing column 'name_lv'"),
            ],
        ),
        (
            "institutions.txt",
            "institutions",
            [RowError(0, "file: unsupported extension '.txt'; use .csv or .json")],
        ),
        ("not_a_list.json", "institutions", [RowError(0, "file: must be a JSON list of objects")]),
        (
            "broken.json",
            "institutions",
            [
                RowError(
                    0, "file: is not valid JSON (Expecting property name enclosed in double quotes at line 1)"
                )
            ],
        ),
        (
            "institutions_good.csv",
            "people",
            [
                RowError(1, "header: unknown column 'code'"),
                RowError(1, "header: unknown column 'name_lv'"),
                RowError(1, "header: unknown column 'name_en'"),
                RowError(1, "header: unknown column 'kind'"),
                RowError(1, "header: unknown column 'parent_code'"),
                RowError(1, "header: missing column 'email'"),
                RowError(1, "header: missing column 'name'"),
                RowError(1, "header: missing column 'institution_code'"),
            ],
        ),
    ],
)
async def test_unreadable_files_rejected(
    graph: Graph, name: str, kind: importer.Kind, expected: list[RowError]
) -> None:
    assert await rejected(graph, name, kind) == expected


# --- all or nothing -----------------------------------------------------------------------------


async def test_one_bad_row_among_good_ones_writes_nothing(graph: Graph, tmp_path: Path) -> None:
    good = (DATA / "institutions_good.csv").read_text(encoding="utf-8")
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(
        good + "KEM,Klimata un enerģētikas ministrija,Ministry of Climate and Energy,MINISTRYY,\n",
        encoding="utf-8",
    )

    before = await snapshot(graph)
    with pytest.raises(ImportRejected) as exc:
        await importer.import_file(graph, mixed, "institutions")

    assert [e.line for e in exc.value.errors] == [7]
    assert await snapshot(graph) == before


async def test_failure_while_writing_rolls_back_every_batch(
    graph: Graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows are written in several batches; a failure after them (here: recording the Activity)
    must leave none of them behind."""
    await importer.import_file(graph, DATA / "institutions_good.csv", "institutions")
    many = tmp_path / "many.csv"
    many.write_text(
        "email,name,institution_code\n" + "".join(f"p{n}@fm.gov.lv,Persona {n},FM\n" for n in range(25)),
        encoding="utf-8",
    )
    monkeypatch.setattr(importer, "BATCH_SIZE", 10)

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer.activity, "record", broken)
    before = await snapshot(graph)
    with pytest.raises(RuntimeError):
        await importer.import_file(graph, many, "people")
    assert await snapshot(graph) == before
    monkeypatch.undo()

    summary = await importer.import_file(graph, many, "people")
    assert (summary.rows, summary.created) == (25, 25)


async def test_files_over_the_row_limit_are_rejected(
    graph: Graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "MAX_ROWS", 4)

    errors = await rejected(graph, "institutions_good.csv", "institutions")

    assert errors == [
        RowError(0, "file: has 5 rows; at most 4 are imported at once (one transaction), split the file")
    ]


async def test_files_over_the_skill_limit_are_rejected(graph: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "MAX_SKILL_ENTRIES", 4)

    errors = await rejected(graph, "people_good.csv", "people")

    assert errors == [
        RowError(0, "file: lists 5 skills; at most 4 are imported at once (one transaction), split the file")
    ]
