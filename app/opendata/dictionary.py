"""The data dictionary: what every column of every dataset means (the /open-data/dictionary page
and docs/open-data.md). A test checks that every field has a description."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

_OBSERVATION = {
    "code": _l("Public tracking code, CS-<year>-<number>."),
    "url": _l("Address of the observation's public page."),
    "state": _l(
        "Lifecycle state: accepted, acknowledged, clarification_requested, answered, disputed, "
        "resolved or closed."
    ),
    "status": _l("open or closed (Open311 grouping of the state)."),
    "title": _l(
        "Title written by the filer; personal data removed by moderation shows as a marker."
    ),
    "description": _l("Text written by the filer, with moderation's removals applied."),
    "category": _l("Category key (see the categories in the Open311 services list)."),
    "institution_id": _l("Identifier of the institution that must answer."),
    "institution": _l("Name of that institution, in Spanish."),
    "program_id": _l("Identifier of the program it is about, if any."),
    "department": _l("Department, ISO 3166-2 code (e.g. BO-L)."),
    "municipality": _l("Municipality, INE code."),
    "place_description": _l("Where, in the filer's words, with moderation's removals applied."),
    "latitude": _l("Latitude (WGS 84), if given."),
    "longitude": _l("Longitude (WGS 84), if given."),
    "identity": _l("Identity level chosen by the filer: public, hidden or confidential."),
    "filer_name": _l("Name of the filer, only when the identity level is public; empty otherwise."),
    "organisation_name": _l(
        "Organisation the filer acts for, only when the identity level is public."
    ),
    "submitted_at": _l("When it was filed (UTC, ISO 8601)."),
    "accepted_at": _l("When moderation accepted and forwarded it (UTC)."),
    "deadline_days": _l("Working days the institution has to answer."),
    "due_date": _l("Current due date (La Paz date); empty while the clock is stopped."),
    "overdue": _l("true when the institution must still answer and the due date has passed."),
    "first_answer_at": _l("When the institution first answered (UTC)."),
    "answer_working_days": _l("Working days from acceptance to the first answer."),
    "answered_on_time": _l("true when the first answer came by the due date then in force."),
    "answer_outcome": _l(
        "What the latest answer amounts to: information_provided, corrective_action, "
        "not_competent or other."
    ),
    "closed_at": _l("When it was closed or resolved (UTC)."),
    "closed_outcome": _l("resolved, not_resolved or no_answer."),
    "satisfaction": _l("The filer's score of the answer, 1 to 5."),
    "dispute_count": _l("How many times the filer disputed an answer."),
    "updated_at": _l("Last change (UTC)."),
}

_EVENT = {
    "id": _l("Event identifier."),
    "observation": _l("Tracking code of the observation."),
    "action": _l("What happened (submit, accept, acknowledge, answer, dispute, close…)."),
    "from_state": _l("State before."),
    "to_state": _l("State after."),
    "actor_role": _l("Who acted, by role: filer, moderator, institution or system (never a name)."),
    "institution_id": _l("The institution, for acts of an institution."),
    "note": _l("The public text of the act (answer, question, reason)."),
    "created_at": _l("When (UTC)."),
}

_ANSWER = {
    "id": _l("Identifier of the answer event."),
    "observation": _l("Tracking code of the observation."),
    "institution_id": _l("The institution that answered."),
    "note": _l("The answer's text."),
    "created_at": _l("When (UTC)."),
    "documents": _l(
        "Addresses of the documents published with the answer (space-separated in CSV)."
    ),
}

_INSTITUTION = {
    "id": _l("Institution identifier."),
    "name": _l("Name in Spanish."),
    "names": _l("Names per language (JSON object)."),
    "acronym": _l("Acronym."),
    "kind": _l(
        "ministry, departmental_government, municipal_government, indigenous_autonomy, "
        "public_company, decentralised_entity or other."
    ),
    "department": _l("Department, ISO 3166-2 code."),
    "municipality": _l("Municipality, INE code."),
    "deadline_days": _l("Its own answer deadline in working days, if it overrides the category's."),
    "active": _l("true while it takes part."),
    "url": _l("Address of its accountability page."),
}

_PLAN = {
    "id": _l("Plan identifier."),
    "plan_type": _l("PDES, PTDI, PEI or POA."),
    "institution_id": _l("The institution that owns the plan."),
    "period_start": _l("First year."),
    "period_end": _l("Last year."),
    "title": _l("Title in Spanish."),
    "titles": _l("Titles per language (JSON object)."),
}

_PROGRAM = {
    "id": _l("Program identifier."),
    "code": _l("Code within its plan."),
    "plan_id": _l("The plan it belongs to."),
    "parent_id": _l("The parent program, for sub-programs."),
    "title": _l("Title in Spanish."),
    "titles": _l("Titles per language (JSON object)."),
    "institution_id": _l("The institution in charge."),
    "department": _l("Department, ISO 3166-2 code."),
    "municipality": _l("Municipality, INE code."),
    "budget_bob": _l("Budget in bolivianos."),
    "start_date": _l("Start date."),
    "end_date": _l("End date."),
    "status": _l("Status key."),
    "progress": _l("Progress, percent."),
    "comment_count": _l("Comments (not deleted)."),
    "stance_for": _l("Top-level comments in favour."),
    "stance_neutral": _l("Neutral top-level comments."),
    "stance_against": _l("Top-level comments against."),
    "url": _l("Address of the program page."),
}

_MILESTONE = {
    "id": _l("Milestone identifier."),
    "program_id": _l("The program."),
    "on_date": _l("Date."),
    "title": _l("Title in Spanish."),
    "titles": _l("Titles per language (JSON object)."),
}

_FIGURES = {
    "institution_id": _l("Institution identifier."),
    "institution": _l("Name in Spanish."),
    "period_start": _l("First month of filing counted."),
    "period_end": _l("Last month of filing counted (the whole month)."),
    "received": _l("Observations filed, whatever moderation decided."),
    "accepted": _l("Observations accepted and public."),
    "answered": _l("Accepted observations with at least one answer."),
    "answered_share": _l("answered / accepted."),
    "due": _l("Accepted observations answered, past their due date, or closed."),
    "answered_on_time": _l("First answer on or before the due date then in force."),
    "on_time_share": _l("answered_on_time / due."),
    "on_time_low": _l("Lower end of the 95% Wilson interval of on_time_share."),
    "on_time_high": _l("Upper end of the 95% Wilson interval of on_time_share."),
    "open": _l("Accepted observations still open today."),
    "overdue": _l("Observations waiting for the institution past their due date today."),
    "median_working_days": _l("Median working days to the first answer."),
    "p90_working_days": _l("90th percentile (nearest rank) of working days to the first answer."),
    "accepted_by_filer": _l("Answered observations whose filer accepted the answer."),
    "filer_share": _l("accepted_by_filer / answered."),
    "satisfaction": _l("Average satisfaction score, 1 to 5."),
    "satisfaction_count": _l("Scores given."),
}

DICTIONARY = {
    "observations": _OBSERVATION,
    "events": _EVENT,
    "answers": _ANSWER,
    "institutions": _INSTITUTION,
    "plans": _PLAN,
    "programs": _PROGRAM,
    "milestones": _MILESTONE,
    "figures": _FIGURES,
}
