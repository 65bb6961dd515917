"""Identity and personal data in the API: `me`, `myData`, roles, erasure, and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from graph import audit, identity
from graph.access import GrantedRole
from hub.api.activities import ActivityConnection
from hub.api.base import PageSize, described_enum
from hub.api.context import Context
from hub.api.people import Person
from hub.api.planning import Args, Returning, Write, answered_by_planner, maps, roots, writes
from hub.api.text_limits import VERB, PageCursor

described_enum(
    GrantedRole,
    "Roles granted by an administrator (team roles come from membership).",
    ADMIN="Administrator: keeps the registers, sees every team (restricted ones too) and the audit log.",
    COG_STAFF="Centre-of-government staff (State Chancellery): maps horizontal issues, adds skills and "
    "may form teams with any lead; sees restricted teams only as a member.",
)
_PERSON_ID = strawberry.argument(description="The person's id.")


@maps(identity.SIGNED_IN)
@strawberry.type(description="The signed-in caller.")
class SignedIn:
    email: str | None = strawberry.field(
        description="The e-mail the caller signed in with; null when the sign-in carries none."
    )
    roles: list[GrantedRole] = strawberry.field(
        description="Roles an administrator granted the caller; empty for most civil servants."
    )
    admin: bool = strawberry.field(
        description="True for an administrator (granted ADMIN, or a bootstrap administrator by configuration)."
    )
    person: Person | None = strawberry.field(
        description="The caller's Person; null for a bootstrap administrator without one."
    )


@strawberry.input(description="Which audit entries to list; every field given narrows the list.")
class AuditFilter:
    actor_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only changes made by this person."
    )
    verb: str | None = VERB.field("Only this kind, e.g. `team.created`.", default=None)
    target_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only changes to this entity."
    )
    since: datetime | None = strawberry.field(
        default=None, description="Only changes at or after this moment (inclusive)."
    )
    until: datetime | None = strawberry.field(
        default=None, description="Only changes before this moment (exclusive)."
    )


@roots(me=identity.ME, myData=identity.MY_DATA_FIELD, auditLog=audit.AUDIT_LOG)
@strawberry.type
class IdentityQuery:
    @strawberry.field(description="Who is signed in, or null for an anonymous caller.")
    def me(self) -> SignedIn | None:
        return answered_by_planner()

    @strawberry.field(description="Everything the hub holds about the signed-in person, as JSON.")
    def my_data(self) -> JSON:
        return answered_by_planner()

    @strawberry.field(description="The audit trail (administrators): every change, newest first.")
    def audit_log(
        self,
        filter: Annotated[
            AuditFilter | None, strawberry.argument(description="Which entries; every change when omitted.")
        ] = None,
        first: PageSize = None,
        after: PageCursor = None,
    ) -> ActivityConnection:
        return answered_by_planner()


async def _set_roles(ctx: Context, args: Args, _: Returning | None) -> object:
    return await identity.set_roles(ctx.graph, args["personId"], args["roles"], ctx.actor_id)


async def _release_sign_ins(ctx: Context, args: Args, _: Returning | None) -> object:
    return await identity.release_sign_ins(ctx.graph, args["personId"], ctx.actor_id)


async def _erase(ctx: Context, args: Args, _: Returning | None) -> object:
    return await identity.erase(ctx.graph, args["id"], ctx.actor_id)


@writes(
    setPersonRoles=Write(_set_roles),
    releaseSignIns=Write(_release_sign_ins),
    erasePerson=Write(_erase),
)
@strawberry.type
class IdentityMutation:
    @strawberry.mutation(description="Replace the roles granted to a person (administrators).")
    def set_person_roles(
        self,
        person_id: Annotated[strawberry.ID, _PERSON_ID],
        roles: Annotated[
            list[GrantedRole],
            strawberry.argument(description="The complete new set; an empty list takes every role away."),
        ],
    ) -> Person:
        return answered_by_planner()

    @strawberry.mutation(
        description="Unbind every sign-in of a person (administrators): their next sign-in is bound "
        "afresh to the person with its verified e-mail, as on a first sign-in. For when their identity "
        "provider replaced their account."
    )
    def release_sign_ins(self, person_id: Annotated[strawberry.ID, _PERSON_ID]) -> Person:
        return answered_by_planner()

    @strawberry.mutation(
        description="Erase a person's personal data: memberships ended, personal fields removed, "
        "name replaced by a pseudonym; audit entries are kept with personal values pseudonymised "
        "(administrators)."
    )
    def erase_person(self, id: Annotated[strawberry.ID, _PERSON_ID]) -> Person:
        return answered_by_planner()
