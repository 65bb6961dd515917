"""Versioned, idempotent schema migrations, applied at start.

Each migration is a list of `... IF NOT EXISTS` statements, so re-running one is harmless; the
highest applied version is kept on a `(:SchemaVersion)` node. Community edition has no existence
or type constraints, so required fields are validated in Python before any write.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import LiteralString

from neo4j.exceptions import ClientError

from graph.driver import Graph, Tx, run


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[LiteralString, ...]


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
        "sign-in identities: the identity provider's (issuer, subject), bound to one person",
        (
            # A person may have several (one per issuer); each (issuer, subject) exists once, so two
            # first sign-ins at once bind one node (graph/identity.py `viewer_for_sign_in`).
            "CREATE CONSTRAINT sign_in_identity IF NOT EXISTS "
            "FOR (i:SignInIdentity) REQUIRE (i.issuer, i.subject) IS UNIQUE",
        ),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version


async def current_version(graph: Graph) -> int:
    rows = await graph.read("OPTIONAL MATCH (v:SchemaVersion) RETURN max(v.version) AS version")
    return rows[0]["version"] or 0


# Before anything else: two hubs starting on a fresh database both run the migrations (every
# statement is idempotent), and this constraint makes their MERGE of each version record one node.
_VERSION_UNIQUE: LiteralString = (
    "CREATE CONSTRAINT schema_version IF NOT EXISTS FOR (v:SchemaVersion) REQUIRE v.version IS UNIQUE"
)


async def migrate(graph: Graph) -> list[int]:
    """Apply every migration above the stored version; return the versions applied."""
    applied = []
    await _apply(graph, _VERSION_UNIQUE)
    start = await current_version(graph)
    for migration in MIGRATIONS:
        if migration.version <= start:
            continue
        # Schema statements cannot share a transaction with data writes.
        for statement in migration.statements:
            await _apply(graph, statement)
        await graph.write(_recorder(migration))
        applied.append(migration.version)
    await graph.read("CALL db.awaitIndexes(300)")
    return applied


async def _apply(graph: Graph, statement: LiteralString) -> None:
    try:
        await graph.write(lambda tx: run(tx, statement))
    except ClientError as e:
        # `IF NOT EXISTS` does not cover a rule another hub creates at the same moment: its twin
        # is already there, which is what this statement wanted.
        if e.code != "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists":
            raise


def _recorder(migration: Migration) -> Callable[[Tx], Awaitable[object]]:
    return lambda tx: _record(tx, migration)


async def _record(tx: Tx, migration: Migration) -> None:
    await run(
        tx,
        "MERGE (v:SchemaVersion {version: $version}) "
        "SET v.description = $description, v.appliedAt = datetime()",
        version=migration.version,
        description=migration.description,
    )
