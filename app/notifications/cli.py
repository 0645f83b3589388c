"""``flask notifications digest``: the daily digest mails (cron, once a day or more often: each
person gets at most one per La Paz day)."""

from __future__ import annotations

from datetime import datetime

import click
from flask import Flask
from flask.cli import AppGroup

from app.notifications.digest import send_digests


def init_app(app: Flask) -> None:
    group = AppGroup("notifications", help="Notification mail.")

    @group.command("digest")
    @click.option(
        "--today",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help="Act as if today were this La Paz date (YYYY-MM-DD), for testing.",
    )
    def digest(today: datetime | None) -> None:
        """Queue today's digest mails (idempotent: one per person and La Paz day)."""
        counts = send_digests(today.date() if today else None)
        click.echo(f"digests {counts['people']}, notifications listed {counts['items']}")

    app.cli.add_command(group)
