"""Identity and personal data in the API: `me`, `myData`, roles, erasure, and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from graph import audit, identity, people
from graph.access import GrantedRole
from graph.errors import Unauthenticated
from hub.api.activities import Activity, activity_of
from hub.api.base import Connection, GQLInfo, page_request
from hub.api.people import Person, person
from hub.api.text_limits import VERB, Cursor

strawberry.enum(
    GrantedRole, description="Roles granted by an administrator (team roles come from membership)."
)


@strawberry.type(description="The signed-in caller.")
class SignedIn:
    email: str | None
    roles: list[GrantedRole]
    admin: bool
    person_id: strawberry.Private[str | None]

    @strawberry.field(description="The caller's Person; null for a bootstrap administrator without one.")
    async def person(self, info: GQLInfo) -> Person | None:
        if self.person_id is None:
            return None
        record = await info.context.loaders.one(people.by_ids).load(self.person_id)
        return person(record) if record else None


@strawberry.input
class AuditFilter:
    actor_id: strawberry.ID | None = None
    verb: str | None = VERB.field("Only this kind, e.g. `team.created`.", default=None)
    target_id: strawberry.ID | None = None
    since: datetime | None = strawberry.field(default=None, description="Inclusive.")
    until: datetime | None = strawberry.field(default=None, description="Exclusive.")


@strawberry.type
class IdentityQuery:
    @strawberry.field(description="Who is signed in, or null for an anonymous caller.")
    def me(self, info: GQLInfo) -> SignedIn | None:
        viewer = info.context.viewer
        if not viewer.signed_in or viewer.email is None:
            return None
        return SignedIn(
            email=viewer.email, roles=sorted(viewer.roles), admin=viewer.admin, person_id=viewer.person_id
        )

    @strawberry.field(description="Everything the hub holds about the signed-in person, as JSON.")
    async def my_data(self, info: GQLInfo) -> JSON:
        if info.context.viewer.person_id is None:
            raise Unauthenticated("sign in as a person to export your data")
        return cast(JSON, await identity.my_data(info.context.graph, info.context.viewer.person_id))

    @strawberry.field(description="The audit trail (administrators): every change, newest first.")
    async def audit_log(
        self,
        info: GQLInfo,
        filter: AuditFilter | None = None,
        first: int | None = None,
        after: Cursor = None,
    ) -> Connection[Activity]:
        f = filter or AuditFilter()
        page = await audit.list_page(
            info.context.graph,
            audit.AuditFilter(f.actor_id, f.verb, f.target_id, f.since, f.until),
            page_request(info, first, after),
        )
        return Connection.of(page, activity_of)


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(description="Replace the roles granted to a person (administrators).")
    async def set_person_roles(
        self, info: GQLInfo, person_id: strawberry.ID, roles: list[GrantedRole]
    ) -> Person:
        return person(await identity.set_roles(info.context.graph, person_id, roles, info.context.actor_id))

    @strawberry.mutation(
        description="Unbind every sign-in of a person (administrators): their next sign-in is bound "
        "afresh to the person with its verified e-mail, as on a first sign-in. For when their identity "
        "provider replaced their account."
    )
    async def release_sign_ins(self, info: GQLInfo, person_id: strawberry.ID) -> Person:
        return person(await identity.release_sign_ins(info.context.graph, person_id, info.context.actor_id))

    @strawberry.mutation(
        description="Erase a person's personal data: memberships ended, personal fields removed, "
        "name replaced by a pseudonym; audit entries are kept with personal values pseudonymised."
    )
    async def erase_person(self, info: GQLInfo, id: strawberry.ID) -> Person:
        return person(await identity.erase(info.context.graph, id, info.context.actor_id))
