"""The framework's own plumbing (issue 16, point 5): one enum base with translated titles, one
pagination on ``db.paginate``, one generic admin CRUD view, and the redaction marker in core."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

import app.models  # noqa: F401 - every model module, so every enum is defined
from app.accounts.models import Role, User
from app.core import pagination
from app.core.crud import CrudView
from app.core.enums import TitledEnum
from app.core.pagination import Page, paginate
from app.core.text import REDACTION_MARKER, render_user_text, show_redactions
from app.extensions import db
from app.observations.models import HolidayScope, ObservationState
from tests.conftest import count_queries


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


TITLED = sorted(_subclasses(TitledEnum), key=lambda c: f"{c.__module__}.{c.__qualname__}")


def test_the_titled_enums_are_the_ones_with_titles():
    """The enums that have titles all share the base (a new one with a hand-made ``title``
    property would not be listed here)."""
    names = {f"{c.__module__}.{c.__qualname__}" for c in TITLED}
    assert names >= {
        "app.accounts.models.Role",
        "app.comments.models.Stance",
        "app.institutions.models.InstitutionKind",
        "app.moderation.models.FlagReason",
        "app.moderation.models.LogAction",
        "app.observations.models.ActingAs",
        "app.observations.models.AnswerOutcome",
        "app.observations.models.ClosedOutcome",
        "app.observations.models.HolidayScope",
        "app.observations.models.IdentityLevel",
        "app.observations.models.ObservationState",
        "app.programs.models.MilestoneState",
        "app.programs.models.PlanType",
        "app.territory.models.MunicipalityKind",
    }


@pytest.mark.parametrize("enum_class", TITLED, ids=lambda c: c.__qualname__)
def test_every_member_has_a_title_and_nothing_else_does(app: Flask, enum_class):
    assert set(enum_class.__titles__) == {member.value for member in enum_class}
    assert "__titles__" not in enum_class.__members__
    with app.test_request_context(headers={"Accept-Language": "en"}):
        for member in enum_class:
            assert isinstance(member.title, str) and member.title
        assert enum_class.choices() == [(m.value, m.title) for m in enum_class]


def test_titles_are_translated_when_read(app: Flask):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = ObservationState.DRAFT.title, HolidayScope.NATIONAL.title
    with app.test_request_context(headers={"Accept-Language": "es"}):
        spanish = ObservationState.DRAFT.title, HolidayScope.NATIONAL.title
    assert english == ("Draft", "National: the whole country")
    assert spanish[0] != english[0] and spanish[1] != english[1]


def test_the_redaction_marker_is_defined_in_core_and_shown_translated(app: Flask):
    from app.moderation import models as moderation_models

    assert not hasattr(moderation_models, "REDACTION_MARKER")  # one definition, in core
    with app.test_request_context(headers={"Accept-Language": "en"}):
        text = f"call {REDACTION_MARKER} now"
        assert show_redactions(text) == "call [removed: personal data] now"
        assert '<span class="redacted">' in render_user_text(text)


# --- pagination ----------------------------------------------------------------------------


def test_page_window_and_list_pages_keep_the_number_within_the_pages():
    assert Page.window(7, total=45, per_page=20).number == 3
    assert Page.window(-2, total=45, per_page=20).number == 1
    empty = Page.window(5, total=0, per_page=20)
    assert (empty.number, empty.pages, empty.has_next, empty.has_prev) == (1, 1, False, False)
    page = Page.of_list(list(range(45)), 3, 20)
    assert (page.items, page.offset, page.pages) == ([40, 41, 42, 43, 44], 40, 3)
    assert page.has_prev and not page.has_next


def test_paginate_goes_through_db_paginate(app: Flask, make_user, monkeypatch):
    for n in range(5):
        make_user(email=f"u{n}@example.org")
    calls = []
    real = db.paginate

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(db, "paginate", spy)
    query = select(User).order_by(User.id)
    with app.test_request_context("/admin/users?page=2"):
        with count_queries(app) as statements:
            second = paginate(query, per_page=2)
        assert (second.number, second.total, second.pages, len(second.items)) == (2, 5, 3, 2)
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert len(selects) == 2  # the window and the count
        assert calls[-1]["page"] == 2 and calls[-1]["error_out"] is False
    with app.test_request_context("/admin/users?page=9"):
        past = paginate(query, per_page=2)  # past the end: an empty page, never a 404
        assert (past.number, past.items, past.has_next) == (9, [], False)
    with app.test_request_context("/admin/users?page=99999999999999"):
        assert paginate(query, per_page=2).number == 1  # not a number a page can have
    with app.test_request_context(f"/admin/users?page={pagination.MAX_PAGE + 5}"):
        assert paginate(query, per_page=2).number == pagination.MAX_PAGE


# --- the generic admin CRUD view -------------------------------------------------------------

#: Pages served by ``CrudView`` subclasses: endpoint → URL rule, as they always were.
CRUD_PAGES = {
    "observations_admin.categories": "/admin/categories",
    "observations_admin.new_category": "/admin/categories/new",
    "observations_admin.edit_category": "/admin/categories/<int:category_id>/edit",
    "observations_admin.actor_types": "/admin/actor-types",
    "observations_admin.new_actor_type": "/admin/actor-types/new",
    "observations_admin.edit_actor_type": "/admin/actor-types/<int:actor_type_id>/edit",
    "observations_admin.holidays": "/admin/holidays",
    "observations_admin.new_holiday": "/admin/holidays/new",
    "observations_admin.edit_holiday": "/admin/holidays/<int:holiday_id>/edit",
    "programs_admin.plans": "/admin/plans",
    "programs_admin.new_plan": "/admin/plans/new",
    "programs_admin.edit_plan": "/admin/plans/<int:plan_id>/edit",
    "programs_admin.programs": "/admin/programs",
    "programs_admin.new_program": "/admin/programs/new",
    "programs_admin.edit_program": "/admin/programs/<int:program_id>/edit",
    "programs_admin.statuses": "/admin/statuses",
    "programs_admin.new_status": "/admin/statuses/new",
    "programs_admin.edit_status": "/admin/statuses/<int:status_id>/edit",
    "programs_admin.edit_milestone": (
        "/admin/programs/<int:program_id>/milestones/<int:milestone_id>/edit"
    ),
    "institutions_admin.institutions": "/admin/institutions",
    "institutions_admin.new_institution": "/admin/institutions/new",
    "institutions_admin.edit_institution": "/admin/institutions/<int:institution_id>/edit",
    "moderation_reasons.index": "/admin/moderation-reasons",
    "moderation_reasons.new": "/admin/moderation-reasons/new",
    "moderation_reasons.edit": "/admin/moderation-reasons/<int:reason_id>",
    "accountability_sessions.new": "/institutions/<int:institution_id>/sessions/new",
    "accountability_sessions.edit": (
        "/institutions/<int:institution_id>/sessions/<int:session_id>/edit"
    ),
    "response_templates.index": "/institution/templates/",
}


def test_crud_pages_keep_their_urls_and_endpoints(app: Flask):
    rules: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        rules.setdefault(rule.endpoint, set()).add(rule.rule)
    for endpoint, url in CRUD_PAGES.items():
        assert url in rules.get(endpoint, set()), endpoint
    # "New" and "edit" of a response template are one endpoint, as before.
    assert rules["response_templates.edit"] == {
        "/institution/templates/new",
        "/institution/templates/<int:template_id>/edit",
    }


def test_every_crud_page_is_guarded(app: Flask, client):
    """Each CrudView subclass wraps its pages in a right (or a login): a visitor is sent to log
    in on every one of them, including pages whose ids do not exist."""
    assert {c.__name__ for c in _subclasses(CrudView)} >= {
        "CategoryPages",
        "ActorTypePages",
        "HolidayPages",
        "PlanPages",
        "ProgramPages",
        "StatusPages",
        "MilestonePages",
        "InstitutionPages",
        "ReasonPages",
        "SessionPages",
        "TemplatePages",
    }
    for cls in _subclasses(CrudView):
        assert cls.decorators, cls.__name__
    for url in [*CRUD_PAGES.values(), "/institution/templates/new"]:
        path = (
            url.replace("<int:category_id>", "1")
            .replace("<int:actor_type_id>", "1")
            .replace("<int:holiday_id>", "1")
            .replace("<int:plan_id>", "1")
            .replace("<int:program_id>", "1")
            .replace("<int:status_id>", "1")
            .replace("<int:milestone_id>", "1")
            .replace("<int:institution_id>", "1")
            .replace("<int:reason_id>", "1")
            .replace("<int:session_id>", "1")
        )
        assert client.get(path).status_code == 302, path


def test_a_crud_edit_page_of_a_missing_record_is_404_for_those_allowed(
    app: Flask, client, make_user, auth
):
    make_user(email="admin@example.org", role=Role.ADMIN)
    auth.login("admin@example.org")
    for path in (
        "/admin/categories/999999/edit",
        "/admin/plans/999999/edit",
        "/admin/institutions/999999/edit",
        "/admin/moderation-reasons/999999",
    ):
        assert client.get(path).status_code == 404, path
        assert client.post(path).status_code == 404, path
