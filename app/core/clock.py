"""The site's clock. Dates that people see (consultation windows, deadlines) are La Paz dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from app.core.db import utcnow


def site_timezone() -> ZoneInfo:
    name = current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else "America/La_Paz"
    return ZoneInfo(name)


def local_today(now: datetime | None = None) -> date:
    """Today's date in the site's timezone."""
    return (now or utcnow()).astimezone(site_timezone()).date()


def local_midnight(day: date) -> datetime:
    """The instant the site's ``day`` begins (La Paz midnight), as an aware UTC datetime."""
    return datetime.combine(day, time.min, tzinfo=site_timezone()).astimezone(UTC)


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
