"""Public ids: a type prefix and a random or name-derived UUID, e.g. `team_3f2a…`.

The prefix lets `node(id)` find the label without scanning every label.
"""

from __future__ import annotations

import uuid

PREFIX_TO_LABEL = {
    "inst": "Institution",
    "person": "Person",
    "skill": "Skill",
    "dir": "PlanDirection",
    "issue": "HorizontalIssue",
    "team": "ProjectTeam",
    "act": "Activity",
    "inv": "Invitation",
    "post": "Post",
    "dec": "Decision",
    "task": "Task",
}
LABEL_TO_PREFIX = {label: prefix for prefix, label in PREFIX_TO_LABEL.items()}
_NAMESPACE = uuid.UUID("5f0c3c1e-8d6b-4b8e-9a77-5ad4a7be0001")


def new_id(label: str) -> str:
    return f"{LABEL_TO_PREFIX[label]}_{uuid.uuid4().hex}"


def stable_id(label: str, natural_key: str) -> str:
    """Deterministic id for seeded data, so demo ids survive a reseed."""
    return f"{LABEL_TO_PREFIX[label]}_{uuid.uuid5(_NAMESPACE, f'{label}:{natural_key}').hex}"


def label_of(public_id: str) -> str | None:
    prefix, sep, rest = public_id.partition("_")
    if not sep or len(rest) != 32:
        return None
    return PREFIX_TO_LABEL.get(prefix)
