"""Import institutions and people from what an HR system exports: CSV or JSON.

Formats (chosen by extension): `.csv` is UTF-8 (a BOM is fine), comma-separated, with a header
row; `.json` is a list of objects keyed by the same column names.

- institutions: code, name_lv, name_en, kind, parent_code (optional)
- people: email, name, institution_code, title (optional), languages (optional; CSV "lv;en",
  JSON ["lv", "en"]), skills (optional; CSV "Policy analysis:4;Legal drafting:2",
  JSON [{"name": "Policy analysis", "level": 4}])

Rows are upserted on their natural key (institution code, person email). An empty optional cell
leaves the stored value alone (new people get languages ["lv"]); a given `skills` list replaces
the person's skills, unknown skill names are created; a given `parent_code` replaces the parent.

All or nothing: every row is validated first (against the file and the database) and any bad
row rejects the whole file with ImportRejected, one RowError per problem. Line numbers are
physical lines for CSV (header = line 1; a quoted multi-line row reports its first line) and the
1-based item number for JSON; problems about the whole file use line 0. A valid file is written
in ONE transaction (batched UNWINDs, then one Activity), so a failure half-way leaves nothing.
That is why a file is limited to MAX_ROWS rows (and MAX_SKILL_ENTRIES skills): larger exports
must be split.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, LiteralString

from pydantic import AfterValidator, Field

from graph import activity
from graph.driver import Graph, Record, Tx, run
from graph.errors import ImportRejected, InvalidInput, RowError
from graph.ids import new_id
from graph.institutions import InstitutionKind
from graph.skills import merge_by_name, skill_key
from graph.validation import Code, Email, Input, Name, ShortText, SkillLevel, camel, validate

Kind = Literal["institutions", "people"]

# One import is one transaction, and Neo4j's transaction memory (512 MiB by default) is a single
# pool shared by every transaction. Measured: 10,000 people with 6 skills each peak at ~180 MiB
# (20,000 at ~360 MiB; 50,000 fail), so a file may hold 10,000 rows and 60,000 skill entries.
MAX_ROWS = 10_000
MAX_SKILL_ENTRIES = 60_000
MAX_BYTES = 64 * 1024 * 1024
BATCH_SIZE = 2_000
MAX_SCOPE = 1_000  # institutions linked to the import's Activity (IN_SCOPE)


def _language(value: str) -> str:
    if len(value) != 2 or not value.isascii() or not value.isalpha():
        raise ValueError(f"{value!r} is not a two-letter ISO 639-1 code such as 'lv'")
    return value


Language = Annotated[str, AfterValidator(_language)]


class InstitutionRow(Input):
    code: Code
    name_lv: Name
    name_en: Name
    kind: InstitutionKind
    parent_code: Code | None = None


class SkillEntry(Input):
    name: Name
    level: SkillLevel


class PersonRow(Input):
    email: Email
    name: Name
    institution_code: Code
    title: ShortText | None = None
    languages: Annotated[list[Language], Field(max_length=10)] | None = None
    skills: Annotated[list[SkillEntry], Field(max_length=50)] | None = None


_COLUMNS: dict[str, tuple[type[Input], tuple[str, ...], frozenset[str]]] = {
    # kind: (row model, all columns, required columns)
    "institutions": (
        InstitutionRow,
        ("code", "name_lv", "name_en", "kind", "parent_code"),
        frozenset({"code", "name_lv", "name_en", "kind"}),
    ),
    "people": (
        PersonRow,
        ("email", "name", "title", "institution_code", "languages", "skills"),
        frozenset({"email", "name", "institution_code"}),
    ),
}


@dataclass(frozen=True)
class ImportSummary:
    kind: str
    file: str
    rows: int
    created: int
    updated: int
    skills_created: int
    activity_id: str


@dataclass
class _Row:
    line: int
    data: dict[str, Any]


@dataclass
class _Parsed:
    rows: list[_Row]
    unit: str  # "line" (CSV) or "item" (JSON), for messages that point at another row
    errors: list[RowError]


def _reject(problem: str, line: int = 0) -> ImportRejected:
    return ImportRejected(errors=[RowError(line, problem)])


# --- reading -------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    if path.suffix.lower() not in (".csv", ".json"):
        raise _reject(f"file: unsupported extension {path.suffix!r}; use .csv or .json")
    if path.stat().st_size > MAX_BYTES:
        raise _reject(f"file: is larger than {MAX_BYTES // (1024 * 1024)} MiB; split it")
    raw = path.read_bytes()
    if not raw.strip():
        raise _reject("file: is empty")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise _reject(
            f"file: is not UTF-8 text (first bad byte on line {line}); export it as UTF-8"
        ) from None


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _csv_cell(column: str, value: str) -> Any:
    """A CSV cell as the row model expects it; None for an empty optional cell."""
    value = value.strip()
    if value == "":
        return None
    if column == "languages":
        return [lang.lower() for lang in _split(value)]
    if column == "skills":
        entries = []
        for part in _split(value):
            name, sep, level = part.rpartition(":")
            # No separator: let the model report the missing level on a named entry.
            entries.append({"name": name, "level": level} if sep else {"name": part})
        return entries
    return value


def _parse_csv(text: str, columns: tuple[str, ...], required: frozenset[str]) -> _Parsed:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader)]
    problems = [f"header: unknown column {h!r}" for h in header if h not in columns]
    problems += [f"header: column {h!r} appears twice" for h in dict.fromkeys(header) if header.count(h) > 1]
    problems += [f"header: missing column {c!r}" for c in columns if c in required and c not in header]
    if problems:
        raise ImportRejected(errors=[RowError(1, p) for p in problems])
    rows: list[_Row] = []
    errors: list[RowError] = []
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. an unclosed quote: the rest cannot be split reliably
            errors.append(RowError(line, f"row: cannot be read as CSV ({exc})"))
            break
        if not any(c.strip() for c in cells):
            continue  # blank line
        if len(cells) != len(header):
            errors.append(RowError(line, f"row: has {len(cells)} values, the header has {len(header)}"))
            continue
        data = {col: _csv_cell(col, cell) for col, cell in zip(header, cells, strict=True)}
        rows.append(_Row(line, {k: v for k, v in data.items() if v is not None}))
    return _Parsed(rows, "line", errors)


def _parse_json(text: str, columns: tuple[str, ...]) -> _Parsed:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _reject(f"file: is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(items, list):
        raise _reject("file: must be a JSON list of objects")
    rows: list[_Row] = []
    errors: list[RowError] = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            errors.append(RowError(n, "item: must be an object keyed by column name"))
            continue
        unknown = [k for k in item if k not in columns]
        errors += [RowError(n, f"{k}: unknown column") for k in unknown]
        data = {k: v for k, v in item.items() if k in columns and v is not None}
        if isinstance(data.get("languages"), list):
            data["languages"] = [v.strip().lower() if isinstance(v, str) else v for v in data["languages"]]
        if not unknown:
            rows.append(_Row(n, data))
    return _Parsed(rows, "item", errors)


def _parse(path: Path, kind: Kind) -> _Parsed:
    _, columns, required = _COLUMNS[kind]
    text = _read_text(path)
    if path.suffix.lower() == ".csv":
        parsed = _parse_csv(text, columns, required)
    else:
        parsed = _parse_json(text, columns)
    count = len(parsed.rows) + len({e.line for e in parsed.errors})
    if count == 0:
        raise _reject("file: has no rows")
    if count > MAX_ROWS:
        raise _reject(
            f"file: has {count} rows; at most {MAX_ROWS} are imported at once (one transaction), "
            "split the file"
        )
    skills = sum(
        len(r.data.get("skills") or []) for r in parsed.rows if isinstance(r.data.get("skills"), list)
    )
    if skills > MAX_SKILL_ENTRIES:
        raise _reject(
            f"file: lists {skills} skills; at most {MAX_SKILL_ENTRIES} are imported at once "
            "(one transaction), split the file"
        )
    return parsed


# --- validation ----------------------------------------------------------------------------


def _field_name(field: str, columns: tuple[str, ...]) -> str:
    """'nameLv' -> 'name_lv', 'skills.0.level' -> 'skills.1.level' (the file's names, 1-based)."""
    by_camel = {camel(c): c for c in columns}
    head, *rest = field.split(".")
    parts = [by_camel.get(head, head), *(str(int(p) + 1) if p.isdigit() else p for p in rest)]
    return ".".join(parts)


def _validate_rows(parsed: _Parsed, kind: Kind) -> list[tuple[int, Input]]:
    model, columns, _ = _COLUMNS[kind]
    valid: list[tuple[int, Input]] = []
    for row in parsed.rows:
        try:
            valid.append((row.line, validate(model, row.data)))
        except InvalidInput as exc:
            parsed.errors += [
                RowError(row.line, f"{_field_name(p.field, columns)}: {p.problem}") for p in exc.problems
            ]
    key = "code" if kind == "institutions" else "email"
    first: dict[str, int] = {}
    for line, item in valid:
        value = getattr(item, key)
        if value in first:
            parsed.errors.append(
                RowError(line, f"{key}: {value!r} is already on {parsed.unit} {first[value]}")
            )
        else:
            first[value] = line
    if kind == "people":
        for line, item in valid:
            assert isinstance(item, PersonRow)
            keys = [skill_key(s.name) for s in item.skills or []]
            for dup in dict.fromkeys(k for k in keys if keys.count(k) > 1):
                parsed.errors.append(RowError(line, f"skills: {dup!r} is listed twice"))
    return valid


async def _check_institutions(
    tx: Tx, rows: list[tuple[int, InstitutionRow]]
) -> tuple[list[RowError], set[str]]:
    """Parents must exist (in the file or the database) and the hierarchy must stay acyclic."""
    stored = await run(
        tx,
        "MATCH (n:Institution) RETURN n.code AS code, n.archivedAt IS NOT NULL AS archived, "
        "head([(n)-[:SUBORDINATE_TO]->(p) | p.code]) AS parent",
    )
    archived = {r["code"] for r in stored if r["archived"]}
    parent: dict[str, str | None] = {r["code"]: r["parent"] for r in stored}
    existing = set(parent)
    in_file = {item.code for _, item in rows}
    for _, item in rows:
        if item.parent_code is not None:
            parent[item.code] = item.parent_code
        else:
            parent.setdefault(item.code, None)
    errors = []
    for line, item in rows:
        p = item.parent_code
        if p is None:
            continue
        if p == item.code:
            errors.append(RowError(line, "parent_code: an institution cannot be its own parent"))
        elif p not in in_file and p not in existing:
            errors.append(RowError(line, f"parent_code: no institution with code {p!r}"))
        elif p in archived and p not in in_file:
            errors.append(RowError(line, f"parent_code: institution {p!r} is archived"))
        else:
            chain = [item.code]
            node: str | None = p
            while node is not None and node not in chain:
                chain.append(node)
                node = parent.get(node)
            if node == item.code:
                errors.append(
                    RowError(line, f"parent_code: would make a cycle ({' → '.join([*chain, node])})")
                )
    return errors, existing


async def _check_people(tx: Tx, rows: list[tuple[int, PersonRow]]) -> tuple[list[RowError], set[str]]:
    stored = await run(
        tx,
        """
        MATCH (n:Institution) WHERE n.code IN $codes
        RETURN n.code AS code, n.archivedAt IS NOT NULL AS archived
        """,
        codes=sorted({item.institution_code for _, item in rows}),
    )
    known = {r["code"]: r["archived"] for r in stored}
    errors = []
    for line, item in rows:
        code = item.institution_code
        if code not in known:
            errors.append(RowError(line, f"institution_code: no institution with code {code!r}"))
        elif known[code]:
            errors.append(RowError(line, f"institution_code: institution {code!r} is archived"))
    found = await run(
        tx,
        "UNWIND $emails AS e MATCH (p:Person {email: e}) RETURN collect(e) AS emails",
        emails=[item.email for _, item in rows],
    )
    return errors, set(found[0]["emails"])


# --- writing -------------------------------------------------------------------------------

_UPSERT_INSTITUTIONS: LiteralString = """
UNWIND $rows AS r
MERGE (n:Institution {code: r.code})
  ON CREATE SET n:Entity, n.id = r.id, n.createdAt = datetime()
SET n.nameLv = r.nameLv, n.nameEn = r.nameEn, n.kind = r.kind, n.updatedAt = datetime()
"""

# Run after every row exists, since a parent may come later in the file.
_SET_PARENTS: LiteralString = """
UNWIND $rows AS r
MATCH (n:Institution {code: r.code}), (p:Institution {code: r.parent})
CALL (n, p) {
  OPTIONAL MATCH (n)-[old:SUBORDINATE_TO]->(other) WHERE other <> p
  DELETE old
}
MERGE (n)-[:SUBORDINATE_TO]->(p)
"""

# `props` holds only the fields the file gives; WORKS_AT is replaced (exactly one), and a given
# skills list replaces the person's skills.
_UPSERT_PEOPLE: LiteralString = """
UNWIND $rows AS r
MATCH (i:Institution {code: r.institution})
MERGE (p:Person {email: r.email})
  ON CREATE SET p:Entity, p.id = r.id, p.createdAt = datetime(), p.languages = ['lv']
SET p += r.props, p.updatedAt = datetime()
WITH p, i, r
CALL (p, i) {
  OPTIONAL MATCH (p)-[w:WORKS_AT]->(other) WHERE other <> i
  DELETE w
}
MERGE (p)-[:WORKS_AT]->(i)
WITH p, r
WHERE r.skills IS NOT NULL
CALL (p) {
  OPTIONAL MATCH (p)-[h:HAS_SKILL]->()
  DELETE h
}
UNWIND r.skills AS s
MATCH (skill:Skill {key: s.key})
CREATE (p)-[:HAS_SKILL {level: s.level}]->(skill)
"""


async def _batches(tx: Tx, cypher: LiteralString, rows: list[Record]) -> None:
    for start in range(0, len(rows), BATCH_SIZE):
        await run(tx, cypher, rows=rows[start : start + BATCH_SIZE])


async def _institution_ids(tx: Tx, codes: list[str]) -> list[str]:
    rows = await run(
        tx,
        "UNWIND $codes AS c MATCH (n:Institution {code: c}) RETURN collect(DISTINCT n.id) AS ids",
        codes=codes,
    )
    ids: list[str] = rows[0]["ids"]
    return ids


async def _write_institutions(tx: Tx, rows: list[InstitutionRow]) -> None:
    await _batches(
        tx,
        _UPSERT_INSTITUTIONS,
        [
            {
                "id": new_id("Institution"),
                "code": r.code,
                "nameLv": r.name_lv,
                "nameEn": r.name_en,
                "kind": r.kind.value,
            }
            for r in rows
        ],
    )
    parents = [{"code": r.code, "parent": r.parent_code} for r in rows if r.parent_code]
    await _batches(tx, _SET_PARENTS, parents)


async def _write_people(tx: Tx, rows: list[PersonRow]) -> int:
    """Upsert people; returns how many skills had to be created."""
    names = {skill_key(s.name): s.name for r in rows for s in r.skills or []}
    skills_created = 0
    if names:
        found = await run(
            tx,
            "UNWIND $keys AS k MATCH (s:Skill {key: k}) RETURN count(s) AS n",
            keys=list(names),
        )
        skills_created = len(names) - found[0]["n"]
        await merge_by_name(tx, list(names.values()))
    params = []
    for r in rows:
        props: dict[str, Any] = {"name": r.name}
        if r.title is not None:
            props["title"] = r.title
        if r.languages is not None:
            props["languages"] = list(dict.fromkeys(r.languages))
        skills = None
        if r.skills is not None:
            skills = [{"key": skill_key(s.name), "level": s.level} for s in r.skills]
        params.append(
            {
                "id": new_id("Person"),
                "email": r.email,
                "institution": r.institution_code,
                "props": props,
                "skills": skills,
            }
        )
    await _batches(tx, _UPSERT_PEOPLE, params)
    return skills_created


async def import_file(graph: Graph, path: Path, kind: Kind, *, actor_id: str | None = None) -> ImportSummary:
    """Validate every row of `path`, then upsert them all in one transaction, or raise ImportRejected."""
    if kind not in _COLUMNS:
        raise ValueError(f"unknown import kind {kind!r}")
    parsed = _parse(path, kind)
    valid = _validate_rows(parsed, kind)
    institutions = [(line, r) for line, r in valid if isinstance(r, InstitutionRow)]
    people = [(line, r) for line, r in valid if isinstance(r, PersonRow)]

    async def work(tx: Tx) -> ImportSummary:
        # Database checks run in the writing transaction, so they hold for what is written.
        if kind == "institutions":
            db_errors, existing = await _check_institutions(tx, institutions)
            keys = [r.code for _, r in institutions]
        else:
            db_errors, existing = await _check_people(tx, people)
            keys = [r.email for _, r in people]
        errors = parsed.errors + db_errors
        if errors:
            raise ImportRejected(errors=sorted(errors, key=lambda e: e.line))
        skills_created = 0
        if kind == "institutions":
            await _write_institutions(tx, [r for _, r in institutions])
            scope = await _institution_ids(tx, keys[:MAX_SCOPE])
        else:
            skills_created = await _write_people(tx, [r for _, r in people])
            scope = await _institution_ids(tx, sorted({r.institution_code for _, r in people}))
        updated = sum(1 for k in keys if k in existing)
        created = len(keys) - updated
        after: dict[str, Any] = {"file": path.name, "rows": len(keys), "created": created, "updated": updated}
        if kind == "people":
            after["skillsCreated"] = skills_created
        act = await activity.record(
            tx,
            verb=f"import.{kind}",
            actor_id=actor_id,
            # An import has no single target entity: the marker names the kind, and the feeds
            # it shows in are those of the institutions it touched.
            target_id=f"import:{kind}",
            summary=f"Imported {len(keys)} {kind} from {path.name}: {created} created, {updated} updated",
            scope_ids=scope,
            after=after,
        )
        return ImportSummary(kind, path.name, len(keys), created, updated, skills_created, act["id"])

    return await graph.write(work)
