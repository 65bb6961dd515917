"""Writes made in one statement that checks its own rules: inviting, accepting, posting, updating a team.

The statement reads what the write depends on, evaluates the rules as a Cypher guard and, only
when it holds, makes the change and its Activity (ending in `activity.RECORD`); it returns
`written` (the entity as written) or `refused` (the facts it read). It is its own auto-commit
transaction: one round trip. The guard says only whether; the rules in Python, run on the refused
facts, say why, with the errors they always raised, so each rule's message lives in one place.
Every such statement reads the caller again (`caller`, identity.CALLER) and its guard includes
identity.CONFIRMED: the first rule of every refusal is `identity.confirm_caller`.

With `returning` (the API's selection on the result, graph/planner.py `compile_projection`),
the same statement also reads that selection of what it wrote, so a mutation's answer costs no
second round trip: the write runs as a subquery, and the selection is projected on the written
node after it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, LiteralString, cast

from graph import activity, identity
from graph.access import Viewer
from graph.driver import Graph, Record, Tx, run
from graph.planner import Projection


class UnexplainedRefusal(RuntimeError):
    """The statement refused, and none of the rules, checked in Python on the facts it returned,
    says why: the Cypher guard and the rules disagree (a defect). Nothing was written."""

    def __init__(self, write: str) -> None:
        super().__init__(f"{write}: the statement refused the write, but no rule explains why")


async def write_checked(
    graph: Graph,
    statement: LiteralString,
    *,
    write: str,
    explain: Callable[[Record], None],
    viewer: Viewer,
    verb: str,
    actor_id: str | None,
    target_id: str,
    returning: Projection | None = None,
    **params: Any,
) -> Any:
    """Run `statement` for `viewer` (given the caller's parameters, and `$activity` for its
    Activity: `verb` by `actor_id` about `target_id`) and return what it wrote, or with
    `returning`, that selection of it; on a refusal, a changed caller or else `explain` raises
    the rule's error."""
    text = statement
    values = {**identity.caller_params(viewer), **params}
    if returning is not None:
        text = cast(
            LiteralString,
            "CALL () { "
            + statement
            + " } OPTIONAL MATCH (writtenNode:"
            + returning.label
            + " {id: written.id})"
            " RETURN written, refused, " + returning.text + " AS selected",
        )
        values = {**viewer.params(), **returning.params, **values}

    async def work(tx: Tx) -> Any:
        recorded = activity.recorded(verb=verb, actor_id=actor_id, target_id=target_id)
        row = (await run(tx, text, activity=recorded, **values))[0]
        if row["refused"] is not None:
            identity.confirm_caller(viewer, row["refused"]["caller"])
            explain(row["refused"])
            raise UnexplainedRefusal(write)
        return row["selected"] if returning is not None else row["written"]

    return await graph.write(work, one_statement=True)
