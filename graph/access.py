"""Who is reading, and the Cypher rule for which teams they may see.

Visibility is enforced inside the queries, not in resolvers: a RESTRICTED team, and everything
under it, is matched only for its members and administrators; INTERNAL needs a signed-in civil
servant; PUBLIC is for everyone. The planner adds the rule wherever a read reaches a team
(graph/teams.py attaches `team_visible` to the team's mapping); analyses and writes that write
their own Cypher append `TEAM_VISIBLE` (the team bound to `t`). Both pass `**viewer.params()`.

Centre-of-government staff see every team that is not restricted, like any signed-in civil
servant: a RESTRICTED team stays invisible to them unless they are members. Only administrators
(and trusted system jobs) see everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, LiteralString


def team_visible(t: LiteralString) -> LiteralString:
    """The rule as a Cypher predicate on the team `t` (a variable): the planner adds it wherever
    a pattern reaches a team (graph/teams.py `TEAM`)."""
    return (
        "(" + t + ".visibility = 'PUBLIC'"
        " OR (" + t + ".visibility = 'INTERNAL' AND $viewerSignedIn)"
        " OR $viewerAdmin"
        " OR EXISTS { (" + t + ")<-[:MEMBER_OF]-(:Person {id: $viewerId}) })"
    )


# The rule for a team bound to `t`, for the analyses and writes that write their own Cypher.
TEAM_VISIBLE: Final[LiteralString] = team_visible("t")


# Activities after which someone may see less than before, by what they name. A live subscription
# signed in earlier is re-checked when one of these is delivered (hub/live/access.py):
# - the people an activity names (its target and feeds) for a change to an account (archived,
#   erased, its roles or e-mail) or to a membership;
# - whoever follows the team's own feed for a change to a team (its visibility).
# A new write that takes access away records one of these verbs, or joins this list.
NARROWS_PEOPLES_ACCESS: Final[frozenset[str]] = frozenset(
    {
        "person.archived",
        "person.erased",
        "person.roles_set",
        "person.updated",
        "team.member_left",
        "team.member_removed",
        "team.membership_updated",
        "team.lead_handed_over",
    }
)
NARROWS_TEAM_ACCESS: Final[frozenset[str]] = frozenset({"team.updated"})


class GrantedRole(StrEnum):
    """Roles granted on the Person (`roles` property). Team lead and member come from MEMBER_OF."""

    ADMIN = "ADMIN"
    COG_STAFF = "COG_STAFF"


@dataclass(frozen=True)
class SignIn:
    """Who a verified token (or ID token) says is signing in: the identity provider's issuer and
    subject (the key to the person, graph/identity.py), and the e-mail it states, with whether it
    verified that e-mail."""

    issuer: str
    subject: str
    email: str | None = None
    email_verified: bool = False


@dataclass(frozen=True)
class Viewer:
    person_id: str | None = None
    signed_in: bool = False
    admin: bool = False
    roles: frozenset[GrantedRole] = field(default_factory=frozenset)
    email: str | None = None  # the person's contact address (a bootstrap administrator's verified one)
    sign_in: SignIn | None = None  # what this viewer signed in with; None: not a sign-in (jobs, tests)
    # What the graph said of the caller when this viewer was made (id, roles and email of the live
    # Person `sign_in` is bound to; ("", (), "") for none): a write made for a remembered viewer
    # reads it again and goes ahead only while it still holds (graph/identity.py `confirm_caller`).
    # None: not read.
    basis: tuple[str, tuple[str, ...], str] | None = None

    @classmethod
    def anonymous(cls) -> Viewer:
        return cls()

    @classmethod
    def system(cls) -> Viewer:
        """Seeding, imports and other trusted jobs: sees everything."""
        return cls(signed_in=True, admin=True, roles=frozenset({GrantedRole.ADMIN}))

    @classmethod
    def signed_in_as(
        cls, person_id: str | None, email: str | None, roles: frozenset[GrantedRole] = frozenset()
    ) -> Viewer:
        return cls(
            person_id=person_id,
            signed_in=True,
            admin=GrantedRole.ADMIN in roles,
            roles=roles,
            email=email,
        )

    @property
    def cog_staff(self) -> bool:
        return GrantedRole.COG_STAFF in self.roles

    def params(self) -> dict[str, Any]:
        return {"viewerId": self.person_id, "viewerSignedIn": self.signed_in, "viewerAdmin": self.admin}
