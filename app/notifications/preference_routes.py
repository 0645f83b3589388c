"""Mail preferences (/account/notifications) and the one-click unsubscribe."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notification_preferences", __name__)
