"""Rendición pública de cuentas: the public list of institutions without a session this semester,
report downloads, and the pages where institution admins record their sessions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.accountability import sessions
from app.accountability.forms import SessionForm
from app.accountability.models import AccountabilitySession
from app.accounts.permissions import require
from app.core.admin_forms import ConfirmForm
from app.core.clock import local_today
from app.core.crud import CrudView
from app.core.storage import send_stored
from app.core.uploads import UploadRejected
from app.extensions import db
from app.institutions.models import Institution

bp = Blueprint("accountability_sessions", __name__)

MANAGE = "accountability.manage_sessions"


#: Semesters listed on the public page: this one and the ones before it.
SEMESTERS_SHOWN = 4


@bp.route("/accountability/sessions")
def missing() -> ResponseReturnValue:
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
def report(session_id: int) -> ResponseReturnValue:
    found = db.get_or_404(AccountabilitySession, session_id)
    if not found.report_key:
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
    found = db.get_or_404(Institution, institution_id)
    require(MANAGE, found)
    return found


def _session(institution: Institution, session_id: int) -> AccountabilitySession:
    found = db.get_or_404(AccountabilitySession, session_id)
    if found.institution_id != institution.id:
        abort(404)
    return found


def _back(institution: Institution) -> str:
    return url_for("accountability.institution", institution_id=institution.id) + "#sessions"


class SessionPages(CrudView):
    """Recording a session: its date, place and notes, the report (a PDF, required once) and the
    public observations it answered (their codes). Who may: ``accountability.manage_sessions``
    on the institution of the URL."""

    model = AccountabilitySession
    id_arg = "session_id"
    form = SessionForm
    decorators = (login_required,)
    form_template = "accountability/session_form.html"
    object_name = "found"
    saved_message = _l("The accountability session was saved.")

    def prepare(self) -> None:
        self.institution = _institution(self.view_args["institution_id"])

    def load(self) -> AccountabilitySession:
        return _session(self.institution, self.view_args["session_id"])

    def make_form(self, record: AccountabilitySession | None) -> SessionForm:
        form = SessionForm(obj=record)
        if record is not None and request.method == "GET":
            form.observations.data = sessions.linked_codes(record)
        return form

    def save(
        self, record: AccountabilitySession | None, form: SessionForm
    ) -> AccountabilitySession | None:
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
        elif record is None or not record.report_key:
            form.report.errors = [_("Attach the report presented at the session (PDF).")]
        if form.observations.errors or form.report.errors:
            return None
        return sessions.save_session(
            record,
            institution=self.institution,
            held_on=form.held_on.data,
            place=form.place.data,
            notes=form.notes.data or "",
            observations=observations,
            report=report,
            actor=current_user,
        )

    def next_url(self, saved: AccountabilitySession) -> str:
        return _back(self.institution)

    def form_context(self, record: AccountabilitySession | None) -> dict[str, Any]:
        return {"institution": self.institution}


SessionPages.register(
    bp,
    new=("/institutions/<int:institution_id>/sessions/new", "new"),
    edit=("/institutions/<int:institution_id>/sessions/<int:session_id>/edit", "edit"),
)


@bp.route("/institutions/<int:institution_id>/sessions/<int:session_id>/delete", methods=["POST"])
@login_required
def delete(institution_id: int, session_id: int) -> ResponseReturnValue:
    institution = _institution(institution_id)
    found = _session(institution, session_id)
    if ConfirmForm().validate_on_submit():
        sessions.delete_session(found)
        db.session.commit()
        flash(_("The accountability session was deleted."), "success")
    return redirect(_back(institution))
