"""Observation pages: the observation and its actions, follow, report, track by code, lists and
evidence files. The filing pages are in ``filing_routes`` (the same blueprint)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from app.accounts.models import User
from app.accounts.permissions import require, requires
from app.core import ratelimit
from app.core.pagination import Page, paginate, requested_page
from app.core.storage import send_stored
from app.core.urls import bounded_int, id_or_none
from app.extensions import db
from app.maps import figures as map_figures
from app.maps import services as maps
from app.moderation import flags, triage
from app.moderation.forms import ReportForm
from app.moderation.models import FlagReason, TargetType
from app.observations import answer_actions, due_dates, lifecycle, queries, services, states
from app.observations import filing_routes as _filing_routes  # noqa: F401 - registers the filing pages
from app.observations.action_forms import ButtonForm
from app.observations.actions import TransitionError, institution_choices
from app.observations.blueprint import bp
from app.observations.forms import ListFilterForm, LookupForm
from app.observations.lookup import by_code, normalise_code
from app.observations.models import AnswerOutcome, Category, Evidence, Observation, ObservationState
from app.observations.permissions import can
from app.search import engine as search
from app.search import spelling
from app.territory.models import Department

__all__ = ["bp", "render_detail"]


def _viewer() -> User | None:
    return current_user._get_current_object() if current_user.is_authenticated else None


def _visible(code: str, viewer: User | None) -> Observation:
    """The observation ``code`` if ``viewer`` may see it; 404 otherwise (its existence is not
    confirmed to those who may not)."""
    observation = by_code(code)
    if observation is None or not can(viewer, "observation.view", observation):
        abort(404)
    return observation


@bp.route("/observations/<code>")
def detail(code: str) -> ResponseReturnValue:
    viewer = _viewer()
    return render_detail(_visible(code, viewer), viewer)


def render_detail(
    observation: Observation,
    viewer: User | None,
    forms: dict[str, FlaskForm] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The observation page, with the forms of the actions ``viewer`` may take now (``forms``:
    the posted ones, with their errors)."""
    actions = lifecycle.available_actions(viewer, observation)
    forms = dict(forms or {})
    for action in actions:
        forms.setdefault(action.name, action.form(observation))
    offered = {a.name for a in actions}
    templates = []
    if "answer" in offered:
        templates = answer_actions.templates_of(observation)
        chosen = answer_actions.template_text(
            observation, request.args.get("template", type=bounded_int)
        )
        answer_form: Any = forms["answer"]
        if chosen and not answer_form.note.data:
            answer_form.note.data = chosen
    return (
        render_template(
            "observations/detail.html",
            observation=observation,
            timeline=queries.timeline(observation),
            files=queries.visible_evidence(observation, viewer),
            due=due_dates.due_date_info(observation),
            overdue=due_dates.overdue(observation),
            actions=actions,
            offered=offered,
            all_actions=lifecycle.ACTIONS,
            forms=forms,
            response_templates=templates,
            # No form (so no token) for anonymous visitors: their page stays cacheable.
            button_form=ButtonForm() if viewer is not None else None,
            following=services.is_following(viewer, observation),
            role_titles=states.ROLE_TITLES,
            answer_outcomes={o.value: o.title for o in AnswerOutcome},
            moderation=moderation_panel(observation, viewer),
        ),
        status,
    )


def moderation_panel(observation: Observation, viewer: User | None) -> dict[str, Any]:
    """What the observation page adds for moderators (never for the filer themself), and the
    report link for everyone else."""
    if can(viewer, "observation.moderate", observation):
        return {
            "moderator": True,
            "similar": triage.similar(observation)
            if observation.state == ObservationState.SUBMITTED
            else [],
            "reports": len(flags.open_reports(TargetType.OBSERVATION, observation.id)),
        }
    can_report = (
        viewer is not None
        and observation.code is not None
        and can(viewer, "observation.flag", observation)
        and not flags.has_reported(viewer, TargetType.OBSERVATION, observation.id)
    )
    return {"moderator": False, "can_report": can_report}


@bp.route("/observations/<code>/report", methods=["GET", "POST"])
@login_required
def report(code: str) -> ResponseReturnValue:
    """A citizen reports an observation to the moderators (once; three people hide it)."""
    viewer = current_user._get_current_object()
    observation = _visible(code, viewer)
    require("observation.flag", observation)
    if flags.has_reported(viewer, TargetType.OBSERVATION, observation.id):
        flash(_("You already reported this observation. Moderators will review it."), "info")
        return redirect(url_for("observations.detail", code=observation.code))
    form = ReportForm()
    status = 200
    if form.validate_on_submit():
        if ratelimit.allow("flag", viewer.id):
            flags.report(
                viewer,
                TargetType.OBSERVATION,
                observation,
                FlagReason(form.reason.data),
                form.details.data or "",
            )
            db.session.commit()
            flash(_("Thank you. Moderators will review this observation."), "success")
            return redirect(url_for("observations.detail", code=observation.code))
        form.form_errors.append(ratelimit.message())
        status = 429
    elif form.is_submitted():
        status = 400
    return render_template("observations/report.html", observation=observation, form=form), status


@bp.route("/observations/<code>/act/<action>", methods=["POST"])
@login_required
def act(code: str, action: str) -> ResponseReturnValue:
    """Take one lifecycle action: the action reads its form, ``transition`` applies it."""
    viewer = current_user._get_current_object()
    observation = _visible(code, viewer)
    spec = lifecycle.ACTIONS.get(action)
    if spec is None:
        abort(404)
    seen = request.form.get("version", type=bounded_int)
    if seen is not None and seen != observation.version:
        # The page the person acted from is out of date: show what is there now instead.
        return changed_meanwhile(observation, viewer)
    refused = lifecycle.refusal(spec, viewer, observation)
    if refused is not None:
        # Before reading the form: a wrong state or role is not a form error.
        return _refused(observation, viewer, refused, {})
    form, data = spec.read(observation)
    if form.errors or not form.is_submitted():
        return render_detail(observation, viewer, {action: form}, 400)
    try:
        lifecycle.transition(observation, action, viewer, data)
        db.session.commit()
    except TransitionError as error:
        db.session.rollback()
        return _refused(observation, viewer, error.code, {action: form})
    except StaleDataError:
        # Another request changed the observation between our read and our write (a double
        # click, or a responder and a moderator at once): theirs stands, ours is not applied.
        db.session.rollback()
        return changed_meanwhile(_visible(code, viewer), viewer)
    flash(_("Done: %(state)s.", state=observation.state.title), "success")
    return redirect(url_for("observations.detail", code=observation.code))


def _refused(
    observation: Observation, viewer: User, code: str, forms: dict[str, FlaskForm]
) -> tuple[str, int]:
    """The answer to a refused action (``code``: a :class:`TransitionError` code)."""
    if code in ("role", "state"):
        abort(403)
    if code == "blocked":
        flash(_("Your account is blocked from posting; what you wrote was not sent."), "error")
        return render_detail(observation, viewer, forms, 403)
    flash(_("That action is not possible with what was sent."), "error")
    return render_detail(observation, viewer, forms, 400)


def changed_meanwhile(observation: Observation, viewer: User | None) -> tuple[str, int]:
    """409: what the person asked was not applied because the observation changed since the
    page they acted from; they see it as it is now, with the actions open to them now."""
    flash(
        _(
            "This observation changed while you were acting on it. It is now “%(state)s”; "
            "nothing was applied. Check it and act again if you still need to.",
            state=observation.state.title,
        ),
        "error",
    )
    return render_detail(observation, viewer, None, 409)


@bp.route("/observations/<code>/follow", methods=["POST"])
@login_required
def follow(code: str) -> ResponseReturnValue:
    viewer = current_user._get_current_object()
    observation = _visible(code, viewer)
    require("observation.follow", observation)
    if ButtonForm().validate_on_submit():
        # The button says what it does (so a double click follows once, not follow-then-stop);
        # a post without it toggles.
        want = request.form.get("want")
        if want not in ("follow", "unfollow"):
            want = "unfollow" if services.is_following(viewer, observation) else "follow"
        if want == "unfollow":
            services.unfollow(viewer, observation)
            flash(_("You no longer follow this observation."), "success")
        else:
            services.follow(viewer, observation)
            flash(_("You follow this observation. We will tell you about each step."), "success")
        db.session.commit()
    return redirect(url_for("observations.detail", code=observation.code))


@bp.route("/observations/lookup")
def lookup() -> ResponseReturnValue:
    form = LookupForm(request.args)
    if request.args and form.validate():
        code = normalise_code(form.code.data)
        observation = by_code(code)
        if observation is not None and can(_viewer(), "observation.view", observation):
            return redirect(url_for("observations.detail", code=observation.code))
        if observation is not None and observation.state == ObservationState.SUBMITTED:
            # It exists and waits for triage: say so, and nothing else about it.
            return render_template("observations/lookup.html", form=form, waiting=code)
        form.code.errors = [_("No observation has that code. Check it and try again.")]
        return render_template("observations/lookup.html", form=form), 404
    return render_template("observations/lookup.html", form=form)


@bp.route("/observations/mine")
@login_required
def mine() -> ResponseReturnValue:
    page = paginate(queries.filed_by(current_user), per_page=20)
    return render_template(
        "observations/mine.html",
        page=page,
        awaiting=services.AWAITING,
        overdue=due_dates.overdue,
    )


def _listed(filters: queries.ListFilters) -> tuple[Page, dict[int | None, map_figures.Tally]]:
    """The requested page of the public list and its counts per department (the map), whose
    observations add up to the page's total: every listed observation is public, and public is
    what the map counts, so no count of its own. Every public observation, or those of a
    category, institution or department, are summed from the accountability tallies rather than
    counted from a million rows (the same figures: tests/test_demo_country.py)."""
    listed = queries.public_list(filters)
    counted = map_figures.in_filtered(filters)
    if counted is None:
        counted = map_figures.in_list(listed, figure=maps.chosen_figure())
    total = sum(tally.accepted for tally in counted.values())
    page = Page.window(requested_page(), total, per_page=20)
    page.items = list(db.session.scalars(listed.limit(20).offset(page.offset)))
    return page, counted


@bp.route("/observations")
def index() -> ResponseReturnValue:
    form = ListFilterForm(request.args)
    form.state.choices = [
        ("", _("Any state")),
        ("overdue", _("Overdue")),
        ("open", _("Open")),
        ("closed", _("Closed")),
    ] + [(s.value, s.title) for s in ObservationState if s in states.PUBLIC_STATES]
    form.category.choices = [("", _("All categories"))] + [
        (c.id, str(c.name))
        for c in db.session.scalars(select(Category).order_by(Category.position))
    ]
    form.institution.choices = [("", _("All institutions")), *institution_choices()]
    form.department.choices = [("", _("All departments"))] + [
        (d.iso_code, d.name)
        for d in db.session.scalars(select(Department).order_by(Department.name))
    ]
    form.validate()
    filters = queries.ListFilters(
        state=form.state.data or "",
        category=form.category.data,
        institution=form.institution.data,
        department=form.department.data or "",
        program=id_or_none(form.program.data),
        q=(form.q.data or "") if not form.q.errors else "",
    )
    (page, counted), searched = spelling.with_spelling(
        filters.q, lambda q: _listed(replace(filters, q=q)), lambda found: found[0].total > 0
    )
    filters = replace(filters, q=searched.text)
    return render_template(
        "observations/index.html",
        form=form,
        page=page,
        searched=searched,
        capped=search.capped(searched),
        overdue=due_dates.overdue,
        lookup_form=LookupForm(formdata=None),
        department_map=maps.for_list(
            queries.public_list(filters), current=filters.department, counted=counted
        ),
    )


@bp.route("/observations/pending")
@requires("observations.moderate")
def pending() -> ResponseReturnValue:
    """The first moderation page; the triage queue now lives at /moderation."""
    return redirect(url_for("moderation.queue"), 301)


@bp.route("/evidence/<int:evidence_id>")
def evidence_file(evidence_id: int) -> Response:
    item = db.session.get(Evidence, evidence_id)
    viewer = _viewer()
    if item is None or not can(viewer, "evidence.view", item):
        abort(404)
    response = send_stored(
        item.storage_key,
        mimetype=item.mime,
        as_attachment=not item.is_image,
        download_name=item.original_name,
        max_age=0,
        etag=item.sha256,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
