"""Skills: a shared vocabulary, matched case-insensitively by `key`."""

from __future__ import annotations

from graph import activity, entities
from graph.driver import Graph, Record, Tx, run
from graph.errors import Conflict
from graph.ids import new_id
from graph.pagination import Page, PageRequest
from graph.validation import Input, Name


class SkillInput(Input):
    name: Name


def skill_key(name: str) -> str:
    return " ".join(name.lower().split())


async def by_ids(graph: Graph, ids: list[str]) -> dict[str, Record]:
    rows = await graph.read("UNWIND $ids AS id MATCH (n:Skill {id: id}) RETURN n {.*} AS node", ids=ids)
    return {r["node"]["id"]: r["node"] for r in rows}


async def list_page(graph: Graph, page: PageRequest, *, text: str | None = None) -> Page:
    rows = await graph.read(
        """
        MATCH (n:Skill)
        WHERE n.archivedAt IS NULL AND ($text IS NULL OR toLower(n.key) CONTAINS toLower($text))
        WITH n ORDER BY n.key
        WITH collect(n) AS matched
        RETURN size(matched) AS total, [n IN matched[$skip..$skip + $first + 1] | n {.*}] AS rows
        """,
        text=text,
        skip=page.skip,
        first=page.first,
    )
    return Page.from_row(rows[0], page)


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
