"""The group's shared dashboard (members only): its observations, the programs it follows (the
coordinators add and remove them here), its activity, and the CSV of its observations."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.permissions import require
from app.core.clock import local_today
from app.core.pagination import Page, paginate
from app.extensions import db
from app.groups import dashboard, services
from app.groups.blueprint import bp, group_or_404
from app.groups.forms import ButtonForm, FollowProgramForm
from app.groups.models import OversightGroup
from app.observations.due_dates import overdue
from app.programs.models import Program


@dataclass
class DashboardPage(Page):
    """A page of the dashboard's list whose links lead to the dashboard, also when it is shown
    again by a form's POST (the follow form's errors)."""

    slug: str = ""

    def url(self, number: int) -> str:
        return url_for("groups.dashboard", slug=self.slug, page=number)


MEMBERS = "group.dashboard"
EDIT = "group.edit"
PER_PAGE = 50


def _page(group: OversightGroup) -> DashboardPage:
    found = paginate(dashboard.observations_query(group), per_page=PER_PAGE)
    return DashboardPage(found.items, found.number, found.per_page, found.total, group.slug)


def _render(
    group: OversightGroup,
    follow_form: FollowProgramForm,
    candidates: list[Program] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    return (
        render_template(
            "groups/dashboard.html",
            group=group,
            page=_page(group),
            awaiting=dashboard.GROUP_AWAITING,
            overdue=overdue,
            programs=services.followed_programs(group),
            activity=dashboard.activity(group),
            follow_form=follow_form,
            candidates=candidates or [],
            button=ButtonForm(formdata=None),
            viewer_id=current_user.id,
        ),
        status,
    )


def _programs_anchor(group: OversightGroup) -> ResponseReturnValue:
    return redirect(url_for("groups.dashboard", slug=group.slug, _anchor="programs"))


# The endpoint is "groups.dashboard" (the notifications and mails link to it).
@bp.route("/groups/<slug>/dashboard", endpoint="dashboard")
def dashboard_page(slug: str) -> ResponseReturnValue:
    group = group_or_404(slug)
    require(MEMBERS, group)
    return _render(group, FollowProgramForm(formdata=None))


@bp.route("/groups/<slug>/observations.csv")
def observations_csv(slug: str) -> ResponseReturnValue:
    group = group_or_404(slug)
    require(MEMBERS, group)
    today = local_today()
    response = Response(dashboard.csv_text(group, today), mimetype="text/csv")
    name = f"{group.slug}-observations-{today.isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/groups/<slug>/programs", methods=["POST"])
def follow_search(slug: str) -> ResponseReturnValue:
    """Follow the program a code names, or show the candidates when the words name several."""
    group = group_or_404(slug)
    require(EDIT, group)
    form = FollowProgramForm()
    if not form.validate_on_submit():
        return _render(group, form, status=400)
    found = services.find_programs(form.program.data or "")
    if not found:
        form.program.errors = [_("No program has that code or those words. Check them.")]
        return _render(group, form, status=400)
    if len(found) > 1:
        form.program.errors = [_("Several programs match: choose one in the list below.")]
        return _render(group, form, found, status=400)
    _follow(group, found[0])
    return _programs_anchor(group)


def _follow(group: OversightGroup, program: Program) -> None:
    services.follow_program(group, program)
    db.session.commit()
    flash(_("The group now follows program %(code)s.", code=program.code), "success")


def _program(program_id: int) -> Program:
    program = db.session.get(Program, program_id)
    if program is None:
        abort(404)
    return program


@bp.route("/groups/<slug>/programs/<int:program_id>/follow", methods=["POST"])
def follow(slug: str, program_id: int) -> ResponseReturnValue:
    group = group_or_404(slug)
    require(EDIT, group)
    program = _program(program_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    _follow(group, program)
    return _programs_anchor(group)


@bp.route("/groups/<slug>/programs/<int:program_id>/unfollow", methods=["POST"])
def unfollow(slug: str, program_id: int) -> ResponseReturnValue:
    group = group_or_404(slug)
    require(EDIT, group)
    program = _program(program_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    services.unfollow_program(group, program.id)
    db.session.commit()
    flash(_("The group no longer follows program %(code)s.", code=program.code), "success")
    return _programs_anchor(group)
