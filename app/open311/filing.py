"""Filing an observation from an application: GeoReport v2 ``POST requests``.

The request becomes the filing form's data and goes through the very form, checks and workflow a
person's filing does (``ObservationForm``, ``filing.file``: the tracking code, the ``submit``
transition, moderation, the mails), so nothing an application sends can skip a rule the web form
applies. GeoReport's fields map onto the form's; what GeoReport lacks travels as service
attributes (``attribute[title]``, ``attribute[identity]``, …; ``/services/<code>`` lists them).

The person is found by ``email`` (required: they are told of the answer by mail): a citizen's
account when there is one, otherwise a new account they can later claim by resetting its
password. Staff addresses are refused (staff do not file through applications). Nothing is
written unless everything is valid; the caller rolls back on :class:`Open311Error`."""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from app.accounts import services as accounts
from app.accounts.deletion import UNUSABLE_PASSWORD_HASH
from app.accounts.models import Role, User
from app.extensions import db
from app.institutions.models import Institution
from app.observations import evidence, filing
from app.observations.forms import ObservationForm
from app.observations.models import Category, IdentityLevel, Observation
from app.observations.program_picker import choosable_program
from app.open311 import keys
from app.open311.models import ApiClient, Open311Filing
from app.territory.models import Department

#: The service attributes a filing may carry (``attribute[<code>]``), in the order
#: ``/services/<code>`` describes them.
ATTRIBUTES = ("title", "identity", "department", "municipality", "institution", "program")

#: Form field → the GeoReport parameter an error names.
PARAMETER_OF = {
    "category_id": "service_code",
    "description": "description",
    "title": "attribute[title]",
    "identity": "attribute[identity]",
    "department": "attribute[department]",
    "municipality": "attribute[municipality]",
    "institution_id": "attribute[institution]",
    "program_id": "attribute[program]",
    "latitude": "lat",
    "longitude": "long",
    "place_description": "address_string",
}

TITLE_FROM_DESCRIPTION = 80


class Open311Error(Exception):
    """A refused request: the HTTP status and one description per problem (translated)."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__(descriptions[0] if descriptions else "")
        self.status = status
        self.descriptions = list(descriptions)


def attribute(params: Mapping[str, str], code: str) -> str:
    return (params.get(f"attribute[{code}]") or "").strip()


def _title_from(description: str) -> str:
    """A title when the application sends none: the description's first line, cut at a word."""
    line = description.strip().splitlines()[0] if description.strip() else ""
    if len(line) <= TITLE_FROM_DESCRIPTION:
        return line
    cut = line[:TITLE_FROM_DESCRIPTION].rsplit(" ", 1)[0]
    return cut + "…"


def _category_id(code: str) -> int | None:
    return db.session.scalar(select(Category.id).where(Category.key == code, Category.active))


def _institution_id(value: str) -> str:
    """An institution's id as the form wants it, from its id or its acronym."""
    if not value:
        return ""
    if value.isdigit() and len(value) < 10:
        return value
    found = db.session.scalar(
        select(Institution.id).where(
            Institution.active, func.lower(Institution.acronym) == value.lower()
        )
    )
    return str(found) if found is not None else "0"  # "0": refused by the form's check


def _department(value: str) -> str:
    """A department's ISO code from its code or its name (any case)."""
    if not value:
        return ""
    found = db.session.scalar(
        select(Department.iso_code).where(
            (func.upper(Department.iso_code) == value.upper())
            | (func.lower(Department.name) == value.lower())
        )
    )
    return found or value


def form_for(params: Mapping[str, str]) -> ObservationForm:
    """The filing form filled from a GeoReport request, with its choices, not yet validated."""
    description = (params.get("description") or "").strip()
    category_id = _category_id((params.get("service_code") or "").strip())
    data = MultiDict(
        {
            "category_id": str(category_id or ""),
            "description": description,
            "title": attribute(params, "title") or _title_from(description),
            "identity": attribute(params, "identity") or IdentityLevel.HIDDEN.value,
            "department": _department(attribute(params, "department")),
            "municipality": attribute(params, "municipality"),
            "institution_id": _institution_id(attribute(params, "institution")),
            "program_id": attribute(params, "program"),
            "latitude": (params.get("lat") or "").strip(),
            "longitude": (params.get("long") or "").strip(),
            "place_description": (params.get("address_string") or "").strip(),
            "acting_as": "individual",
        }
    )
    form = ObservationForm(formdata=data, meta={"csrf": False})
    filing.fill_choices(form, None)
    program = choosable_program(form.program_id.data)
    if program is not None:
        filing.prefill_from_program(form, program)
    return form


def form_errors(form: ObservationForm) -> list[str]:
    valid = form.validate()
    valid = form.validate_for_filing() and valid
    if valid:
        return []
    return [
        f"{PARAMETER_OF.get(name, name)}: {message}"
        for name, messages in form.errors.items()
        for message in messages
    ]


def person_for(params: Mapping[str, str], client: ApiClient) -> User:
    """The account the filing is made in, found or created by ``email``."""
    raw = (params.get("email") or "").strip()
    if not raw:
        raise Open311Error(
            400, _("email: an address is required; the person is told of the answer by mail.")
        )
    try:
        address = validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError:
        raise Open311Error(400, _("email: this is not a valid email address.")) from None
    existing = accounts.find_by_email(address)
    if existing is None:
        return _new_person(address, params, client)
    if existing.role != Role.CITIZEN:
        raise Open311Error(
            400, _("email: this address belongs to a staff account; staff do not file here.")
        )
    if existing.is_blocked or existing.is_posting_blocked:
        raise Open311Error(403, _("email: this account may not file observations."))
    return existing


def _new_person(address: str, params: Mapping[str, str], client: ApiClient) -> User:
    name = " ".join(
        part.strip()
        for part in (params.get("first_name") or "", params.get("last_name") or "")
        if part.strip()
    )
    user = User(
        email=accounts.normalise_email(address),
        password_hash=UNUSABLE_PASSWORD_HASH,
        display_name=(name or client.name)[:80],
        language=str(get_locale() or "es")[:5],
    )
    try:
        # Two filings for the same new address at once: one creates it, the other finds it.
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
    except IntegrityError:
        found = accounts.find_by_email(address)
        if found is None:
            raise
        return found
    return user


def file_request(
    client: ApiClient, params: Mapping[str, str], files: list[tuple[str, bytes]]
) -> Open311Filing:
    """File what an application sent, or raise :class:`Open311Error` having written nothing
    the caller's rollback does not undo."""
    if params.get("media_url"):
        raise Open311Error(
            400,
            _(
                "media_url: this server does not fetch files from other sites; send the "
                "image itself as the multipart field media."
            ),
        )
    form = form_for(params)
    problems = form_errors(form)
    if problems:
        raise Open311Error(400, *problems)
    person = person_for(params, client)
    if filing.filed_today(person) >= current_app.config["OBSERVATIONS_PER_DAY"]:
        raise Open311Error(429, _("This person filed many observations today; try tomorrow."))
    if not keys.allow(client):
        raise Open311Error(429, _("This application sent too many requests; try again later."))
    token = filing.new_token(person)
    refused = evidence.accept_files(files, token=token.token, user=person, already=0)
    if refused:
        raise Open311Error(400, *(f"media: {message}" for message in refused))
    filing.claim(token)
    observation: Observation = filing.file(person, form, token)
    filed = Open311Filing(
        token=secrets.token_urlsafe(24), client_id=client.id, observation_id=observation.id
    )
    db.session.add(filed)
    keys.mark_used(client)
    db.session.flush()
    return filed
