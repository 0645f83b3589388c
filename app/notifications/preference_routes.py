"""Mail preferences (``/account/notifications``) and the one-click unsubscribe link every
notification mail carries (``/unsubscribe/<token>``, RFC 8058)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.accounts.models import User
from app.extensions import csrf, db
from app.notifications import preferences
from app.notifications.models import Category, Delivery
from app.notifications.preference_forms import PreferencesForm, UnsubscribeForm

bp = Blueprint("notification_preferences", __name__)


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def edit() -> ResponseReturnValue:
    categories = preferences.categories_for(current_user)
    chosen = preferences.choices(current_user.id)
    form = PreferencesForm.for_categories(
        categories, data={str(c): str(chosen[c]) for c in categories}
    )
    if form.validate_on_submit():
        for category in categories:
            value = Delivery(form[str(category)].data)
            if value != chosen[category]:
                preferences.set_delivery(current_user.id, category, value)
        db.session.commit()
        flash(_("Your mail choices are saved."), "success")
        return redirect(url_for(".edit"))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "notifications/preferences.html",
        form=form,
        categories=categories,
        descriptions=DESCRIPTIONS,
    ), status


#: What each category covers, shown under its choices.
DESCRIPTIONS = {
    Category.PROGRAM_UPDATES: _l(
        "New milestones and changes of progress of the programs you follow."
    ),
    Category.REPLIES: _l("Someone answered one of your comments."),
    Category.MY_OBSERVATIONS: _l(
        "An observation you filed changed: accepted, answered, closed, or a question for you."
    ),
    Category.FOLLOWED_OBSERVATIONS: _l("An observation you follow changed."),
    Category.INSTITUTION_WORK: _l(
        "New work for your institution: forwarded, transferred, clarified or disputed "
        "observations, accepted answers, assignments and due dates."
    ),
    Category.MODERATION: _l(
        "Moderators acted on something you wrote; for moderators, the queue and its digest."
    ),
}


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str) -> ResponseReturnValue:
    """GET shows what the link turns off and a button; POST turns it off, without a session:
    the signed token is the authority (a mail client's one-click POST carries
    ``List-Unsubscribe=One-Click`` and nothing else)."""
    found = preferences.read_unsubscribe_token(token)
    if found is None or db.session.get(User, found[0]) is None:
        # Forged, damaged, or the account is gone: nothing to turn off.
        return render_template("accounts/link_invalid.html"), 400
    user_id, categories = found
    form = UnsubscribeForm()
    if request.method == "POST":
        for category in categories:
            preferences.set_delivery(user_id, category, Delivery.OFF)
        db.session.commit()
        if request.form.get("List-Unsubscribe") == "One-Click":
            return _("Unsubscribed."), 200, {"Content-Type": "text/plain; charset=utf-8"}
        return render_template(
            "notifications/unsubscribe.html", categories=categories, done=True, form=form
        )
    return render_template(
        "notifications/unsubscribe.html", categories=categories, done=False, form=form
    )
