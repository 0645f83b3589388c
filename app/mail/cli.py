"""``flask outbox send``: deliver the outbox. Any number of these may run at once, on one host or
several: each claims its own batches (app/mail/claims.py), so no message goes out twice."""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import AppGroup

from app.mail.claims import new_worker_id
from app.mail.services import deliver_pending


def send_all_due(batch: int, worker_id: str) -> dict[str, int]:
    """Claim and send batches until nothing due is left unclaimed. Ends: every batch settles or
    releases what it claimed, and a retried message is not due again until later."""
    totals = {"sent": 0, "retry": 0, "failed": 0}
    while True:
        counts = deliver_pending(limit=batch, worker_id=worker_id)
        if not any(counts.values()):
            return totals
        for key, value in counts.items():
            totals[key] += value


def init_app(app: Flask) -> None:
    group = AppGroup("outbox", help="Outgoing mail.")

    @group.command("send")
    @click.option("--loop", is_flag=True, help="Keep running, checking every --interval seconds.")
    @click.option("--interval", default=30, show_default=True, help="Seconds between checks.")
    @click.option(
        "--batch",
        default=100,
        show_default=True,
        type=click.IntRange(min=1),
        help="Messages claimed (and sent over one SMTP connection) at a time.",
    )
    @click.option(
        "--worker-id",
        default=None,
        help="Name in claimed_by for this worker's claims (default: host:pid:random).",
    )
    def send(loop: bool, interval: int, batch: int, worker_id: str | None) -> None:
        """Deliver the pending mail that is due. Safe to run several at once."""
        worker = (worker_id or new_worker_id())[:80]
        while True:
            counts = send_all_due(batch, worker)
            click.echo(
                f"sent {counts['sent']}, retry later {counts['retry']}, failed {counts['failed']}"
            )
            if not loop:
                return
            time.sleep(interval)

    app.cli.add_command(group)
