"""Versioned, idempotent schema migrations, applied at start.

Each migration is a list of `... IF NOT EXISTS` statements, so re-running one is harmless; the
highest applied version is kept on a `(:SchemaVersion)` node. Community edition has no existence
or type constraints, so required fields are validated in Python before any write.

A migration may first repair data its constraints could not be created over (graph/repairs.py).
Each repair runs once, however many hubs start together: in one transaction that first claims
its `(:MigrationStep {name})` (unique, so a second migrator's claim waits for the first's commit
and then finds it taken); a migrator that fails rolls its claim back with its changes. Then the
key backfills (idempotent) and the statements; a constraint that new breakage written meanwhile
(an older hub still serving) keeps from being created has its repairs run again, once.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, LiteralString

import structlog
from neo4j.exceptions import ClientError, DatabaseError

from graph import locks, lucene, repairs
from graph.driver import Graph, Tx, run
from graph.repairs import Repair

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Chosen:
    """Statements a migration chose after looking at the database, and facts it records on its
    version node for the queries that depend on the choice."""

    statements: tuple[LiteralString, ...]
    facts: dict[str, Any]


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[LiteralString, ...]
    # Run before the statements: data repairs, each once, then idempotent backfills.
    repairs: tuple[Repair, ...] = ()
    backfills: tuple[LiteralString, ...] = ()
    # Statements that depend on what the database offers, run after the fixed ones.
    choose: Callable[[Graph], Awaitable[Chosen]] | None = None


# The full-text index: people, institutions, issues, teams and skills by every text they carry.
_TEXT_PROPERTIES: Final = ["name", "title", "description", "nameLv", "nameEn", "code", "email", "mandate"]
_TEXT_INDEXED: Final = (
    "FOR (n:Person|Institution|HorizontalIssue|ProjectTeam|Skill) "
    "ON EACH [n.name, n.title, n.description, n.nameLv, n.nameEn, n.code, n.email, n.mandate]"
)
# Neo4j keeps one full-text index per schema (labels and properties, in order): the folded copy
# lists the same properties the other way round.
_COPY_INDEXED: Final = (
    "FOR (n:Person|Institution|HorizontalIssue|ProjectTeam|Skill) "
    "ON EACH [n.mandate, n.email, n.code, n.nameEn, n.nameLv, n.description, n.title, n.name]"
)
_PROPERTIES: Final = {"search_text": _TEXT_PROPERTIES, "search_folded": _TEXT_PROPERTIES[::-1]}


async def available_analyzers(graph: Graph) -> list[str]:
    """The full-text analyzers this Neo4j offers."""
    rows = await graph.read(
        "CALL db.index.fulltext.listAvailableAnalyzers() YIELD analyzer RETURN collect(analyzer) AS names"
    )
    return list(rows[0]["names"])


async def _text_indexes(graph: Graph) -> Chosen:
    """`search_text` with the `latvian-folding` analyzer (stems Latvian, then folds diacritics)
    where the Neo4j has it (the launcher; a server with the plugin jar); elsewhere (Aura) the
    built-in `latvian` analyzer, which stems but does not fold, and a `standard-folding` copy,
    `search_folded`. An index of another analyzer or properties is dropped and made again."""
    wanted: dict[str, str] = (
        {"search_text": lucene.LATVIAN_FOLDING}
        if lucene.LATVIAN_FOLDING in await available_analyzers(graph)
        else {"search_text": "latvian", "search_folded": "standard-folding"}
    )
    existing = await graph.read(
        "SHOW FULLTEXT INDEXES YIELD name, properties, options WHERE name IN ['search_text', 'search_folded'] "
        "RETURN name, properties, options.indexConfig['fulltext.analyzer'] AS analyzer"
    )
    statements: list[LiteralString] = []
    for index in existing:
        if (
            wanted.get(index["name"]) != index["analyzer"]
            or index["properties"] != _PROPERTIES[index["name"]]
        ):
            statements.append(_DROP_TEXT_INDEX[index["name"]])
    for name, analyzer in wanted.items():
        statements.append(_TEXT_INDEX[name, analyzer])
    return Chosen(tuple(statements), {"textIndexes": list(wanted), "textAnalyzers": list(wanted.values())})


_DROP_TEXT_INDEX: Final[dict[str, LiteralString]] = {
    "search_text": "DROP INDEX search_text IF EXISTS",
    "search_folded": "DROP INDEX search_folded IF EXISTS",
}
_TEXT_INDEX: Final[dict[tuple[str, str], LiteralString]] = {
    ("search_text", lucene.LATVIAN_FOLDING): "CREATE FULLTEXT INDEX search_text IF NOT EXISTS "
    + _TEXT_INDEXED
    + " OPTIONS {indexConfig: {`fulltext.analyzer`: 'latvian-folding'}}",
    ("search_text", "latvian"): "CREATE FULLTEXT INDEX search_text IF NOT EXISTS "
    + _TEXT_INDEXED
    + " OPTIONS {indexConfig: {`fulltext.analyzer`: 'latvian'}}",
    ("search_folded", "standard-folding"): "CREATE FULLTEXT INDEX search_folded IF NOT EXISTS "
    + _COPY_INDEXED
    + " OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-folding'}}",
}


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "unique ids and natural keys, lookup indexes, full-text search",
        (
            # Every public node also carries :Entity, so node(id) and activity scopes are one
            # index lookup whatever the type.
            "CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE",
            "CREATE CONSTRAINT institution_id IF NOT EXISTS FOR (n:Institution) REQUIRE n.id IS UNIQUE",
            "CREATE CONSTRAINT institution_code IF NOT EXISTS FOR (n:Institution) REQUIRE n.code IS UNIQUE",
            "CREATE CONSTRAINT person_id IF NOT EXISTS FOR (n:Person) REQUIRE n.id IS UNIQUE",
            "CREATE CONSTRAINT person_email IF NOT EXISTS FOR (n:Person) REQUIRE n.email IS UNIQUE",
            "CREATE CONSTRAINT skill_id IF NOT EXISTS FOR (n:Skill) REQUIRE n.id IS UNIQUE",
            "CREATE CONSTRAINT skill_key IF NOT EXISTS FOR (n:Skill) REQUIRE n.key IS UNIQUE",
            "CREATE CONSTRAINT direction_id IF NOT EXISTS FOR (n:PlanDirection) REQUIRE n.id IS UNIQUE",
            "CREATE CONSTRAINT direction_number IF NOT EXISTS "
            "FOR (n:PlanDirection) REQUIRE n.number IS UNIQUE",
            "CREATE CONSTRAINT issue_id IF NOT EXISTS FOR (n:HorizontalIssue) REQUIRE n.id IS UNIQUE",
            "CREATE CONSTRAINT team_id IF NOT EXISTS FOR (n:ProjectTeam) REQUIRE n.id IS UNIQUE",
            "CREATE CONSTRAINT activity_id IF NOT EXISTS FOR (n:Activity) REQUIRE n.id IS UNIQUE",
            "CREATE CONSTRAINT activity_seq IF NOT EXISTS FOR (n:Activity) REQUIRE n.seq IS UNIQUE",
            "CREATE CONSTRAINT counter_name IF NOT EXISTS FOR (n:Counter) REQUIRE n.name IS UNIQUE",
            "CREATE INDEX person_name IF NOT EXISTS FOR (n:Person) ON (n.name)",
            "CREATE INDEX institution_kind IF NOT EXISTS FOR (n:Institution) ON (n.kind)",
            "CREATE INDEX issue_status IF NOT EXISTS FOR (n:HorizontalIssue) ON (n.status)",
            "CREATE INDEX team_status IF NOT EXISTS FOR (n:ProjectTeam) ON (n.status)",
            "CREATE INDEX activity_at IF NOT EXISTS FOR (n:Activity) ON (n.at)",
            # standard-folding folds diacritics both ways: "sadarbiba" finds "sadarbība".
            "CREATE FULLTEXT INDEX search_text IF NOT EXISTS "
            "FOR (n:Person|Institution|HorizontalIssue|ProjectTeam|Skill) "
            "ON EACH [n.name, n.title, n.description, n.nameLv, n.nameEn, n.code, n.email] "
            "OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-folding'}}",
        ),
    ),
    Migration(
        2,
        "team formation and workspace: invitations, posts, decisions, tasks",
        (
            "CREATE CONSTRAINT invitation_id IF NOT EXISTS FOR (n:Invitation) REQUIRE n.id IS UNIQUE",
            "CREATE CONSTRAINT post_id IF NOT EXISTS FOR (n:Post) REQUIRE n.id IS UNIQUE",
            "CREATE CONSTRAINT decision_id IF NOT EXISTS FOR (n:Decision) REQUIRE n.id IS UNIQUE",
            "CREATE CONSTRAINT task_id IF NOT EXISTS FOR (n:Task) REQUIRE n.id IS UNIQUE",
            # Pending invitations are looked up by status (duplicates, suggestions, expiry).
            "CREATE INDEX invitation_status IF NOT EXISTS FOR (n:Invitation) ON (n.status)",
            # Team feeds page posts newest first; task lists filter by status.
            "CREATE INDEX post_created IF NOT EXISTS FOR (n:Post) ON (n.createdAt)",
            "CREATE INDEX task_status IF NOT EXISTS FOR (n:Task) ON (n.status)",
            # dueSoon scans mandate ends.
            "CREATE INDEX team_end_date IF NOT EXISTS FOR (n:ProjectTeam) ON (n.endDate)",
        ),
    ),
    Migration(
        3,
        "idempotency keys: one per caller and key, purged after expiry",
        (
            "CREATE CONSTRAINT idempotency_key_id IF NOT EXISTS FOR (k:IdempotencyKey) REQUIRE k.id IS UNIQUE",
            "CREATE INDEX idempotency_key_expires IF NOT EXISTS FOR (k:IdempotencyKey) ON (k.expiresAt)",
        ),
    ),
    Migration(
        4,
        "rules that races broke: one membership per person and team, one lead per team, one open "
        "invitation per person and team (existing data repaired first)",
        (
            # memberKey "personId|teamId", leadKey the team's id on its lead's membership
            # (graph/membership.py keys), openKey "personId|teamId" on an open invitation's
            # INVITES (graph/invitations.py).
            "CREATE CONSTRAINT member_key IF NOT EXISTS FOR ()-[m:MEMBER_OF]-() REQUIRE m.memberKey IS UNIQUE",
            "CREATE CONSTRAINT lead_key IF NOT EXISTS FOR ()-[m:MEMBER_OF]-() REQUIRE m.leadKey IS UNIQUE",
            "CREATE CONSTRAINT open_invitation_key IF NOT EXISTS "
            "FOR ()-[r:INVITES]-() REQUIRE r.openKey IS UNIQUE",
        ),
        repairs=repairs.REPAIRS,
        backfills=repairs.BACKFILL_KEYS,
    ),
    Migration(
        5,
        "sign-in identities: the identity provider's (issuer, subject), bound to one person",
        (
            # A person may have several (one per issuer); each (issuer, subject) exists once, so two
            # first sign-ins at once bind one node (graph/identity.py `viewer_for_sign_in`).
            "CREATE CONSTRAINT sign_in_identity IF NOT EXISTS "
            "FOR (i:SignInIdentity) REQUIRE (i.issuer, i.subject) IS UNIQUE",
        ),
    ),
    Migration(
        6,
        "search in Latvian: the full-text index stems Latvian words and folds diacritics, and covers "
        "team mandates",
        (),
        choose=_text_indexes,
    ),
    Migration(
        7,
        "e-mail outbox, the timed jobs' lease and last runs",
        (
            "CREATE CONSTRAINT outbox_id IF NOT EXISTS FOR (o:Outbox) REQUIRE o.id IS UNIQUE",
            # One item per event and recipient, reminder and day, digest and day (graph/outbox.py).
            "CREATE CONSTRAINT outbox_key IF NOT EXISTS FOR (o:Outbox) REQUIRE o.key IS UNIQUE",
            # The worker claims by status; export and erasure find a person's items.
            "CREATE INDEX outbox_status IF NOT EXISTS FOR (o:Outbox) ON (o.status)",
            "CREATE INDEX outbox_recipient IF NOT EXISTS FOR (o:Outbox) ON (o.recipientId)",
            "CREATE CONSTRAINT lease_name IF NOT EXISTS FOR (l:Lease) REQUIRE l.name IS UNIQUE",
            "CREATE CONSTRAINT job_run_name IF NOT EXISTS FOR (j:JobRun) REQUIRE j.name IS UNIQUE",
        ),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version


async def current_version(graph: Graph) -> int:
    rows = await graph.read("OPTIONAL MATCH (v:SchemaVersion) RETURN max(v.version) AS version")
    return rows[0]["version"] or 0


# Before anything else: two hubs starting on a fresh database both run the migrations (every
# statement is idempotent), and these constraints make their MERGE of each version record, and
# their claim of each repair, one node.
_BOOTSTRAP: tuple[LiteralString, ...] = (
    "CREATE CONSTRAINT schema_version IF NOT EXISTS FOR (v:SchemaVersion) REQUIRE v.version IS UNIQUE",
    "CREATE CONSTRAINT migration_step IF NOT EXISTS FOR (s:MigrationStep) REQUIRE s.name IS UNIQUE",
)


async def migrate(graph: Graph) -> list[int]:
    """Apply every migration above the stored version; return the versions applied."""
    applied = []
    for statement in _BOOTSTRAP:
        await _apply(graph, statement)
    start = await current_version(graph)
    for migration in MIGRATIONS:
        if migration.version <= start:
            continue
        await _prepare(graph, migration)
        chosen = await migration.choose(graph) if migration.choose else Chosen((), {})
        # Schema statements cannot share a transaction with data writes.
        for statement in migration.statements + chosen.statements:
            try:
                await _apply(graph, statement)
            except DatabaseError as e:
                if e.code != "Neo.DatabaseError.Schema.ConstraintCreationFailed" or not migration.repairs:
                    raise
                log.warning("constraint_over_new_breakage", version=migration.version, error=e.message)
                await _prepare(graph, migration, again=True)
                await _apply(graph, statement)
        await graph.write(_recorder(migration, chosen.facts))
        applied.append(migration.version)
    await graph.read("CALL db.awaitIndexes(300)")
    return applied


async def _prepare(graph: Graph, migration: Migration, *, again: bool = False) -> None:
    """The migration's repairs, each once (`again`: whether or not they ran before), then its
    backfills."""
    for number, repair in enumerate(migration.repairs, start=1):
        step = f"{migration.version}.{number} {repair.name}"
        changed = await graph.write(_repairer(step, repair, again))
        if changed:
            log.warning("data_repaired", step=step, changed=changed)
    for statement in migration.backfills:
        await graph.write_once(statement)


def _repairer(step: str, repair: Repair, again: bool) -> Callable[[Tx], Awaitable[int | None]]:
    return lambda tx: _repair_once(tx, step, repair, again)


async def _repair_once(tx: Tx, step: str, repair: Repair, again: bool) -> int | None:
    """`repair` in this transaction unless another migrator has claimed `step`; what it changed.
    The step's node is write-locked too, so repairs run `again` go one at a time as well."""
    claim = uuid.uuid4().hex
    rows = await run(
        tx,
        "MERGE (s:MigrationStep {name: $step}) ON CREATE SET s.claim = $claim"
        " WITH s, s.claim = $claim AS ours " + locks.lock("s") + " RETURN ours",
        step=step,
        claim=claim,
    )
    if not rows[0]["ours"] and not again:
        return None
    changed = await repair.run(tx)
    await run(
        tx,
        "MATCH (s:MigrationStep {name: $step})"
        " SET s.claim = $claim, s.changed = coalesce(s.changed, 0) + $changed, s.appliedAt = datetime()",
        step=step,
        claim=claim,
        changed=changed,
    )
    return changed


async def _apply(graph: Graph, statement: LiteralString) -> None:
    try:
        await graph.write(lambda tx: run(tx, statement))
    except ClientError as e:
        # `IF NOT EXISTS` does not cover a rule another hub creates at the same moment: its twin
        # is already there, which is what this statement wanted.
        if e.code != "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists":
            raise


def _recorder(migration: Migration, facts: dict[str, Any]) -> Callable[[Tx], Awaitable[object]]:
    return lambda tx: _record(tx, migration, facts)


async def _record(tx: Tx, migration: Migration, facts: dict[str, Any]) -> None:
    await run(
        tx,
        "MERGE (v:SchemaVersion {version: $version}) "
        "SET v += $facts, v.description = $description, v.appliedAt = datetime()",
        version=migration.version,
        description=migration.description,
        facts=facts,
    )
