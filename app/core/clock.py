"""The site's clock. Dates that people see (consultation windows, deadlines) are La Paz dates."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from app.core.db import utcnow


def site_timezone() -> ZoneInfo:
    name = current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else "America/La_Paz"
    return ZoneInfo(name)


def local_today(now: datetime | None = None) -> date:
    """Today's date in the site's timezone."""
    return (now or utcnow()).astimezone(site_timezone()).date()
