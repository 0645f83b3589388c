"""Delete my account (/account/delete) and its grace period."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from app.accounts import deletion, services
from app.extensions import db, limiter

bp = Blueprint("account_deletion", __name__)

#: The name printed for a person: "Deleted account" for the shared placeholder.
bp.add_app_template_filter(deletion.shown_name, "shown_name")


class DeleteAccountForm(FlaskForm):
    keep_comments_public = BooleanField(
        _l("Keep the text of my comments public, signed “Deleted account”")
    )
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=200)],
        description=_l("To confirm that it is you."),
    )
    submit = SubmitField(_l("Delete my account"))


def _sensitive_limit() -> str:
    return current_app.config["SENSITIVE_FORM_LIMIT"]


REFUSALS = {
    "password": lambda: _("The password is not right."),
    "locked": lambda: _(
        "Too many wrong passwords for this account. Wait a few minutes and try again."
    ),
    "last_admin": lambda: _(
        "You are the only administrator: give another person the administrator role first."
    ),
}


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(_sensitive_limit, methods=["POST"])
def delete_account() -> ResponseReturnValue:
    form = DeleteAccountForm()
    last_admin = deletion.is_last_admin(current_user)
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            due_at = deletion.request_deletion(
                user, form.password.data, keep_comments_public=form.keep_comments_public.data
            )
        except deletion.DeletionRefused as refused:
            db.session.rollback()
            if refused.reason == "password":
                # A wrong password here counts like one at the login form, so a session left
                # open is no way round the account's lockout.
                services.record_failed_login(user.email)
                db.session.commit()
                form.password.errors = [REFUSALS["password"]()]
            else:
                form.form_errors.append(REFUSALS[refused.reason]())
            form.password.data = ""
            status = 429 if refused.reason == "locked" else 200
            return _page(form, last_admin), status
        db.session.commit()
        logout_user()
        return render_template(
            "accounts/delete_scheduled.html", due_at=due_at, keep=user.keep_comments_public
        )
    form.password.data = ""
    return _page(form, last_admin)


def _page(form: DeleteAccountForm, last_admin: bool) -> str:
    return render_template(
        "accounts/delete.html", form=form, last_admin=last_admin, grace_days=deletion.GRACE.days
    )
