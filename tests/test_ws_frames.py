"""`next` frames of shared results (hub/api/shared_results.py `next_frame`, used by the view's
`encode_json`): encoded once, the subscription id spliced in, byte for byte what Strawberry's
generic path sends; and WebSocket compression off by default."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.protocol import State
from websockets.server import ServerProtocol

from hub.api.shared_results import SharedData, next_frame
from hub.live.outlet import TextFrame
from tests import live_client as lc
from tests.conftest import Hub, served_hub
from tests.test_subscriptions import INSTITUTION_FEED, institution, rename, results_by_source


def compact(message: object) -> str:
    """Strawberry's view encoding (strawberry/http/base.py `encode_json`)."""
    return json.dumps(message, separators=(",", ":"))


DATA = {"institutionActivity": {"cursor": "e:7", "activity": {"verb": "institution.updated", "at": None}}}


def test_a_shared_next_frame_is_the_generic_encoding_with_its_own_id() -> None:
    shared = SharedData(DATA)
    for id in ("1", 'quote"and\\backslash', "ünïcode"):
        message: Any = {"id": id, "type": "next", "payload": {"data": shared}}
        assert next_frame(message, compact) == compact(message)


def test_a_shared_next_frame_keeps_each_subscribers_extensions() -> None:
    message: Any = {
        "id": "a",
        "type": "next",
        "payload": {"data": SharedData(DATA), "extensions": {"cypherQueries": 3}},
    }
    assert next_frame(message, compact) == compact(message)


def test_shared_data_is_encoded_once_for_all_its_subscribers() -> None:
    calls: list[object] = []

    def counting(value: object) -> str:
        calls.append(value)
        return compact(value)

    shared = SharedData(DATA)
    frames = [next_frame({"id": id, "type": "next", "payload": {"data": shared}}, counting) for id in "abc"]

    assert [json.loads(f or "")["id"] for f in frames] == ["a", "b", "c"]
    assert [c for c in calls if isinstance(c, SharedData)] == [shared]  # the data: once


def test_results_with_errors_unshared_data_and_other_messages_take_the_generic_path() -> None:
    errors = [{"message": "boom", "path": ["institutionActivity"]}]
    with_errors: Any = {"id": "1", "type": "next", "payload": {"data": SharedData(DATA), "errors": errors}}
    unshared: Any = {"id": "1", "type": "next", "payload": {"data": dict(DATA)}}
    no_data: Any = {"id": "1", "type": "next", "payload": {"data": None}}
    others: list[Any] = [{"type": "connection_ack"}, {"type": "pong"}, {"id": "1", "type": "complete"}]
    http_bodies: list[Any] = [{"data": {"ok": True}}, [{"data": None}], "text"]

    assert [next_frame(m, compact) for m in (with_errors, unshared, no_data, *others, *http_bodies)] == [
        None
    ] * 9


async def test_subscribers_sharing_a_result_each_get_the_frame_under_their_own_id(hub: Hub) -> None:
    fm = institution(hub, "FM")
    ws = await lc.connect(hub.ws_url, hub.ws_init())
    other = await lc.connect(hub.ws_url, hub.ws_init())
    for sid in ("a", "b"):
        await lc.subscribe(ws, sid, INSTITUTION_FEED, {"id": fm})
    await lc.subscribe(other, "c", INSTITUTION_FEED, {"id": fm})
    await lc.started(hub.base_url, 3)
    before = results_by_source(hub)

    rename(hub, fm, "Ministry of Finance")
    raw = [await asyncio.wait_for(ws.recv(), 20) for _ in range(2)] + [
        await asyncio.wait_for(other.recv(), 20)
    ]

    after = results_by_source(hub)
    assert (after["executed"] - before.get("executed", 0), after["shared"] - before.get("shared", 0)) == (
        1,
        2,
    )
    messages = [json.loads(r) for r in raw]
    assert sorted(m["id"] for m in messages) == ["a", "b", "c"]
    assert all(r == compact(m) for r, m in zip(raw, messages, strict=True))  # compact, same key order
    # Development mode: each subscription still reports its own round trips.
    assert all(set(m["payload"]) == {"data", "extensions"} for m in messages)
    assert all("cypherQueries" in m["payload"]["extensions"] for m in messages)
    assert len({compact(m["payload"]["data"]) for m in messages}) == 1
    assert messages[0]["payload"]["data"]["institutionActivity"]["activity"]["verb"] == "institution.updated"
    await ws.close()
    await other.close()


async def test_the_same_document_with_other_variables_is_not_shared(hub: Hub) -> None:
    fm, tm = institution(hub, "FM"), institution(hub, "TM")
    ws = await lc.connect(hub.ws_url, hub.ws_init())
    await lc.subscribe(ws, "fm", INSTITUTION_FEED, {"id": fm})
    await lc.subscribe(ws, "tm", INSTITUTION_FEED, {"id": tm})
    await lc.started(hub.base_url, 2)

    rename(hub, fm, "Finance")
    rename(hub, tm, "Transport")
    got = {}
    for _ in range(2):
        message = await lc.receive(ws)
        got[message["id"]] = message["payload"]["data"]["institutionActivity"]["activity"]["targetId"]

    assert got == {"fm": fm, "tm": tm}
    await ws.close()


@pytest.mark.parametrize("size", [0, 125, 126, 65_535, 65_536])  # each length encoding and its edges
def test_a_shared_frames_wire_bytes_are_what_websockets_sends_for_the_text(size: int) -> None:
    text = ('{"id":"ü","type":"next","payload":"' + "x" * size + '"}').encode()
    server = ServerProtocol()
    server.state = State.OPEN
    server.send_text(text)

    assert TextFrame(text).wire == b"".join(server.data_to_send())


async def test_websocket_compression_is_not_negotiated_by_default(hub: Hub) -> None:
    ws = await lc.connect(hub.ws_url, hub.ws_init())
    assert ws.request is not None and ws.response is not None
    assert "permessage-deflate" in ws.request.headers["Sec-WebSocket-Extensions"]  # offered
    assert "Sec-WebSocket-Extensions" not in ws.response.headers
    await ws.close()


async def test_websocket_compression_is_negotiated_when_enabled(hub_env: dict[str, str]) -> None:
    with served_hub({**hub_env, "HUB_WS_COMPRESSION": "true"}) as hub:
        fm = institution(hub, "FM")
        ws = await lc.connect(hub.ws_url, hub.ws_init())
        await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm})
        await lc.started(hub.base_url, 1)
        rename(hub, fm, "Finance")

        assert ws.response is not None
        assert ws.response.headers["Sec-WebSocket-Extensions"].startswith("permessage-deflate")
        payload = await lc.next_payload(ws)
        assert payload["data"]["institutionActivity"]["activity"]["targetId"] == fm
        await ws.close()


async def test_with_compression_enabled_compressing_and_plain_clients_of_one_feed_both_get_its_frames(
    hub_env: dict[str, str],
) -> None:
    # The shared wire bytes go to the plain socket; the compressing one frames its own copy.
    with served_hub({**hub_env, "HUB_WS_COMPRESSION": "true"}) as hub:
        fm = institution(hub, "ZM")
        deflating = await lc.connect(hub.ws_url, hub.ws_init())
        plain = await lc.connect(hub.ws_url, hub.ws_init(), compression=None)
        for ws in (deflating, plain):
            await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm})
        await lc.started(hub.base_url, 2)
        rename(hub, fm, "Finance")

        assert deflating.response is not None and plain.response is not None
        assert "Sec-WebSocket-Extensions" in deflating.response.headers
        assert "Sec-WebSocket-Extensions" not in plain.response.headers
        raw = [await asyncio.wait_for(ws.recv(), 20) for ws in (deflating, plain)]
        assert raw[0] == raw[1]
        assert json.loads(raw[0])["payload"]["data"]["institutionActivity"]["activity"]["targetId"] == fm
        for ws in (deflating, plain):
            await ws.close()
