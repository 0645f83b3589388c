from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.extensions import db
from app.moderation.alerts import send_digests


def init_app(app: Flask) -> None:
    group = AppGroup("moderation", help="Moderation digests.")

    @group.command("digest")
    def digest_command() -> None:
        """Mail each moderator a digest of what waits (once per La Paz day; for cron)."""
        sent = send_digests()
        db.session.commit()
        click.echo(f"moderation digests queued: {sent}")

    app.cli.add_command(group)
