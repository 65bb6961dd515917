"""The GraphQL schema: every concept's queries and mutations merged, plus `node(id)`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

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

from graph import (
    activity,
    decisions,
    directions,
    institutions,
    invitations,
    issues,
    people,
    posts,
    skills,
    tasks,
    teams,
)
from graph.driver import Record
from graph.ids import label_of
from hub.api.activities import Activity, ActivityQuery
from hub.api.authz import Authorize
from hub.api.base import GQLInfo, Node, from_record
from hub.api.compiled import CompiledPages
from hub.api.decisions import Decision, DecisionMutation
from hub.api.directions import DirectionQuery, PlanDirection
from hub.api.early_mutations import DirectMutations
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
from hub.api.people import Person, PersonMutation, PersonQuery
from hub.api.posts import Post, PostMutation
from hub.api.projected import ProjectedResults
from hub.api.request_checks import RequestChecks
from hub.api.round_trips import CypherRoundTrips
from hub.api.search import SearchQuery
from hub.api.shared_results import SharedSubscriptionResults
from hub.api.skills import Skill, SkillMutation, SkillQuery
from hub.api.tasks import Task, TaskMutation
from hub.api.teams import ProjectTeam, TeamMutation, TeamQuery, team
from hub.limits import Limits, QueryCost
from hub.metrics import OperationMetrics

_NODE_TYPES: dict[str, tuple[Callable[..., Awaitable[dict[str, Record]]], type]] = {
    "Institution": (institutions.by_ids, Institution),
    "Person": (people.by_ids, Person),
    "Skill": (skills.by_ids, Skill),
    "PlanDirection": (directions.by_ids, PlanDirection),
    "HorizontalIssue": (issues.by_ids, HorizontalIssue),
    "ProjectTeam": (teams.by_ids, ProjectTeam),
    "Activity": (activity.by_ids, Activity),
    "Invitation": (invitations.by_ids, Invitation),
    "Post": (posts.by_ids, Post),
    "Decision": (decisions.by_ids, Decision),
    "Task": (tasks.by_ids, Task),
}


_VIEWER_SCOPED = frozenset({"ProjectTeam", "Activity", "Invitation", "Post", "Decision", "Task"})


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by its global id, or null when there is none.")
    async def node(self, info: GQLInfo, id: strawberry.ID) -> Node | None:
        # The id's prefix names the type; each loader matches by that label, so an unknown id is null.
        label = label_of(id)
        if label is None:
            return None
        fetch, cls = _NODE_TYPES[label]
        # Team-bearing types filter by the viewer inside their query; the others take no viewer.
        loader = (
            info.context.loaders.one(fetch, info.context.viewer)
            if label in _VIEWER_SCOPED
            else info.context.loaders.one(fetch)
        )
        record = await loader.load(id)
        # ProjectTeam's converter fills defaults for teams created before migration 2.
        convert: Callable[[Record], Any] = team if cls is ProjectTeam else lambda r: from_record(cls, r)
        result: Any = convert(record) if record else None
        return result


Query = merge_types(
    "Query",
    (
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
    ),
)
Mutation = merge_types(
    "Mutation",
    (
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
    ),
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
    return Schema(
        query=Query,
        mutation=Mutation,
        types=[
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
        ],
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
            # Last: answers the compiled hot pages in one Cypher query once every check has passed.
            CompiledPages,
            # Remembers the validated hot mutations that hub/api/early_mutations.py may answer.
            DirectMutations,
            # Also last: large flat results (issueMap, collaborationNetwork) copied from records.
            ProjectedResults,
        ],
    )


# The schema as committed in schema.graphql (the production flag changes no types).
schema = build_schema(production=False)
