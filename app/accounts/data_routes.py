"""Download my data (/account/data)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("account_data", __name__)
