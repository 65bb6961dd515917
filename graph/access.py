"""Who is reading, and the Cypher rule for which teams they may see.

Visibility is enforced inside the queries, not in resolvers: a RESTRICTED team, and everything
under it, is matched only for its members and administrators; INTERNAL needs a signed-in civil
servant; PUBLIC is for everyone. Every query that reaches a team appends `TEAM_VISIBLE` (with the
team bound to `t`) and passes `**viewer.params()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, LiteralString

TEAM_VISIBLE: Final[LiteralString] = (
    "(t.visibility = 'PUBLIC'"
    " OR (t.visibility = 'INTERNAL' AND $viewerSignedIn)"
    " OR $viewerAdmin"
    " OR EXISTS { (t)<-[:MEMBER_OF]-(:Person {id: $viewerId}) })"
)


@dataclass(frozen=True)
class Viewer:
    person_id: str | None = None
    signed_in: bool = False
    admin: bool = False

    @classmethod
    def anonymous(cls) -> Viewer:
        return cls()

    @classmethod
    def system(cls) -> Viewer:
        """Seeding, imports and other trusted jobs: sees everything."""
        return cls(signed_in=True, admin=True)

    def params(self) -> dict[str, Any]:
        return {"viewerId": self.person_id, "viewerSignedIn": self.signed_in, "viewerAdmin": self.admin}
