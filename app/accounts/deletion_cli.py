"""Commands of account deletion: complete the deletions whose grace period ended."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    pass
