"""Data repairs: data written before the rules held under concurrency, brought within them.

A uniqueness constraint cannot be created over data that breaks it, and such data exists:
duplicate memberships, teams with two leads or none, people booked over full time, a person
invited twice at once. Migration 4 (graph/migrations.py) runs these steps before it creates the
constraints, each step once, in one transaction, and records an Activity (no actor: the system)
for every change or finding, so the repair shows in the audit trail and the feeds as any change.

The rules, in the order the steps run:

1. One membership per person and team: of a person's MEMBER_OFs to one team, one stays, with the
   earliest `since`, the highest role (LEAD, MEMBER, EXPERT, OBSERVER: the order the members
   list shows) and the highest allocation (the duplicates record one commitment twice; adding
   them up would book it twice). The others are deleted.
2. Exactly one lead per team: of several leads, the one leading longest (earliest `since`; then
   the person id) stays and the others become MEMBERs. A team without a lead gets its
   longest-standing member (earliest `since`; then the higher allocation, then the person id)
   as lead. A team without any member is reported in its issue's feed for the centre of
   government to appoint one.
3. A person's allocation: over 100 % on open teams is not cut, as only the people involved know
   which commitment should give: it is reported to the leads of the person's open teams and to
   the person, in their own feeds (`person.over_allocated`).
4. One open invitation per person and team: of several, the earliest sent stays open and the
   later ones are withdrawn, naming the one kept.

A membership or invitation a step changes loses its keys (they may no longer hold: a demoted
lead's leadKey; removing one never breaks a constraint). After the steps, `BACKFILL_KEYS` gives
the memberships and open invitations without keys the keys the constraints hold unique
(graph/membership.py `keys`; an open invitation's INVITES `openKey`, graph/invitations.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Final, LiteralString

from graph import activity, invitations
from graph.driver import Record, Tx, run
from graph.membership import ALLOCATED, FULL_TIME
from graph.teams import Role

# Highest first.
ROLE_RANK: Final = {
    role.value: rank for rank, role in enumerate((Role.LEAD, Role.MEMBER, Role.EXPERT, Role.OBSERVER))
}


@dataclass(frozen=True)
class Repair:
    name: str
    run: Callable[[Tx], Awaitable[int]]  # in the migration's transaction; returns what it changed or reported


def _earliest(since: date | None) -> tuple[bool, date]:
    """A sort key: the earliest `since` first, a membership without one last."""
    return (since is None, since or date.max)


def _rank(role: str | None) -> int:
    return ROLE_RANK.get(role or "", len(ROLE_RANK))


def merged(memberships: list[Record]) -> Record:
    """Rule 1: the membership duplicates [{ref, role, allocation, since}] become, kept on the
    earliest one: {ref, role, allocation, since}."""
    kept = min(memberships, key=lambda m: (*_earliest(m["since"]), m["ref"]))
    return {
        "ref": kept["ref"],
        "role": min((m["role"] for m in memberships), key=_rank),
        "allocation": max(m["allocation"] or 0 for m in memberships),
        "since": kept["since"],
    }


async def merge_duplicate_memberships(tx: Tx) -> int:
    rows = await run(
        tx,
        """
        MATCH (p:Person)-[m:MEMBER_OF]->(t:ProjectTeam)
        WITH p, t, collect({ref: elementId(m), role: m.role, allocation: m.allocation, since: m.since})
             AS memberships
        WHERE size(memberships) > 1
        RETURN p.id AS personId, p.name AS name, t.id AS teamId, t.name AS team,
               head([(t)-[:ADDRESSES]->(i) | i.id]) AS issueId, memberships
        ORDER BY teamId, personId
        """,
    )
    for row in rows:
        kept = merged(row["memberships"])
        await run(
            tx,
            """
            MATCH ()-[kept:MEMBER_OF]->() WHERE elementId(kept) = $kept.ref
            SET kept.role = $kept.role, kept.allocation = $kept.allocation, kept.since = $kept.since
            REMOVE kept.memberKey, kept.leadKey
            WITH kept
            UNWIND $drop AS ref
            MATCH ()-[extra:MEMBER_OF]->() WHERE elementId(extra) = ref
            DELETE extra
            """,
            kept=kept,
            drop=[m["ref"] for m in row["memberships"] if m["ref"] != kept["ref"]],
        )
        terms = sorted(
            ({k: m[k] for k in ("role", "allocation", "since")} for m in row["memberships"]),
            key=lambda m: (*_earliest(m["since"]), _rank(m["role"])),
        )
        await activity.record(
            tx,
            verb="team.memberships_merged",
            actor_id=None,
            target_id=row["teamId"],
            scope_ids=[row["issueId"], row["personId"]],
            summary=f"{row['team']}: {len(terms)} memberships of {row['name']} merged into one (data repair)",
            before={"personId": row["personId"], "memberships": terms},
            after={"personId": row["personId"], **{k: kept[k] for k in ("role", "allocation", "since")}},
        )
    return len(rows)


def lead_of(members: list[Record]) -> Record | None:
    """Rule 2: who leads a team with these members [{personId, role, allocation, since}]: the
    longest-leading of its leads, else its longest-standing member; None without members."""
    leads = [m for m in members if m["role"] == Role.LEAD]
    if leads:
        return min(leads, key=lambda m: (*_earliest(m["since"]), m["personId"]))
    if members:
        return min(members, key=lambda m: (*_earliest(m["since"]), -(m["allocation"] or 0), m["personId"]))
    return None


async def one_lead_per_team(tx: Tx) -> int:
    rows = await run(
        tx,
        """
        MATCH (t:ProjectTeam)
        WITH t, [(t)<-[m:MEMBER_OF]-(p:Person) | {personId: p.id, name: p.name, role: m.role,
                                                   allocation: m.allocation, since: m.since}] AS members
        WHERE size([m IN members WHERE m.role = 'LEAD']) <> 1
        RETURN t.id AS teamId, t.name AS team, head([(t)-[:ADDRESSES]->(i) | i.id]) AS issueId, members
        ORDER BY teamId
        """,
    )
    for row in rows:
        team, members = row["team"], row["members"]
        lead = lead_of(members)
        if lead is None:
            await activity.record(
                tx,
                verb="team.lead_missing",
                actor_id=None,
                target_id=row["teamId"],
                scope_ids=[row["issueId"]],
                summary=f"{team}: no members and so no lead; appoint one (found by a data repair)",
            )
            continue
        demoted = [m for m in members if m["role"] == Role.LEAD and m["personId"] != lead["personId"]]
        await run(
            tx,
            """
            MATCH (t:ProjectTeam {id: $teamId})
            MATCH (t)<-[lead:MEMBER_OF]-(:Person {id: $lead})
            SET lead.role = 'LEAD' REMOVE lead.memberKey, lead.leadKey
            WITH t
            UNWIND $demoted AS personId
            MATCH (t)<-[m:MEMBER_OF]-(:Person {id: personId})
            SET m.role = 'MEMBER' REMOVE m.memberKey, m.leadKey
            """,
            teamId=row["teamId"],
            lead=lead["personId"],
            demoted=[m["personId"] for m in demoted],
        )
        if demoted:
            others = ", ".join(m["name"] for m in sorted(demoted, key=lambda m: m["personId"]))
            summary = f"{team}: {len(demoted) + 1} leads; {lead['name']} leads on, {others} now members"
        else:
            summary = f"{team}: no lead; {lead['name']}, its longest-standing member, now leads it"
        await activity.record(
            tx,
            verb="team.lead_repaired",
            actor_id=None,
            target_id=row["teamId"],
            scope_ids=[row["issueId"], lead["personId"], *(m["personId"] for m in demoted)],
            summary=summary + " (data repair)",
            before={"leadIds": sorted(m["personId"] for m in members if m["role"] == Role.LEAD)},
            after={"leadIds": [lead["personId"]]},
        )
    return len(rows)


async def report_over_allocations(tx: Tx) -> int:
    rows = await run(
        tx,
        "MATCH (p:Person) WITH p, "
        + ALLOCATED
        + """ AS allocated WHERE allocated > $fullTime
        RETURN p.id AS personId, p.name AS name, allocated,
               COLLECT { MATCH (p)-[:MEMBER_OF]->(o:ProjectTeam)<-[:MEMBER_OF {role: 'LEAD'}]-(lead:Person)
                         WHERE o.status <> 'CLOSED' AND o.archivedAt IS NULL
                         RETURN DISTINCT lead.id ORDER BY lead.id } AS leadIds
        ORDER BY personId
        """,
        fullTime=FULL_TIME,
    )
    for row in rows:
        await activity.record(
            tx,
            verb="person.over_allocated",
            actor_id=None,
            target_id=row["personId"],
            scope_ids=row["leadIds"],
            summary=(
                f"{row['name']}: {row['allocated']}% on open teams, over full time ({FULL_TIME}%);"
                " nothing was cut: the leads of their teams agree who lowers an allocation (data repair)"
            ),
            after={"personId": row["personId"], "allocated": row["allocated"], "fullTime": FULL_TIME},
        )
    return len(rows)


async def one_open_invitation(tx: Tx) -> int:
    rows = await run(
        tx,
        "MATCH (t:ProjectTeam)<-[:TO_JOIN]-(v:Invitation)-[:INVITES]->(p:Person) WHERE "
        + invitations.OPEN
        + """
        WITH t, p, v ORDER BY v.createdAt, v.id
        WITH t, p, collect(v.id) AS open WHERE size(open) > 1
        RETURN t.id AS teamId, head([(t)-[:ADDRESSES]->(i) | i.id]) AS issueId, p.id AS personId,
               open[0] AS kept, open[1..] AS withdrawn
        ORDER BY teamId, personId
        """,
    )
    withdrawn = 0
    for row in rows:
        for id in row["withdrawn"]:
            reason = f"a duplicate of {row['kept']} (data repair)"
            await run(
                tx,
                "MATCH (v:Invitation {id: $id})-[invites:INVITES]->() SET v.status = 'WITHDRAWN', v.reason = $reason,"
                " v.respondedAt = datetime(), v.updatedAt = datetime() REMOVE invites.openKey",
                id=id,
                reason=reason,
            )
            await activity.record(
                tx,
                verb="invitation.withdrawn",
                actor_id=None,
                target_id=id,
                scope_ids=[row["teamId"], row["issueId"], row["personId"]],
                summary=f"Invitation withdrawn: {reason}",
                after={"status": "WITHDRAWN", "reason": reason},
            )
            withdrawn += 1
    return withdrawn


REPAIRS: Final = (
    Repair("memberships: one per person and team", merge_duplicate_memberships),
    Repair("leads: exactly one per team", one_lead_per_team),
    Repair("allocations over full time: reported to the leads", report_over_allocations),
    Repair("invitations: one open per person and team", one_open_invitation),
)

# The keys the constraints hold unique, for what was written before them: idempotent, in batches
# of their own transactions (a large graph's memberships in one would be a long transaction).
BACKFILL_KEYS: Final[tuple[LiteralString, ...]] = (
    """
    MATCH (p:Person)-[m:MEMBER_OF]->(t:ProjectTeam) WHERE m.memberKey IS NULL
    CALL (p, m, t) {
      SET m.memberKey = p.id + '|' + t.id, m.leadKey = CASE m.role WHEN 'LEAD' THEN t.id END
    } IN TRANSACTIONS OF 10000 ROWS
    """,
    "MATCH (t:ProjectTeam)<-[:TO_JOIN]-(v:Invitation)-[invites:INVITES]->(p:Person)"
    " WHERE invites.openKey IS NULL AND "
    + invitations.OPEN
    + " CALL (t, invites, p) { SET invites.openKey = p.id + '|' + t.id } IN TRANSACTIONS OF 10000 ROWS",
)
