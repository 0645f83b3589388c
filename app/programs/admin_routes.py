"""Admin pages for plans, programs, statuses and milestones (see forms in admin_forms.py), and
the CSV import of plans and programs (upload, preview, import: see the section at the end).

Every page is for admins only (``programs.admin``). Each POST is: validate the form, call one
admin service, commit once, redirect with a flash; an invalid form comes back (400) with what
was typed and nothing written. Plans, programs and statuses are ``app.core.crud.CrudView``
pages."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from app.accounts.permissions import requires
from app.config import ROOT
from app.core.admin_forms import ConfirmForm
from app.core.clock import local_today
from app.core.crud import CrudView
from app.core.pagination import paginate
from app.core.urls import bounded_int
from app.extensions import db
from app.programs import admin_services, import_check, import_uploads, importer, services
from app.programs.admin_forms import (
    MilestoneForm,
    PlanForm,
    ProgramForm,
    ProgramSearchForm,
    StatusForm,
)
from app.programs.import_form import ImportUploadForm
from app.programs.import_rows import CheckedFile
from app.programs.models import Milestone, Plan, Program, ProgramStatus

bp = Blueprint("programs_admin", __name__, url_prefix="/admin")

ADMIN = "programs.admin"


@bp.route("/")
@requires(ADMIN)
def home() -> ResponseReturnValue:
    return render_template("programs_admin/home.html")


class PlanPages(CrudView):
    model = Plan
    id_arg = "plan_id"
    form = PlanForm
    decorators = (requires(ADMIN),)
    list_template = "programs_admin/plans.html"
    form_template = "programs_admin/plan_form.html"
    object_name = "plan"
    saved_message = _l("The plan was saved.")

    def list_context(self) -> dict[str, Any]:
        page = paginate(admin_services.plans_query(), per_page=50)
        counts = admin_services.program_counts([plan.id for plan in page.items])
        return {"page": page, "counts": counts}

    def save(self, record: Plan | None, form: PlanForm) -> Plan:
        return admin_services.save_plan(record, form.to_data())

    def next_url(self, saved: Plan) -> str:
        return url_for("programs_admin.plans")


class ProgramPages(CrudView):
    model = Program
    id_arg = "program_id"
    form = ProgramForm
    decorators = (requires(ADMIN),)
    list_template = "programs_admin/programs.html"
    form_template = "programs_admin/program_form.html"
    object_name = "program"
    saved_message = _l("The program was saved.")

    def list_context(self) -> dict[str, Any]:
        form = ProgramSearchForm(request.args)
        form.plan.choices = [("", _("All plans"))] + [
            (p.id, f"{p.plan_type.value} {p.period_start}\N{EN DASH}{p.period_end}: {p.title}")
            for p in services.plans_for_select()
        ]
        valid = form.validate()
        query = admin_services.admin_program_query(
            (form.q.data or "") if valid else "", form.plan.data if valid else None
        )
        return {"form": form, "page": paginate(query, per_page=50)}

    def make_form(self, record: Program | None) -> ProgramForm:
        # New: ?plan_id=…&parent_id=… preset the plan (and its programs as parents) without
        # JavaScript.
        preset = {}
        if record is None:
            preset = {
                name: request.args.get(name, type=bounded_int)
                for name in ("plan_id", "parent_id")
                if request.args.get(name, type=bounded_int)
            }
        form = ProgramForm(editing=record, **preset)
        form.load_choices()
        return form

    def save(self, record: Program | None, form: ProgramForm) -> Program:
        return admin_services.save_program(record, form.to_data())

    def next_url(self, saved: Program) -> str:
        return url_for("programs_admin.edit_program", program_id=saved.id)


class StatusPages(CrudView):
    model = ProgramStatus
    id_arg = "status_id"
    form = StatusForm
    decorators = (requires(ADMIN),)
    list_template = "programs_admin/statuses.html"
    form_template = "programs_admin/status_form.html"
    object_name = "status"
    saved_message = _l("The status was saved.")

    def list_context(self) -> dict[str, Any]:
        return {"statuses": services.statuses()}

    def save(self, record: ProgramStatus | None, form: StatusForm) -> ProgramStatus:
        return admin_services.save_status(record, form.to_data())

    def next_url(self, saved: ProgramStatus) -> str:
        return url_for("programs_admin.statuses")


PlanPages.register(
    bp,
    index=("/plans", "plans"),
    new=("/plans/new", "new_plan"),
    edit=("/plans/<int:plan_id>/edit", "edit_plan"),
)
ProgramPages.register(
    bp,
    index=("/programs", "programs"),
    new=("/programs/new", "new_program"),
    edit=("/programs/<int:program_id>/edit", "edit_program"),
)
StatusPages.register(
    bp,
    index=("/statuses", "statuses"),
    new=("/statuses/new", "new_status"),
    edit=("/statuses/<int:status_id>/edit", "edit_status"),
)


# --- milestones -----------------------------------------------------------------------------


@bp.route("/programs/<int:program_id>/milestones", methods=["GET", "POST"])
@requires(ADMIN)
def milestones(program_id: int) -> ResponseReturnValue:
    program = db.get_or_404(Program, program_id)
    form = MilestoneForm()
    form.load_choices()
    if form.validate_on_submit():
        admin_services.add_milestone(program, form.to_data())
        db.session.commit()
        flash(_("The milestone was added. Followers of the program will be told."), "success")
        return redirect(url_for("programs_admin.milestones", program_id=program.id))
    code = 400 if form.is_submitted() else 200
    return (
        render_template(
            "programs_admin/milestones.html",
            program=program,
            milestones=program.milestones,
            today=local_today(),
            form=form,
            delete_form=ConfirmForm(),
        ),
        code,
    )


def _get_milestone(program_id: int, milestone_id: int) -> Milestone:
    milestone = db.get_or_404(Milestone, milestone_id)
    if milestone.program_id != program_id:
        abort(404)
    return milestone


class MilestonePages(CrudView):
    """Only the edit page: milestones are added and listed on their program's page above."""

    model = Milestone
    id_arg = "milestone_id"
    form = MilestoneForm
    decorators = (requires(ADMIN),)
    form_template = "programs_admin/milestone_form.html"
    object_name = "milestone"
    saved_message = _l("The milestone was saved.")

    def load(self) -> Milestone:
        return _get_milestone(self.view_args["program_id"], self.view_args["milestone_id"])

    def save(self, record: Milestone, form: MilestoneForm) -> Milestone:
        admin_services.update_milestone(record, form.to_data())
        return record

    def next_url(self, saved: Milestone) -> str:
        return url_for("programs_admin.milestones", program_id=saved.program_id)

    def form_context(self, record: Milestone) -> dict[str, Any]:
        return {"program": record.program}


MilestonePages.register(
    bp,
    edit=("/programs/<int:program_id>/milestones/<int:milestone_id>/edit", "edit_milestone"),
)


@bp.route("/programs/<int:program_id>/milestones/<int:milestone_id>/delete", methods=["POST"])
@requires(ADMIN)
def delete_milestone(program_id: int, milestone_id: int) -> ResponseReturnValue:
    milestone = _get_milestone(program_id, milestone_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    admin_services.delete_milestone(milestone)
    db.session.commit()
    flash(_("The milestone was deleted."), "success")
    return redirect(url_for("programs_admin.milestones", program_id=program_id))


# --- CSV import -----------------------------------------------------------------------------
# Upload → preview → apply, the web face of ``flask programs import`` (importer.py). The file
# is checked on upload; a file without problems is kept in storage under a random token that
# this browser session remembers (one import per session: a new upload drops the previous
# file). The preview checks it again and shows what would change; the apply button sends only
# the token: the file is read back from storage and checked once more under the import lock,
# inside the transaction that writes it, so nothing the browser says but "this file" is used.

#: The session entry naming this admin's pending upload: {"token": ..., "name": ...}.
IMPORT_SESSION = "programs_import"
DOCUMENTATION = ROOT / "docs" / "programs-import.md"
EXAMPLE = ROOT / "data" / "examples" / "programs.csv"


def _pending_upload(token: str) -> dict[str, str] | None:
    """This session's pending upload if ``token`` names it."""
    pending = session.get(IMPORT_SESSION)
    if isinstance(pending, dict) and pending.get("token") == token:
        return pending
    return None


def _forget_upload() -> None:
    pending = session.pop(IMPORT_SESSION, None)
    if isinstance(pending, dict) and isinstance(pending.get("token"), str):
        import_uploads.drop_upload(current_user.id, pending["token"])


#: The most problems and rows a page lists (a file of 2 MB can hold tens of thousands).
SHOWN = 500
#: A message quotes the wrong value; a cell can be 100,000 characters long.
MESSAGE_LENGTH = 400


def _import_page(template: str, checked: CheckedFile | None, **context: Any) -> str:
    """Render an import page; the problems become (line or None, message), the message (a lazy
    string) turned into text here, in the request's language, and cut to MESSAGE_LENGTH."""
    problems: list[tuple[int | None, str]] = []
    for problem in checked.errors[:SHOWN] if checked else []:
        message = str(problem.message)
        if len(message) > MESSAGE_LENGTH:
            message = message[:MESSAGE_LENGTH] + "\N{HORIZONTAL ELLIPSIS}"
        problems.append((problem.line, message))
    more = max(len(checked.errors) - SHOWN, 0) if checked else 0
    return render_template(
        template, checked=checked, problems=problems, more=more, row_limit=SHOWN, **context
    )


def _upload_gone(token: str) -> ResponseReturnValue:
    """A token that names no file waiting for this admin: stale, already imported, expired, or
    not theirs. Back to the upload form (a pending upload of this session is kept)."""
    db.session.rollback()
    if _pending_upload(token) is not None:
        session.pop(IMPORT_SESSION, None)
    flash(
        _(
            "This file is no longer waiting to be imported: it was imported already, replaced "
            "by another upload, or it expired. Upload it again to check it."
        ),
        "error",
    )
    return redirect(url_for("programs_admin.import_programs"))


@bp.route("/programs/import", methods=["GET", "POST"])
@requires(ADMIN)
def import_programs() -> ResponseReturnValue:
    form = ImportUploadForm()
    if form.is_submitted():
        _forget_upload()  # a new upload replaces the pending one, whatever becomes of it
    if form.validate_on_submit():
        checked = import_check.check_bytes(form.content)
        db.session.rollback()  # the check only read
        if checked.errors:
            return (
                _import_page("programs_admin/import.html", checked, form=form, name=form.filename),
                400,
            )
        token = import_uploads.keep_upload(current_user.id, form.content)
        session[IMPORT_SESSION] = {"token": token, "name": form.filename}
        return redirect(url_for("programs_admin.import_preview", token=token))
    status = 400 if form.is_submitted() else 200
    return _import_page("programs_admin/import.html", None, form=form), status


@bp.route("/programs/import/<token>")
@requires(ADMIN)
def import_preview(token: str) -> ResponseReturnValue:
    pending = _pending_upload(token)
    data = import_uploads.read_upload(current_user.id, token) if pending else None
    if pending is None or data is None:
        return _upload_gone(token)
    checked = import_check.check_bytes(data)
    db.session.rollback()  # the check only read
    return _import_page(
        "programs_admin/import_preview.html",
        checked,
        name=pending.get("name", ""),
        token=token,
        form=ConfirmForm(),
    )


@bp.route("/programs/import/<token>/apply", methods=["POST"])
@requires(ADMIN)
def import_apply(token: str) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    pending = _pending_upload(token)
    if pending is None:
        return _upload_gone(token)
    # Under the lock, a second click (or another admin's import of the same rows) waits for the
    # first to commit; it then finds the file gone, or sees the first one's rows and updates them.
    importer.lock()
    data = import_uploads.read_upload(current_user.id, token)
    if data is None:
        return _upload_gone(token)
    checked = import_check.check_bytes(data)
    if checked.errors:  # the database changed since the preview
        db.session.rollback()
        page = _import_page(
            "programs_admin/import_preview.html",
            checked,
            name=pending.get("name", ""),
            token=token,
            form=ConfirmForm(),
            changed=True,
        )
        return page, 409
    try:
        importer.apply_checked(checked)
        # Dropped before the commit, still under the lock: a request waiting on the lock for
        # this file finds it gone. Should the commit fail, the admin uploads the file again.
        import_uploads.drop_upload(current_user.id, token)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("programs import from the web admin failed")
        _forget_upload()
        page = _import_page(
            "programs_admin/import.html", None, form=ImportUploadForm(), failed=True
        )
        return page, 409
    session.pop(IMPORT_SESSION, None)
    flash(
        _(
            "The file was imported. Plans: %(plans_new)d new, %(plans_updated)d updated. "
            "Programs: %(programs_new)d new, %(programs_updated)d updated.",
            plans_new=checked.plans_new,
            plans_updated=checked.plans_updated,
            programs_new=checked.programs_new,
            programs_updated=checked.programs_updated,
        ),
        "success",
    )
    return redirect(url_for("programs_admin.plans"))


@bp.route("/programs/import/format")
@requires(ADMIN)
def import_format() -> ResponseReturnValue:
    """The documentation of the columns, as the plain text it is written in."""
    if not DOCUMENTATION.is_file():
        abort(404)
    # Read whole (a few KB) so no file handle outlives the request.
    return Response(
        DOCUMENTATION.read_bytes(),
        mimetype="text/plain",
        headers={"Cache-Control": "no-cache"},
    )


@bp.route("/programs/import/example.csv")
@requires(ADMIN)
def import_example() -> ResponseReturnValue:
    if not EXAMPLE.is_file():
        abort(404)
    return Response(
        EXAMPLE.read_bytes(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="programs.csv"',
            "Cache-Control": "no-cache",
        },
    )
