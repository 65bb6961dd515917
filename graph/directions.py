"""The Modernisation Plan 2023–2027's seven directions: reference data, loaded by the seed."""

from __future__ import annotations

from graph.driver import Graph, Record


async def all_directions(graph: Graph) -> list[Record]:
    return await graph.read("MATCH (n:PlanDirection) RETURN n {.*} AS node ORDER BY n.number")


async def by_ids(graph: Graph, ids: list[str]) -> dict[str, Record]:
    rows = await graph.read(
        "UNWIND $ids AS id MATCH (n:PlanDirection {id: id}) RETURN n {.*} AS node", ids=ids
    )
    return {r["node"]["id"]: r["node"] for r in rows}
