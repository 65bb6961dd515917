"""Operations every public node shares: look-up by id, property updates, archiving.

Every public node carries `:Entity` with a unique `id`, so these are single index look-ups; the
type is checked with `$label IN labels(n)`, keeping labels out of the query text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, LiteralString

from graph import activity, locks
from graph.driver import Graph, Record, Tx, run
from graph.errors import NotFound

_REQUIRE: Final[LiteralString] = "MATCH (n:Entity {id: $id}) WHERE $label IN labels(n) RETURN n {.*} AS node"


async def require(tx: Tx, label: str, id: str, field: str = "id", *, locking: Sequence[str] = ()) -> Record:
    """The node's properties, or NotFound naming `field`. `locking`: ids of the nodes whose write
    locks the transaction takes first, in this order (graph/locks.py), when this is its first
    statement."""
    if locking:
        rows = await run(tx, locks.BY_ID + _REQUIRE, id=id, label=label, lockIds=list(locking))
    else:
        rows = await run(tx, _REQUIRE, id=id, label=label)
    if not rows:
        raise NotFound(label, id, field)
    return rows[0]["node"]


async def require_all(tx: Tx, label: str, ids: list[str], field: str) -> None:
    """NotFound for the first id in `ids` that is not a live node of `label`."""
    rows = await run(
        tx,
        "UNWIND $ids AS id OPTIONAL MATCH (n:Entity {id: id}) WHERE $label IN labels(n) "
        "AND n.archivedAt IS NULL RETURN id, n IS NOT NULL AS found",
        ids=ids,
        label=label,
    )
    for row in rows:
        if not row["found"]:
            raise NotFound(label, row["id"], field)


async def set_properties(tx: Tx, id: str, props: dict[str, Any]) -> Record:
    """Merge `props` (keys come from a validated input model, never from free input)."""
    rows = await run(
        tx,
        "MATCH (n:Entity {id: $id}) SET n += $props, n.updatedAt = datetime() RETURN n {.*} AS node",
        id=id,
        props=props,
    )
    return rows[0]["node"]


async def mark_archived(tx: Tx, id: str) -> Record:
    rows = await run(
        tx,
        "MATCH (n:Entity {id: $id}) SET n.archivedAt = coalesce(n.archivedAt, datetime()), "
        "n.updatedAt = datetime() RETURN n {.*} AS node",
        id=id,
    )
    return rows[0]["node"]


Reader = Callable[[Tx, str], Awaitable[Record]]


async def change(
    graph: Graph,
    *,
    label: str,
    id: str,
    verb: str,
    actor_id: str | None,
    read: Reader,
    apply: Callable[[Tx, Record], Awaitable[object]],
    summary: Callable[[Record], str],
    scope: Callable[[Record], list[str]] = lambda _: [],
    id_field: str = "id",
    locking: Sequence[str] = (),
) -> Record:
    """Change one existing node and record the Activity, before and after, in one transaction.
    `apply(tx, before)` checks the rules and writes; `before` is the node as `read` gave it, so
    apply need not read it again. `locking`: ids of the nodes the rules depend on, write-locked
    (person before team) before anything is read (graph/locks.py)."""

    async def work(tx: Tx) -> Record:
        await require(tx, label, id, id_field, locking=locking)
        before = await read(tx, id)
        await apply(tx, before)
        await run(tx, "MATCH (n:Entity {id: $id}) SET n.updatedAt = datetime()", id=id)
        after = await read(tx, id)
        await activity.record(
            tx,
            verb=verb,
            actor_id=actor_id,
            target_id=id,
            scope_ids=scope(after),
            summary=summary(after),
            before=before,
            after=after,
        )
        return after

    return await graph.write(work)
