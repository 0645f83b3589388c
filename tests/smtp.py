"""Local SMTP servers (aiosmtpd on 127.0.0.1) for the outbox tests, the worker concurrency tests
and the mail benchmark."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiosmtpd.controller import Controller
from flask import Flask

from tests.conftest import free_port


class CountingInbox:
    """Keeps every recipient, counts connections, and takes ``delay`` seconds per message (a
    slow relay)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.recipients: list[str] = []
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # type: ignore[no-untyped-def]
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        if self.delay:
            await asyncio.sleep(self.delay)
        self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"


@contextmanager
def serving(handler: Any) -> Iterator[int]:
    """Run ``handler`` on a free port of 127.0.0.1; yields the port."""
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def point_app_at(app: Flask, monkeypatch: Any, port: int, timeout: int) -> None:
    """Send the app's mail to the local server on ``port``."""
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", timeout)
