"""The compiled pages (hub/api/compiled.py) and the hot mutations (hub/api/early_mutations.py)
answered before Strawberry's request pipeline.

Even with execution skipped, a team page through Strawberry paid for its per-request machinery
(the view, the execution context, a dozen extension hooks, the parser and validation cache
lookups, the result's processing) and for a second Neo4j query, the caller lookup: together about
40 % of the hub's CPU per page (docs/benchmarks.md, pages4). Here a POST /graphql whose document
text Strawberry has already parsed and validated as a compiled page (`compiled.validated_plan`,
remembered the first time that document passed every parse and validation rule: token, depth
and alias limits, introspection in production) is answered directly, with the same guards in
the same order:

- body size, content type and cross-site checks: GraphQLGuard, in front of everything;
- the caller: bearer token or session, as `Authenticated` resolves it (a bad token is the same
  401); the caller may come from hub/auth/callers.py, and the page's own query re-reads them;
- the operation name, the variables' coercion, the page size limit and the root fields' rules
  (`root_field_allowed`, with a mutation's arguments): anything unusual here goes to Strawberry,
  which reports it as usual;
- the cost limit and the rate limit (`limits.charge_cost`, the very function QueryCost uses);
- errors converted and masked by the app's `process_result`, as for every response;
- restricted teams: TEAM_VISIBLE inside the page's Cypher, as on the Strawberry path.

A request is left to Strawberry untouched (nothing charged) unless all of this applies; once
the cost is charged it is answered here. The one exception: when the page's or the mutation's
read says the caller is no longer who the cache said (a role changed, the person was archived),
the answer is dropped (a mutation has written nothing then) with the cache entry and the request
goes through Strawberry with a fresh lookup (the cost is then charged a second time for that
request). tests/test_early_pages.py and tests/test_early_mutations.py check the guards over HTTP
and that both paths send the same JSON.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol

import orjson
from graphql import GraphQLError
from starlette.requests import Request
from starlette.types import Scope, Send
from strawberry.types import ExecutionResult

from graph import identity
from graph.access import Viewer
from graph.driver import Graph, QueryCounter, count_queries
from hub.api.compiled import coerced_ids, root_field_allowed, validated_plan
from hub.api.context import Context
from hub.api.early_mutations import arguments, execute, validated_mutation
from hub.api.request_checks import check_request
from hub.auth.callers import CallerCache
from hub.config import Settings
from hub.graphql_http import response_media_type, status_of
from hub.limits import Limits, charge_cost
from hub.metrics import EARLY_MUTATIONS, EARLY_PAGES, OPERATION_LATENCY, OPERATIONS

# The request body's members Strawberry reads; any other (a persisted query's id…) is Strawberry's.
_MEMBERS = frozenset({"query", "variables", "operationName", "extensions"})

# The caller for this request, or None when a refusal (401…) was already sent.
ResolveViewer = Callable[[Scope, Send, CallerCache], Awaitable[Viewer | None]]


class GraphQLView(Protocol):
    """What the early path uses of the GraphQL app (hub/app.py `GraphQLApp`)."""

    settings: Settings
    limits: Limits

    @property
    def schema(self) -> Any: ...

    async def process_result(self, request: Any, result: Any) -> Any: ...

    def encode_json(self, data: object) -> str: ...


def _request(scope: Scope, body: bytes) -> tuple[str, dict[str, Any] | None, str | None] | None:
    """The query, variables and operation name of a plain single-operation JSON POST, or None."""
    if scope["method"] != "POST" or scope.get("query_string"):
        return None
    for name, value in scope["headers"]:
        # Streaming transports (multipart, SSE) and idempotency keys are Strawberry's to handle.
        if name == b"idempotency-key" or (
            name == b"accept" and (b"multipart" in value or b"event-stream" in value)
        ):
            return None
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None  # Strawberry answers 400 in its own words
    if not isinstance(data, dict) or not data.keys() <= _MEMBERS or data.get("extensions"):
        return None
    query, variables, name = data.get("query"), data.get("variables"), data.get("operationName")
    if (
        not isinstance(query, str)
        or not isinstance(variables, dict | None)
        or not isinstance(name, str | None)
    ):
        return None
    return query, variables, name


class EarlyPages:
    def __init__(self, view: GraphQLView) -> None:
        self.view = view
        self.callers = CallerCache()

    async def answer(self, scope: Scope, body: bytes, send: Send, resolve: ResolveViewer) -> bool:
        """Answer the request when it is a compiled page or a direct mutation (True), else leave
        it untouched (False)."""
        request = _request(scope, body)
        if request is None:
            return False
        query, variables, operation_name = request
        page = validated_plan(query)
        mutation = validated_mutation(query) if page is None else None
        operation = page[1] if page is not None else mutation.operation if mutation is not None else None
        if operation is None:
            return False
        if operation_name is not None and (operation.name is None or operation.name.value != operation_name):
            return False
        settings, schema = self.view.settings, self.view.schema
        args: dict[str, Any] | None = {}
        ids: dict[str, str] | None = None
        if page is not None:
            ids = coerced_ids(schema._schema, operation, variables, page[0].variables)
            if ids is None or page[0].first > settings.max_page_size:
                return False
        elif mutation is not None and (args := arguments(schema, mutation, variables)) is None:
            return False
        if check_request(schema, operation, {}, variables):
            return False  # Strawberry refuses it (hub/api/request_checks.py)
        viewer = await resolve(scope, send, self.callers)
        if viewer is None:
            return True  # refused (401), as `Authenticated` refuses
        graph: Graph = scope["app"].state.graph
        client = scope.get("client")
        context = Context(
            graph=graph, settings=settings, viewer=viewer, client_ip=client[0] if client else None
        )
        if not await root_field_allowed(context, operation, args):
            return False  # Strawberry reports the refusal

        start = time.perf_counter()
        counting: AbstractContextManager[QueryCounter | None] = (
            nullcontext(None) if settings.production else count_queries()
        )
        with counting as counter:
            error = charge_cost(self.view.limits, schema._schema, operation, {}, variables, context)
            result = ExecutionResult(data=None, errors=[error]) if error is not None else None
            if result is None:
                try:
                    if page is not None:
                        assert ids is not None
                        answer = await page[0].page(graph, viewer, ids)
                        identity.confirm_caller(viewer, answer.caller)
                        data = answer.data
                    else:
                        assert mutation is not None and args is not None
                        data = await execute(schema, mutation, args, context)
                except identity.CallerChanged:
                    # Nothing was written: the usual path, with a fresh lookup.
                    self.callers.forget(viewer.sign_in)
                    return False
                except Exception as exc:  # as Strawberry reports an exception in execution
                    failure = (
                        exc if isinstance(exc, GraphQLError) else GraphQLError(str(exc), original_error=exc)
                    )
                    self.view.schema.process_errors([failure])
                    result = ExecutionResult(data=None, errors=[failure])
                else:
                    result = ExecutionResult(data=data, errors=None)
        count, latency = _COUNTED[operation.operation.value, bool(result.errors)]
        (EARLY_PAGES if page is not None else EARLY_MUTATIONS).inc()
        count.inc()
        latency.observe(time.perf_counter() - start)
        if counter is not None:
            result.extensions = {"cypherQueries": counter.queries}
        processed = await self.view.process_result(Request(scope), result)
        try:
            content = orjson.dumps(processed)
        except TypeError:  # what orjson refuses, as the app's encoder handles it
            content = self.view.encode_json(processed).encode()
        # What Starlette's Response(content, media_type=…) sends, without one.
        accept = next(
            (value.decode("latin-1") for name, value in scope["headers"] if name == b"accept"), None
        )
        media_type = response_media_type(accept)
        headers = [(b"content-length", b"%d" % len(content)), (b"content-type", media_type.encode())]
        await send(
            {"type": "http.response.start", "status": status_of(media_type, processed), "headers": headers}
        )
        await send({"type": "http.response.body", "body": content})
        return True


# The operation counters of a page or mutation answered or failed, labelled once.
_COUNTED = {
    (kind, failed): (
        OPERATIONS.labels(type=kind, outcome=outcome),
        OPERATION_LATENCY.labels(type=kind, outcome=outcome),
    )
    for kind in ("query", "mutation")
    for failed, outcome in ((False, "ok"), (True, "error"))
}
