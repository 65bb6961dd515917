"""Who a signed-in person is, the roles granted to them, rule checks that need the graph, and
their personal data: export (`my_data`) and erasure (`erase`).

Roles granted by an administrator live on the Person (`roles`); team lead and member come from
`MEMBER_OF`. Erasure keeps the audit trail: Activity entries stay with their `actorId`, and the
erased person's name, email and title inside their summaries and before/after values are replaced
by the pseudonym, so the trail still says *that* something was done, and by which account.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Final, LiteralString

from graph import activity, entities
from graph.access import GrantedRole, Viewer
from graph.driver import Graph, Record, Tx, native, run
from graph.errors import DomainError, InvalidInput, NotFound, Unauthenticated
from graph.model import Asked, Computed, Embed, InPython, Narrowing, Reach, Value, shape

# The live Person (neither archived nor erased) with `$callerEmail`, as the rows of
# `viewer_from_rows`: the sign-in lookup reads it, and a page or a write reads it again with its
# own facts, to act on a remembered caller only while the graph still says the same
# (hub/auth/callers.py). Its variable is named `caller` so that it cannot meet a person `p` of the
# query it is part of.
CALLER: Final[LiteralString] = (
    "COLLECT { MATCH (caller:Person {email: $callerEmail})"
    " WHERE caller.archivedAt IS NULL AND caller.erasedAt IS NULL"
    " RETURN {id: caller.id, roles: coalesce(caller.roles, [])} }"
)


async def viewer_for_email(graph: Graph, email: str, *, bootstrap_admin: bool = False) -> Viewer | None:
    """The Viewer for a signed-in email, or None when no live Person has it.

    `bootstrap_admin` (an email in HUB_ADMIN_EMAILS) makes the caller an administrator even before
    any Person exists, so a fresh production graph can be set up.
    """
    rows = await graph.read("RETURN " + CALLER + " AS caller", callerEmail=email)
    return viewer_from_rows(rows[0]["caller"], email, bootstrap_admin=bootstrap_admin)


class CallerChanged(DomainError):
    """The caller is no longer who they were when the request began (a role changed, the person
    was archived or erased): nothing was written; the request is to be made again."""

    code = "CALLER_CHANGED"

    def __init__(self) -> None:
        super().__init__("your account changed while this request ran; nothing was changed, try again")


def _basis(rows: list[Record]) -> tuple[str, tuple[str, ...]]:
    return (rows[0]["id"], tuple(rows[0]["roles"])) if rows else ("", ())


# Whether `caller` (CALLER, read in the write's statement) still says what the viewer was made
# from: `confirm_caller` as a Cypher guard, with `caller_params`.
CONFIRMED: Final[LiteralString] = (
    "($callerBasis IS NULL OR [coalesce(head(caller).id, ''), coalesce(head(caller).roles, [])] = $callerBasis)"
)


def caller_params(viewer: Viewer) -> dict[str, Any]:
    """The parameters of CALLER and CONFIRMED for `viewer`."""
    basis = None if viewer.basis is None else [viewer.basis[0], list(viewer.basis[1])]
    return {"callerEmail": viewer.email, "callerBasis": basis}


def confirm_caller(viewer: Viewer, rows: list[Record]) -> None:
    """CallerChanged unless `rows` (CALLER, read in the write's transaction) still say what the
    viewer was made from; viewers not made from a read (jobs, tests) pass."""
    if viewer.basis is not None and _basis(rows) != viewer.basis:
        raise CallerChanged()


def viewer_from_rows(rows: list[Record], email: str, *, bootstrap_admin: bool) -> Viewer | None:
    """The Viewer from the live Person rows ({id, roles}) found for `email`."""
    roles = (
        frozenset(GrantedRole(r) for r in rows[0]["roles"] if r in GrantedRole.__members__)
        if rows
        else frozenset()
    )
    if bootstrap_admin:
        roles = roles | {GrantedRole.ADMIN}
    if not rows and not bootstrap_admin:
        return None
    viewer = Viewer.signed_in_as(rows[0]["id"] if rows else None, email, frozenset(roles))
    return dataclasses.replace(viewer, basis=_basis(rows))


async def leads_team(graph: Graph, viewer: Viewer, team_id: str) -> bool:
    """True when the viewer is the lead of this team."""
    if viewer.person_id is None:
        return False
    rows = await graph.read(
        "RETURN EXISTS { (:Person {id: $viewerId})-[:MEMBER_OF {role: 'LEAD'}]->(:ProjectTeam {id: $teamId}) }"
        " AS lead",
        viewerId=viewer.person_id,
        teamId=team_id,
    )
    return bool(rows[0]["lead"])


async def member_of(graph: Graph, viewer: Viewer, team_id: str) -> bool:
    """True when the viewer is a member of this team, in any role."""
    if viewer.person_id is None:
        return False
    rows = await graph.read(
        "RETURN EXISTS { (:Person {id: $viewerId})-[:MEMBER_OF]->(:ProjectTeam {id: $teamId}) } AS member",
        viewerId=viewer.person_id,
        teamId=team_id,
    )
    return bool(rows[0]["member"])


async def _read_roles(tx: Tx, id: str) -> Record:
    rows = await run(tx, "MATCH (p:Person {id: $id}) RETURN {roles: coalesce(p.roles, [])} AS node", id=id)
    return rows[0]["node"]


async def set_roles(graph: Graph, person_id: str, roles: list[GrantedRole], actor_id: str | None) -> Record:
    """Replace the roles granted to a person (an administrator's act, recorded as Activity)."""
    wanted = sorted({GrantedRole(r).value for r in roles})

    async def apply(tx: Tx, _: Record) -> None:
        await run(tx, "MATCH (p:Person {id: $id}) SET p.roles = $roles", id=person_id, roles=wanted)

    await entities.change(
        graph,
        label="Person",
        id=person_id,
        verb="person.roles_set",
        actor_id=actor_id,
        read=_read_roles,
        apply=apply,
        summary=lambda n: "roles set: " + (", ".join(n["roles"]) or "none"),
    )
    rows = await graph.read("MATCH (p:Person {id: $id}) RETURN p {.*} AS node", id=person_id)
    return rows[0]["node"]


# Everything the hub holds about the person `$id`: profile, skills, memberships (in every team,
# restricted or not: they are the person's own), and the activities by or about them.
MY_DATA_QUERY: Final[LiteralString] = """
MATCH (p:Person {id: $id})
RETURN {profile: p {.*},
  institution: head([(p)-[:WORKS_AT]->(i) | {id: i.id, code: i.code, nameLv: i.nameLv}]),
  skills: [(p)-[h:HAS_SKILL]->(s) | {skillId: s.id, name: s.name, level: h.level}],
  memberships: [(p)-[m:MEMBER_OF]->(t) | {teamId: t.id, team: t.name, role: m.role, allocation: m.allocation,
                                          since: m.since}],
  activities: COLLECT { MATCH (a:Activity) WHERE a.actorId = $id OR a.targetId = $id
                        RETURN a {.*} AS a ORDER BY a.seq }} AS value
"""


def finish_my_data(raw: Record | None) -> dict[str, Any]:
    """The export as JSON: temporal values as Python's str() writes them."""
    if raw is None:
        raise NotFound("Person", "", "id")
    data: dict[str, Any] = json.loads(json.dumps(native(raw), default=str))
    return data


MY_DATA = InPython(
    "Query.myData",
    "a JSON export of every property held about the person, dates and times as Python's str() writes them",
    finish_my_data,
)


def _my_data_params(asked: Asked) -> Narrowing:
    if asked.viewer.person_id is None:
        raise Unauthenticated("sign in as a person to export your data")
    return Narrowing(params={"id": asked.viewer.person_id})


MY_DATA_FIELD = Computed(MY_DATA_QUERY, MY_DATA, _my_data_params)

# `me`: the signed-in caller (null for nobody), from the statement's viewer parameters.
ME = Embed("SignedIn", {}, when="$viewerSignedIn AND $viewerEmail IS NOT NULL")
SIGNED_IN = shape(
    "SignedIn",
    (),
    {
        "email": Value("$viewerEmail"),
        "roles": Value("$viewerRoles"),
        "admin": Value("$viewerAdmin"),
        "person": Reach("MATCH ({person}:Person {id: $viewerId})", "Person", "person", many=False),
    },
)


async def my_data(graph: Graph, person_id: str) -> dict[str, Any]:
    """Everything the hub holds about one person (`MY_DATA_QUERY`)."""
    rows = await graph.read(MY_DATA_QUERY, id=person_id)
    if not rows:
        raise NotFound("Person", person_id)
    return finish_my_data(rows[0]["value"])


def pseudonym(person_id: str) -> str:
    return f"Erased person {person_id.rpartition('_')[2][:4]}"


def _scrub(text: str | None, secrets: list[str], replacement: str) -> str | None:
    if text is None:
        return None
    for secret in secrets:
        text = text.replace(secret, replacement)
    return text


async def erase(graph: Graph, person_id: str, actor_id: str | None) -> Record:
    """Erase a person: memberships ended, skills and personal fields removed, name replaced by a
    pseudonym; their Activity entries stay, with personal values in them pseudonymised."""

    async def work(tx: Tx) -> Record:
        found = await run(
            tx,
            "MATCH (p:Person {id: $id}) RETURN p.name AS name, p.email AS email, p.title AS title, "
            "p.erasedAt IS NOT NULL AS erased",
            id=person_id,
        )
        if not found:
            raise NotFound("Person", person_id, "id")
        if found[0]["erased"]:
            raise InvalidInput.one("id", "this person has already been erased")
        name = pseudonym(person_id)
        secrets = sorted(
            (s for s in (found[0]["name"], found[0]["email"], found[0]["title"]) if s), key=len, reverse=True
        )
        teams = await run(
            tx,
            """
            MATCH (p:Person {id: $id})
            OPTIONAL MATCH (p)-[m:MEMBER_OF]->(t:ProjectTeam)
            WITH p, collect(t.id) AS teamIds, collect(m) AS ms
            FOREACH (m IN ms | DELETE m)
            WITH p, teamIds
            OPTIONAL MATCH (p)-[h:HAS_SKILL]->()
            DELETE h
            WITH DISTINCT p, teamIds
            SET p.name = $name, p.email = $email, p.title = null, p.languages = [], p.roles = [],
                p.erasedAt = datetime(), p.archivedAt = coalesce(p.archivedAt, datetime()),
                p.updatedAt = datetime()
            RETURN teamIds
            """,
            id=person_id,
            name=name,
            email=f"erased-{person_id}@erased.invalid",
        )
        # The trail is kept; only the personal values inside it are replaced by the pseudonym.
        mentions = await run(
            tx,
            "MATCH (a:Activity) WHERE a.targetId = $id OR any(s IN $secrets WHERE a.summary CONTAINS s "
            "OR a.before CONTAINS s OR a.after CONTAINS s) RETURN a.id AS id, a.summary AS summary, "
            "a.before AS before, a.after AS after",
            id=person_id,
            secrets=secrets,
        )
        await run(
            tx,
            "UNWIND $rows AS r MATCH (a:Activity {id: r.id}) "
            "SET a.summary = r.summary, a.before = r.before, a.after = r.after, a.pseudonymisedAt = datetime()",
            rows=[
                {k: (_scrub(v, secrets, name) if k != "id" else v) for k, v in m.items()} for m in mentions
            ],
        )
        node = {"id": person_id, "name": name, "erased": True}
        await activity.record(
            tx,
            verb="person.erased",
            actor_id=actor_id,
            target_id=person_id,
            scope_ids=teams[0]["teamIds"],
            summary=f"{name}: personal data erased",
            after=node,
        )
        rows = await run(tx, "MATCH (p:Person {id: $id}) RETURN p {.*} AS node", id=person_id)
        return rows[0]["node"]

    return await graph.write(work)
