"""Institutions and their teams: the admin list and form, and who answers for each institution.

Plain functions that flush and never commit; the route commits once. Mail goes through the
outbox, so a change and its mail become real together. Logs carry ids only, never addresses.

An institution's deadline override, like a category's deadline, is fixed on an observation when
it is accepted: editing it changes only later acceptances."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.accounts.models import Role, User
from app.accounts.services import find_by_email
from app.core.pagination import Page
from app.core.text import search_key, search_terms
from app.core.urls import external_url
from app.extensions import db
from app.institutions.models import Institution, InstitutionKind
from app.mail.services import queue_mail
from app.territory.models import Department, Municipality

# --- the institutions admin -----------------------------------------------------------------


@dataclass
class InstitutionData:
    names: dict[str, str]
    acronym: str
    kind: InstitutionKind
    department: Department | None
    municipality: Municipality | None
    contact_email: str
    #: Working days; None: the category's deadline applies.
    deadline_days: int | None
    #: False: no longer offered on the filing form nor for forwarding; its observations keep it.
    active: bool


def institution_page(
    query: str, kind: InstitutionKind | None, number: int, per_page: int = 50
) -> Page:
    """A page of institutions whose names (any language) or acronym contain every word of
    ``query`` (accents and case ignored), of ``kind`` when given, sorted by Spanish name.

    Names are a JSON object per language, so words are matched here rather than in SQL: there
    are a few hundred institutions in the country (340 municipalities, ministries, gobernaciones,
    public companies), one query reads them all."""
    select_query = select(Institution)
    if kind is not None:
        select_query = select_query.where(Institution.kind == kind)
    terms = search_terms(query)
    found = [
        institution
        for institution in db.session.scalars(select_query)
        if all(term in _search_text(institution) for term in terms)
    ]
    found.sort(key=lambda i: (search_key(i.names.get("es", "")), i.id))
    return Page.of_list(found, number, per_page)


def _search_text(institution: Institution) -> str:
    return search_key(" ".join([institution.acronym or "", *institution.names.values()]))


def responder_counts(institution_ids: list[int]) -> dict[int, int]:
    """Responders per institution, for the institutions listed; one query."""
    if not institution_ids:
        return {}
    rows = db.session.execute(
        select(User.institution_id, func.count(User.id))
        .where(User.role == Role.RESPONDER, User.institution_id.in_(institution_ids))
        .group_by(User.institution_id)
    )
    # institution_id is never None here (the query asks for these ids); the test tells mypy.
    return {institution_id: total for institution_id, total in rows if institution_id is not None}


def save_institution(institution: Institution | None, data: InstitutionData) -> Institution:
    """Create an institution (``institution`` None) or overwrite one."""
    if institution is None:
        institution = Institution()
    institution.names = dict(data.names)
    institution.acronym = data.acronym
    institution.kind = data.kind
    institution.department = data.department
    institution.municipality = data.municipality
    institution.contact_email = data.contact_email
    institution.deadline_days = data.deadline_days
    institution.active = data.active
    db.session.add(institution)
    db.session.flush()
    return institution


# --- teams ----------------------------------------------------------------------------------


def responders(institution: Institution) -> list[User]:
    """The institution's responders, its admins first, then by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.RESPONDER, User.institution_id == institution.id)
            .order_by(User.is_institution_admin.desc(), User.display_name, User.id)
        )
    )


def responder_of(institution: Institution, user_id: int) -> User | None:
    """The responder ``user_id`` when they answer for ``institution``, else None."""
    user = db.session.get(User, user_id)
    if user is None or user.role != Role.RESPONDER or user.institution_id != institution.id:
        return None
    return user


class TeamChangeRefused(Exception):
    """A team change that cannot be made; ``message`` (lazily translated) says why."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


def add_responder(actor: User, institution: Institution, email: str) -> User:
    """Make the account using ``email`` a responder of ``institution`` and tell its owner.

    Only a verified citizen account can join: staff of anywhere else (moderators, admins, other
    institutions' responders) keep their role until a site admin changes it."""
    user = find_by_email(email)
    if user is None:
        raise TeamChangeRefused(_l("No account uses this email; ask the person to register first."))
    if user.role == Role.RESPONDER and user.institution_id == institution.id:
        raise TeamChangeRefused(_l("This person is already on the team."))
    if user.role != Role.CITIZEN:
        raise TeamChangeRefused(
            _l(
                "This account already has a staff role (moderator, administrator or responder "
                "of another institution). Ask a site administrator to change it first."
            )
        )
    if user.is_blocked:
        raise TeamChangeRefused(_l("This account is blocked and cannot join the team."))
    if not user.is_verified:
        raise TeamChangeRefused(
            _l("This account has not confirmed its email address yet; ask the person to do it.")
        )
    user.role = Role.RESPONDER
    user.institution_id = institution.id
    user.is_institution_admin = False
    db.session.flush()
    _log("responder added", actor, user, institution)
    _tell(user, institution, "team_added", _l("You were added to an institution's team"))
    return user


def remove_responder(actor: User, institution: Institution, user: User) -> None:
    """Make a responder of ``institution`` a citizen again and tell them. Nobody removes
    themself: an institution must not lose its last admin by a slip."""
    if user.id == actor.id:
        raise TeamChangeRefused(_l("You cannot remove yourself from the team."))
    user.role = Role.CITIZEN
    user.institution_id = None
    user.is_institution_admin = False
    db.session.flush()
    _log("responder removed", actor, user, institution)
    _tell(user, institution, "team_removed", _l("You were removed from an institution's team"))


def set_institution_admin(actor: User, institution: Institution, user: User, value: bool) -> None:
    """Give or take a responder's right to manage the team (site admins only, see the routes)."""
    user.is_institution_admin = value
    db.session.flush()
    _log(
        "institution admin granted" if value else "institution admin revoked",
        actor,
        user,
        institution,
    )


def _log(message: str, actor: User, user: User, institution: Institution) -> None:
    current_app.logger.info(
        message,
        extra={
            "data": {"actor_id": actor.id, "user_id": user.id, "institution_id": institution.id}
        },
    )


def _tell(user: User, institution: Institution, template: str, subject: object) -> None:
    queue_mail(
        kind=template,
        recipient=user.email,
        language=user.language,
        subject=subject,
        template=template,
        user=user,
        institution=institution,
        login_url=external_url("accounts.login"),
        site=current_app.config["SITE_NAME"],
    )
