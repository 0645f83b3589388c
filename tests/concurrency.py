"""Run work side by side for the ``concurrency`` tests: real threads, each inside its own app
context (so its own scoped session and its own database connection), released together by a
barrier. On PostgreSQL the transactions really interleave; on SQLite writers queue for the one
write lock, so the same tests check the serial case there."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from app.extensions import db

#: Seconds a test waits for its threads before it calls them stuck.
TIMEOUT = 60


def is_postgres(app: Flask) -> bool:
    return str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql")


def run_together(app: Flask, count: int, work: Callable[[int], Any]) -> list[Any]:
    """Call ``work(i)`` for i in 0..count-1, each in a thread of its own with its own app
    context and session, all released at once. Returns the results in order; re-raises the
    first exception a thread raised (after every thread has finished)."""
    barrier = threading.Barrier(count, timeout=TIMEOUT)
    results: list[Any] = [None] * count
    errors: list[BaseException | None] = [None] * count

    def runner(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                results[i] = work(i)
            except BaseException as error:
                errors[i] = error
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    if any(thread.is_alive() for thread in threads):
        raise AssertionError("a concurrent worker did not finish in time (deadlock?)")
    for error in errors:
        if error is not None:
            raise error
    return results
