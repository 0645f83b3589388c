from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from markupsafe import Markup
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DecimalField,
    Field,
    HiddenField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import Select, html_params

from app.core.admin_forms import int_or_none
from app.core.honeypot import HoneypotMixin
from app.core.i18n import language_names
from app.core.urls import id_or_none
from app.extensions import db
from app.observations.models import ActingAs, IdentityLevel
from app.observations.permissions import FilingGroup
from app.observations.program_picker import choosable_program
from app.search.text import MAX_QUERY
from app.territory.models import Municipality


class DepartmentGroup(str):
    """An ``<optgroup>`` label (the department's name) that also carries the department's ISO
    code, which :class:`DepartmentGroupedSelect` writes as ``data-department``."""

    iso_code: str

    def __new__(cls, name: str, iso_code: str) -> DepartmentGroup:
        label = super().__new__(cls, name)
        label.iso_code = iso_code
        return label


class DepartmentGroupedSelect(Select):
    """A select whose options are grouped in one ``<optgroup label="Department"
    data-department="BO-X">`` per department: complete without JavaScript, and
    static/js/filing.js narrows it to the chosen department."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for group, choices in field.iter_groups():
            if group is not None:
                code = getattr(group, "iso_code", None)
                html.append(f"<optgroup {html_params(label=group, data_department=code)}>")
            html.extend(self.render_option(choice) for choice in choices)
            if group is not None:
                html.append("</optgroup>")
        html.append("</select>")
        return Markup("".join(html))  # noqa: S704 - html_params and render_option escape


class ObservationForm(HoneypotMixin, FlaskForm):
    """The filing form. Drafts may be saved incomplete; filing checks everything.

    The program picker (no JavaScript needed): ``program_q`` with ``program_search`` re-renders
    the form as typed with the matching programs as ``program_pick`` radio buttons;
    ``program_choose`` (or filing straight away) makes the picked one the program;
    ``program_clear`` undoes the choice. None of these buttons saves anything."""

    #: The first submit button in the form, visually hidden: what Enter in a text box presses
    #: without JavaScript. It searches while the program search box has text and nothing is
    #: chosen, and files otherwise (``_enter_searches``).
    enter = SubmitField(_l("Send"))
    token = HiddenField()
    program_id = HiddenField(_l("Program"))
    program_q = StringField(
        _l("Search programs by name or code"),
        validators=[Length(max=100, message=_l("Use at most %(max)d characters."))],
        description=_l(
            "If it is about a program of a plan, find it here; its institution is chosen for you. "
            "Otherwise, choose the institution below."
        ),
    )
    #: The search result the filer picked (radio buttons drawn by the template).
    program_pick = StringField()
    program_search = SubmitField(_l("Search programs"))
    program_choose = SubmitField(_l("Choose this program"))
    program_clear = SubmitField(_l("Choose another program, or none"))
    institution_id = SelectField(
        _l("Institution the observation is about"),
        coerce=int_or_none,
        validate_choice=False,
        description=_l("When it is about a program, its institution is chosen for you."),
    )
    category_id = SelectField(_l("Category"), coerce=int_or_none, validate_choice=False)
    title = StringField(
        _l("Title"),
        validators=[Length(max=200, message=_l("Use at most %(max)d characters."))],
        description=_l("One line that says what happened, e.g. “Works stopped since March”."),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Length(max=10000, message=_l("Use at most %(max)d characters."))],
        description=_l("What you saw, where, since when, and what you ask the institution."),
    )
    department = SelectField(_l("Department"), validate_choice=False)
    municipality = SelectField(
        _l("Municipality"), validate_choice=False, widget=DepartmentGroupedSelect()
    )
    place_description = StringField(
        _l("Place (optional)"),
        validators=[Length(max=300)],
        description=_l("A description that helps find the place: street, community, landmark."),
    )
    latitude = DecimalField(
        _l("Latitude (optional)"),
        places=None,
        validators=[Optional(), NumberRange(-23.0, -9.5, _l("That point is not in Bolivia."))],
    )
    longitude = DecimalField(
        _l("Longitude (optional)"),
        places=None,
        validators=[Optional(), NumberRange(-69.7, -57.4, _l("That point is not in Bolivia."))],
    )
    #: "individual", "organisation", or "group-<id>" for each group the filer belongs to
    #: (``offer_groups``); checked against those groups, not against the choices' text.
    acting_as = RadioField(
        _l("You file this"), default=ActingAs.INDIVIDUAL.value, validate_choice=False
    )
    actor_type_id = SelectField(
        _l("Type of social-control actor"), coerce=int_or_none, validate_choice=False
    )
    organisation_name = StringField(_l("Organisation name"), validators=[Length(max=200)])
    show_member_name = BooleanField(
        _l("Show my name with the group's"),
        description=_l(
            "Only at the public level: without it the public sees the group alone, and the "
            "institution that must answer sees your name."
        ),
    )
    hide_group = BooleanField(
        _l("Hide the group too"),
        description=_l(
            "Only when hidden from the public or confidential: the group is then shown only "
            "where your name is, and to the group's members."
        ),
    )
    #: The protective choice is the default: the public does not see the name.
    identity = RadioField(_l("Who may see that you filed it?"), default=IdentityLevel.HIDDEN.value)
    evidence = MultipleFileField(
        _l("Evidence (optional)"),
        description=_l(
            "Up to 5 files: photos (JPEG, PNG, WebP) or PDF documents, 10 MB each. Photos are "
            "cleaned of hidden data such as the GPS position before they are stored."
        ),
    )
    save_draft = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("File observation"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Filing for an oversight group is offered to its members only: offer_groups().
        self.acting_as.choices = [(a.value, a.title) for a in ActingAs if a != ActingAs.GROUP]
        self.identity.choices = [(i.value, i.title) for i in IdentityLevel]
        self.groups: tuple[FilingGroup, ...] = ()

    def offer_groups(self, groups: Sequence[FilingGroup]) -> None:
        """Offer filing on behalf of each of ``groups``: the groups the filer belongs to, read
        in this request (so a posted form is checked against their memberships now)."""
        self.groups = tuple(groups)
        self.acting_as.choices = [
            *(self.acting_as.choices or []),
            *((group_choice(g.id), _("On behalf of %(group)s", group=g.name)) for g in self.groups),
        ]

    def chosen_group(self) -> FilingGroup | None:
        """The offered group chosen in ``acting_as``, if any."""
        group_id = group_of_choice(self.acting_as.data)
        return next((g for g in self.groups if g.id == group_id), None)

    def acting(self) -> ActingAs:
        """What the filer acts as (a valid form has one of these)."""
        if self.chosen_group() is not None:
            return ActingAs.GROUP
        if self.acting_as.data == ActingAs.ORGANISATION.value:
            return ActingAs.ORGANISATION
        return ActingAs.INDIVIDUAL

    def validate_acting_as(self, field: Field) -> None:
        value = field.data or ActingAs.INDIVIDUAL.value
        if value in (ActingAs.INDIVIDUAL.value, ActingAs.ORGANISATION.value):
            return
        if self.chosen_group() is None:
            # A forged id, or a group the filer left while the form was open.
            raise ValidationError(
                _l("You can file for a group only while you are one of its members.")
            )

    def _enter_searches(self) -> bool:
        """Enter in a text box searches while no program is chosen or picked and the search box
        has text; otherwise it files, as before the picker existed."""
        return bool(
            self.enter.data
            and not self.program_id.data
            and not self.program_pick.data
            and (self.program_q.data or "").strip()
        )

    def take_program_choice(self) -> None:
        """Apply the picker's buttons to ``program_id`` before validation: "choose another"
        clears it, and a picked search result becomes the program (unless the filer searched
        again)."""
        if self.program_clear.data:
            self.program_id.data = ""
            self.program_pick.data = ""
        elif self.program_pick.data and not self.program_id.data and not self.program_search.data:
            self.program_id.data = self.program_pick.data

    def picking(self) -> bool:
        """True when the request only works the program picker (search, choose, undo, or Enter
        in the search box): the form is shown again as typed and nothing is saved."""
        return bool(
            self.program_search.data
            or self.program_choose.data
            or self.program_clear.data
            or self._enter_searches()
        )

    def validate_program_id(self, field: Field) -> None:
        if field.data and choosable_program(field.data) is None:
            # A forged or stale id: a program that does not exist or cannot receive observations.
            raise ValidationError(
                _l("That program cannot be chosen. Search for it again, or choose the institution.")
            )

    def validate_department(self, field: Field) -> None:
        offered = {value for value, _label in self.department.choices or []}
        if field.data and field.data not in offered:
            raise ValidationError(_l("Choose a department."))

    def validate_municipality(self, field: Field) -> None:
        if not field.data:
            return
        municipality = db.session.scalar(
            select(Municipality).where(Municipality.code == field.data)
        )
        if municipality is None:
            raise ValidationError(_l("Choose a municipality from the list."))
        if self.department.data and municipality.department.iso_code != self.department.data:
            raise ValidationError(
                _(
                    "%(municipality)s is not in the department you chose: choose a municipality "
                    "of that department, or “Not sure / several”.",
                    municipality=municipality.name,
                )
            )

    def validate_for_filing(self) -> bool:
        """Everything a filed observation needs (drafts skip this)."""
        ok = True

        def need(field: Field, message: object) -> None:
            nonlocal ok
            if not field.data:
                field.errors = [*field.errors, message]
                ok = False

        need(self.category_id, _l("Choose a category."))
        offered = {value for value, _label in self.category_id.choices or []}
        if self.category_id.data and self.category_id.data not in offered:
            # e.g. a category deactivated while the form was open
            self.category_id.errors = [*self.category_id.errors, _l("Choose a category.")]
            ok = False
        need(self.title, _l("Write a title."))
        need(self.description, _l("Describe what you observed."))
        need(self.department, _l("Choose a department."))
        if not self.program_id.data:
            need(self.institution_id, _l("Choose the institution."))
        if self.title.data and len(self.title.data.strip()) < 5:
            self.title.errors = [*self.title.errors, _l("Write at least 5 characters.")]
            ok = False
        if self.description.data and len(self.description.data.strip()) < 20:
            self.description.errors = [
                *self.description.errors,
                _l("Write at least 20 characters so the institution understands."),
            ]
            ok = False
        if self.acting_as.data == ActingAs.ORGANISATION.value:
            need(self.organisation_name, _l("Write the organisation's name."))
        if (
            self.acting() == ActingAs.GROUP
            and self.hide_group.data
            and self.identity.data == IdentityLevel.PUBLIC.value
        ):
            self.hide_group.errors = [
                *self.hide_group.errors,
                _l(
                    "The public level shows the group. To hide it, choose “hidden from the "
                    "public” or “confidential”."
                ),
            ]
            ok = False
        if (self.latitude.data is None) != (self.longitude.data is None):
            self.longitude.errors = [
                *self.longitude.errors,
                _l("Give both latitude and longitude, or neither."),
            ]
            ok = False
        return ok


def group_choice(group_id: int) -> str:
    """The ``acting_as`` value of filing for one group."""
    return f"group-{group_id}"


def group_of_choice(value: str | None) -> int | None:
    """The group id of an ``acting_as`` value ("group-<id>"), if it is one."""
    prefix, _dash, number = (value or "").partition("-")
    return id_or_none(number) if prefix == ActingAs.GROUP.value else None


class LookupForm(FlaskForm):
    class Meta:
        csrf = False

    code = StringField(
        _l("Tracking code"),
        validators=[DataRequired(_l("Write the code, e.g. CS-2026-00042.")), Length(max=40)],
    )


class ListFilterForm(FlaskForm):
    class Meta:
        csrf = False

    state = SelectField(_l("State"), validate_choice=False)
    category = SelectField(_l("Category"), coerce=int_or_none, validate_choice=False)
    institution = SelectField(_l("Institution"), coerce=int_or_none, validate_choice=False)
    department = SelectField(_l("Department"), validate_choice=False)
    program = HiddenField(_l("Program"))
    q = SearchField(
        _l("Search"),
        validators=[Optional(), Length(max=MAX_QUERY)],
        description=_l("Words of the code, title, description, institution, program or answers."),
    )


class ResponseTemplateForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("Write a title.")), Length(max=120)],
        description=_l("Only your institution's responders see it."),
    )
    language = SelectField(_l("Language of the text"))
    body = TextAreaField(
        _l("Text"),
        validators=[
            DataRequired(_l("Write the text.")),
            Length(max=10000, message=_l("Use at most %(max)d characters.")),
        ],
    )
    submit = SubmitField(_l("Save the template"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = language_names()
