"""Commands of the data exports: build pending archives, purge expired ones."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    pass
