"""Institutions: ministries, the centre of government, agencies; `SUBORDINATE_TO` a parent."""

from __future__ import annotations

from enum import StrEnum

from graph import activity, entities
from graph.driver import Graph, Record, Tx, run
from graph.errors import Conflict
from graph.ids import new_id
from graph.pagination import Page, PageRequest
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


async def by_ids(graph: Graph, ids: list[str]) -> dict[str, Record]:
    rows = await graph.read(
        "UNWIND $ids AS id MATCH (n:Institution {id: id}) "
        "RETURN n {.*, parentId: head([(n)-[:SUBORDINATE_TO]->(p) | p.id])} AS node",
        ids=ids,
    )
    return {r["node"]["id"]: r["node"] for r in rows}


async def subordinates_of(graph: Graph, ids: list[str]) -> dict[str, list[Record]]:
    rows = await graph.read(
        """
        UNWIND $ids AS id
        MATCH (:Institution {id: id})<-[:SUBORDINATE_TO]-(n:Institution)
        WHERE n.archivedAt IS NULL
        WITH id, n ORDER BY n.nameLv
        RETURN id, collect(n {.*, parentId: id}) AS nodes
        """,
        ids=ids,
    )
    return {r["id"]: r["nodes"] for r in rows}


async def list_page(
    graph: Graph,
    page: PageRequest,
    *,
    kind: InstitutionKind | None = None,
    parent_id: str | None = None,
    text: str | None = None,
    include_archived: bool = False,
    order: InstitutionOrder = InstitutionOrder.NAME,
    descending: bool = False,
) -> Page:
    rows = await graph.read(
        """
        MATCH (n:Institution)
        WHERE ($kind IS NULL OR n.kind = $kind)
          AND ($includeArchived OR n.archivedAt IS NULL)
          AND ($parentId IS NULL OR EXISTS { (n)-[:SUBORDINATE_TO]->(:Institution {id: $parentId}) })
          AND ($text IS NULL OR toLower(n.nameLv) CONTAINS toLower($text)
               OR toLower(n.nameEn) CONTAINS toLower($text) OR toLower(n.code) CONTAINS toLower($text))
        WITH n, CASE $order WHEN 'CODE' THEN n.code WHEN 'CREATED' THEN toString(n.createdAt)
                ELSE n.nameLv END AS key
        ORDER BY CASE WHEN $desc THEN null ELSE key END ASC,
                 CASE WHEN $desc THEN key ELSE null END DESC, n.id
        WITH collect(n) AS matched
        RETURN size(matched) AS total,
               [n IN matched[$skip..$skip + $first + 1] |
                n {.*, parentId: head([(n)-[:SUBORDINATE_TO]->(p) | p.id])}] AS rows
        """,
        kind=kind.value if kind else None,
        parentId=parent_id,
        text=text,
        includeArchived=include_archived,
        order=order.value,
        desc=descending,
        skip=page.skip,
        first=page.first,
    )
    return Page.from_row(rows[0], page)


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
