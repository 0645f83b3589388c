from __future__ import annotations

from datetime import datetime

import click
from flask import Flask
from flask.cli import AppGroup

from app.deadlines.services import run
from app.extensions import db


def init_app(app: Flask) -> None:
    group = AppGroup("deadlines", help="Deadline reminders, digests and escalation.")

    @group.command("run")
    @click.option(
        "--today",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help="Act as if today were this La Paz date (YYYY-MM-DD), for testing.",
    )
    def run_command(today: datetime | None) -> None:
        """Send the reminders, digests and escalations that are due (idempotent; for cron)."""
        counts = run(today.date() if today else None)
        db.session.commit()
        click.echo(
            f"due soon {counts['due_soon']}, overdue {counts['overdue']}, "
            f"escalated {counts['escalated']}, digests {counts['digest']}, mails {counts['mails']}"
        )

    app.cli.add_command(group)
