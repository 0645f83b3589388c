"""The groups blueprint, shared by its route modules (``routes``, ``member_routes``,
``dashboard_routes``), and the lookups every one of them starts with."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from app.accounts.models import User
from app.groups import services
from app.groups.models import OversightGroup

bp = Blueprint("groups", __name__)


def viewer() -> User | None:
    return current_user._get_current_object() if current_user.is_authenticated else None


def group_or_404(slug: str) -> OversightGroup:
    """Groups are public: an unknown address is a 404 for everyone."""
    group = services.by_slug(slug)
    if group is None:
        abort(404)
    return group
