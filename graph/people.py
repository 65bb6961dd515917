"""People: civil servants, each `WORKS_AT` one institution and `HAS_SKILL` skills with a level."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Final, LiteralString

from pydantic import Field, StringConstraints

from graph import activity, entities, pagination
from graph.driver import Graph, Record, Tx, run
from graph.errors import Conflict
from graph.ids import new_id
from graph.model import Asked, Connection, Embed, Key, Node, Order, Page, Reach, Value, by_id, entity, shape
from graph.validation import Email, Input, Name, PublicId, ShortText, SkillLevel, patch_properties

Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
Languages = Annotated[list[Language], Field(max_length=10)]


class PersonOrder(StrEnum):
    NAME = "NAME"
    EMAIL = "EMAIL"
    CREATED = "CREATED"


class PersonSkillInput(Input):
    skill_id: PublicId
    level: SkillLevel


class PersonInput(Input):
    name: Name
    email: Email
    title: ShortText | None = None
    languages: Languages = ["lv"]
    institution_id: PublicId
    skills: Annotated[list[PersonSkillInput], Field(max_length=50)] = []


class PersonPatch(Input):
    name: Name | None = None
    email: Email | None = None
    title: ShortText | None = None
    languages: Languages | None = None
    institution_id: PublicId | None = None


PERSON = entity(
    "Person",
    {
        "institution": Reach("MATCH ({n})-[:WORKS_AT]->({i}:Institution)", "Institution", "i", many=False),
        "skills": Reach(
            "MATCH ({n})-[{rel}:HAS_SKILL]->({skill}:Skill)",
            "PersonSkill",
            {"rel": "rel", "skill": "skill"},
            order="{rel}.level DESC, {skill}.key",
        ),
        # Active teams first; the rule of teams leaves out those the viewer may not see.
        "memberships": Reach(
            "MATCH ({n})-[{rel}:MEMBER_OF]->({team}:ProjectTeam)",
            "Membership",
            {"rel": "rel", "person": "n", "team": "team"},
            order="CASE {team}.status WHEN 'ACTIVE' THEN 0 WHEN 'FORMING' THEN 1 ELSE 2 END, {team}.name",
        ),
        "invitations": Reach("MATCH ({n})<-[:INVITES]-({invitation}:Invitation)", "Invitation", "invitation"),
        # A person's own e-mail settings (graph/notification_settings.py), shown to them only.
        "notificationSettings": Embed("NotificationSettings", {"p": "n"}, when="{n}.id = $viewerId"),
    },
)

PERSON_SKILL = shape(
    "PersonSkill", ("rel", "skill"), {"level": Value("{rel}.level"), "skill": Node("skill", "Skill")}
)

_PERSON_KEYS: Final = {
    PersonOrder.NAME: Key("{node}.name"),
    PersonOrder.EMAIL: Key("{node}.email"),
    PersonOrder.CREATED: Key("coalesce({node}.createdAt, datetime('1970-01-01T00:00Z'))", "datetime"),
}


def _people_page(asked: Asked) -> Page:
    """`people(filter, orderBy, descending, first, after)`. Anchored on the most selective filter
    given (an institution's staff, then a skill's holders) instead of testing every person; the
    institution filter is the anchor itself (a person works at one institution)."""
    f = asked.args.get("filter") or {}
    if f.get("institutionId") is not None:
        match: LiteralString = "MATCH (:Institution {id: $institutionId})<-[:WORKS_AT]-({node}:Person)"
    elif f.get("skillId") is not None:
        match = "MATCH (:Skill {id: $skillId})<-[:HAS_SKILL]-({node}:Person)"
    else:
        match = "MATCH ({node}:Person)"
    where: list[LiteralString] = []
    if not f.get("includeArchived"):
        where.append("{node}.archivedAt IS NULL")
    if f.get("skillId") is not None:
        where.append(
            "EXISTS { MATCH ({node})-[held:HAS_SKILL]->(:Skill {id: $skillId}) WHERE held.level >= $minLevel }"
        )
    if f.get("text") is not None:
        where.append(
            "(toLower({node}.name) CONTAINS toLower($text) OR toLower({node}.email) CONTAINS toLower($text)"
            " OR toLower({node}.title) CONTAINS toLower($text))"
        )
    order = PersonOrder(asked.args.get("orderBy", PersonOrder.NAME))
    key = _PERSON_KEYS[order]
    descending = bool(asked.args.get("descending"))
    return pagination.page(
        asked,
        match,
        Order(
            "PEOPLE_BY_" + order.value + ("_DESC" if descending else ""),
            (Key(key.cypher, key.kind, descending),),
        ),
        where=tuple(where),
        params={
            "institutionId": f.get("institutionId"),
            "skillId": f.get("skillId"),
            "minLevel": f.get("minSkillLevel", 1),
            "text": f.get("text"),
        },
    )


PEOPLE = Connection("Person", _people_page)
PERSON_BY_ID = by_id("Person")


async def _read(tx: Tx, id: str) -> Record:
    rows = await run(
        tx,
        "MATCH (n:Person {id: $id}) "
        "RETURN n {.*, institutionId: head([(n)-[:WORKS_AT]->(i) | i.id]), "
        "skills: [(n)-[h:HAS_SKILL]->(s) | {skillId: s.id, level: h.level}]} AS node",
        id=id,
    )
    return rows[0]["node"]


async def _check_email_free(tx: Tx, email: str, own_id: str | None) -> None:
    rows = await run(tx, "MATCH (n:Person {email: $email}) RETURN n.id AS id", email=email)
    if rows and rows[0]["id"] != own_id:
        raise Conflict("email", f"{email} is already used by another person")


async def _set_institution(tx: Tx, id: str, institution_id: str) -> None:
    await entities.require(tx, "Institution", institution_id, "institutionId")
    await run(
        tx,
        """
        MATCH (n:Person {id: $id}), (i:Institution {id: $institutionId})
        OPTIONAL MATCH (n)-[old:WORKS_AT]->() DELETE old
        WITH DISTINCT n, i CREATE (n)-[:WORKS_AT]->(i)
        """,
        id=id,
        institutionId=institution_id,
    )


async def _set_skill(tx: Tx, id: str, skill_id: str, level: int) -> None:
    await entities.require(tx, "Skill", skill_id, "skillId")
    await run(
        tx,
        "MATCH (n:Person {id: $id}), (s:Skill {id: $skillId}) MERGE (n)-[h:HAS_SKILL]->(s) SET h.level = $level",
        id=id,
        skillId=skill_id,
        level=level,
    )


async def create(graph: Graph, data: PersonInput, actor_id: str | None) -> Record:
    async def work(tx: Tx) -> Record:
        await _check_email_free(tx, data.email, None)
        id = new_id("Person")
        await run(
            tx,
            "CREATE (n:Person:Entity {id: $id, name: $name, email: $email, title: $title, "
            "languages: $languages, createdAt: datetime(), updatedAt: datetime()})",
            id=id,
            name=data.name,
            email=data.email,
            title=data.title,
            languages=data.languages,
        )
        await _set_institution(tx, id, data.institution_id)
        for skill in data.skills:
            await _set_skill(tx, id, skill.skill_id, skill.level)
        node = await _read(tx, id)
        await activity.record(
            tx,
            verb="person.created",
            actor_id=actor_id,
            target_id=id,
            scope_ids=[data.institution_id],
            summary=f"{data.name} added",
            after=node,
        )
        return node

    return await graph.write(work)


def _scope(node: Record) -> list[str]:
    return [node["institutionId"]]


async def update(graph: Graph, id: str, patch: PersonPatch, actor_id: str | None) -> Record:
    props = patch_properties(patch, nullable=frozenset({"title"}))
    institution_id = props.pop("institutionId", None)

    async def apply(tx: Tx, _: Record) -> None:
        if "email" in props:
            await _check_email_free(tx, props["email"], id)
        await entities.set_properties(tx, id, props)
        if institution_id is not None:
            await _set_institution(tx, id, institution_id)

    return await entities.change(
        graph,
        label="Person",
        id=id,
        verb="person.updated",
        actor_id=actor_id,
        read=_read,
        apply=apply,
        scope=_scope,
        summary=lambda n: f"{n['name']} updated",
    )


async def set_skill(graph: Graph, id: str, skill: PersonSkillInput, actor_id: str | None) -> Record:
    return await entities.change(
        graph,
        label="Person",
        id=id,
        id_field="personId",
        verb="person.skill_set",
        actor_id=actor_id,
        read=_read,
        scope=lambda _: [skill.skill_id],
        apply=lambda tx, _: _set_skill(tx, id, skill.skill_id, skill.level),
        summary=lambda n: f"{n['name']}: skill level {skill.level}",
    )


async def remove_skill(graph: Graph, id: str, skill_id: str, actor_id: str | None) -> Record:
    async def apply(tx: Tx, _: Record) -> None:
        await entities.require(tx, "Skill", skill_id, "skillId")
        await run(
            tx,
            "MATCH (:Person {id: $id})-[h:HAS_SKILL]->(:Skill {id: $skillId}) DELETE h",
            id=id,
            skillId=skill_id,
        )

    return await entities.change(
        graph,
        label="Person",
        id=id,
        id_field="personId",
        verb="person.skill_removed",
        actor_id=actor_id,
        read=_read,
        apply=apply,
        scope=lambda _: [skill_id],
        summary=lambda n: f"{n['name']}: skill removed",
    )


async def archive(graph: Graph, id: str, actor_id: str | None) -> Record:
    return await entities.change(
        graph,
        label="Person",
        id=id,
        verb="person.archived",
        actor_id=actor_id,
        read=_read,
        apply=lambda tx, _: entities.mark_archived(tx, id),
        scope=_scope,
        summary=lambda n: f"{n['name']} archived",
    )
