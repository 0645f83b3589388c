"""Delete my account (/account/delete) and its grace period."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("account_deletion", __name__)
