"""Commands of the data exports (``/account/data``): ``flask exports build [--loop]`` builds the
pending archives (any number of these may run at once: each claims its own, see
app/accounts/export.py), ``flask exports purge`` deletes the archives past their week."""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import AppGroup

from app.accounts import export
from app.accounts import export_worker as worker
from app.extensions import db

exports_cli = AppGroup("exports", help="Download-my-data archives.")


@exports_cli.command("build")
@click.option("--loop", is_flag=True, help="Keep running, checking every --interval seconds.")
@click.option(
    "--interval",
    default=30,
    show_default=True,
    type=click.IntRange(min=1),
    help="Seconds between checks.",
)
def build(loop: bool, interval: int) -> None:
    """Build the pending archives and mail each person. Safe to run several at once."""
    while True:
        counts = worker.build_pending()
        click.echo(
            f"ready {counts['ready']}, retry later {counts['retry']}, failed {counts['failed']}, "
            f"taken over {counts['lost']}"
        )
        if not loop:
            return
        time.sleep(interval)


@exports_cli.command("purge")
def purge() -> None:
    """Delete the archives past their week, file and row. For cron, daily; running it twice
    does no harm."""
    purged = export.purge_expired()
    db.session.commit()
    export.remove_files(purged.keys)
    click.echo(f"removed {purged.count} expired archives")


def init_app(app: Flask) -> None:
    app.cli.add_command(exports_cli)
