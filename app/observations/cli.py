"""``flask uploads sweep``: the files no row uses (evidence, answer documents, session reports),
left by a request that failed half-way, removed once a day old. It joins the ``uploads`` group of
``app.core.storage_cli`` because only this package knows which rows point at stored files."""

from __future__ import annotations

import click
from flask import Flask

from app.core.storage import storage
from app.core.storage_cli import sweep_unused, uploads_cli
from app.observations.evidence import referenced


@uploads_cli.command("sweep")
@click.option(
    "--older-than-hours",
    default=24,
    show_default=True,
    help="Only files at least this old (a filing in progress has stored files not yet used).",
)
@click.option("--dry-run", is_flag=True, help="Count what would be removed; remove nothing.")
def sweep(older_than_hours: int, dry_run: bool) -> None:
    """Remove stored files that no row uses, once they are older than the grace period. For
    cron, daily."""
    removed, kept = sweep_unused(referenced(), older_than_hours, dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    click.echo(
        f"{verb} {removed} unused files from {storage().name} storage; kept {kept} newer than "
        f"{older_than_hours} h"
    )


def init_app(app: Flask) -> None:
    """Nothing to add: importing this module puts ``sweep`` in the ``uploads`` group."""
