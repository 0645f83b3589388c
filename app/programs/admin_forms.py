"""Admin forms for plans, programs, statuses and milestones.

The per-language inputs (``Translated``, ``translatable``), the ``AdminForm`` base and the
fields with our own messages are shared with the other admin pages: see app/core/admin_forms.py
(the names that used to be defined here are re-exported, so imports from this module still work).

Choices come from the database through ``load_choices()``; validators that need the database
(uniqueness, territory, parent program) keep what they found so ``to_data()`` needs no second
lookup."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as FieldError

from app.core.admin_forms import CONTENT_LANGUAGES as CONTENT_LANGUAGES
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
from app.core.admin_forms import ConfirmForm as ConfirmForm
from app.core.admin_forms import LanguageInput as LanguageInput
from app.extensions import db
from app.institutions.models import Institution
from app.programs import admin_services, services
from app.programs.models import Plan, PlanType, Program, ProgramStatus
from app.territory.models import Department, Municipality

# --- fields whose messages are ours (so they are translated like the rest) -------------------

AMOUNT_MESSAGE = _l("Enter an amount of 0 or more, like 1500000.50, without thousands separators.")


class AmountField(StringField):
    """An amount in bolivianos, ≥ 0, at most two decimals; ``data`` is a Decimal or None."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = (valuelist[0] if valuelist else "") or ""
        self.data = None
        if text.strip():
            self.data = admin_services.parse_amount(text)
            if self.data is None:
                raise ValueError(AMOUNT_MESSAGE)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def process_data(self, value: Any) -> None:
        self.data = value if isinstance(value, Decimal) or value is None else Decimal(value)


PERCENT = NumberRange(0, 100, message=_l("Enter a number from 0 to 100."))
EXTERNAL_ID = [
    Optional(),
    Length(max=64, message=_l("Use at most %(max)d characters.")),
]
EXTERNAL_ID_HINT = _l("The identifier in the source system; a CSV import updates by it.")


# --- territory shared by plans and programs -------------------------------------------------


class TerritoryMixin:
    """Department and municipality: the municipality must be in the department (when only the
    municipality is chosen, its department is filled in)."""

    department_id: SelectField
    municipality_id: SelectField

    def load_territory_choices(self) -> None:
        self.department_id.choices = [("", _l("None (national)"))] + [
            (d.id, d.name) for d in admin_services.departments()
        ]
        groups: dict[Any, list[tuple[Any, str]]] = {None: [("", _l("None"))]}
        for department, municipalities in admin_services.municipalities_by_department():
            if municipalities:
                groups[department.name] = [(m.id, f"{m.name} ({m.code})") for m in municipalities]
        self.municipality_id.choices = groups

    def validate_department_id(self, field: SelectField) -> None:
        self.department = None
        if field.data is not None:
            self.department = db.session.get(Department, field.data)
            if self.department is None:
                raise FieldError(_l("Choose a department from the list."))

    def validate_municipality_id(self, field: SelectField) -> None:
        self.municipality = None
        if field.data is None:
            return
        municipality = db.session.get(Municipality, field.data)
        if municipality is None:
            raise FieldError(_l("Choose a municipality from the list."))
        if self.department_id.errors:
            return
        if self.department is None:
            self.department = municipality.department
            self.department_id.data = municipality.department_id
        elif municipality.department_id != self.department.id:
            raise FieldError(_l("This municipality is not in the chosen department."))
        self.municipality = municipality


def _institution_choices() -> list[tuple[Any, Any]]:
    return [("", _l("Choose an institution"))] + [
        (i.id, str(i.name)) for i in admin_services.institutions()
    ]


def _institution(field: SelectField) -> Institution:
    institution = db.session.get(Institution, field.data) if field.data is not None else None
    if institution is None:
        raise FieldError(_l("Choose an institution from the list."))
    return institution


def _unique_external_id(model: type, field: StringField, editing: Any) -> None:
    if not field.data:
        return
    query = select(model.id).where(model.external_id == field.data)  # type: ignore[attr-defined]
    if editing is not None:
        query = query.where(model.id != editing.id)  # type: ignore[attr-defined]
    if db.session.scalar(query) is not None:
        raise FieldError(_l("Another record already has this external identifier."))


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
        self.plan_type.choices = [(t.value, t.title) for t in PlanType]
        self.institution_id.choices = _institution_choices()
        self.load_territory_choices()

    def validate_institution_id(self, field: SelectField) -> None:
        self.institution = _institution(field)

    def validate_period_end(self, field: WholeNumberField) -> None:
        start = self.period_start.data
        if start is not None and field.data is not None and field.data < start:
            raise FieldError(_l("The last year cannot be before the first year."))

    def validate_external_id(self, field: StringField) -> None:
        _unique_external_id(Plan, field, self.editing)

    def to_data(self) -> admin_services.PlanData:
        return admin_services.PlanData(
            plan_type=PlanType(self.plan_type.data),
            institution=self.institution,
            department=self.department,
            municipality=self.municipality,
            period_start=self.period_start.data,
            period_end=self.period_end.data,
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
        self.institution_id.choices = _institution_choices()
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
        self.institution = _institution(field)

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
        _unique_external_id(Program, field, self.editing)

    def to_data(self) -> admin_services.ProgramData:
        return admin_services.ProgramData(
            plan=self.plan,
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
            weight=self.weight.data,
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

    def load_choices(self) -> None:
        """Nothing to load: kept so every admin form is used the same way."""

    def validate_key(self, field: StringField) -> None:
        check_key(field, ProgramStatus, self.editing, _l("Another status already has this key."))

    def to_data(self) -> admin_services.StatusData:
        return admin_services.StatusData(
            key=self.key.data,
            names=self.texts("names"),
            default_progress=self.default_progress.data,
            position=self.position.data,
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

    def load_choices(self) -> None:
        """Nothing to load: kept so every admin form is used the same way."""

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


# --- CSV import -----------------------------------------------------------------------------

#: The largest CSV file the import page takes (``PROGRAMS_IMPORT_MAX_BYTES`` overrides it).
IMPORT_MAX_BYTES = 2 * 1024 * 1024
#: The most rows it takes (``PROGRAMS_IMPORT_MAX_ROWS``): the import is written inside the
#: request, which must end well within the worker timeout (30 s): 1,000 programs in a tree
#: take about 10 s on PostgreSQL, 16 s on SQLite. Bigger files: split them, or use the command.
IMPORT_MAX_ROWS = 1000
SAVE_AS_CSV = _l("In your spreadsheet, use Save as, choose “CSV UTF-8” and upload that file.")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def import_max_bytes() -> int:
    return int(current_app.config.get("PROGRAMS_IMPORT_MAX_BYTES", IMPORT_MAX_BYTES))


def import_max_rows() -> int:
    return int(current_app.config.get("PROGRAMS_IMPORT_MAX_ROWS", IMPORT_MAX_ROWS))


def _file_size(size: int) -> str:
    """``2 MB``, ``500 KB``: the size limit as people read it."""
    if size >= 1024 * 1024:
        return f"{format_decimal(size / (1024 * 1024), format='#,##0.#')} MB"
    return f"{format_decimal(max(size, 1024) / 1024, format='#,##0')} KB"


class ImportUploadForm(FlaskForm):
    """The CSV file of the programs import. Only whether it is a readable CSV file is checked
    here (size, UTF-8, no binary, CSV syntax), with our own translated messages; its columns and
    rows are checked by ``importer.check_bytes``. After validation ``content`` holds its bytes
    and ``filename`` its name, for display only."""

    file = FileField(_l("CSV file"), render_kw={"accept": ".csv,text/csv"})
    submit = SubmitField(_l("Check the file"))

    content: bytes = b""
    filename: str = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.file.description = _(
            "Saved from a spreadsheet as “CSV UTF-8”, with the column names in the first row; "
            "at most %(size)s and %(rows)s rows.",
            size=_file_size(import_max_bytes()),
            rows=format_decimal(import_max_rows()),
        )

    def validate_file(self, field: FileField) -> None:
        upload = field.data
        if upload is None or not upload.filename:
            raise FieldError(_("Choose the CSV file to import."))
        name = _CONTROL.sub("", upload.filename.replace("\\", "/").rsplit("/", 1)[-1])[:120]
        if not name.lower().endswith(".csv"):
            raise FieldError(
                _("Choose a file whose name ends in .csv. %(save_as)s", save_as=SAVE_AS_CSV)
            )
        limit = import_max_bytes()
        data = upload.stream.read(limit + 1)
        if len(data) > limit:
            raise FieldError(
                _(
                    "The file is larger than %(size)s. Split it into smaller files and "
                    "import them one after the other.",
                    size=_file_size(limit),
                )
            )
        if not data.removeprefix(b"\xef\xbb\xbf").strip():
            raise FieldError(_("The file is empty."))
        if b"\x00" in data:
            raise FieldError(
                _("This is not a CSV file: it holds binary data. %(save_as)s", save_as=SAVE_AS_CSV)
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise FieldError(
                _(
                    "The file is not UTF-8 text (the first character that cannot be read is on "
                    "line %(line)d). %(save_as)s",
                    line=data[: error.start].count(b"\n") + 1,
                    save_as=SAVE_AS_CSV,
                )
            ) from None
        reader = csv.reader(io.StringIO(text, newline=""))
        rows = -1  # the header is not a row
        try:
            for record in reader:
                rows += any(cell.strip() for cell in record)
        except csv.Error:
            raise FieldError(
                _(
                    "The file cannot be read as CSV near line %(line)d: a quotation mark left "
                    "open, or a cell far too long. %(save_as)s",
                    line=max(reader.line_num, 1),
                    save_as=SAVE_AS_CSV,
                )
            ) from None
        max_rows = import_max_rows()
        if rows > max_rows:
            raise FieldError(
                _(
                    "The file has %(rows)s rows; this page imports at most %(max)s at a time. "
                    "Split it into smaller files, or ask the server administrator to import it "
                    "with the command %(command)s.",
                    rows=format_decimal(rows),
                    max=format_decimal(max_rows),
                    command="flask programs import",
                )
            )
        self.content = data
        self.filename = name
