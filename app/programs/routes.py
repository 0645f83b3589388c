"""Public program pages: the filtered list and the program page with its comments."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy import func, select

from app.accountability.scope import EXPLANATIONS, Scope, default_period
from app.accountability.services import figures_for
from app.accounts.models import User
from app.accounts.permissions import can, require
from app.comments import thread_html
from app.comments.forms import ActionForm, CommentForm
from app.comments.models import Stance
from app.comments.rights import ThreadRights
from app.core import fragments
from app.core.clock import local_today
from app.core.pagination import paginate
from app.core.urls import bounded_int
from app.extensions import db
from app.institutions.models import Institution
from app.notifications import services as notifications
from app.observations import queries as observation_queries
from app.programs import queries, services
from app.programs.forms import ProgramFilterForm
from app.programs.models import Milestone, Program
from app.search import engine as search
from app.territory.models import Department, Municipality

bp = Blueprint("programs", __name__)


def _viewer() -> User | None:
    return current_user._get_current_object() if current_user.is_authenticated else None


def _filter_form() -> ProgramFilterForm:
    form = ProgramFilterForm(request.args)
    departments = db.session.scalars(select(Department).order_by(Department.name)).all()
    form.department.choices = [("", _("All departments"))] + [
        (d.iso_code, d.name) for d in departments
    ]
    form.municipality.choices = [("", _("All municipalities"))]
    if form.department.data:
        form.municipality.choices += [
            (m.code, m.name)
            for m in db.session.scalars(
                select(Municipality)
                .join(Department)
                .where(Department.iso_code == form.department.data)
                .order_by(Municipality.name)
            )
        ]
    institutions = db.session.scalars(select(Institution).where(Institution.active)).all()
    form.institution.choices = [
        ("", _("All institutions")),
        *sorted(((i.id, str(i.name)) for i in institutions), key=lambda pair: pair[1].lower()),
    ]
    form.plan.choices = [("", _("All plans"))] + [
        (p.id, f"{p.plan_type.value} {p.period_start}-{p.period_end}: {p.title}")
        for p in services.plans_for_select()
    ]
    form.status.choices = [("", _("Any status"))] + [
        (s.key, str(s.name)) for s in services.statuses()
    ]
    return form


@bp.route("/programs")
def index() -> ResponseReturnValue:
    # The same for every viewer: kept and shared, keyed by the address's query.
    content = fragments.shared("programs.index", _list_content, request.query_string.decode())
    return render_template("programs/index.html", content=Markup(content))  # noqa: S704 - our template


def _list_content() -> str:
    form = _filter_form()
    form.validate()
    filters = services.ProgramFilters(
        q=(form.q.data or "") if not form.q.errors else "",
        department=form.department.data or "",
        municipality=form.municipality.data or "",
        institution=form.institution.data,
        plan=form.plan.data,
        status=form.status.data or "",
        open_only=bool(form.open.data),
    )
    page = paginate(services.program_query(filters), per_page=20)
    return render_template(
        "programs/_list.html",
        form=form,
        page=page,
        filters=filters,
        # A search lists the best of its newest matches (app/search): say when it was capped.
        cap=search.CANDIDATES if filters.q else None,
    )


def get_program(program_id: int) -> Program:
    return db.get_or_404(Program, program_id)


def render_program(
    program_id: int, comment_form: CommentForm | None = None, status: int = 200
) -> tuple[str, int]:
    """The program page: its facts and figures and its page of comment threads are shared by
    every viewer (app/core/fragments.py); the viewer's own parts (follow, comment form, their
    buttons on each comment) are added per request."""
    viewer = _viewer()
    facts = queries.program_facts(program_id, viewer)
    if facts is None:
        abort(404)
    program = facts.program
    order = request.args.get("order", "newest")
    number = request.args.get("page", 1, type=bounded_int) or 1
    consultation = services.consultation_state(program)
    rights = ThreadRights.of(viewer, consultation == services.Consultation.OPEN)
    today = local_today()
    public_part = fragments.shared(
        "programs.public", lambda: _public_part(program, today), program.id, today
    )
    shared_thread = fragments.shared(
        "programs.thread",
        lambda: thread_html.shared_page(program, order, number, rights.moderates),
        program.id,
        order,
        number,
        rights.moderates,
    )
    # Forms (and so a CSRF token) only for signed-in people: the anonymous page makes no token
    # and stays cacheable (app/core/http_cache.py). One token field for every small form.
    csrf_field = _token_field() if viewer is not None else ""
    can_comment = can(viewer, "comment.create", program)
    return (
        render_template(
            "programs/detail.html",
            program=program,
            public_part=Markup(public_part),  # noqa: S704 - our template
            thread_html=thread_html.fill(shared_thread, viewer, rights, csrf_field),
            csrf_field=Markup(csrf_field),  # noqa: S704 - built by _token_field
            consultation=consultation,
            comment_form_html=(
                _comment_form(program, comment_form, csrf_field) if can_comment else ""
            ),
            following=facts.following,
            can_comment=can_comment,
            stances=list(Stance),
        ),
        status,
    )


#: Where the viewer's form token goes in the shared comment form.
_TOKEN_SLOT = "<!--token-->"  # noqa: S105 - a marker, not a secret


def _comment_form(program: Program, sent: CommentForm | None, csrf_field: str) -> Markup:
    """The comment form: a fresh one shared by every viewer with their token put in, or the
    one they sent back with its errors and what they typed."""
    if sent is not None:
        return Markup(  # noqa: S704 - our template
            render_template("comments/_comment_form.html", program=program, comment_form=sent)
        )
    shared = fragments.shared(
        "programs.comment_form",
        lambda: str(
            render_template(
                "comments/_comment_form.html",
                program=program,
                comment_form=CommentForm(meta={"csrf": False}),
                token_slot=Markup(_TOKEN_SLOT),  # noqa: S704 - a constant
            )
        ),
        program.id,
    )
    return Markup(shared.replace(_TOKEN_SLOT, csrf_field, 1))  # noqa: S704 - ours + the token


def _token_field() -> str:
    """The hidden input with the session's CSRF token, as WTForms renders it (none when CSRF is
    off, as in the tests)."""
    config = current_app.config
    if not config.get("WTF_CSRF_ENABLED", True):
        return ""
    name = escape(config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    return f'<input name="{name}" type="hidden" value="{escape(generate_csrf())}">'


def _public_part(program: Program, today: date) -> str:
    """The page down to its figures (programs/_public_part.html)."""
    program = queries.with_details(program)
    milestones = db.session.scalars(
        select(Milestone).where(Milestone.program_id == program.id).order_by(Milestone.on_date)
    ).all()
    related = observation_queries.public_list(observation_queries.ListFilters(program=program.id))
    observations = db.session.scalars(related.limit(5)).all()
    observation_total = db.session.scalar(
        select(func.count()).select_from(related.order_by(None).subquery())
    )
    children = db.session.scalars(
        select(Program).where(Program.parent_id == program.id).order_by(Program.code)
    ).all()
    # Issue 7: accountability figures of this program's observations (two grouped queries).
    figures_scope = Scope(*default_period(), program_id=program.id)
    return render_template(
        "programs/_public_part.html",
        program=program,
        milestones=milestones,
        today=today,
        children=children,
        observations=observations,
        observation_total=observation_total,
        program_figures=figures_for(figures_scope),
        program_figures_scope=figures_scope,
        figure_explanations=EXPLANATIONS,
    )


@bp.route("/programs/<int:program_id>")
def detail(program_id: int) -> ResponseReturnValue:
    return render_program(program_id)


@bp.route("/programs/<int:program_id>/follow", methods=["POST"])
@login_required
def follow(program_id: int) -> ResponseReturnValue:
    program = get_program(program_id)
    require("program.follow", program)
    if ActionForm().validate_on_submit():
        services.follow(current_user, program)
        db.session.commit()
        flash(
            _("You follow this program. We will tell you about milestones and progress."), "success"
        )
    return redirect(url_for("programs.detail", program_id=program.id))


@bp.route("/programs/<int:program_id>/unfollow", methods=["POST"])
@login_required
def unfollow(program_id: int) -> ResponseReturnValue:
    program = get_program(program_id)
    if ActionForm().validate_on_submit():
        services.unfollow(current_user.id, program.id)
        db.session.commit()
        flash(_("You no longer follow this program."), "success")
    return redirect(url_for("programs.detail", program_id=program.id))


@bp.route("/unfollow/<token>", methods=["GET", "POST"])
def unfollow_link(token: str) -> ResponseReturnValue:
    """The link in every notification mail. GET asks, POST acts: mail scanners that open links
    must not unfollow anyone."""
    data = notifications.read_unfollow_token(token)
    if data is None:
        return render_template("accounts/link_invalid.html"), 400
    program = get_program(data[1])
    form = ActionForm()
    if form.validate_on_submit():
        services.unfollow(data[0], program.id)
        db.session.commit()
        return render_template("programs/unfollowed.html", program=program)
    return render_template("programs/unfollow_confirm.html", program=program, form=form)
