from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import StrEnumType, enum_check
from app.core.enums import TitledEnum
from app.extensions import Model


class MunicipalityKind(TitledEnum):
    MUNICIPALITY = "municipality"
    INDIGENOUS_AUTONOMY = "indigenous_autonomy"

    __titles__ = {
        "municipality": _l("Municipality"),
        "indigenous_autonomy": _l("Indigenous autonomy"),
    }


class Department(Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ISO 3166-2 code, e.g. BO-L for La Paz.
    iso_code: Mapped[str] = mapped_column(String(8), unique=True)
    #: Proper noun, the same in every language.
    name: Mapped[str] = mapped_column(String(80))

    municipalities: Mapped[list[Municipality]] = relationship(
        back_populates="department", order_by="Municipality.name"
    )

    def __repr__(self) -> str:
        return f"<Department {self.iso_code}>"


class Municipality(Model):
    __tablename__ = "municipalities"
    __table_args__ = (enum_check("kind", MunicipalityKind, "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: INE code (DDPPSS: department, province, section).
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    province: Mapped[str] = mapped_column(String(120), default="")
    kind: Mapped[MunicipalityKind] = mapped_column(
        StrEnumType(MunicipalityKind), default=MunicipalityKind.MUNICIPALITY
    )
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)

    department: Mapped[Department] = relationship(back_populates="municipalities")

    def __repr__(self) -> str:
        return f"<Municipality {self.code} {self.name}>"
