"""People: civil servants, each `WORKS_AT` one institution and `HAS_SKILL` skills with a level."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, LiteralString

from pydantic import Field, StringConstraints

from graph import activity, entities
from graph.driver import Graph, Record, Tx, run
from graph.errors import Conflict
from graph.ids import new_id
from graph.pagination import Page, PageRequest
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


async def by_ids(graph: Graph, ids: list[str]) -> dict[str, Record]:
    rows = await graph.read(
        "UNWIND $ids AS id MATCH (n:Person {id: id}) "
        "RETURN n {.*, institutionId: head([(n)-[:WORKS_AT]->(i) | i.id])} AS node",
        ids=ids,
    )
    return {r["node"]["id"]: r["node"] for r in rows}


async def skills_of(graph: Graph, ids: list[str]) -> dict[str, list[Record]]:
    """Each person's skills, strongest first: [{skillId, level}]."""
    rows = await graph.read(
        """
        UNWIND $ids AS id
        MATCH (:Person {id: id})-[h:HAS_SKILL]->(s:Skill)
        WITH id, h, s ORDER BY h.level DESC, s.key
        RETURN id, collect({skillId: s.id, level: h.level}) AS skills
        """,
        ids=ids,
    )
    return {r["id"]: r["skills"] for r in rows}


async def working_at(graph: Graph, ids: list[str], limit: int) -> dict[str, list[Record]]:
    """Up to `limit` current people per institution, by name."""
    rows = await graph.read(
        """
        UNWIND $ids AS id
        CALL (id) {
          MATCH (:Institution {id: id})<-[:WORKS_AT]-(n:Person)
          WHERE n.archivedAt IS NULL
          RETURN n ORDER BY n.name LIMIT $limit
        }
        RETURN id, collect(n {.*, institutionId: id}) AS nodes
        """,
        ids=ids,
        limit=limit,
    )
    return {r["id"]: r["nodes"] for r in rows}


_FROM_INSTITUTION: LiteralString = "MATCH (:Institution {id: $institutionId})<-[:WORKS_AT]-(n:Person)"
_FROM_SKILL: LiteralString = "MATCH (:Skill {id: $skillId})<-[:HAS_SKILL]-(n:Person)"
_FROM_EVERYONE: LiteralString = "MATCH (n:Person)"


async def list_page(
    graph: Graph,
    page: PageRequest,
    *,
    institution_id: str | None = None,
    skill_id: str | None = None,
    min_level: int = 1,
    text: str | None = None,
    include_archived: bool = False,
    order: PersonOrder = PersonOrder.NAME,
    descending: bool = False,
) -> Page:
    # Anchor on the most selective filter given (an institution's staff, then a skill's holders)
    # instead of testing every person: one of three constant starts, the rest of the query shared.
    # The institution filter is the anchor itself (a person works at one institution).
    start = _FROM_INSTITUTION if institution_id else _FROM_SKILL if skill_id else _FROM_EVERYONE
    rows = await graph.read(
        start
        + """
        WHERE ($includeArchived OR n.archivedAt IS NULL)
          AND ($skillId IS NULL OR EXISTS {
                MATCH (n)-[h:HAS_SKILL]->(:Skill {id: $skillId}) WHERE h.level >= $minLevel })
          AND ($text IS NULL OR toLower(n.name) CONTAINS toLower($text)
               OR toLower(n.email) CONTAINS toLower($text) OR toLower(n.title) CONTAINS toLower($text))
        WITH n, CASE $order WHEN 'EMAIL' THEN n.email WHEN 'CREATED' THEN toString(n.createdAt)
                ELSE n.name END AS key
        ORDER BY CASE WHEN $desc THEN null ELSE key END ASC,
                 CASE WHEN $desc THEN key ELSE null END DESC, n.id
        WITH collect(n) AS matched
        RETURN size(matched) AS total,
               [n IN matched[$skip..$skip + $first + 1] |
                n {.*, institutionId: head([(n)-[:WORKS_AT]->(i) | i.id])}] AS rows
        """,
        institutionId=institution_id,
        skillId=skill_id,
        minLevel=min_level,
        text=text,
        includeArchived=include_archived,
        order=order.value,
        desc=descending,
        skip=page.skip,
        first=page.first,
    )
    return Page.from_row(rows[0], page)


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


async def with_skill(graph: Graph, ids: list[str], min_level: int, limit: int) -> dict[str, list[Record]]:
    """Up to `limit` people per skill at `min_level` or above, strongest first."""
    rows = await graph.read(
        """
        UNWIND $ids AS id
        CALL (id) {
          MATCH (:Skill {id: id})<-[h:HAS_SKILL]-(n:Person)
          WHERE n.archivedAt IS NULL AND h.level >= $minLevel
          RETURN n ORDER BY h.level DESC, n.name LIMIT $limit
        }
        RETURN id, collect(n {.*, institutionId: head([(n)-[:WORKS_AT]->(i) | i.id])}) AS nodes
        """,
        ids=ids,
        minLevel=min_level,
        limit=limit,
    )
    return {r["id"]: r["nodes"] for r in rows}
