"""Applications that file through Open311 (``POST requests``) and what they filed.

An administrator registers an application and hands its key to whoever runs it; the key is shown
once and kept only as its SHA-256 digest (a key is 32 random bytes, so a fast digest is as good
as a slow password hash, and a request is checked with one indexed lookup). A revoked key stays
in the table, so what it filed keeps saying which application filed it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, utcnow
from app.extensions import Model
from app.observations.models import Observation


class ApiClient(Model):
    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: Who runs the application: an address or a web page, for the administrators' eyes only.
    contact: Mapped[str] = mapped_column(String(254), default="")
    #: The key's first characters, shown in the list so an administrator can tell keys apart.
    key_prefix: Mapped[str] = mapped_column(String(12))
    #: SHA-256 of the whole key, hex.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class Open311Filing(Model):
    """An observation an application filed, and the token its reply carried."""

    __tablename__ = "open311_filings"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: GeoReport's ``token``: resolved by ``GET tokens/<token>`` to the tracking code.
    token: Mapped[str] = mapped_column(String(40), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"), index=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    observation: Mapped[Observation] = relationship()
