"""Rendición pública de cuentas: the public list of institutions without a session this semester,
report downloads, and the pages where institution admins record their sessions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accountability import sessions
from app.accountability.forms import SessionForm
from app.accountability.models import AccountabilitySession
from app.accounts.permissions import require
from app.core.admin_forms import ConfirmForm
from app.core.clock import local_today
from app.core.storage import send_stored
from app.core.uploads import UploadRejected
from app.extensions import db
from app.institutions.models import Institution

bp = Blueprint("accountability_sessions", __name__)

MANAGE = "accountability.manage_sessions"


#: Semesters listed on the public page: this one and the ones before it.
SEMESTERS_SHOWN = 4


@bp.route("/accountability/sessions")
def missing():  # type: ignore[no-untyped-def]
    semesters = [sessions.semester_of(local_today())]
    while len(semesters) < SEMESTERS_SHOWN:
        semesters.append(sessions.previous_semester(semesters[-1]))
    missing = sessions.without_session(semesters)
    return render_template(
        "accountability/sessions.html",
        semester=semesters[0],
        institutions=missing[semesters[0]],
        earlier=[(s, missing[s]) for s in semesters[1:]],
    )


@bp.route("/accountability/sessions/<int:session_id>/report")
def report(session_id: int):  # type: ignore[no-untyped-def]
    found = db.session.get(AccountabilitySession, session_id)
    if found is None or not found.report_key:
        abort(404)
    return send_stored(
        found.report_key,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"rendicion-de-cuentas-{found.institution_id}-{found.held_on}.pdf",
        max_age=3600,
        # The key is the content hash: a new report is a new ETag.
        etag=found.report_key.rsplit("/", 1)[-1].split(".", 1)[0],
    )


def _institution(institution_id: int) -> Institution:
    found = db.session.get(Institution, institution_id)
    if found is None:
        abort(404)
    require(MANAGE, found)
    return found


def _session(institution: Institution, session_id: int) -> AccountabilitySession:
    found = db.session.get(AccountabilitySession, session_id)
    if found is None or found.institution_id != institution.id:
        abort(404)
    return found


def _back(institution: Institution):  # type: ignore[no-untyped-def]
    return redirect(
        url_for("accountability.institution", institution_id=institution.id) + "#sessions"
    )


def _edit(institution: Institution, found: AccountabilitySession | None):  # type: ignore[no-untyped-def]
    form = SessionForm(obj=found)
    if found is not None and request.method == "GET":
        form.observations.data = sessions.linked_codes(found)
    if form.validate_on_submit():
        observations, unknown = sessions.parse_codes(form.observations.data or "")
        if unknown:
            form.observations.errors = [
                _("These codes are not public observations: %(codes)s", codes=", ".join(unknown))
            ]
        report = None
        upload = request.files.get(form.report.name)
        if upload is not None and upload.filename:
            try:
                report = sessions.clean_report(upload.read(), upload.filename)
                if report.mime != "application/pdf":
                    form.report.errors = [_("The report must be a PDF.")]
            except UploadRejected as error:
                form.report.errors = [str(error.message)]
        elif found is None or not found.report_key:
            form.report.errors = [_("Attach the report presented at the session (PDF).")]
        if not form.observations.errors and not form.report.errors:
            sessions.save_session(
                found,
                institution=institution,
                held_on=form.held_on.data,
                place=form.place.data,
                notes=form.notes.data or "",
                observations=observations,
                report=report,
                actor=current_user,
            )
            db.session.commit()
            flash(_("The accountability session was saved."), "success")
            return _back(institution)
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "accountability/session_form.html", institution=institution, form=form, found=found
        ),
        status,
    )


@bp.route("/institutions/<int:institution_id>/sessions/new", methods=["GET", "POST"])
@login_required
def new(institution_id: int):  # type: ignore[no-untyped-def]
    return _edit(_institution(institution_id), None)


@bp.route(
    "/institutions/<int:institution_id>/sessions/<int:session_id>/edit", methods=["GET", "POST"]
)
@login_required
def edit(institution_id: int, session_id: int):  # type: ignore[no-untyped-def]
    institution = _institution(institution_id)
    return _edit(institution, _session(institution, session_id))


@bp.route("/institutions/<int:institution_id>/sessions/<int:session_id>/delete", methods=["POST"])
@login_required
def delete(institution_id: int, session_id: int):  # type: ignore[no-untyped-def]
    institution = _institution(institution_id)
    found = _session(institution, session_id)
    if ConfirmForm().validate_on_submit():
        sessions.delete_session(found)
        db.session.commit()
        flash(_("The accountability session was deleted."), "success")
    return _back(institution)
