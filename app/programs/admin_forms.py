"""Admin forms for plans, programs, statuses and milestones.

The per-language inputs (``Translated``, ``translatable``), the ``AdminForm`` base and the
fields with our own messages are shared with the other admin pages: see app/core/admin_forms.py;
the pieces plans and programs share are in admin_fields.py, the CSV upload form in
import_form.py.

Choices come from the database through ``load_choices()``; validators that need the database
(uniqueness, territory, parent program) keep what they found so ``to_data()`` needs no second
lookup."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as FieldError

from app.core.admin_forms import (
    AdminForm,
    DayField,
    Translated,
    WholeNumberField,
    check_key,
    int_or_none,
    strip_text,
    translatable,
)
from app.extensions import db
from app.programs import admin_services, services
from app.programs.admin_fields import (
    EXTERNAL_ID,
    EXTERNAL_ID_HINT,
    PERCENT,
    AmountField,
    TerritoryMixin,
    institution_choices,
    institution_of,
    unique_external_id,
    validated,
)
from app.programs.models import Plan, PlanType, Program, ProgramStatus

# --- plans ----------------------------------------------------------------------------------


@translatable(
    Translated("titles", "title", _l("Title"), required=True),
    Translated("descriptions", "description", _l("Description"), textarea=True, max_length=5000),
    after="period_end",
)
class PlanForm(TerritoryMixin, AdminForm):
    plan_type = SelectField(
        _l("Type of plan"), invalid_choice_message=_l("Choose a type of plan from the list.")
    )
    institution_id = SelectField(
        _l("Responsible institution"), coerce=int_or_none, validate_choice=False
    )
    department_id = SelectField(_l("Department"), coerce=int_or_none, validate_choice=False)
    municipality_id = SelectField(_l("Municipality"), coerce=int_or_none, validate_choice=False)
    period_start = WholeNumberField(
        _l("First year"),
        validators=[
            InputRequired(_l("Enter the first year of the plan.")),
            NumberRange(1990, 2100, message=_l("Enter a year from 1990 to 2100.")),
        ],
    )
    period_end = WholeNumberField(
        _l("Last year"),
        validators=[
            InputRequired(_l("Enter the last year of the plan.")),
            NumberRange(1990, 2100, message=_l("Enter a year from 1990 to 2100.")),
        ],
    )
    external_id = StringField(
        _l("External identifier"),
        validators=EXTERNAL_ID,
        filters=[strip_text],
        description=EXTERNAL_ID_HINT,
    )
    submit = SubmitField(_l("Save the plan"))

    def load_choices(self) -> None:
        self.plan_type.choices = PlanType.choices()
        self.institution_id.choices = institution_choices()
        self.load_territory_choices()

    def validate_institution_id(self, field: SelectField) -> None:
        self.institution = institution_of(field)

    def validate_period_end(self, field: WholeNumberField) -> None:
        start = self.period_start.data
        if start is not None and field.data is not None and field.data < start:
            raise FieldError(_l("The last year cannot be before the first year."))

    def validate_external_id(self, field: StringField) -> None:
        unique_external_id(Plan, field, self.editing)

    def to_data(self) -> admin_services.PlanData:
        return admin_services.PlanData(
            plan_type=PlanType(self.plan_type.data),
            institution=self.institution,
            department=self.department,
            municipality=self.municipality,
            period_start=validated(self.period_start.data),
            period_end=validated(self.period_end.data),
            titles=self.texts("titles"),
            descriptions=self.texts("descriptions"),
            external_id=self.external_id.data or None,
        )


# --- programs -------------------------------------------------------------------------------


@translatable(
    Translated("titles", "title", _l("Title"), required=True),
    Translated("descriptions", "description", _l("Description"), textarea=True, max_length=5000),
    after="code",
)
class ProgramForm(TerritoryMixin, AdminForm):
    plan_id = SelectField(_l("Plan"), coerce=int_or_none, validate_choice=False)
    parent_id = SelectField(
        _l("Parent program"),
        coerce=int_or_none,
        validate_choice=False,
        description=_l(
            "Only programs of the same plan. After changing the plan, save once to choose "
            "among its programs."
        ),
    )
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(_l("Enter the program's code.")),
            Length(max=40, message=_l("Use at most %(max)d characters.")),
        ],
        filters=[strip_text],
    )
    institution_id = SelectField(
        _l("Responsible institution"), coerce=int_or_none, validate_choice=False
    )
    department_id = SelectField(_l("Department"), coerce=int_or_none, validate_choice=False)
    municipality_id = SelectField(_l("Municipality"), coerce=int_or_none, validate_choice=False)
    budget_bob = AmountField(
        _l("Budget (bolivianos)"), description=_l("For example 1500000.50. Leave empty if unknown.")
    )
    start_date = DayField(_l("Start date"), validators=[Optional()])
    end_date = DayField(_l("End date"), validators=[Optional()])
    status_id = SelectField(_l("Status"), coerce=int_or_none, validate_choice=False)
    progress = WholeNumberField(
        _l("Progress"),
        validators=[Optional(), PERCENT],
        description=_l(
            "0 to 100. Leave empty to keep it, or to take the default progress of a new status."
        ),
    )
    weight = WholeNumberField(
        _l("Weight in the parent's progress"),
        default=1,
        validators=[
            InputRequired(_l("Enter a weight of 1 or more.")),
            NumberRange(min=1, max=1000, message=_l("Enter a weight from 1 to 1000.")),
        ],
    )
    comments_open_on = DayField(_l("Comments open on"), validators=[Optional()])
    comments_close_on = DayField(
        _l("Comments close on"),
        validators=[Optional()],
        description=_l("Both dates included. Leave empty for no limit."),
    )
    external_id = StringField(
        _l("External identifier"),
        validators=EXTERNAL_ID,
        filters=[strip_text],
        description=EXTERNAL_ID_HINT,
    )
    submit = SubmitField(_l("Save the program"))

    #: Set by load_choices: the program's progress is rolled up from its sub-programs.
    has_children = False

    def load_choices(self) -> None:
        program = self.editing
        self.plan_id.choices = [("", _l("Choose a plan"))] + [
            (p.id, f"{p.plan_type.value} {p.period_start}\N{EN DASH}{p.period_end}: {p.title}")
            for p in services.plans_for_select()
        ]
        excluded: set[int] = set()
        if program is not None:
            excluded = {program.id, *admin_services.descendant_ids(program)}
        self.parent_id.choices = [("", _l("None (a top-level program)"))] + [
            (p.id, f"{p.code} — {p.title}")
            for p in admin_services.programs_of_plan(self.plan_id.data)
            if p.id not in excluded
        ]
        self.institution_id.choices = institution_choices()
        self.status_id.choices = [("", _l("No status"))] + [
            (s.id, str(s.name)) for s in services.statuses()
        ]
        self.load_territory_choices()
        self.has_children = bool(program is not None and program.children)
        if self.has_children:
            # The value is ignored (see save_program); say so where the input is.
            self.progress.description = _l(
                "This program has sub-programs: its progress is the weighted average of "
                "theirs, so this field is ignored."
            )
            self.progress.render_kw = {"disabled": True}

    def validate_plan_id(self, field: SelectField) -> None:
        self.plan = db.session.get(Plan, field.data) if field.data is not None else None
        if self.plan is None:
            raise FieldError(_l("Choose a plan from the list."))
        program = self.editing
        if program is not None and program.plan_id != self.plan.id and program.children:
            raise FieldError(
                _l("A program with sub-programs cannot move to another plan. Move them first.")
            )

    def validate_parent_id(self, field: SelectField) -> None:
        self.parent = None
        if field.data is None:
            return
        parent = db.session.get(Program, field.data)
        if parent is None:
            raise FieldError(_l("Choose a program from the list."))
        program = self.editing
        if program is not None and (
            parent.id == program.id or parent.id in admin_services.descendant_ids(program)
        ):
            raise FieldError(
                _l("A program cannot be inside itself or inside one of its sub-programs.")
            )
        if self.plan is None:
            return  # the plan has its own error
        if parent.plan_id != self.plan.id:
            raise FieldError(_l("The parent program must belong to the same plan."))
        self.parent = parent

    def validate_institution_id(self, field: SelectField) -> None:
        self.institution = institution_of(field)

    def validate_status_id(self, field: SelectField) -> None:
        self.status = None
        if field.data is not None:
            self.status = db.session.get(ProgramStatus, field.data)
            if self.status is None:
                raise FieldError(_l("Choose a status from the list."))

    def validate_end_date(self, field: DayField) -> None:
        if self.start_date.data and field.data and field.data < self.start_date.data:
            raise FieldError(_l("The end date cannot be before the start date."))

    def validate_comments_close_on(self, field: DayField) -> None:
        if self.comments_open_on.data and field.data and field.data < self.comments_open_on.data:
            raise FieldError(_l("Comments cannot close before they open."))

    def validate_external_id(self, field: StringField) -> None:
        unique_external_id(Program, field, self.editing)

    def to_data(self) -> admin_services.ProgramData:
        return admin_services.ProgramData(
            plan=validated(self.plan),
            parent=self.parent,
            code=self.code.data,
            titles=self.texts("titles"),
            descriptions=self.texts("descriptions"),
            institution=self.institution,
            department=self.department,
            municipality=self.municipality,
            budget_bob=self.budget_bob.data,
            start_date=self.start_date.data,
            end_date=self.end_date.data,
            status=self.status,
            progress=None if self.has_children else self.progress.data,
            weight=validated(self.weight.data),
            comments_open_on=self.comments_open_on.data,
            comments_close_on=self.comments_close_on.data,
            external_id=self.external_id.data or None,
        )


# --- statuses -------------------------------------------------------------------------------


@translatable(Translated("names", "name", _l("Name"), required=True, max_length=80), after="key")
class StatusForm(AdminForm):
    key = StringField(
        _l("Key"),
        validators=[
            DataRequired(_l("Enter a key.")),
            Length(max=40, message=_l("Use at most %(max)d characters.")),
        ],
        filters=[strip_text],
        description=_l(
            "Lower-case letters, digits, - and _, like in_execution. Used in links and CSV files."
        ),
    )
    default_progress = WholeNumberField(
        _l("Default progress"),
        validators=[Optional(), PERCENT],
        description=_l(
            "0 to 100, given to a program that takes this status without a progress of its own."
        ),
    )
    position = WholeNumberField(
        _l("Position in lists"),
        default=0,
        validators=[
            InputRequired(_l("Enter a position, like 0.")),
            NumberRange(0, 10000, message=_l("Enter a number from 0 to 10000.")),
        ],
    )
    submit = SubmitField(_l("Save the status"))

    def validate_key(self, field: StringField) -> None:
        check_key(field, ProgramStatus, self.editing, _l("Another status already has this key."))

    def to_data(self) -> admin_services.StatusData:
        return admin_services.StatusData(
            key=self.key.data,
            names=self.texts("names"),
            default_progress=self.default_progress.data,
            position=validated(self.position.data),
        )


# --- milestones -----------------------------------------------------------------------------


@translatable(
    Translated("titles", "title", _l("Title"), required=True),
    Translated("descriptions", "description", _l("Description"), textarea=True, max_length=5000),
    after="on_date",
)
class MilestoneForm(AdminForm):
    on_date = DayField(
        _l("Date"), validators=[InputRequired(_l("Enter the date of the milestone."))]
    )
    done_on = DayField(
        _l("Reached on"),
        validators=[Optional()],
        description=_l("Leave it empty while the milestone has not been reached."),
    )
    submit = SubmitField(_l("Save the milestone"))

    def to_data(self) -> admin_services.MilestoneData:
        return admin_services.MilestoneData(
            on_date=self.on_date.data,
            titles=self.texts("titles"),
            descriptions=self.texts("descriptions"),
            done_on=self.done_on.data,
        )


class ProgramSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Words to search"), validators=[Optional(), Length(max=200)])
    plan = SelectField(_l("Plan"), coerce=int_or_none, validate_choice=False)
