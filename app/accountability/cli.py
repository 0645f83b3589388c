from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.accountability import tallies
from app.extensions import db


def init_app(app: Flask) -> None:
    group = AppGroup("accountability", help="Accountability figures.")

    @group.command("rebuild-tallies")
    def rebuild_tallies_command() -> None:
        """Recount the accountability tallies from the observations. The app keeps them exact
        by itself; run this only after writing observations outside the app (a bulk load with
        SQL, a partial restore)."""
        months = tallies.rebuild(db.session.connection())
        db.session.commit()
        click.echo(f"accountability tallies recounted: {months} months")

    app.cli.add_command(group)
