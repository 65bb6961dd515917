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

import structlog

from graph import activity, entities, notification_settings, outbox
from graph.access import GrantedRole, SignIn, Viewer
from graph.driver import Graph, Record, Tx, native, run
from graph.errors import DomainError, InvalidInput, NotFound, Unauthenticated
from graph.model import Asked, Computed, Embed, InPython, Narrowing, Reach, Value, shape

log = structlog.get_logger(__name__)

# The live Person (neither archived nor erased) the sign-in `($callerIssuer, $callerSubject)` is
# bound to, as the rows of `viewer_from_rows`: the sign-in lookup reads it, and a page or a write
# reads it again with its own facts, to act on a remembered caller only while the graph still says
# the same (hub/auth/callers.py). Its variable is named `caller` so that it cannot meet a person
# `p` of the query it is part of.
CALLER: Final[LiteralString] = (
    "COLLECT { MATCH (:SignInIdentity {issuer: $callerIssuer, subject: $callerSubject})"
    "-[:IDENTIFIES]->(caller:Person)"
    " WHERE caller.archivedAt IS NULL AND caller.erasedAt IS NULL"
    " RETURN {id: caller.id, roles: coalesce(caller.roles, []), email: caller.email} }"
)


class SignInRefused(DomainError):
    """The token is valid, but it signs in no person; the message says why and what to do."""

    code = "UNAUTHENTICATED"


# `bindable`: a live Person has the token's e-mail, so a first sign-in has someone to bind; without
# one (a bootstrap administrator with no person, a stranger) no write transaction is opened.
_BOUND: Final[LiteralString] = (
    "RETURN EXISTS { (:SignInIdentity {issuer: $callerIssuer, subject: $callerSubject})-[:IDENTIFIES]->() }"
    " AS bound, " + CALLER + " AS caller,"
    " EXISTS { MATCH (p:Person {email: $email}) WHERE p.archivedAt IS NULL AND p.erasedAt IS NULL }"
    " AS bindable"
)

# The first sign-in of an unbound (issuer, subject): bound to the live Person with the verified
# e-mail, unless that person already signs in with another subject of the same issuer (then the
# identity provider says it is someone else). The person is write-locked first, so two first
# sign-ins for one person are decided one after the other; MERGE on the uniquely constrained
# identity makes a concurrent first sign-in with the same subject find the node, not a twin.
_BIND: Final[LiteralString] = (
    """
    OPTIONAL MATCH (p:Person {email: $email}) WHERE p.archivedAt IS NULL AND p.erasedAt IS NULL
    CALL (p) { WITH p WHERE p IS NOT NULL SET p.signInLock = true REMOVE p.signInLock }
    WITH p, EXISTS { MATCH (other:SignInIdentity {issuer: $callerIssuer})-[:IDENTIFIES]->(p)
                     WHERE other.subject <> $callerSubject } AS taken
    CALL (p, taken) {
      WITH p WHERE p IS NOT NULL AND NOT taken
      MERGE (i:SignInIdentity {issuer: $callerIssuer, subject: $callerSubject})
        ON CREATE SET i.boundAt = datetime(), i.boundByEmail = $email
      WITH i, p WHERE NOT EXISTS { (i)-[:IDENTIFIES]->() }
      CREATE (i)-[:IDENTIFIES]->(p)
    }
    RETURN taken, """
    + CALLER
    + " AS caller"
)


async def viewer_for_sign_in(graph: Graph, sign_in: SignIn, admin_emails: frozenset[str]) -> Viewer:
    """The Viewer of a verified sign-in: the Person its (issuer, subject) is bound to, whatever
    e-mail the token carries now. An unbound (issuer, subject) is bound on first sight to the live
    Person with the token's e-mail, only when the identity provider verified that e-mail. A
    verified e-mail in `admin_emails` (HUB_ADMIN_EMAILS) makes an administrator even with no
    Person; a bound person is one when their e-mail in the graph is there. SignInRefused
    otherwise."""
    key = {"callerIssuer": sign_in.issuer, "callerSubject": sign_in.subject}
    row = (await graph.read(_BOUND, email=sign_in.email, **key))[0]
    if row["bound"]:
        if not row["caller"]:
            raise SignInRefused("this sign-in's person is archived or erased")
        return viewer_from_rows(row["caller"], sign_in, admin_emails)
    if not sign_in.email or not sign_in.email_verified:
        raise SignInRefused(
            "this sign-in is not yet linked to a person, and the identity provider has not verified "
            "its e-mail address, which is what links it: verify the address with the identity provider"
        )

    async def bind(tx: Tx) -> Record:
        rows = await run(tx, _BIND, email=sign_in.email, **key)
        return rows[0]

    bound: Record = await graph.write(bind) if row["bindable"] else {"caller": [], "taken": False}
    if bound["caller"]:
        log.info(
            "sign-in bound", person=bound["caller"][0]["id"], issuer=sign_in.issuer, subject=sign_in.subject
        )
        return viewer_from_rows(bound["caller"], sign_in, admin_emails)
    if bound["taken"]:
        raise SignInRefused(
            "the person with this e-mail address already signs in with another account of this identity "
            "provider; an administrator can release that sign-in (releaseSignIns)"
        )
    if sign_in.email in admin_emails:
        return viewer_from_rows([], sign_in, admin_emails)
    raise SignInRefused("no person in the hub has this sign-in's e-mail address")


async def person_id_for_email(graph: Graph, email: str) -> str | None:
    """The live Person with this e-mail (the development identity provider's account lookup)."""
    rows = await graph.read(
        "MATCH (p:Person {email: $email}) WHERE p.archivedAt IS NULL AND p.erasedAt IS NULL RETURN p.id AS id",
        email=email,
    )
    return rows[0]["id"] if rows else None


async def closed_account(graph: Graph, person_id: str) -> str | None:
    """ "erased" or "archived" when the person's account is closed so, else None."""
    rows = await graph.read(
        "MATCH (p:Person {id: $id}) RETURN CASE WHEN p.erasedAt IS NOT NULL THEN 'erased'"
        " WHEN p.archivedAt IS NOT NULL THEN 'archived' END AS closed",
        id=person_id,
    )
    return rows[0]["closed"] if rows else None


class CallerChanged(DomainError):
    """The caller is no longer who they were when the request began (a role changed, the person
    was archived or erased, the sign-in was bound elsewhere): nothing was written; the request is
    to be made again."""

    code = "CALLER_CHANGED"

    def __init__(self) -> None:
        super().__init__("your account changed while this request ran; nothing was changed, try again")


Basis = tuple[str, tuple[str, ...], str]


def _basis(rows: list[Record]) -> Basis:
    return (rows[0]["id"], tuple(rows[0]["roles"]), rows[0]["email"] or "") if rows else ("", (), "")


# Whether `caller` (CALLER, read in the write's statement) still says what the viewer was made
# from: `confirm_caller` as a Cypher guard, with `caller_params`.
CONFIRMED: Final[LiteralString] = (
    "($callerBasis IS NULL OR [coalesce(head(caller).id, ''), coalesce(head(caller).roles, []),"
    " coalesce(head(caller).email, '')] = $callerBasis)"
)


def caller_key(viewer: Viewer) -> dict[str, Any]:
    """The parameters of CALLER for `viewer`."""
    sign_in = viewer.sign_in
    return {
        "callerIssuer": sign_in.issuer if sign_in else None,
        "callerSubject": sign_in.subject if sign_in else None,
    }


def caller_params(viewer: Viewer) -> dict[str, Any]:
    """The parameters of CALLER and CONFIRMED for `viewer`."""
    basis = None if viewer.basis is None else [viewer.basis[0], list(viewer.basis[1]), viewer.basis[2]]
    return {**caller_key(viewer), "callerBasis": basis}


def confirm_caller(viewer: Viewer, rows: list[Record]) -> None:
    """CallerChanged unless `rows` (CALLER, read in the write's transaction) still say what the
    viewer was made from; viewers not made from a read (jobs, tests) pass."""
    if viewer.basis is not None and _basis(rows) != viewer.basis:
        raise CallerChanged()


def viewer_from_rows(rows: list[Record], sign_in: SignIn, admin_emails: frozenset[str]) -> Viewer:
    """The Viewer from the live Person rows ({id, roles, email}, CALLER) found for `sign_in`; with
    none, the administrator of a verified e-mail in `admin_emails`."""
    email = rows[0]["email"] if rows else sign_in.email
    roles = (
        frozenset(GrantedRole(r) for r in rows[0]["roles"] if r in GrantedRole.__members__)
        if rows
        else frozenset()
    )
    if email in admin_emails:
        roles = roles | {GrantedRole.ADMIN}
    viewer = Viewer.signed_in_as(rows[0]["id"] if rows else None, email, roles)
    return dataclasses.replace(viewer, sign_in=sign_in, basis=_basis(rows))


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


async def _read_sign_ins(tx: Tx, id: str) -> Record:
    rows = await run(
        tx,
        "MATCH (p:Person {id: $id}) RETURN {signIns: [(i:SignInIdentity)-[:IDENTIFIES]->(p) "
        "| {issuer: i.issuer, subject: i.subject}]} AS node",
        id=id,
    )
    return rows[0]["node"]


async def release_sign_ins(graph: Graph, person_id: str, actor_id: str | None) -> Record:
    """Unbind every sign-in of a person (an administrator's act, recorded as Activity): their next
    sign-in binds afresh by verified e-mail, for when the identity provider replaced their account."""

    async def apply(tx: Tx, _: Record) -> None:
        await run(
            tx, "MATCH (i:SignInIdentity)-[:IDENTIFIES]->(:Person {id: $id}) DETACH DELETE i", id=person_id
        )

    await entities.change(
        graph,
        label="Person",
        id=person_id,
        verb="person.sign_ins_released",
        actor_id=actor_id,
        read=_read_sign_ins,
        apply=apply,
        summary=lambda _: "sign-ins released",
    )
    rows = await graph.read("MATCH (p:Person {id: $id}) RETURN p {.*} AS node", id=person_id)
    return rows[0]["node"]


# Everything the hub holds about the person `$id`: profile (with their notification settings),
# skills, memberships (in every team, restricted or not: they are the person's own), the
# activities by or about them, and the e-mail notifications addressed to them.
MY_DATA_QUERY: Final[LiteralString] = (
    """
MATCH (p:Person {id: $id})
RETURN {profile: p {.*},
  institution: head([(p)-[:WORKS_AT]->(i) | {id: i.id, code: i.code, nameLv: i.nameLv}]),
  skills: [(p)-[h:HAS_SKILL]->(s) | {skillId: s.id, name: s.name, level: h.level}],
  memberships: [(p)-[m:MEMBER_OF]->(t) | {teamId: t.id, team: t.name, role: m.role, allocation: m.allocation,
                                          since: m.since}],
  signIns: [(i:SignInIdentity)-[:IDENTIFIES]->(p) | {issuer: i.issuer, subject: i.subject, boundAt: i.boundAt}],
  activities: COLLECT { MATCH (a:Activity) WHERE a.actorId = $id OR a.targetId = $id
                        RETURN a {.*} AS a ORDER BY a.seq },
  notifications: """
    + outbox.OF_PERSON
    + """} AS value
"""
)


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
            OPTIONAL MATCH (i:SignInIdentity)-[:IDENTIFIES]->(p)
            DETACH DELETE i
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
        # Nothing more is sent to them, and their notification settings go with the rest.
        await outbox.erase_person(tx, person_id)
        await entities.set_properties(tx, person_id, notification_settings.CLEARED)
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
