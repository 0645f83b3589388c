"""Sign in with Ciudadanía Digital (OpenID Connect): the button's target, the provider's
callback, proving an existing account before linking it, and the choice to show the
verification publicly. Thin: the protocol is ``oidc_client``, the accounts ``oidc``.

What the browser's (signed, not encrypted) session holds, and only that: the request in flight
(state, nonce, PKCE verifier, where to go next), then, while an existing account is proved, the
pending identity (subject and document hash, never the number, never a token), and after a
sign-in with the provider the account id, so logout ends the provider's session too. Every
route but the badge choice is a 404 while the provider is not configured."""

from __future__ import annotations

import hmac
import time
from typing import Any

from flask import (
    Blueprint,
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
from flask_login import current_user, login_required, login_user

from app.accounts import deletion, oidc, oidc_client, services
from app.accounts.models import User
from app.accounts.oidc_client import OIDCFailure
from app.accounts.oidc_forms import LinkMailForm, LinkPasswordForm, VerifiedBadgeForm
from app.core.db import writes_on_get
from app.core.urls import external_url, safe_next
from app.extensions import db, limiter

bp = Blueprint("oidc", __name__)

REQUEST_KEY = "oidc_request"
PENDING_KEY = "oidc_pending"
SIGNED_IN_KEY = "oidc_signed_in"
LOGOUT_KEY = "oidc_logout"
#: A sign-in left at the provider, or a pending link, is forgotten after this long.
MAX_AGE = 15 * 60
#: The page status of each failure (provider failures are the gateway's: 502/503).
STATUS = {
    "unavailable": 503,
    "provider": 502,
    "denied": 403,
    "blocked": 403,
    "state": 400,
    "token": 400,
    "claims": 400,
    "expired": 400,
    "other_browser": 400,
    "document_taken": 409,
    "other_account": 409,
    "retry": 409,
}


def enabled() -> bool:
    """Whether the "Sign in with Ciudadanía Digital" button is shown (template global)."""
    return oidc_client.settings() is not None


def verified_badge_form() -> VerifiedBadgeForm:
    """The profile page's form for the public badge (template global)."""
    return VerifiedBadgeForm(formdata=None, show=bool(current_user.show_verified_publicly))


bp.add_app_template_global(enabled, "oidc_enabled")
bp.add_app_template_global(verified_badge_form, "verified_badge_form")


@bp.before_request
def _configured() -> None:
    if request.endpoint != "oidc.badge" and not enabled():
        abort(404)


def _settings() -> oidc_client.Settings:
    config = oidc_client.settings()
    if config is None:  # checked before every request of this blueprint
        abort(404)
    return config


def _failed(failure: OIDCFailure) -> ResponseReturnValue:
    """The translated page of a failure, with nothing written, and one log line saying why
    (never a token: the details are built without them)."""
    db.session.rollback()
    current_app.logger.warning(
        "ciudadania digital sign-in failed",
        extra={"data": {"reason": failure.reason, "detail": failure.detail}},
    )
    reason = failure.reason if failure.reason in STATUS else "provider"
    return render_template("accounts/oidc_error.html", reason=reason), STATUS[reason]


def _fresh(entry: Any) -> dict[str, Any] | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("at"), int):
        return None
    return entry if time.time() - entry["at"] < MAX_AGE else None


def _log_in(user: User) -> None:
    cancelled = deletion.cancel(user)
    db.session.commit()
    login_user(user)
    session[SIGNED_IN_KEY] = user.id
    flash(_("You are logged in with Ciudadanía Digital."), "success")
    if cancelled:
        flash(_("Signing in cancelled the deletion of your account: it stays."), "success")


def provider_logout_page(user: User) -> str | None:
    """At logout (``accounts.logout``): when ``user`` signed in with Ciudadanía Digital in this
    browser, the page that ends the provider's session too (RP-initiated logout); else None."""
    signed_in = session.pop(SIGNED_IN_KEY, None)
    if signed_in != user.id or not enabled():
        return None
    session[LOGOUT_KEY] = True
    return url_for("oidc.provider_logout")


@bp.route("/logout/ciudadania")
def provider_logout() -> ResponseReturnValue:
    """Send the browser on to the provider's end-session endpoint, which asks the person and
    comes back to the home page. A page with a Refresh header (and a link), not a redirect: the
    logout form's navigation may only lead to this site (CSP form-action 'self'), and this
    new navigation works without JavaScript."""
    if not session.pop(LOGOUT_KEY, False):
        return redirect(url_for("main.index"))
    url = oidc_client.end_session_url(_settings(), external_url("main.index"))
    if url is None:
        return redirect(url_for("main.index"))
    response = current_app.make_response(render_template("accounts/oidc_logout.html", url=url))
    response.headers["Refresh"] = f"0; url={url}"
    return response


@bp.route("/login/ciudadania")
def start() -> ResponseReturnValue:
    """Send the person to the provider. A signed-in person links the identity to their account."""
    try:
        url, pending = oidc_client.begin(_settings(), external_url("oidc.callback"))
    except OIDCFailure as failure:
        return _failed(failure)
    session[REQUEST_KEY] = {
        **pending,
        "next": safe_next(request.args.get("next")) or "",
        "at": int(time.time()),
        "link_to": current_user.id if current_user.is_authenticated else None,
    }
    return redirect(url)


@bp.route("/login/ciudadania/callback")
@writes_on_get
def callback() -> ResponseReturnValue:
    # Spent at once: a replayed callback finds nothing to match.
    pending = _fresh(session.pop(REQUEST_KEY, None))
    current = current_user if current_user.is_authenticated else None
    try:
        if pending is None:
            raise OIDCFailure("state", "callback: no sign-in was started in this browser")
        if pending.get("link_to") != (current.id if current is not None else None):
            raise OIDCFailure("state", "callback: the signed-in account changed meanwhile")
        claims = oidc_client.finish(
            _settings(), pending, request.args.to_dict(), external_url("oidc.callback")
        )
        person = oidc.read_person(claims)
        outcome = oidc.sign_in(person, current)
    except OIDCFailure as failure:
        return _failed(failure)
    if outcome.kind == "needs_proof":
        db.session.rollback()  # nothing is written before the owner proves the account
        session[PENDING_KEY] = {
            "u": outcome.user.id,
            "s": person.subject,
            "d": person.document_hash,
            "next": pending.get("next", ""),
            "at": int(time.time()),
        }
        return redirect(url_for("oidc.link"))
    if outcome.kind == "linked":
        db.session.commit()
        session[SIGNED_IN_KEY] = outcome.user.id
        flash(_("Your account is now verified with Ciudadanía Digital."), "success")
        return redirect(safe_next(pending.get("next")) or url_for("accounts.profile"))
    _log_in(outcome.user)
    return redirect(safe_next(pending.get("next")) or url_for("main.index"))


def _pending_link() -> tuple[dict[str, Any], User] | None:
    pending = _fresh(session.get(PENDING_KEY))
    user = db.session.get(User, pending["u"]) if pending and isinstance(pending["u"], int) else None
    if pending is None or user is None:
        session.pop(PENDING_KEY, None)
        return None
    return pending, user


def _link(pending: dict[str, Any], user: User) -> ResponseReturnValue:
    person = oidc.Person(
        subject=str(pending["s"]),
        document_hash=str(pending["d"]),
        email=user.email,
        email_verified=True,
        display_name=user.display_name,
    )
    session.pop(PENDING_KEY, None)
    try:
        oidc.link(user, person)
    except OIDCFailure as failure:
        return _failed(failure)
    _log_in(user)
    flash(_("Your account is now verified with Ciudadanía Digital."), "success")
    return redirect(safe_next(pending.get("next")) or url_for("main.index"))


def _failed_attempt(response: Any) -> bool:
    return getattr(response, "status_code", 200) != 302


@bp.route("/login/ciudadania/link", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"], deduct_when=_failed_attempt
)
def link() -> ResponseReturnValue:
    """An account has the address the provider gave: its password proves it is theirs."""
    found = _pending_link()
    if found is None:
        return _failed(OIDCFailure("expired", "link: nothing pending in this browser"))
    pending, user = found
    form = LinkPasswordForm()
    if form.validate_on_submit():
        try:
            proved = services.authenticate(user.email, form.password.data)
        except services.LoginRefused as refused:
            db.session.rollback()
            if refused.reason == "credentials":
                services.record_failed_login(user.email)
                db.session.commit()
            if refused.reason == "blocked":
                return _failed(OIDCFailure("blocked", f"account {user.id} is blocked"))
            form.password.errors = [
                _("Too many wrong passwords for this account. Wait a few minutes and try again.")
                if refused.reason == "locked"
                else _("The password is not right.")
            ]
        else:
            if proved.id == user.id:
                return _link(pending, user)
    return render_template(
        "accounts/oidc_link.html", form=form, mail_form=LinkMailForm(formdata=None), user=user
    )


@bp.route("/login/ciudadania/link/mail", methods=["POST"])
@limiter.limit(lambda: current_app.config["SENSITIVE_FORM_LIMIT"])
def mail_link() -> ResponseReturnValue:
    """Prove the account by its mailbox instead: a link that works in this browser only."""
    found = _pending_link()
    if found is None:
        return _failed(OIDCFailure("expired", "link mail: nothing pending in this browser"))
    pending, user = found
    if LinkMailForm().validate_on_submit():
        pending["n"] = oidc.mail_link(user)
        session[PENDING_KEY] = pending
        db.session.commit()
        flash(
            _(
                "We mailed a link to %(email)s. Open it in this browser within an hour.",
                email=user.email,
            ),
            "success",
        )
    return redirect(url_for("oidc.link"))


@bp.route("/login/ciudadania/link/confirm")
@writes_on_get
def confirm_link() -> ResponseReturnValue:
    """The mailed link: it links only when this browser holds the identity it was sent for."""
    data = oidc.read_link(request.args.get("token", ""))
    if data is None:
        return render_template("accounts/link_invalid.html"), 400
    found = _pending_link()
    nonce = str(found[0].get("n") or "") if found else ""
    if (
        found is None
        or found[1].id != data[0]
        or not hmac.compare_digest(nonce.encode(), data[1].encode())
    ):
        return _failed(OIDCFailure("other_browser", "link mail: not this browser's"))
    return _link(*found)


@bp.route("/account/verified-badge", methods=["POST"])
@login_required
def badge() -> ResponseReturnValue:
    """Show, or stop showing, "verified with Ciudadanía Digital" on the person's public name."""
    form = VerifiedBadgeForm()
    if form.validate_on_submit() and current_user.identity_verified_at is not None:
        oidc.set_public(current_user, bool(form.show.data))
        db.session.commit()
        flash(_("Your choice was saved."), "success")
    return redirect(url_for("accounts.profile"))
