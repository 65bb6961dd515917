"""What hub/live/internals.py takes from Strawberry's and uvicorn's internals, asserted exactly.

A release that renames, removes or reshapes any of it fails here, naming what changed, instead of
silently breaking live delivery: read the library's change, adapt hub/live/internals.py (or drop
the use), then this test. graphql-core's `Executor` methods used by the shared execution and the
fan-out loop are documented API; they are asserted too, being what the fan-out calls per event."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import strawberry
import uvicorn._types
from graphql import Executor
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.http.async_base_view import AsyncBaseHTTPView
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from uvicorn.config import Config
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState
from websockets.protocol import State
from websockets.server import ServerProtocol

from hub.api.shared_results import SharedSubscriptionResults
from hub.live import internals


def parameters(function: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(function).parameters)


def source(function: Callable[..., Any]) -> str:
    return inspect.getsource(function)


# --- Strawberry: the graphql-transport-ws handler ----------------------------------------------


def test_the_view_builds_its_graphql_transport_ws_handler_from_the_class_attribute() -> None:
    assert "graphql_transport_ws_handler_class" in vars(AsyncBaseHTTPView)["__annotations__"]
    assert "await self.graphql_transport_ws_handler_class(" in source(AsyncBaseHTTPView.run)
    assert issubclass(internals.LiveView, GraphQL)
    assert internals.LiveView.graphql_transport_ws_handler_class is internals.LiveHandler


def test_the_handler_is_built_with_these_arguments_and_keeps_view_socket_and_operations() -> None:
    assert parameters(BaseGraphQLTransportWSHandler.__init__) == [
        "self",
        "view",
        "websocket",
        "context",
        "root_value",
        "schema",
        "connection_init_wait_timeout",
        "max_subscriptions_per_connection",
    ]
    view, websocket = object(), object()
    handler = internals.LiveHandler(view, websocket, None, None, None, timedelta(seconds=1))  # type: ignore[arg-type]
    assert (handler.view, handler.websocket, handler.operations) == (view, websocket, {})


def test_each_operation_runs_as_its_own_task_of_run_operation_and_is_held_in_operations() -> None:
    subscribe = source(BaseGraphQLTransportWSHandler.handle_subscribe)
    assert "operation.task = asyncio.create_task(self.run_operation(operation))" in subscribe
    assert 'self.operations[message["id"]] = operation' in subscribe
    assert parameters(BaseGraphQLTransportWSHandler.run_operation) == ["self", "operation"]
    assert inspect.iscoroutinefunction(BaseGraphQLTransportWSHandler.run_operation)
    assert "id" in Operation.__slots__


def test_a_subscribe_message_gives_its_operation_the_payloads_query() -> None:
    # LiveHandler.handle_subscribe writes a `documentId`'s registered text into the payload's
    # `query` before Strawberry's handler reads it (hub/api/trusted_documents.py).
    assert parameters(BaseGraphQLTransportWSHandler.handle_subscribe) == ["self", "message"]
    subscribe = source(BaseGraphQLTransportWSHandler.handle_subscribe)
    assert 'message["payload"]["query"],' in subscribe
    assert "if not self.connection_acknowledged:" in subscribe
    assert 'if message["id"] in self.operations:' in subscribe


def test_an_operation_leaves_operations_before_its_complete_or_error_is_sent() -> None:
    # `alive` (operations still holds it) is what keeps a fan-out frame from following a complete.
    sending = source(Operation.send_operation_message)
    assert sending.index("self.handler.forget_id(self.id)") < sending.index("await self.handler.send_message")
    assert "del self.operations[id]" in source(BaseGraphQLTransportWSHandler.forget_id)
    assert "self.operations.pop(operation_id)" in source(BaseGraphQLTransportWSHandler.cleanup_operation)


def test_every_message_the_handler_sends_goes_through_send_message_and_shutdown_ends_it() -> None:
    assert parameters(BaseGraphQLTransportWSHandler.send_message) == ["self", "message"]
    assert "self.handler.send_message(" in source(Operation.send_operation_message)
    assert "await self.send_message(" in source(BaseGraphQLTransportWSHandler.handle_connection_init)
    assert parameters(BaseGraphQLTransportWSHandler.shutdown) == ["self"]
    assert "await self.shutdown()" in source(BaseGraphQLTransportWSHandler.handle)


def test_the_asgi_socket_adapter_holds_the_starlette_websocket_and_encodes_with_the_view() -> None:
    assert "self.ws = response" in source(ASGIWebSocketAdapter.__init__)
    assert "self.view.encode_json(message)" in source(ASGIWebSocketAdapter.send_json)
    assert parameters(ASGIWebSocketAdapter.close) == ["self", "code", "reason"]


# --- Strawberry: the execution context class ---------------------------------------------------


def test_the_schema_takes_an_execution_context_class_and_defaults_to_strawberrys_own() -> None:
    assert "execution_context_class" in parameters(strawberry.Schema.__init__)
    assert "execution_context_class or StrawberryGraphQLCoreExecutionContext" in source(
        strawberry.Schema.__init__
    )
    assert internals.StrawberryExecutionContext is StrawberryGraphQLCoreExecutionContext
    assert issubclass(SharedSubscriptionResults, Executor)


def test_graphql_core_builds_one_executor_and_a_copy_of_it_per_event() -> None:
    assert isinstance(inspect.getattr_static(Executor, "build"), classmethod)
    assert parameters(Executor.build_per_event_executor) == ["self", "payload"]
    assert parameters(Executor.execute_operation) == ["self", "serially"]
    assert "is_awaitable" in source(Executor.__init__)


# --- uvicorn: the websockets protocol -----------------------------------------------------------


async def test_the_websockets_protocol_keeps_the_state_the_bounded_close_and_direct_write_read() -> None:
    assert parameters(WebSocketsSansIOProtocol.__init__) == [
        "self",
        "config",
        "server_state",
        "app_state",
        "_loop",
    ]
    config = Config(app=lambda scope, receive, send: None, ws=internals.BoundedCloseWebSocketProtocol)
    config.load()
    protocol = internals.BoundedCloseWebSocketProtocol(config, ServerState(), {}, asyncio.get_running_loop())

    assert (protocol.handshake_complete, protocol.close_sent, protocol.disconnected) == (False, False, False)
    assert protocol.initial_response is None and protocol.transport is None
    assert isinstance(protocol.writable, asyncio.Event) and protocol.writable.is_set()
    assert isinstance(protocol.conn, ServerProtocol) and protocol.conn.state is State.CONNECTING
    assert protocol.loop is asyncio.get_running_loop()
    assert config.ws_protocol_class is internals.BoundedCloseWebSocketProtocol


def test_the_protocol_methods_the_subclass_extends_keep_their_shape() -> None:
    assert parameters(WebSocketsSansIOProtocol.connection_made) == ["self", "transport"]
    assert parameters(WebSocketsSansIOProtocol.send) == ["self", "message"]
    assert parameters(WebSocketsSansIOProtocol.run_asgi) == ["self"]
    assert inspect.iscoroutinefunction(WebSocketsSansIOProtocol.send)
    assert inspect.iscoroutinefunction(WebSocketsSansIOProtocol.run_asgi)
    assert hasattr(uvicorn._types, "ASGISendEvent")


def test_the_protocol_waits_for_a_writable_transport_before_each_send_and_keeps_the_scope() -> None:
    # What the bounded close guards against, and where `run_asgi` finds the scope's extensions.
    assert "await self.writable.wait()" in source(WebSocketsSansIOProtocol.send)
    assert "self.scope" in source(WebSocketsSansIOProtocol.run_asgi)
    assert "self.app(self.scope, self.receive, self.send)" in source(WebSocketsSansIOProtocol.run_asgi)
