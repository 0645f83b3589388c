from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import AppGroup

from app.mail.services import deliver_pending


def init_app(app: Flask) -> None:
    group = AppGroup("outbox", help="Outgoing mail.")

    @group.command("send")
    @click.option("--loop", is_flag=True, help="Keep running, checking every --interval seconds.")
    @click.option("--interval", default=30, show_default=True, help="Seconds between checks.")
    def send(loop: bool, interval: int) -> None:
        """Deliver the pending mail that is due."""
        while True:
            counts = deliver_pending()
            click.echo(
                f"sent {counts['sent']}, retry later {counts['retry']}, failed {counts['failed']}"
            )
            if not loop:
                return
            time.sleep(interval)

    app.cli.add_command(group)
