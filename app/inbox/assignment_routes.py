"""Taking and assigning observations inside an institution."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("inbox_assignment", __name__)
