"""Admin pages for the observation reference lists: categories, actor types, holidays.

Every page is for admins only (``observations.admin``) and follows ``app.core.crud.CrudView``:
validate the form, call one admin service, commit once, redirect with a flash; an invalid form
comes back (400) with what was typed and nothing written. Categories and actor types are never
deleted (filed observations point at them): a category is deactivated instead."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.accounts.permissions import requires
from app.core.admin_forms import ConfirmForm
from app.core.clock import local_today
from app.core.crud import CrudView
from app.core.i18n import current_language
from app.core.workdays import holiday_names_language
from app.extensions import db
from app.observations import admin_services
from app.observations.admin_forms import ActorTypeForm, CategoryForm, HolidayForm, HolidayYearForm
from app.observations.models import ActorType, AdminHoliday, Category, Observation

bp = Blueprint("observations_admin", __name__, url_prefix="/admin")

ADMIN = "observations.admin"


class CategoryPages(CrudView):
    model = Category
    id_arg = "category_id"
    form = CategoryForm
    decorators = (requires(ADMIN),)
    list_template = "observations_admin/categories.html"
    form_template = "observations_admin/category_form.html"
    object_name = "category"
    saved_message = _l("The category was saved.")

    def list_context(self) -> dict[str, Any]:
        return {
            "categories": admin_services.categories(),
            "counts": admin_services.observation_counts(Observation.category_id),
        }

    def save(self, record: Category | None, form: CategoryForm) -> Category:
        return admin_services.save_category(record, form.to_data())

    def next_url(self, saved: Category) -> str:
        return url_for("observations_admin.categories")


class ActorTypePages(CrudView):
    model = ActorType
    id_arg = "actor_type_id"
    form = ActorTypeForm
    decorators = (requires(ADMIN),)
    list_template = "observations_admin/actor_types.html"
    form_template = "observations_admin/actor_type_form.html"
    object_name = "actor_type"
    saved_message = _l("The actor type was saved.")

    def list_context(self) -> dict[str, Any]:
        return {
            "actor_types": admin_services.actor_types(),
            "counts": admin_services.observation_counts(Observation.actor_type_id),
        }

    def save(self, record: ActorType | None, form: ActorTypeForm) -> ActorType:
        return admin_services.save_actor_type(record, form.to_data())

    def next_url(self, saved: ActorType) -> str:
        return url_for("observations_admin.actor_types")


class HolidayPages(CrudView):
    """Saving a holiday may move the due dates of observations in progress: said after saving."""

    model = AdminHoliday
    id_arg = "holiday_id"
    form = HolidayForm
    decorators = (requires(ADMIN),)
    list_template = "observations_admin/holidays.html"
    form_template = "observations_admin/holiday_form.html"
    object_name = "holiday"
    saved_message = _l("The holiday was saved.")

    #: Due dates the save recomputed.
    moved = 0

    def list_context(self) -> dict[str, Any]:
        today = local_today()
        form = HolidayYearForm(request.args)
        year = form.year.data if form.validate() else today.year
        form.year.data = year
        years = sorted({year, *admin_services.holiday_years(today)}, reverse=True)
        form.year.choices = [(y, str(y)) for y in years]
        return {
            "form": form,
            "listing": admin_services.holidays_of_year(year, today),
            "national": admin_services.package_holidays(
                year, holiday_names_language(current_language())
            ),
            "delete_form": ConfirmForm(),
        }

    def save(self, record: AdminHoliday | None, form: HolidayForm) -> AdminHoliday:
        saved, self.moved = admin_services.save_holiday(record, form.to_data())
        return saved

    def after_save(self, saved: AdminHoliday) -> None:
        _flash_moved(self.moved)

    def next_url(self, saved: AdminHoliday) -> str:
        return url_for("observations_admin.holidays", year=saved.on_date.year)


CategoryPages.register(
    bp,
    index=("/categories", "categories"),
    new=("/categories/new", "new_category"),
    edit=("/categories/<int:category_id>/edit", "edit_category"),
)
ActorTypePages.register(
    bp,
    index=("/actor-types", "actor_types"),
    new=("/actor-types/new", "new_actor_type"),
    edit=("/actor-types/<int:actor_type_id>/edit", "edit_actor_type"),
)
HolidayPages.register(
    bp,
    index=("/holidays", "holidays"),
    new=("/holidays/new", "new_holiday"),
    edit=("/holidays/<int:holiday_id>/edit", "edit_holiday"),
)


@bp.route("/holidays/<int:holiday_id>/delete", methods=["POST"])
@requires(ADMIN)
def delete_holiday(holiday_id: int) -> ResponseReturnValue:
    holiday = db.get_or_404(AdminHoliday, holiday_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    year = holiday.on_date.year
    moved = admin_services.delete_holiday(holiday)
    db.session.commit()
    flash(_("The holiday was deleted."), "success")
    _flash_moved(moved)
    return redirect(url_for("observations_admin.holidays", year=year))


def _flash_moved(moved: int) -> None:
    if moved:
        flash(
            ngettext(
                "The due date of %(num)d observation in progress was recomputed.",
                "The due dates of %(num)d observations in progress were recomputed.",
                moved,
            ),
            "info",
        )
