"""Skills: a shared vocabulary, matched case-insensitively by `key`."""

from __future__ import annotations

from typing import Final, LiteralString

from graph import activity, entities, pagination
from graph.driver import Graph, Record, Tx, run
from graph.errors import Conflict, InvalidInput
from graph.ids import new_id
from graph.model import Asked, Connection, Key, Narrowing, Order, Page, Reach, by_id, entity
from graph.validation import Input, Name


class SkillInput(Input):
    name: Name


def skill_key(name: str) -> str:
    return " ".join(name.lower().split())


def _people(asked: Asked) -> Narrowing:
    first = asked.args["first"]
    if not 0 <= first <= asked.max_page_size:
        raise InvalidInput.one("first", f"must be between 0 and {asked.max_page_size}")
    return Narrowing(
        where=("{rel}.level >= $minLevel",),
        params={"minLevel": asked.args["minLevel"], "first": first},
        limit="$first",
    )


SKILL = entity(
    "Skill",
    {
        # The strongest first, at most `first`: page through all of them with people(filter: {skillId}).
        "people": Reach(
            "MATCH ({n})<-[{rel}:HAS_SKILL]-({person}:Person)",
            "Person",
            "person",
            where="{person}.archivedAt IS NULL",
            order="{rel}.level DESC, {person}.name",
            args=_people,
        ),
    },
)


def _skills_page(asked: Asked) -> Page:
    text = asked.args.get("text")
    where: tuple[LiteralString, ...] = ("{node}.archivedAt IS NULL",)
    if text is not None:
        where += ("toLower({node}.key) CONTAINS toLower($text)",)
    return pagination.page(asked, "MATCH ({node}:Skill)", _BY_KEY, where=where, params={"text": text})


_BY_KEY: Final = Order("SKILLS_BY_KEY", (Key("{node}.key"),))
SKILLS = Connection("Skill", _skills_page)
SKILL_BY_ID = by_id("Skill")


async def merge_by_name(tx: Tx, names: list[str]) -> dict[str, str]:
    """Skill ids for these names, creating the missing ones; keyed by skill key."""
    rows = await run(
        tx,
        """
        UNWIND $skills AS s
        MERGE (n:Skill {key: s.key})
          ON CREATE SET n:Entity, n.id = s.id, n.name = s.name, n.createdAt = datetime(),
                        n.updatedAt = datetime()
        RETURN n.key AS key, n.id AS id
        """,
        skills=[{"key": skill_key(n), "name": n, "id": new_id("Skill")} for n in names],
    )
    return {r["key"]: r["id"] for r in rows}


async def create(graph: Graph, data: SkillInput, actor_id: str | None) -> Record:
    async def work(tx: Tx) -> Record:
        existing = await run(tx, "MATCH (n:Skill {key: $key}) RETURN n.id AS id", key=skill_key(data.name))
        if existing:
            raise Conflict("name", f"skill {data.name!r} already exists")
        ids = await merge_by_name(tx, [data.name])
        node = await entities.require(tx, "Skill", ids[skill_key(data.name)])
        await activity.record(
            tx,
            verb="skill.created",
            actor_id=actor_id,
            target_id=node["id"],
            summary=f"Skill {data.name} created",
            after=node,
        )
        return node

    return await graph.write(work)


async def _read(tx: Tx, id: str) -> Record:
    return await entities.require(tx, "Skill", id)


async def rename(graph: Graph, id: str, data: SkillInput, actor_id: str | None) -> Record:
    async def apply(tx: Tx, _: Record) -> None:
        taken = await run(tx, "MATCH (n:Skill {key: $key}) RETURN n.id AS id", key=skill_key(data.name))
        if taken and taken[0]["id"] != id:
            raise Conflict("name", f"skill {data.name!r} already exists")
        await entities.set_properties(tx, id, {"name": data.name, "key": skill_key(data.name)})

    return await entities.change(
        graph,
        label="Skill",
        id=id,
        verb="skill.updated",
        actor_id=actor_id,
        read=_read,
        apply=apply,
        summary=lambda n: f"Skill renamed to {n['name']}",
    )


async def archive(graph: Graph, id: str, actor_id: str | None) -> Record:
    return await entities.change(
        graph,
        label="Skill",
        id=id,
        verb="skill.archived",
        actor_id=actor_id,
        read=_read,
        apply=lambda tx, _: entities.mark_archived(tx, id),
        summary=lambda n: f"Skill {n['name']} archived",
    )
