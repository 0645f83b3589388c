from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import StrEnumType, UTCDateTime, enum_check, utcnow
from app.core.enums import TitledEnum
from app.core.i18n_content import LocalizedText, localized
from app.extensions import Model
from app.territory.models import Department, Municipality


class InstitutionKind(TitledEnum):
    MINISTRY = "ministry"
    DEPARTMENTAL_GOVERNMENT = "departmental_government"
    MUNICIPAL_GOVERNMENT = "municipal_government"
    INDIGENOUS_AUTONOMY = "indigenous_autonomy"
    PUBLIC_COMPANY = "public_company"
    DECENTRALISED_ENTITY = "decentralised_entity"
    OTHER = "other"

    __titles__ = {
        "ministry": _l("Ministry"),
        "departmental_government": _l("Departmental government (Gobernación)"),
        "municipal_government": _l("Municipal government"),
        "indigenous_autonomy": _l("Indigenous autonomous government"),
        "public_company": _l("Public company"),
        "decentralised_entity": _l("Decentralised public entity"),
        "other": _l("Other public body"),
    }


class Institution(Model):
    __tablename__ = "institutions"
    __table_args__ = (enum_check("kind", InstitutionKind, "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Name per UI language, e.g. {"es": "Ministerio de Salud", "qu": "..."}; Spanish is required.
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    acronym: Mapped[str] = mapped_column(String(20), default="")
    kind: Mapped[InstitutionKind] = mapped_column(StrEnumType(InstitutionKind))
    #: Where it governs or operates; None for national bodies.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"), index=True)
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    #: Overrides the category's response deadline (working days) when set.
    deadline_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()

    @property
    def name(self) -> LocalizedText:
        return localized(self.names)

    def __repr__(self) -> str:
        return f"<Institution {self.id} {self.names.get('es', '')!r}>"
