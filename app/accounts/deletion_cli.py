"""Commands of account deletion: complete the deletions whose grace period ended
(``flask deletions purge``, for cron)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.accounts import deletion_purge
from app.accounts.deletion import placeholder
from app.core.db import utcnow
from app.extensions import db


@dataclass
class PurgeRun:
    #: Ids of the accounts this run deleted.
    deleted: list[int]
    #: Accounts whose deletion failed (rolled back, tried again by the next run).
    failed: int = 0


def purge_due(now: datetime | None = None) -> PurgeRun:
    """Complete every deletion due at ``now``, each account in a transaction of its own, so one
    that fails (rolled back, logged by id) keeps no other from being completed. Safe to run
    twice at once (accounts another run is deleting are skipped) and again (nothing left)."""
    now = now or utcnow()
    placeholder()  # created in a short transaction of its own, not inside a first deletion
    db.session.commit()
    run = PurgeRun(deleted=[])
    for user_id in deletion_purge.due(now):
        db.session.rollback()  # a fresh transaction (and snapshot) for each account
        try:
            purged = deletion_purge.purge_account(user_id, now)
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            # The class only: a database error's text may quote the person's address.
            current_app.logger.error(
                "account deletion failed",
                extra={"data": {"user_id": user_id, "error": type(error).__name__}},
            )
            run.failed += 1
            continue
        if purged is not None:
            deletion_purge.remove_files(purged)
            run.deleted.append(user_id)
    return run


def init_app(app: Flask) -> None:
    group = AppGroup("deletions", help="Account deletions.")

    @group.command("purge")
    def purge_command() -> None:
        """Delete the accounts whose 14-day grace period has ended (for cron, daily or
        hourly). Each account in its own transaction; safe to run twice at once."""
        run = purge_due()
        click.echo(f"accounts deleted: {len(run.deleted)}; failed: {run.failed}")
        if run.failed:
            raise SystemExit(1)

    app.cli.add_command(group)
