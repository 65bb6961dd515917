"""The development mail sink: an SMTP server (aiosmtpd) that accepts every message and writes it
to a directory as an .eml file, which any mail program (or a text editor) opens.

`make run` starts it inside `hub serve` (HUB_MAIL_SINK=true); `hub mailsink` runs it alone.
aiosmtpd is a development dependency: the sink is refused in production."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class EmlWriter:
    """aiosmtpd handler: each message accepted becomes `<time>-<message id>.eml` in `directory`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd names it
        content: bytes = envelope.original_content or envelope.content
        match = re.search(rb"^Message-ID:\s*<([^>]+)>", content, re.MULTILINE | re.IGNORECASE)
        name = re.sub(r"[^\w.@-]", "_", match.group(1).decode("ascii", "replace")) if match else "message"
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        (self.directory / f"{stamp}-{name}.eml").write_bytes(content)
        return "250 Message accepted for delivery"


def start(directory: Path, port: int, host: str = "127.0.0.1") -> Any:
    """Start the sink in a thread of its own; returns the aiosmtpd Controller (`.stop()`)."""
    from aiosmtpd.controller import Controller

    # aiosmtpd logs every SMTP conversation at INFO; the sink's own line says where mail lands.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = Controller(EmlWriter(directory), hostname=host, port=port)
    controller.start()
    return controller
