"""Filing: drafts, the one-time submission token, and turning a form into a filed observation
(the program picker is app/observations/program_picker.py)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal
from typing import cast

from flask_babel import gettext as _
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.core.db import utcnow
from app.extensions import db
from app.institutions.models import Institution
from app.observations import codes, evidence, lifecycle, services
from app.observations.actions import choose_first, institution_choices
from app.observations.forms import DepartmentGroup, ObservationForm
from app.observations.models import (
    ActingAs,
    ActorType,
    Category,
    FormToken,
    IdentityLevel,
    Observation,
    ObservationState,
)
from app.observations.permissions import member_groups
from app.observations.program_picker import choosable_program
from app.programs.models import Program
from app.territory.models import Department, Municipality


def new_token(user: User, draft: Observation | None = None) -> FormToken:
    token = FormToken(
        token=secrets.token_urlsafe(24),
        user_id=user.id,
        observation_id=draft.id if draft else None,
    )
    db.session.add(token)
    db.session.flush()
    return token


def find_token(value: str | None, user: User) -> FormToken | None:
    if not value:
        return None
    return db.session.scalar(
        select(FormToken).where(FormToken.token == value, FormToken.user_id == user.id)
    )


def claim(token: FormToken) -> bool:
    """Mark the token used, atomically: of two concurrent submissions only one wins."""
    # An UPDATE's result is a cursor result: it has the row count.
    result = cast(
        "CursorResult[()]",
        db.session.execute(
            update(FormToken)
            .where(FormToken.id == token.id, FormToken.used_at.is_(None))
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount == 1


def filed_today(user: User) -> int:
    since = utcnow() - timedelta(days=1)
    return (
        db.session.scalar(
            select(func.count(Observation.id)).where(
                Observation.filer_id == user.id, Observation.submitted_at >= since
            )
        )
        or 0
    )


def fill_choices(form: ObservationForm, user: User | None) -> None:
    """The form's choices as of now (a posted form is checked against them); ``user``'s
    oversight groups are offered (None: no group, as for Open311 filings)."""
    form.institution_id.choices = choose_first(institution_choices())
    categories = db.session.scalars(
        select(Category).where(Category.active).order_by(Category.position, Category.id)
    ).all()
    form.category_id.choices = [("", _("Choose…"))] + [(c.id, str(c.name)) for c in categories]
    departments = db.session.scalars(select(Department).order_by(Department.name)).all()
    form.department.choices = [("", _("Choose…"))] + [(d.iso_code, d.name) for d in departments]
    # One <optgroup> per department, so the list is complete and usable without JavaScript;
    # static/js/filing.js narrows it to the chosen department (data-department on each group).
    groups: dict[object, list[tuple[str, str]]] = {None: [("", _("Not sure / several"))]}
    labels = {d.id: DepartmentGroup(d.name, d.iso_code) for d in departments}
    for m in db.session.scalars(
        select(Municipality).join(Department).order_by(Department.name, Municipality.name)
    ):
        groups.setdefault(labels[m.department_id], []).append((m.code, m.name))
    form.municipality.choices = groups
    actor_types = db.session.scalars(select(ActorType).order_by(ActorType.position)).all()
    form.actor_type_id.choices = [("", _("Not applicable"))] + [
        (a.id, str(a.name)) for a in actor_types
    ]
    # Read on every request: a posted form is checked against the memberships of this moment.
    form.offer_groups(member_groups(user) if user is not None else ())


# --- the program picker -----------------------------------------------------------------------


def prefill_from_program(form: ObservationForm, program: Program) -> None:
    """Choose ``program`` in the form: its institution, and its place where the filer has not
    said one yet."""
    form.program_id.data = str(program.id)
    form.institution_id.data = program.institution_id
    if program.department is not None and not form.department.data:
        form.department.data = program.department.iso_code
    municipality = program.municipality
    if (
        municipality is not None
        and not form.municipality.data
        and form.department.data == municipality.department.iso_code
    ):
        form.municipality.data = municipality.code


def apply_form(observation: Observation, form: ObservationForm) -> None:
    """Copy the form into the observation (drafts and filings alike)."""
    program = choosable_program(form.program_id.data)
    observation.program = program
    if program is not None:
        observation.institution = program.institution
    else:
        institution_id = form.institution_id.data
        observation.institution = (
            db.session.get(Institution, institution_id) if institution_id else None
        )
    observation.category_id = form.category_id.data
    observation.title = (form.title.data or "").strip()
    observation.description = (form.description.data or "").strip()
    department = (
        db.session.scalar(select(Department).where(Department.iso_code == form.department.data))
        if form.department.data
        else None
    )
    observation.department = department
    municipality = (
        db.session.scalar(select(Municipality).where(Municipality.code == form.municipality.data))
        if form.municipality.data
        else None
    )
    if (
        municipality is not None
        and department is not None
        and municipality.department_id != department.id
    ):
        municipality = None
    observation.municipality = municipality
    observation.place_description = (form.place_description.data or "").strip()
    observation.latitude = _float(form.latitude.data)
    observation.longitude = _float(form.longitude.data)
    observation.identity = IdentityLevel(form.identity.data or IdentityLevel.HIDDEN.value)
    apply_acting_as(observation, form)


def apply_acting_as(observation: Observation, form: ObservationForm) -> None:
    """Who files: as themself, for a typed organisation, or for one of their oversight groups
    (a group the form offered, i.e. one they belong to now; the form refuses any other). For a
    group, its actor type becomes the observation's, and the two choices about what the public
    sees are kept as ticked (a draft keeps them; ``shown_filer`` reads them by level)."""
    acting = form.acting()
    group = form.chosen_group()
    observation.acting_as = acting
    observation.organisation_name = (
        (form.organisation_name.data or "").strip() if acting == ActingAs.ORGANISATION else ""
    )
    observation.group_id = group.id if group is not None else None
    observation.actor_type_id = (
        group.actor_type_id if group is not None else form.actor_type_id.data
    )
    observation.show_member_name = group is not None and bool(form.show_member_name.data)
    observation.hide_group = group is not None and bool(form.hide_group.data)


def _float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def save_draft(user: User, form: ObservationForm, token: FormToken) -> Observation:
    observation = (
        db.session.get(Observation, token.observation_id) if token.observation_id else None
    )
    if observation is None:
        observation = Observation(filer_id=user.id, state=ObservationState.DRAFT)
        db.session.add(observation)
    apply_form(observation, form)
    db.session.flush()
    token.observation_id = observation.id
    evidence.attach(token.token, user, observation)
    return observation


def file(user: User, form: ObservationForm, token: FormToken) -> Observation:
    """Create (or complete the draft into) a submitted observation with its tracking code.
    The caller has claimed the token and validated the form."""
    observation = save_draft(user, form, token)
    year = utcnow().year
    for _attempt in range(5):
        code = codes.allocate(year)
        try:
            with db.session.begin_nested():
                observation.code = code
                db.session.flush()
            break
        except IntegrityError:
            # Someone stored this code by other means (an import, a restore): skip past it.
            observation.code = None
            codes.catch_up(year)
    else:  # pragma: no cover - five collisions in a row
        raise RuntimeError("could not allocate a tracking code")
    lifecycle.transition(observation, "submit", user)
    services.follow(user, observation)
    return observation
