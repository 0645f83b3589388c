"""Mail workers side by side (issue 13): how many mails a second 1 and 4 ``flask outbox send``
workers deliver, and proof that each message arrived exactly once.

    python -m bench.mail                                   # a temporary SQLite file
    python -m bench.mail --db /tmp/qhawaq-mail.db --messages 2000 --workers 1,4
    python -m bench.mail --db postgresql+psycopg://postgres@127.0.0.1:5432/bench --reset

Builds the schema by the migrations (a PostgreSQL database that already has tables is only
replaced with ``--reset``, which drops its ``public`` schema: use a throw-away database). For each
worker count it empties the outbox, queues ``--messages`` messages with Core inserts, starts a
local aiosmtpd server on a free port of 127.0.0.1 (``--delay`` seconds per message, to play a slow
relay), and starts that many worker processes (``spawn``: each its own interpreter, app and
database connection). They wait on a barrier, then each runs what ``flask outbox send`` runs
(``app.mail.cli.send_all_due``: claim a ``--batch``, send it over one SMTP connection, settle each
message, until nothing is due). Time runs from the barrier to the last worker's end, so app
start-up is left out. Afterwards the server's log must hold every message exactly once and every
row must be ``sent`` with its lease cleared; the script exits 1 otherwise.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select

from bench.generate import bench_app, database_url, make_app, prepare_target
from tests.smtp import CountingInbox

DOMAIN = "bench.qhawaq.bo"
BODY = "Su observación fue recibida. " * 20


@dataclass
class Result:
    workers: int
    messages: int
    seconds: float
    sent: int
    duplicates: int
    missing: int
    unsent_rows: int
    connections: int
    #: 1-minute load average before and after (other jobs on the machine skew the figures).
    load: tuple[float, float] = (0.0, 0.0)

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    @property
    def exact(self) -> bool:
        return self.duplicates == 0 and self.missing == 0 and self.unsent_rows == 0

    def line(self) -> str:
        return (
            f"  {self.workers} worker{'s' if self.workers > 1 else ' '}: {self.sent:,} mails in "
            f"{self.seconds:.2f} s = {self.per_second:,.0f} mails/s; SMTP connections "
            f"{self.connections}; received twice {self.duplicates}, missing {self.missing}, "
            f"rows not sent {self.unsent_rows}; load {self.load[0]:.1f} -> {self.load[1]:.1f}"
        )


def _queue(app: Any, count: int) -> list[str]:
    """Empty the outbox and queue ``count`` due messages, one recipient each."""
    from app.extensions import db
    from app.mail.models import OutboxMessage

    recipients = [f"m{i:06d}@{DOMAIN}" for i in range(count)]
    due = datetime.now(UTC) - timedelta(seconds=1)
    db.session.execute(delete(OutboxMessage))
    rows = [
        {
            "kind": "bench",
            "recipient": recipient,
            "subject": f"Observación {i}",
            "body": BODY,
            "language": "es",
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": due,
            "last_error": "",
            "created_at": due,
        }
        for i, recipient in enumerate(recipients)
    ]
    for start in range(0, len(rows), 1000):
        db.session.execute(insert(OutboxMessage), rows[start : start + 1000])
    db.session.commit()
    return recipients


def _unsent(app: Any) -> int:
    from app.extensions import db
    from app.mail.models import OutboxMessage, OutboxStatus

    return (
        db.session.scalar(
            select(func.count()).where(
                (OutboxMessage.status != OutboxStatus.SENT)
                | OutboxMessage.claimed_until.is_not(None)
            )
        )
        or 0
    )


def _worker(url: str, port: int, batch: int, barrier: Any, results: Any) -> None:
    """One ``flask outbox send`` in its own process (started with ``spawn``)."""
    from app.extensions import db
    from app.mail.claims import new_worker_id
    from app.mail.cli import send_all_due

    with tempfile.TemporaryDirectory(prefix="qhawaq-mail-") as instance:
        app = make_app(url, Path(instance))
        app.config.update(
            MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=30
        )
        with app.app_context():
            db.session.execute(select(1))  # connected before the clock starts
            db.session.commit()
            barrier.wait()
            start = time.monotonic()
            counts = send_all_due(batch, new_worker_id())
            end = time.monotonic()
            db.session.remove()
            db.engine.dispose()
    results.put((counts["sent"], start, end))


def measure(
    url: str, workers: int, messages: int, batch: int, delay: float, wait_load: float | None = None
) -> Result:
    from bench.programs_pages import wait_for_load
    from tests.smtp import serving

    with bench_app(url) as app:
        recipients = _queue(app, messages)
    if wait_load is not None:
        wait_for_load(wait_load, timeout=300)
    load_before = os.getloadavg()[0]
    inbox = CountingInbox(delay)
    with serving(inbox) as port:
        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(workers)
        results = context.Queue()
        processes = [
            context.Process(target=_worker, args=(url, port, batch, barrier, results))
            for _ in range(workers)
        ]
        for process in processes:
            process.start()
        finished = [results.get(timeout=600) for _ in processes]
        for process in processes:
            process.join(60)
        load_after = os.getloadavg()[0]
    received = Counter(inbox.recipients)
    with bench_app(url) as app:
        unsent = _unsent(app)
    return Result(
        workers=workers,
        messages=messages,
        seconds=max(end for _, _, end in finished) - min(start for _, start, _ in finished),
        sent=sum(sent for sent, _, _ in finished),
        duplicates=sum(1 for n in received.values() if n > 1),
        missing=len(set(recipients) - set(received)),
        unsent_rows=unsent,
        connections=inbox.connections,
        load=(load_before, load_after),
    )


def run(
    target: str | Path,
    messages: int = 2000,
    workers: tuple[int, ...] = (1, 4),
    batch: int = 50,
    delay: float = 0.0,
    reset: bool = False,
    wait_load: float | None = None,
) -> list[Result]:
    """Build the schema at ``target`` and measure each worker count in turn."""
    from flask_migrate import upgrade

    url = database_url(target)
    prepare_target(url, reset)
    with bench_app(url):
        upgrade()
    return [measure(url, n, messages, batch, delay, wait_load) for n in workers]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="a SQLite file path or a PostgreSQL URL (default: temporary)")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--workers", default="1,4", help="worker counts, e.g. 1,2,4")
    parser.add_argument("--batch", type=int, default=50, help="messages claimed at a time")
    parser.add_argument("--delay", type=float, default=0.0, help="SMTP seconds per message")
    parser.add_argument("--reset", action="store_true")
    parser.add_argument(
        "--wait-load",
        type=float,
        default=None,
        help="before each run, wait (up to 5 min) until the 1-minute load average is below this",
    )
    args = parser.parse_args(argv)
    counts = tuple(int(n) for n in args.workers.split(","))
    with tempfile.TemporaryDirectory(prefix="qhawaq-mail-bench-") as scratch:
        target = args.db or str(Path(scratch) / "mail.db")
        results = run(
            target, args.messages, counts, args.batch, args.delay, args.reset, args.wait_load
        )
    print(
        f"mail workers: {args.messages:,} messages, batch {args.batch}, SMTP delay "
        f"{args.delay * 1000:.0f} ms/message ({database_url(target).split(':')[0]})"
    )
    for result in results:
        print(result.line())
    exact = all(result.exact for result in results)
    print("each message received exactly once: " + ("yes" if exact else "NO"))
    return 0 if exact else 1


if __name__ == "__main__":
    raise SystemExit(main())
