"""Moderation pages: the triage queue, the flag queue (single and bulk actions), redaction,
attachments, account blocks, the editable reasons, and the public moderation log."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.permissions import require, requires
from app.comments.models import Comment
from app.core.pagination import paginate
from app.core.urls import bounded_int
from app.extensions import db
from app.moderation import blocking, log_views, redaction, services, triage
from app.moderation import flags as flag_queue
from app.moderation.forms import (
    BlockForm,
    BulkFlagsForm,
    DetailsForm,
    HideForm,
    RedactForm,
    RestoreForm,
    UnblockForm,
    reason_choices,
)
from app.moderation.models import TargetType
from app.moderation.reason_models import ModerationReason, ReasonKind
from app.moderation.services import ModerationError, Target
from app.observations import lookup
from app.observations.models import Category, Evidence, ObservationState
from app.territory.models import Department, Municipality

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

_ERRORS = {
    "own": lambda: _("You cannot moderate your own content."),
    "state": lambda: _("That is not possible in the item's current state."),
    "target": lambda: _("None of that text appears in this item. Copy it exactly."),
    "reason": lambda: _("Choose a reason."),
    "date": lambda: _("The end date must be in the future."),
}


def _refused(error: ModerationError) -> str:
    return _ERRORS.get(error.code, _ERRORS["state"])()


def _attempt(act: Callable[[], object], done: str) -> bool:
    """Run one moderation service call: commit and flash ``done``, or roll back and flash why
    it was refused. True when it was done."""
    try:
        act()
    except ModerationError as refused:
        db.session.rollback()
        flash(_refused(refused), "error")
        return False
    db.session.commit()
    flash(done, "success")
    return True


def _target(target_type: str, target_id: int) -> Target:
    if target_type not in (TargetType.COMMENT, TargetType.OBSERVATION):
        abort(404)
    target = services.load_target(TargetType(target_type), target_id)
    if target is None or getattr(target, "code", "") is None:
        abort(404)  # nothing, or an unsent draft (no code): the filer's alone, not moderation's
    return target


def _back_to(target: Target) -> str:
    if request.form.get("back") == "flags":
        return url_for("moderation.flags")
    if isinstance(target, Comment):
        return url_for("programs.detail", program_id=target.program_id, _anchor=f"c{target.id}")
    if target.code:
        return url_for("observations.detail", code=target.code)
    return url_for("moderation.queue")


# --- queues --------------------------------------------------------------------------------


@bp.route("")
@requires("moderation.queue")
def queue() -> str:
    page = paginate(triage.queue(), per_page=50)
    disputed = db.session.scalars(triage.queue(ObservationState.DISPUTED).limit(50)).all()
    return render_template("moderation/queue.html", page=page, disputed=disputed)


@bp.route("/flags")
@requires("moderation.queue")
def flags() -> str:
    page = flag_queue.grouped_page(request.args.get("page", 1, type=bounded_int) or 1)
    return render_template("moderation/flags.html", page=page, form=BulkFlagsForm(), chosen=[])


@bp.route("/flags", methods=["POST"])
@requires("moderation.queue")
def flags_bulk() -> ResponseReturnValue:
    form = BulkFlagsForm()
    chosen = flag_queue.parse_items(request.form.getlist("item"))
    if not chosen:
        form.form_errors.append(_("Select at least one item."))
    if form.validate_on_submit() and chosen:
        done, skipped = flag_queue.apply(
            form.action.data, chosen, current_user, form.reason, form.note.data or ""
        )
        db.session.commit()
        flash(ngettext("Done for %(num)d item.", "Done for %(num)d items.", done), "success")
        if skipped:
            flash(
                ngettext(
                    "%(num)d item was skipped (your own content, or not possible).",
                    "%(num)d items were skipped (your own content, or not possible).",
                    skipped,
                ),
                "info",
            )
        return redirect(url_for("moderation.flags"))
    page = flag_queue.grouped_page(1)
    return render_template("moderation/flags.html", page=page, form=form, chosen=chosen), 400


# --- single items --------------------------------------------------------------------------


@bp.route("/<target_type>/<int:target_id>/<any(hide, restore, dismiss):action>", methods=["POST"])
@login_required
def moderate(target_type: str, target_id: int, action: str) -> ResponseReturnValue:
    target = _target(target_type, target_id)
    require("moderation.queue")
    form = HideForm(prefix="hide") if action == "hide" else RestoreForm(prefix=action)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(_back_to(target))
    acts: dict[str, Callable[[Target, User, ModerationReason | None, str], None]] = {
        "hide": services.hide,
        "restore": services.restore,
        "dismiss": services.dismiss,
    }
    act = acts[action]
    _attempt(
        lambda: act(target, current_user, form.reason, form.note.data or ""),
        _("Done. The author has been told why."),
    )
    return redirect(_back_to(target))


def _render_item(
    target: Target, redact_form: RedactForm | None = None, status: int = 200
) -> tuple[str, int]:
    choices = reason_choices(ReasonKind.CONTENT)
    review = reason_choices(ReasonKind.REVIEW)
    return (
        render_template(
            "moderation/item.html",
            target=target,
            kind=services.target_type_of(target).value,
            hide_form=HideForm(formdata=None, prefix="hide", choices=choices),
            restore_form=RestoreForm(formdata=None, prefix="restore", choices=review),
            dismiss_form=RestoreForm(formdata=None, prefix="dismiss", choices=review),
            evidence_forms={
                e.id: (
                    RestoreForm(formdata=None, prefix=f"ev{e.id}", choices=review)
                    if e.hidden_at
                    else HideForm(formdata=None, prefix=f"ev{e.id}", choices=choices)
                )
                for e in getattr(target, "evidence", [])
            },
            form=redact_form or RedactForm(formdata=None, choices=choices),
            originals=redaction.originals(target),
            reports=flag_queue.open_reports(services.target_type_of(target), target.id),
        ),
        status,
    )


@bp.route("/<target_type>/<int:target_id>")
@login_required
def item(target_type: str, target_id: int) -> tuple[str, int]:
    """One comment or observation: hide or restore it, remove personal data, see its reports
    and the originals of earlier redactions."""
    target = _target(target_type, target_id)
    require("moderation.queue")
    return _render_item(target)


@bp.route("/<target_type>/<int:target_id>/redact", methods=["POST"])
@login_required
def redact(target_type: str, target_id: int) -> ResponseReturnValue:
    target = _target(target_type, target_id)
    require("moderation.queue")
    form = RedactForm()
    if form.validate_on_submit():
        spans = redaction.parse_spans(form.spans.data)
        try:
            redaction.redact(
                target,
                spans,
                current_user,
                form.reason,
                form.note.data or "",
                clear_location=form.clear_location.data,
            )
        except ModerationError as refused:
            db.session.rollback()
            form.spans.errors = [_refused(refused)]
        else:
            db.session.commit()
            flash(_("The text was redacted everywhere it appears. The author was told."), "success")
            return redirect(_back_to(target))
    return _render_item(target, form, 400)


@bp.route("/evidence/<int:evidence_id>/<any(hide, restore):action>", methods=["POST"])
@requires("moderation.queue")
def evidence(evidence_id: int, action: str) -> ResponseReturnValue:
    item = db.session.get(Evidence, evidence_id)
    if item is None or item.observation is None:
        abort(404)
    prefix = f"ev{item.id}"
    form = HideForm(prefix=prefix) if action == "hide" else RestoreForm(prefix=prefix)
    if form.validate_on_submit():
        note = form.note.data or ""
        _attempt(
            (lambda: redaction.hide_attachment(item, current_user, form.reason, note))
            if action == "hide"
            else (lambda: redaction.restore_attachment(item, current_user, note)),
            _("Done."),
        )
    else:
        flash(_("Choose a reason."), "error")
    return redirect(
        url_for("moderation.item", target_type="observation", target_id=item.observation.id)
    )


@bp.route("/observations/<code>/details", methods=["GET", "POST"])
@requires("moderation.queue")
def details(code: str) -> ResponseReturnValue:
    observation = lookup.by_code(code)
    if observation is None:
        abort(404)
    require("moderation.act", observation)
    form = DetailsForm(
        category_id=observation.category_id,
        department=observation.department.iso_code if observation.department else "",
        municipality=observation.municipality.code if observation.municipality else "",
    )
    _detail_choices(form)
    if form.validate_on_submit():
        department = db.session.scalar(
            select(Department).where(Department.iso_code == form.department.data)
        )
        municipality = db.session.scalar(
            select(Municipality).where(Municipality.code == form.municipality.data)
        )
        if municipality is not None and department is None:
            department = municipality.department
        if (
            municipality is not None
            and department is not None
            and municipality.department_id != department.id
        ):
            form.municipality.errors = [_("That municipality is in another department.")]
        else:
            category = (
                db.session.get(Category, form.category_id.data) if form.category_id.data else None
            )
            changed = triage.edit_details(
                observation,
                current_user,
                category=category,
                department=department,
                municipality=municipality,
                note=form.note.data or "",
            )
            db.session.commit()
            flash(_("Saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("observations.detail", code=observation.code))
    status = 400 if form.is_submitted() else 200
    return render_template("moderation/details.html", observation=observation, form=form), status


def _detail_choices(form: DetailsForm) -> None:
    categories = db.session.scalars(select(Category).order_by(Category.position)).all()
    form.category_id.choices = [("", _("None"))] + [(c.id, str(c.name)) for c in categories]
    form.department.choices = [("", _("None"))] + [
        (d.iso_code, d.name)
        for d in db.session.scalars(select(Department).order_by(Department.name))
    ]
    groups: dict[str, list[tuple[str, str]]] = {}
    for m in db.session.scalars(
        select(Municipality).join(Department).order_by(Department.name, Municipality.name)
    ):
        groups.setdefault(m.department.name, []).append((m.code, m.name))
    form.municipality.choices = {"": [("", _("None"))], **groups}


# --- accounts ------------------------------------------------------------------------------


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users/<int:user_id>")
@requires("moderation.queue")
def user(user_id: int) -> tuple[str, int]:
    person = _user(user_id)
    return log_views.render_user(person, BlockForm(), UnblockForm())


@bp.route("/users/<int:user_id>/block", methods=["POST"])
@login_required
def block(user_id: int) -> ResponseReturnValue:
    person = _user(user_id)
    require("moderation.block", person)
    form = BlockForm()
    if form.validate_on_submit():
        try:
            hidden = blocking.block(
                person,
                current_user,
                form.reason,
                until=form.until.data,
                note=form.note.data or "",
                hide_content=form.hide_content.data,
            )
        except ModerationError as refused:
            db.session.rollback()
            form.until.errors = [_refused(refused)]
        else:
            db.session.commit()
            flash(
                ngettext(
                    "The account is blocked from posting. %(num)d item was hidden.",
                    "The account is blocked from posting. %(num)d items were hidden.",
                    hidden,
                ),
                "success",
            )
            return redirect(url_for("moderation.user", user_id=person.id))
    return log_views.render_user(person, form, UnblockForm(), status=400)


@bp.route("/users/<int:user_id>/unblock", methods=["POST"])
@login_required
def unblock(user_id: int) -> ResponseReturnValue:
    person = _user(user_id)
    require("moderation.block", person)
    form = UnblockForm()
    if form.validate_on_submit():
        _attempt(
            lambda: blocking.unblock(person, current_user, form.note.data or ""),
            _("The block is lifted."),
        )
    return redirect(url_for("moderation.user", user_id=person.id))


# --- the public log ------------------------------------------------------------------------


@bp.route("/log")
def log() -> str:
    return log_views.render_log()
