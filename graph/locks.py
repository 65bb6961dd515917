"""Write locks that make a rule's read and its write one step under concurrency.

Neo4j reads without locks (read committed): a write that checks a rule on what it read can act on
a state another transaction is changing — two accepts of one invitation both saw it PENDING and
both started a membership. So a write whose rule depends on a person's memberships (their
allocation) or a team's (its lead, its members, its status) first takes the write lock of that
node, before it reads anything: a concurrent writer of the same rule waits at its own lock until
this one commits, and then reads what it wrote. The lock is a property set and removed in the
same statement (the Neo4j manual's way to lock from Cypher): nothing is stored, and it costs no
round trip of its own.

Order: the person before the team, always, so two writers never wait for each other in a cycle.
A deadlock Neo4j still finds (on a node locked later, by an Activity's links) is a transient
error and the write is tried again (graph/driver.py). README ("Integrity under concurrency")
lists which lock or constraint guards which rule.
"""

from __future__ import annotations

from typing import Final, LiteralString


def lock(*nodes: LiteralString) -> LiteralString:
    """SET and REMOVE clauses write-locking the nodes bound to the variables `nodes`, in the
    order given; a null one (an OPTIONAL MATCH that found nothing) is skipped."""
    return (
        "SET "
        + ", ".join(node + "._lock = true" for node in nodes)
        + " REMOVE "
        + ", ".join(node + "._lock" for node in nodes)
    )


# A statement's first clause: write-lock the nodes with the ids `$lockIds`, in the list's order
# (the person before the team); ids that name nothing are skipped.
BY_ID: Final[LiteralString] = (
    "CALL () { UNWIND $lockIds AS lockId MATCH (locked:Entity {id: lockId}) " + lock("locked") + " } "
)
