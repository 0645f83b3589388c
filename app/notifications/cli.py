"""Commands of notifications: the daily digest."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    pass
