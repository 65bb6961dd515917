"""The GraphQL schema: every concept's queries and mutations merged, plus `node(id)`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.tools import merge_types

from graph.model import Narrowing, Reach
from hub.api.activities import Activity, ActivityQuery
from hub.api.authz import Authorize
from hub.api.base import Node, describe_enum_values
from hub.api.decisions import Decision, DecisionMutation
from hub.api.directions import DirectionQuery, PlanDirection
from hub.api.errors import ReportingParserCache, Schema
from hub.api.formation import FormationQuery
from hub.api.identity import IdentityMutation, IdentityQuery
from hub.api.insights import InsightQuery
from hub.api.institutions import Institution, InstitutionMutation, InstitutionQuery
from hub.api.invitations import Invitation, InvitationMutation
from hub.api.issues import HorizontalIssue, IssueMutation, IssueQuery
from hub.api.lifecycle import LifecycleMutation, LifecycleQuery
from hub.api.live import Subscription
from hub.api.mapping import MappingQuery
from hub.api.network import NetworkQuery
from hub.api.notifications import NotificationMutation
from hub.api.people import Person, PersonMutation, PersonQuery
from hub.api.planning import PlannedOperations, Registry, answered_by_planner, graphql_schema, roots
from hub.api.posts import Post, PostMutation
from hub.api.request_checks import RequestChecks
from hub.api.round_trips import CypherRoundTrips
from hub.api.search import SearchQuery
from hub.api.shared_results import SharedSubscriptionResults
from hub.api.skills import Skill, SkillMutation, SkillQuery
from hub.api.tasks import Task, TaskMutation
from hub.api.teams import ProjectTeam, TeamMutation, TeamQuery
from hub.limits import Limits, QueryCost
from hub.metrics import OperationMetrics

# `node(id)`: any entity by its id (ids are unique across labels); null when there is none, or
# when its type's rule hides it (the planner applies the rule of whichever type it is).
_NODE = Reach(
    "MATCH ({n}:Entity {id: $id})",
    "Node",
    "n",
    many=False,
    args=lambda asked: Narrowing(params={"id": asked.args["id"]}),
)


@roots(node=_NODE)
@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="Any object by its global id, or null when there is none or the viewer may not see "
        "it (a restricted team and what belongs to it)."
    )
    def node(
        self,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The global id of any object the API returns.")
        ],
    ) -> Node | None:
        return answered_by_planner()


_QUERIES = (
    NodeQuery,
    InstitutionQuery,
    PersonQuery,
    SkillQuery,
    DirectionQuery,
    IssueQuery,
    TeamQuery,
    FormationQuery,
    LifecycleQuery,
    ActivityQuery,
    IdentityQuery,
    MappingQuery,
    InsightQuery,
    NetworkQuery,
    SearchQuery,
)
_MUTATIONS = (
    InstitutionMutation,
    PersonMutation,
    SkillMutation,
    IssueMutation,
    TeamMutation,
    InvitationMutation,
    LifecycleMutation,
    PostMutation,
    DecisionMutation,
    TaskMutation,
    IdentityMutation,
    NotificationMutation,
)
_TYPES = [
    Institution,
    Person,
    Skill,
    PlanDirection,
    HorizontalIssue,
    ProjectTeam,
    Activity,
    Invitation,
    Post,
    Decision,
    Task,
]

# Merged from every concept's module (merge_types warns on a root field defined twice), then described.
Query = strawberry.type(
    merge_types("Query", _QUERIES),
    description="Reading the hub: every query needs a signed-in civil servant except `me`, and `auditLog` "
    "an administrator; teams, and everything in them, follow the team's visibility.",
)
Mutation = strawberry.type(
    merge_types("Mutation", _MUTATIONS),
    description="Changing the hub: each mutation says who may run it; every change is recorded as an "
    "Activity in the audit trail and the affected feeds.",
)

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2000


# The depth and alias rules, built once: ValidationCache is keyed by the rule classes, and each
# QueryDepthLimiter / MaxAliasesLimiter instance builds a new class, so per-operation instances
# made every request miss the cache and validate again.
LIMIT_RULES = [
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
]


def build_schema(
    *,
    production: bool,
    limits: Limits | None = None,
    tracing: Callable[[], SchemaExtension] | None = None,
) -> strawberry.Schema:
    schema = Schema(
        query=Query,
        mutation=Mutation,
        types=_TYPES,
        subscription=Subscription,
        # Subscribers asking the same of an event share one execution (hub/api/shared_results.py).
        execution_context_class=SharedSubscriptionResults,
        # Factories: Strawberry builds fresh extensions per operation (the caches are module-wide).
        extensions=[
            # First: the operation span (hub/tracing.py) covers every other extension's work.
            *([tracing] if tracing else []),
            Authorize,
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            lambda: ReportingParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
            lambda: AddValidationRules(LIMIT_RULES),
            # No introspection in production (`__typename` still answers).
            *([DisableIntrospection] if production else []),
            # After ValidationCache: variables and text checked before anything costs or runs.
            RequestChecks,
            # After ValidationCache: costs only documents that validated.
            *([lambda: QueryCost(limits)] if limits else []),
            OperationMetrics,
            *([] if production else [CypherRoundTrips]),
            # Last: answers every query and mutation with the planner once every check has passed.
            PlannedOperations,
        ],
    )
    describe_enum_values(graphql_schema(schema))
    registry = Registry(_QUERIES, _MUTATIONS)
    registry.check(graphql_schema(schema))
    PlannedOperations.registry = registry
    return schema


# The schema as committed in schema.graphql (the production flag changes no types).
schema = build_schema(production=False)
