"""Admin pages for the observation reference lists: categories, actor types, holidays.

Every page is for admins only (``observations.admin``). Each POST is: validate the form, call
one admin service, commit once, redirect with a flash; an invalid form comes back (400) with
what was typed and nothing written. Categories and actor types are never deleted (filed
observations point at them): a category is deactivated instead."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from app.accounts.permissions import requires
from app.core.admin_forms import ConfirmForm
from app.core.clock import local_today
from app.core.i18n import current_language
from app.core.workdays import holiday_names_language
from app.extensions import db
from app.observations import admin_services
from app.observations.admin_forms import ActorTypeForm, CategoryForm, HolidayForm, HolidayYearForm
from app.observations.models import ActorType, AdminHoliday, Category, Observation

bp = Blueprint("observations_admin", __name__, url_prefix="/admin")

ADMIN = "observations.admin"


def _get(model: type, object_id: int) -> Any:
    found = db.session.get(model, object_id)
    if found is None:
        abort(404)
    return found


# --- categories -----------------------------------------------------------------------------


@bp.route("/categories")
@requires(ADMIN)
def categories():  # type: ignore[no-untyped-def]
    return render_template(
        "observations_admin/categories.html",
        categories=admin_services.categories(),
        counts=admin_services.observation_counts(Observation.category_id),
    )


@bp.route("/categories/new", methods=["GET", "POST"])
@requires(ADMIN)
def new_category():  # type: ignore[no-untyped-def]
    return _category_form(None)


@bp.route("/categories/<int:category_id>/edit", methods=["GET", "POST"])
@requires(ADMIN)
def edit_category(category_id: int):  # type: ignore[no-untyped-def]
    return _category_form(_get(Category, category_id))


def _category_form(category: Category | None):  # type: ignore[no-untyped-def]
    form = CategoryForm(editing=category)
    form.load_choices()
    if form.validate_on_submit():
        admin_services.save_category(category, form.to_data())
        db.session.commit()
        flash(_("The category was saved."), "success")
        return redirect(url_for("observations_admin.categories"))
    code = 400 if form.is_submitted() else 200
    return (
        render_template("observations_admin/category_form.html", form=form, category=category),
        code,
    )


# --- actor types ----------------------------------------------------------------------------


@bp.route("/actor-types")
@requires(ADMIN)
def actor_types():  # type: ignore[no-untyped-def]
    return render_template(
        "observations_admin/actor_types.html",
        actor_types=admin_services.actor_types(),
        counts=admin_services.observation_counts(Observation.actor_type_id),
    )


@bp.route("/actor-types/new", methods=["GET", "POST"])
@requires(ADMIN)
def new_actor_type():  # type: ignore[no-untyped-def]
    return _actor_type_form(None)


@bp.route("/actor-types/<int:actor_type_id>/edit", methods=["GET", "POST"])
@requires(ADMIN)
def edit_actor_type(actor_type_id: int):  # type: ignore[no-untyped-def]
    return _actor_type_form(_get(ActorType, actor_type_id))


def _actor_type_form(actor_type: ActorType | None):  # type: ignore[no-untyped-def]
    form = ActorTypeForm(editing=actor_type)
    form.load_choices()
    if form.validate_on_submit():
        admin_services.save_actor_type(actor_type, form.to_data())
        db.session.commit()
        flash(_("The actor type was saved."), "success")
        return redirect(url_for("observations_admin.actor_types"))
    code = 400 if form.is_submitted() else 200
    return (
        render_template(
            "observations_admin/actor_type_form.html", form=form, actor_type=actor_type
        ),
        code,
    )


# --- holidays -------------------------------------------------------------------------------


@bp.route("/holidays")
@requires(ADMIN)
def holidays():  # type: ignore[no-untyped-def]
    today = local_today()
    form = HolidayYearForm(request.args)
    year = form.year.data if form.validate() else today.year
    form.year.data = year
    years = sorted({year, *admin_services.holiday_years(today)}, reverse=True)
    form.year.choices = [(y, str(y)) for y in years]
    return render_template(
        "observations_admin/holidays.html",
        form=form,
        listing=admin_services.holidays_of_year(year, today),
        national=admin_services.package_holidays(year, holiday_names_language(current_language())),
        delete_form=ConfirmForm(),
    )


@bp.route("/holidays/new", methods=["GET", "POST"])
@requires(ADMIN)
def new_holiday():  # type: ignore[no-untyped-def]
    return _holiday_form(None)


@bp.route("/holidays/<int:holiday_id>/edit", methods=["GET", "POST"])
@requires(ADMIN)
def edit_holiday(holiday_id: int):  # type: ignore[no-untyped-def]
    return _holiday_form(_get(AdminHoliday, holiday_id))


def _holiday_form(holiday: AdminHoliday | None):  # type: ignore[no-untyped-def]
    form = HolidayForm(editing=holiday)
    form.load_choices()
    if form.validate_on_submit():
        saved, moved = admin_services.save_holiday(holiday, form.to_data())
        db.session.commit()
        flash(_("The holiday was saved."), "success")
        _flash_moved(moved)
        return redirect(url_for("observations_admin.holidays", year=saved.on_date.year))
    code = 400 if form.is_submitted() else 200
    return (
        render_template("observations_admin/holiday_form.html", form=form, holiday=holiday),
        code,
    )


@bp.route("/holidays/<int:holiday_id>/delete", methods=["POST"])
@requires(ADMIN)
def delete_holiday(holiday_id: int):  # type: ignore[no-untyped-def]
    holiday = _get(AdminHoliday, holiday_id)
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
