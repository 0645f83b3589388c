"""Account pages. Thin: parse the form, call a service, commit once, render or redirect."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import deletion, services
from app.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    LogoutForm,
    ProfileForm,
    RegisterForm,
    ResendForm,
    ResetPasswordForm,
    SaveLanguageForm,
    SignOutEverywhereForm,
)
from app.accounts.oidc_routes import provider_logout_page
from app.core.db import writes_on_get
from app.core.i18n import current_language, supported
from app.core.urls import safe_next
from app.extensions import db, limiter

bp = Blueprint("accounts", __name__)


def _failed(response: Response) -> bool:
    """Only failed attempts count against the login limits (a failure re-renders the form)."""
    return response.status_code != 302


def _login_ip_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_IP"]


def _sensitive_limit() -> str:
    return current_app.config["SENSITIVE_FORM_LIMIT"]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_sensitive_limit, methods=["POST"])
def register() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if request.method == "GET":
        form.language.data = current_language()
    if form.validate_on_submit():
        services.register(
            email=form.email.data,
            password=form.password.data,
            display_name=form.display_name.data,
            language=form.language.data,
        )
        db.session.commit()
        return render_template("accounts/check_email.html", email=form.email.data)
    return render_template("accounts/register.html", form=form)


@bp.route("/verify/<token>")
@writes_on_get
def verify_email(token: str) -> ResponseReturnValue:
    user = services.verify_email(token)
    if user is None:
        db.session.rollback()
        return render_template("accounts/link_invalid.html"), 400
    db.session.commit()
    flash(_("Your email address is confirmed."), "success")
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    return redirect(url_for("accounts.login"))


@bp.route("/verify/resend", methods=["POST"])
@login_required
@limiter.limit(_sensitive_limit)
def resend_verification() -> ResponseReturnValue:
    form = ResendForm()
    if form.validate_on_submit() and not current_user.is_verified:
        services.send_verification(current_user)
        db.session.commit()
        flash(_("We sent the confirmation link again. Check your inbox."), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_ip_limit, methods=["POST"], deduct_when=_failed)
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.LoginRefused as refused:
            db.session.rollback()
            form.password.data = ""
            if refused.reason == "locked":
                form.form_errors.append(
                    _(
                        "Too many wrong passwords for this account. Wait a few minutes and try "
                        "again, or reset your password."
                    )
                )
                return render_template("accounts/login.html", form=form), 429
            if refused.reason == "credentials":
                # Counted in the database (every worker and server sees it), kept although
                # the login failed.
                services.record_failed_login(form.email.data)
                db.session.commit()
            if refused.reason == "blocked":
                form.form_errors.append(
                    _(
                        "This account is blocked. Write to the site administrators if you think "
                        "this is a mistake."
                    )
                )
            else:
                form.form_errors.append(_("The email or the password is not right."))
            return render_template("accounts/login.html", form=form)
        cancelled = deletion.cancel(user)
        db.session.commit()
        login_user(user, remember=form.remember.data)
        flash(_("You are logged in."), "success")
        if cancelled:
            flash(_("Signing in cancelled the deletion of your account: it stays."), "success")
        return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    form = LogoutForm()
    if form.validate_on_submit():
        provider_logout = None
        if current_user.is_authenticated:
            # Signed in with Ciudadanía Digital: its session ends too (RP-initiated logout).
            provider_logout = provider_logout_page(current_user)
            # A copy of the cookie taken before logging out must not open the account after.
            services.end_sessions(current_user)
            db.session.commit()
        logout_user()
        flash(_("You are logged out."), "success")
        if provider_logout:
            return redirect(provider_logout)
    return redirect(url_for("main.index"))


@bp.route("/account/language", methods=["POST"])
@login_required
def save_language() -> ResponseReturnValue:
    """Save the language chosen on the page as the account's (pages and mails)."""
    form = SaveLanguageForm()
    chosen = supported(form.language.data)
    if form.validate_on_submit() and chosen is not None:
        services.update_profile(
            current_user, display_name=current_user.display_name, language=chosen
        )
        db.session.commit()
        flash(_("Your account's language was saved."), "success")
    return redirect(safe_next(form.next.data) or url_for("accounts.profile"))


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere() -> ResponseReturnValue:
    """End every session of the account, this one included (a lost phone, a shared computer)."""
    if SignOutEverywhereForm().validate_on_submit():
        services.end_sessions(current_user)
        db.session.commit()
        logout_user()
        flash(_("You are signed out on every device. Log in again to continue."), "success")
        return redirect(url_for("accounts.login"))
    return redirect(url_for("accounts.profile"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_sensitive_limit, methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("accounts/check_email.html", email=form.email.data, reset=True)
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    if services.user_for_reset_token(token) is None:
        return render_template("accounts/link_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user = services.reset_password(token, form.password.data)
        if user is None:
            db.session.rollback()
            return render_template("accounts/link_invalid.html"), 400
        db.session.commit()
        logout_user()
        flash(_("Your password was changed. Log in with the new one."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile() -> ResponseReturnValue:
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(
            current_user, display_name=form.display_name.data, language=form.language.data
        )
        db.session.commit()
        flash(_("Your profile was saved."), "success")
        return redirect(url_for("accounts.profile", lang=form.language.data))
    return render_template(
        "accounts/profile.html",
        form=form,
        resend_form=ResendForm(),
        everywhere_form=SignOutEverywhereForm(formdata=None),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(_sensitive_limit, methods=["POST"], deduct_when=_failed)
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if services.change_password(current_user, form.current.data, form.password.data):
            db.session.commit()
            # The session token changed: log in again with the fresh one so this device stays in.
            login_user(current_user._get_current_object())
            flash(_("Your password was changed."), "success")
            return redirect(url_for("accounts.profile"))
        db.session.rollback()
        form.current.errors = [_("The current password is not right.")]
    return render_template("accounts/change_password.html", form=form)
