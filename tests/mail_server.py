"""A real SMTP server for the tests (aiosmtpd on a free port, in a thread of this process): it
keeps every message it accepted and can refuse them (451, "try again later") on demand."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, TypeVar

from aiosmtpd.controller import Controller

from tests.conftest import free_port

T = TypeVar("T")


class MailServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[EmailMessage] = []
        self.refusals = 0
        self.refusing = False  # refuse every message while set
        self.refuse_next = 0  # refuse this many messages, then accept
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd names it
        with self._lock:
            if self.refusing or self.refuse_next > 0:
                self.refuse_next = max(0, self.refuse_next - 1)
                self.refusals += 1
                return "451 4.3.0 Try again later"
            content = envelope.original_content or envelope.content
            message = BytesParser(policy=policy.default).parsebytes(content)
            assert isinstance(message, EmailMessage)
            self.received.append(message)
        return "250 OK"

    def start(self) -> MailServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def env(self) -> dict[str, str]:
        """A hub's settings for sending here."""
        return {"HUB_SMTP_HOST": "127.0.0.1", "HUB_SMTP_PORT": str(self.port), "HUB_SMTP_SECURITY": "none"}

    def messages(self, to: str | None = None) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.received if to is None or to in str(m["To"])]

    def wait_for(self, count: int, *, to: str | None = None, timeout_s: float = 60) -> list[EmailMessage]:
        """At least `count` messages (to `to`), or AssertionError after `timeout_s`."""
        return wait_until(lambda: self.messages(to) if len(self.messages(to)) >= count else None, timeout_s)


def wait_until(probe: Callable[[], T | None], timeout_s: float = 60, every_s: float = 0.1) -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s} s")
        time.sleep(every_s)


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    content: str = body.get_content()
    return content
