"""Institutions: ministries, the centre of government, agencies; `SUBORDINATE_TO` a parent."""

from __future__ import annotations

from enum import StrEnum
from typing import Final, LiteralString

from graph import activity, entities, pagination
from graph.driver import Graph, Record, Tx, run
from graph.errors import Conflict, InvalidInput
from graph.ids import new_id
from graph.model import Asked, Connection, Key, Narrowing, Order, Page, Reach, by_id, entity
from graph.validation import Code, Input, Name, PublicId, patch_properties


class InstitutionKind(StrEnum):
    MINISTRY = "MINISTRY"
    CENTRE_OF_GOVERNMENT = "CENTRE_OF_GOVERNMENT"
    AGENCY = "AGENCY"
    OTHER = "OTHER"


class InstitutionOrder(StrEnum):
    NAME = "NAME"
    CODE = "CODE"
    CREATED = "CREATED"


class InstitutionInput(Input):
    code: Code
    name_lv: Name
    name_en: Name
    kind: InstitutionKind
    parent_id: PublicId | None = None


class InstitutionPatch(Input):
    code: Code | None = None
    name_lv: Name | None = None
    name_en: Name | None = None
    kind: InstitutionKind | None = None
    parent_id: PublicId | None = None


def _first_people(asked: Asked) -> Narrowing:
    first = asked.args["first"]
    if not 0 <= first <= asked.max_page_size:
        raise InvalidInput.one("first", f"must be between 0 and {asked.max_page_size}")
    return Narrowing(params={"first": first}, limit="$first")


INSTITUTION = entity(
    "Institution",
    {
        "parent": Reach(
            "MATCH ({n})-[:SUBORDINATE_TO]->({parent}:Institution)", "Institution", "parent", many=False
        ),
        "subordinates": Reach(
            "MATCH ({n})<-[:SUBORDINATE_TO]-({sub}:Institution)",
            "Institution",
            "sub",
            where="{sub}.archivedAt IS NULL",
            order="{sub}.nameLv",
        ),
        "people": Reach(
            "MATCH ({n})<-[:WORKS_AT]-({person}:Person)",
            "Person",
            "person",
            where="{person}.archivedAt IS NULL",
            order="{person}.name",
            args=_first_people,
        ),
        "issues": Reach(
            "MATCH ({n})<-[{rel}:AFFECTS]-({issue}:HorizontalIssue)",
            "Impact",
            {"rel": "rel", "issue": "issue", "institution": "n"},
            where="{issue}.archivedAt IS NULL",
            order="{issue}.title",
        ),
    },
)

_INSTITUTION_KEYS: Final = {
    InstitutionOrder.NAME: Key("{node}.nameLv"),
    InstitutionOrder.CODE: Key("{node}.code"),
    InstitutionOrder.CREATED: Key("coalesce({node}.createdAt, datetime('1970-01-01T00:00Z'))", "datetime"),
}


def _institutions_page(asked: Asked) -> Page:
    f = asked.args.get("filter") or {}
    where: list[LiteralString] = []
    if not f.get("includeArchived"):
        where.append("{node}.archivedAt IS NULL")
    if f.get("kind") is not None:
        where.append("{node}.kind = $kind")
    if f.get("parentId") is not None:
        where.append("EXISTS { ({node})-[:SUBORDINATE_TO]->(:Institution {id: $parentId}) }")
    if f.get("text") is not None:
        where.append(
            "(toLower({node}.nameLv) CONTAINS toLower($text) OR toLower({node}.nameEn) CONTAINS toLower($text)"
            " OR toLower({node}.code) CONTAINS toLower($text))"
        )
    order = InstitutionOrder(asked.args.get("orderBy", InstitutionOrder.NAME))
    key = _INSTITUTION_KEYS[order]
    descending = bool(asked.args.get("descending"))
    return pagination.page(
        asked,
        "MATCH ({node}:Institution)",
        Order(
            "INSTITUTIONS_BY_" + order.value + ("_DESC" if descending else ""),
            (Key(key.cypher, key.kind, descending),),
        ),
        where=tuple(where),
        params={k: f.get(k) for k in ("kind", "parentId", "text")},
    )


INSTITUTIONS = Connection("Institution", _institutions_page)
INSTITUTION_BY_ID = by_id("Institution")


async def _set_parent(tx: Tx, id: str, parent_id: str | None) -> None:
    if parent_id is not None:
        await entities.require(tx, "Institution", parent_id, "parentId")
        cycle = await run(
            tx,
            "MATCH (p:Institution {id: $parentId}) "
            "RETURN p.id = $id OR EXISTS { (p)-[:SUBORDINATE_TO*1..]->(:Institution {id: $id}) } AS cycle",
            id=id,
            parentId=parent_id,
        )
        if cycle[0]["cycle"]:
            raise Conflict("parentId", "would make the institution subordinate to itself")
    await run(
        tx,
        """
        MATCH (n:Institution {id: $id})
        OPTIONAL MATCH (n)-[old:SUBORDINATE_TO]->() DELETE old
        WITH DISTINCT n
        OPTIONAL MATCH (p:Institution {id: $parentId})
        FOREACH (_ IN CASE WHEN p IS NULL THEN [] ELSE [1] END | CREATE (n)-[:SUBORDINATE_TO]->(p))
        """,
        id=id,
        parentId=parent_id,
    )


async def _read(tx: Tx, id: str) -> Record:
    rows = await run(
        tx,
        "MATCH (n:Institution {id: $id}) "
        "RETURN n {.*, parentId: head([(n)-[:SUBORDINATE_TO]->(p) | p.id])} AS node",
        id=id,
    )
    return rows[0]["node"]


async def create(graph: Graph, data: InstitutionInput, actor_id: str | None) -> Record:
    async def work(tx: Tx) -> Record:
        id = new_id("Institution")
        await run(
            tx,
            "CREATE (n:Institution:Entity {id: $id, code: $code, nameLv: $nameLv, nameEn: $nameEn, "
            "kind: $kind, createdAt: datetime(), updatedAt: datetime()})",
            id=id,
            code=data.code,
            nameLv=data.name_lv,
            nameEn=data.name_en,
            kind=data.kind.value,
        )
        await _set_parent(tx, id, data.parent_id)
        node = await _read(tx, id)
        await activity.record(
            tx,
            verb="institution.created",
            actor_id=actor_id,
            target_id=id,
            summary=f"Institution {data.code} created",
            after=node,
        )
        return node

    return await graph.write(work)


async def update(graph: Graph, id: str, patch: InstitutionPatch, actor_id: str | None) -> Record:
    props = patch_properties(patch, nullable=frozenset({"parent_id"}))
    parent_given = "parentId" in props
    parent_id = props.pop("parentId", None)

    async def apply(tx: Tx, _: Record) -> None:
        await entities.set_properties(tx, id, props)
        if parent_given:
            await _set_parent(tx, id, parent_id)

    return await entities.change(
        graph,
        label="Institution",
        id=id,
        verb="institution.updated",
        actor_id=actor_id,
        read=_read,
        apply=apply,
        summary=lambda n: f"Institution {n['code']} updated",
    )


async def archive(graph: Graph, id: str, actor_id: str | None) -> Record:
    return await entities.change(
        graph,
        label="Institution",
        id=id,
        verb="institution.archived",
        actor_id=actor_id,
        read=_read,
        apply=lambda tx, _: entities.mark_archived(tx, id),
        summary=lambda n: f"Institution {n['code']} archived",
    )
