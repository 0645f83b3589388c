"""The observations blueprint, shared by ``routes`` (the observation pages) and ``filing_routes``
(the filing pages)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("observations", __name__)
