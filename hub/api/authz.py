"""Authorisation: one declarative table, mutation → rule, applied to every operation.

Every mutation must have a rule here; a mutation without one is refused for everybody (and a test
fails), so a new mutation cannot slip through unguarded. Queries need a signed-in civil servant
except `me` (null for nobody); `auditLog` is for administrators. What a signed-in viewer may *see*
is decided in the Cypher (graph/access.py); this table decides who may *do* what.

Refusals: UNAUTHENTICATED when nobody is signed in, FORBIDDEN otherwise. Rules that need the graph
("leads this team") run a parameterised query (graph/identity.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any

from graphql import GraphQLResolveInfo
from strawberry.extensions import SchemaExtension

from graph import identity
from graph.errors import Forbidden, NotAllowed, Unauthenticated
from hub.api.context import Context

Check = Callable[[Context, dict[str, Any]], Awaitable[bool]]


@dataclass(frozen=True)
class Rule:
    description: str
    check: Check

    def __or__(self, other: Rule) -> Rule:
        async def either(ctx: Context, args: dict[str, Any]) -> bool:
            return await self.check(ctx, args) or await other.check(ctx, args)

        return Rule(f"{self.description} or {other.description}", either)


def _const(description: str, test: Callable[[Context], bool]) -> Rule:
    async def check(ctx: Context, args: dict[str, Any]) -> bool:
        return test(ctx)

    return Rule(description, check)


SIGNED_IN = _const("a signed-in civil servant", lambda ctx: ctx.viewer.signed_in)
ADMIN = _const("an administrator", lambda ctx: ctx.viewer.admin)
COG_STAFF = _const("centre-of-government staff", lambda ctx: ctx.viewer.cog_staff)


def self_(arg: str) -> Rule:
    """The person named by argument `arg` (its GraphQL name) is the viewer."""

    async def check(ctx: Context, args: dict[str, Any]) -> bool:
        return ctx.viewer.person_id is not None and args.get(arg) == ctx.viewer.person_id

    return Rule("the person themself", check)


# A person's fields that decide what they may do: the e-mail (bootstrap administrators, and the
# first binding of a sign-in) and the institution (whose managers approve their allocations).
# Roles have their own mutation, setPersonRoles, for administrators.
AUTHORITY_FIELDS = ("email", "institutionId")


def own_profile(arg: str) -> Rule:
    """The person named by `arg` is the viewer, and the `patch` leaves AUTHORITY_FIELDS alone:
    those are changed by administrators (or the HR register's import), and a patch naming one is
    refused with the field named."""

    async def check(ctx: Context, args: dict[str, Any]) -> bool:
        if ctx.viewer.person_id is None or args.get(arg) != ctx.viewer.person_id:
            return False
        patch = args.get("patch")
        for name in AUTHORITY_FIELDS:
            if isinstance(patch, dict) and name in patch:
                raise Forbidden(
                    f"patch.{name}",
                    "only an administrator (or the HR register's import) changes this: it decides what "
                    "the person may do",
                )
        return True

    return Rule("the person themself (for their own name, title and languages)", check)


def self_as_lead() -> Rule:
    async def check(ctx: Context, args: dict[str, Any]) -> bool:
        data = args.get("input")
        lead = data.get("leadPersonId") if isinstance(data, dict) else None
        return ctx.viewer.person_id is not None and lead == ctx.viewer.person_id

    return Rule("naming themself as the lead", check)


def _team_of(args: dict[str, Any], arg: str) -> Any:
    """`teamId`-style argument, or a field of the `input` object ("input.teamId")."""
    if arg.startswith("input."):
        data = args.get("input")
        return data.get(arg[6:]) if isinstance(data, dict) else None
    return args.get(arg)


def team_member(arg: str) -> Rule:
    """The viewer is a member (any role) of the team named by `arg` (checked in the graph)."""

    async def check(ctx: Context, args: dict[str, Any]) -> bool:
        team_id = _team_of(args, arg)
        return isinstance(team_id, str) and await identity.member_of(ctx.graph, ctx.viewer, team_id)

    return Rule("a member of the team", check)


def in_graph(description: str) -> Rule:
    """Any signed-in caller passes here; the graph function checks who is acting (the invitee,
    the invitee's manager, a member of the task's team) inside its own transaction."""
    return Rule(description + " (checked in the graph)", SIGNED_IN.check)


def team_lead(arg: str) -> Rule:
    """The viewer leads the team named by argument `arg` (checked in the graph)."""

    async def check(ctx: Context, args: dict[str, Any]) -> bool:
        team_id = _team_of(args, arg)
        return isinstance(team_id, str) and await identity.leads_team(ctx.graph, ctx.viewer, team_id)

    return Rule("the team's lead", check)


MUTATION_RULES: dict[str, Rule] = {
    # institutions: the reference register
    "createInstitution": ADMIN,
    "updateInstitution": ADMIN,
    "archiveInstitution": ADMIN,
    # people: administrators keep the register; a person edits their own profile and skills
    "createPerson": ADMIN,
    "updatePerson": ADMIN | own_profile("id"),
    "setPersonSkill": ADMIN | self_("personId"),
    "removePersonSkill": ADMIN | self_("personId"),
    "archivePerson": ADMIN,
    # skills: the shared vocabulary
    "createSkill": ADMIN | COG_STAFF,
    "renameSkill": ADMIN,
    "archiveSkill": ADMIN,
    # horizontal issues: centre-of-government staff create and map them
    "createIssue": ADMIN | COG_STAFF,
    "updateIssue": ADMIN | COG_STAFF,
    "setIssueImpact": ADMIN | COG_STAFF,
    "removeIssueImpact": ADMIN | COG_STAFF,
    "addIssueDependency": ADMIN | COG_STAFF,
    "removeIssueDependency": ADMIN | COG_STAFF,
    "archiveIssue": ADMIN | COG_STAFF,
    # teams: anyone may start a team they lead themselves; the lead manages it
    "createTeam": ADMIN | COG_STAFF | self_as_lead(),
    "updateTeam": ADMIN | team_lead("id"),
    "archiveTeam": ADMIN | team_lead("id"),
    # team formation, lifecycle, workspace: the graph functions also check the acting person, so an
    # administrator who is a Person but not the lead/member is refused there; a bootstrap
    # administrator (no Person) passes
    "inviteMember": ADMIN | team_lead("input.teamId"),
    "acceptInvitation": in_graph("the invited person"),
    "declineInvitation": in_graph("the invited person"),
    "withdrawInvitation": in_graph("the team's lead or an administrator"),
    "approveAllocation": in_graph("a manager of the invitee's institution"),
    "rejectAllocation": in_graph("a manager of the invitee's institution"),
    "setTeamStatus": ADMIN | team_lead("teamId"),
    "handOverLead": ADMIN | team_lead("teamId"),
    "leaveTeam": self_("personId"),
    "removeMember": ADMIN | team_lead("teamId"),
    "updateMembership": ADMIN | team_lead("teamId"),
    # the team workspace
    "createPost": ADMIN | team_member("input.teamId"),
    "recordDecision": ADMIN | team_member("input.teamId"),
    "createTask": ADMIN | team_member("input.teamId"),
    "updateTask": in_graph("a member of the task's team or an administrator"),
    # identity and personal data
    "setPersonRoles": ADMIN,
    "releaseSignIns": ADMIN,
    "erasePerson": ADMIN,
    # a person's own notification settings
    "setMyNotificationSettings": SIGNED_IN,
}

ANONYMOUS_QUERIES = frozenset({"me", "__typename"})
QUERY_RULES: dict[str, Rule] = {"auditLog": ADMIN}


async def authorize(ctx: Context, operation: str, field: str, args: dict[str, Any]) -> None:
    """Raise Unauthenticated or Forbidden unless the caller may run this root field."""
    if operation != "mutation" and field in ANONYMOUS_QUERIES:
        return
    if not ctx.viewer.signed_in:
        raise Unauthenticated()
    if operation == "mutation":
        rule = MUTATION_RULES.get(field)
        if rule is None:
            raise NotAllowed(field, "a rule in hub/api/authz.py (none is defined)")
    else:
        rule = QUERY_RULES.get(field, SIGNED_IN)
    if not await rule.check(ctx, args):
        raise NotAllowed(field, rule.description)


class Authorize(SchemaExtension):
    """Checks the rule of every root field before it resolves; nested fields pass straight through."""

    def resolve(
        self, _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo, *args: str, **kwargs: Any
    ) -> Any:
        if info.path.prev is not None:
            return _next(root, info, *args, **kwargs)
        return self._guarded(_next, root, info, args, kwargs)

    async def _guarded(
        self, _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo, args: Any, kwargs: Any
    ) -> Any:
        await authorize(info.context, info.operation.operation.value, info.field_name, kwargs)
        result = _next(root, info, *args, **kwargs)
        return await result if isawaitable(result) else result
