"""hub/http_protocol.py: a response's writes in one turn of the event loop leave as one socket
write; a close sends what is pending first. (Every HTTP test of the suite runs through it too.)"""

from __future__ import annotations

import asyncio

from hub.http_protocol import _OneWritePerTurn


class Socket(asyncio.Transport):
    """Records what reaches the socket."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_write_buffer_size(self) -> int:
        return 3


async def test_a_head_and_a_body_written_in_one_turn_leave_in_one_write() -> None:
    socket = Socket()
    transport = _OneWritePerTurn(socket, asyncio.get_running_loop())

    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(b'{"data":{}}')
    assert socket.writes == []  # not before the turn ends
    await asyncio.sleep(0)

    assert socket.writes == [b'HTTP/1.1 200 OK\r\n\r\n{"data":{}}']


async def test_writes_in_later_turns_leave_in_their_own_writes() -> None:
    socket = Socket()
    transport = _OneWritePerTurn(socket, asyncio.get_running_loop())

    transport.write(b"one")
    await asyncio.sleep(0)
    transport.write(b"two")
    await asyncio.sleep(0)

    assert socket.writes == [b"one", b"two"]


async def test_closing_sends_what_is_pending_first() -> None:
    socket = Socket()
    transport = _OneWritePerTurn(socket, asyncio.get_running_loop())

    transport.write(b"last words")
    transport.close()

    assert (socket.writes, socket.closed) == ([b"last words"], True)
    await asyncio.sleep(0)
    assert socket.writes == [b"last words"]  # not sent twice


async def test_nothing_is_written_to_a_socket_already_closing() -> None:
    socket = Socket()
    transport = _OneWritePerTurn(socket, asyncio.get_running_loop())

    transport.write(b"late")
    socket.close()
    await asyncio.sleep(0)

    assert socket.writes == []


async def test_the_write_buffer_counts_what_is_pending() -> None:
    socket = Socket()
    transport = _OneWritePerTurn(socket, asyncio.get_running_loop())

    transport.write(b"12345")

    assert transport.get_write_buffer_size() == 3 + 5
    await asyncio.sleep(0)
