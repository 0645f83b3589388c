"""What every lifecycle action of an observation is made of: one :class:`Action` object holds
its form, how a posted form becomes :class:`TransitionData`, what it does to the observation, its
button and timeline title, and who may take it from which states. The actions themselves are in
``triage_actions``, ``answer_actions`` and ``transfer_actions``; ``lifecycle`` lists them and runs
the one transition."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.accounts.models import User
from app.core.uploads import CleanFile
from app.extensions import db
from app.institutions.models import Institution
from app.moderation.reason_models import ModerationReason
from app.observations.action_forms import ButtonForm, NoteForm
from app.observations.models import (
    AnswerOutcome,
    ClosedOutcome,
    Observation,
    ObservationEvent,
)
from app.observations.models import ObservationState as S


class TransitionError(Exception):
    """``code``: unknown | state | role | blocked | note | target."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class TransitionData:
    """What a person sent with an action (read from its form, or given by a script)."""

    note: str = ""
    #: accept: where to forward it; propose_transfer: where to transfer it.
    institution: Institution | None = None
    duplicate_of: Observation | None = None
    outcome: ClosedOutcome | None = None
    #: answer: what the institution's answer amounts to.
    answer_outcome: AnswerOutcome | None = None
    #: accept_answer / dispute: the filer's satisfaction, 1 to 5.
    satisfaction: int | None = None
    #: reject: the reason from the editable list (app.moderation.models.ModerationReason).
    reason: ModerationReason | None = None
    #: answer: documents, each already checked (app.core.uploads.clean_upload).
    files: list[CleanFile] = field(default_factory=list)


@dataclass
class Step:
    """One transition under way, as an action's :meth:`Action.apply` sees it."""

    observation: Observation
    actor: User | None
    data: TransitionData
    #: ``data.note`` without surrounding blanks: what the event records.
    note: str
    now: datetime
    #: The La Paz date of ``now``: clocks and pauses count in it.
    today: date
    target: S
    #: Set by the answer that is the observation's first.
    first_answer: bool = False


#: A posted form, and what it said when it is valid (errors stay on the form).
Posted = tuple[FlaskForm, TransitionData]


class Action:
    """One lifecycle action. Subclasses set the class attributes and override what differs."""

    name: ClassVar[str]
    #: The states it may be taken from.
    sources: ClassVar[frozenset[S]]
    #: The roles (``states.FILER``, ``MODERATOR``, ``INSTITUTION``) that may take it.
    roles: ClassVar[frozenset[str]]
    #: Where it leads; None: the observation stays in its state (see :meth:`target_for`).
    target: ClassVar[S | None] = None
    #: The timeline sentence (the actor is named separately, by role).
    title: ClassVar[LazyString]
    #: The label of its button and the heading of its form on the observation page.
    button: ClassVar[LazyString | None] = None
    #: How the page lays its form out: button | answer | verdict | note | fields; None: the
    #: page has no form for it (filing submits).
    layout: ClassVar[str | None] = "note"
    #: True when it needs a public note (reason, question, answer).
    needs_note: ClassVar[bool] = False
    form_class: ClassVar[type[FlaskForm]] = ButtonForm
    #: Fields named "<action>-<field>", so several forms can share one page.
    prefixed: ClassVar[bool] = False
    #: True when it moves the institution's clock, so the stored due date is recomputed.
    refreshes_due_date: ClassVar[bool] = False

    def target_for(self, observation: Observation) -> S:
        return self.target if self.target is not None else observation.state

    def unavailable(self, observation: Observation) -> str | None:
        """Why the observation, beyond its state, does not allow it now (a
        :class:`TransitionError` code), or None."""
        return None

    def form(self, observation: Observation, *, bound: bool = False) -> FlaskForm:
        """Its form; ``bound`` reads the posted fields and files of the request."""
        kwargs: dict[str, Any] = {} if bound else {"formdata": None}
        if self.prefixed:
            kwargs["prefix"] = self.name
        form = self.form_class(**self.form_defaults(observation), **kwargs)
        self.fill_choices(form, observation)
        return form

    def form_defaults(self, observation: Observation) -> dict[str, Any]:
        return {}

    def fill_choices(self, form: Any, observation: Observation) -> None:
        """Set the choices of the form's select fields."""

    def read(self, observation: Observation) -> Posted:
        """Validate the posted form; errors stay on the form."""
        form = self.form(observation, bound=True)
        if not form.validate_on_submit():
            return form, TransitionData()
        return form, self.data_from(form, observation)

    def data_from(self, form: Any, observation: Observation) -> TransitionData:
        """A valid form as :class:`TransitionData`; may still add errors to the form."""
        return TransitionData(note=form.note.data) if hasattr(form, "note") else TransitionData()

    def apply(self, step: Step) -> None:
        """What it does to the observation besides its state; raises :class:`TransitionError`
        when what was sent does not allow it (nothing is recorded then)."""

    def after_event(self, step: Step, event: ObservationEvent) -> None:
        """What it stores with its recorded event (the answer's documents)."""


class NoteAction(Action):
    """An action that carries public text and nothing else."""

    needs_note = True
    form_class = NoteForm
    prefixed = True


def institution_choices() -> list[tuple[object, str]]:
    institutions = db.session.scalars(select(Institution).where(Institution.active)).all()
    return sorted(((i.id, str(i.name)) for i in institutions), key=lambda p: p[1].lower())


def choose_first(choices: list[tuple[object, str]]) -> list[tuple[object, str]]:
    """A select's choices with an empty "Choose…" first."""
    return [("", _("Choose…")), *choices]
