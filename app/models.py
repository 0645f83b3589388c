"""Imports every model module so Alembic and the app see the whole schema."""

from app.accounts.models import User  # noqa: F401
from app.institutions.models import Institution  # noqa: F401
from app.mail.models import OutboxMessage  # noqa: F401
from app.territory.models import Department, Municipality  # noqa: F401
