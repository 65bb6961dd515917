"""Team decisions: what the team decided, on which date, and on what legal basis.

(Decision)-[:IN_TEAM]->(ProjectTeam), (Decision)-[:RECORDED_BY]->(Person) when known.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Final, LiteralString

from pydantic import StringConstraints

from graph import activity, membership
from graph.access import Viewer
from graph.driver import Graph, Record, Tx, run
from graph.errors import Conflict
from graph.ids import new_id
from graph.model import Reach, entity
from graph.posts import in_visible_team
from graph.validation import Input, PublicId, ShortText

DecisionText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class DecisionInput(Input):
    team_id: PublicId
    text: DecisionText
    date: date
    legal_basis: ShortText | None = None


_NODE: Final[LiteralString] = "n {.*, teamId: t.id, recordedById: head([(n)-[:RECORDED_BY]->(a) | a.id])}"


DECISION = entity(
    "Decision",
    {"recordedBy": Reach("MATCH ({n})-[:RECORDED_BY]->({person}:Person)", "Person", "person", many=False)},
    visible=in_visible_team,
    order="{n}.date DESC, {n}.createdAt DESC",
)


async def record(graph: Graph, data: DecisionInput, actor_id: str | None, viewer: Viewer) -> Record:
    async def work(tx: Tx) -> Record:
        team = await membership.require_team(tx, data.team_id, viewer, locking=True)
        await membership.check_member(tx, data.team_id, actor_id, "record decisions")
        if team["status"] == "CLOSED":
            raise Conflict("teamId", "the team is closed")
        id = new_id("Decision")
        rows = await run(
            tx,
            """
            MATCH (t:ProjectTeam {id: $teamId})
            CREATE (n:Decision:Entity {id: $id, text: $text, date: $date, legalBasis: $legalBasis,
                    createdAt: datetime(), updatedAt: datetime()})
            CREATE (n)-[:IN_TEAM]->(t)
            WITH n, t
            OPTIONAL MATCH (by:Person {id: $actorId})
            FOREACH (_ IN CASE WHEN by IS NULL THEN [] ELSE [1] END | CREATE (n)-[:RECORDED_BY]->(by))
            RETURN """
            + _NODE
            + " AS node",
            id=id,
            teamId=data.team_id,
            text=data.text,
            date=data.date,
            legalBasis=data.legal_basis or None,
            actorId=actor_id,
        )
        node: Record = rows[0]["node"]
        await activity.record(
            tx,
            verb="decision.recorded",
            actor_id=actor_id,
            target_id=id,
            scope_ids=[data.team_id, team["issueId"]],
            summary=f"{team['name']}: decision of {data.date.isoformat()}",
            after=node,
        )
        return node

    return await graph.write(work)
