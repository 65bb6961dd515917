"""Concurrent writers all commit, each with its own dense Activity seq. Writers can still deadlock
now and then on team and person nodes locked in different orders; the driver retries those
(a transient error), so every write commits. The global counter is never part of one: it is taken
only after a write has committed, by a statement that takes no other lock before it."""

from __future__ import annotations

import asyncio

from graph import invitations, posts, teams
from graph.access import Viewer
from graph.driver import Graph
from graph.validation import validate
from tests import builders

WRITERS = 12


async def _world(graph: Graph) -> tuple[list[str], list[str]]:
    """Two teams on one issue (writers to both touch the issue's and institution's feeds) and
    one free person per writer."""
    fm = await builders.institution(graph, "FM")
    lead = await builders.person(graph, "Lead", fm["id"])
    issue = await builders.issue(graph, "Shared issue")
    team_ids = [(await builders.team(graph, f"Team {i}", issue["id"], lead["id"]))["id"] for i in range(2)]
    people = [(await builders.person(graph, f"Person {i}", fm["id"]))["id"] for i in range(WRITERS)]
    return team_ids, people


async def _write_mix(graph: Graph, team_id: str, person_id: str, n: int) -> None:
    """The benchmark's write mix: invite, accept, post, update the team."""
    system = Viewer.system()
    invitation = await invitations.invite(
        graph,
        validate(invitations.InvitationInput, {"team_id": team_id, "person_id": person_id, "allocation": 5}),
        None,
        system,
    )
    await invitations.accept(graph, invitation["id"], None, system)
    await posts.create(
        graph, validate(posts.PostInput, {"team_id": team_id, "body": f"Post {n}"}), None, system
    )
    await teams.update(
        graph, team_id, validate(teams.TeamPatch, {"mandate": f"Mandate {n}"}), None, Viewer.system()
    )


async def test_concurrent_writers_all_commit_with_dense_distinct_activity_seqs(graph: Graph) -> None:
    """Through the hub's own driver settings (deadlocks retried), every write commits."""
    team_ids, people = await _world(graph)
    await graph.settled()
    before = await graph.read("MATCH (a:Activity) RETURN count(a) AS n")

    await asyncio.gather(*(_write_mix(graph, team_ids[i % 2], people[i], i) for i in range(WRITERS)))
    await graph.settled()

    rows = await graph.read("MATCH (a:Activity) RETURN a.seq AS seq ORDER BY seq")
    seqs = [r["seq"] for r in rows]
    assert len(seqs) == before[0]["n"] + 4 * WRITERS
    assert seqs == list(range(1, len(seqs) + 1))
