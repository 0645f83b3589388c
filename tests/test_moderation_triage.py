"""The triage queue and its actions: accept and forward, reject with a listed reason sent in the
filer's language, duplicates (the filer follows the original), asking for more information,
correcting category and territory, similar observations; and the public moderation log."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.accounts.models import User
from app.extensions import db
from app.moderation.models import AppendOnlyError, LogAction, ModerationLogEntry
from app.observations.models import Observation, ObservationFollow, ObservationState
from tests import factories
from tests.conftest import count_queries
from tests.moderation_scene import (
    anonymous,
    build,
    file_observation,
    login,
    observation_row,
    reason_id,
)


def test_queue_permissions_and_filer_identity_for_moderators_only(app, make_user):
    s = build(app, make_user)
    file_observation(app, s.ana, identity="confidential", title="Cobros indebidos en la posta")
    assert anonymous(app).get("/moderation").status_code == 302
    assert login(app, "beto@example.org").get("/moderation").status_code == 403
    page = login(app, "mod@example.org").get("/moderation").get_data(as_text=True)
    assert "Cobros indebidos en la posta" in page and "Ana Autora" in page
    # The old address leads to the queue.
    old = login(app, "mod@example.org").get("/observations/pending")
    assert old.status_code == 301 and old.headers["Location"].endswith("/moderation")


def test_queue_is_oldest_first_in_a_constant_number_of_queries(app, make_user):
    s = build(app, make_user)
    first = file_observation(app, s.ana, title="Primera observación")
    file_observation(app, s.beto, title="Segunda observación")
    mod = login(app, "mod@example.org")
    with count_queries(app) as few:
        page = mod.get("/moderation").get_data(as_text=True)
    assert page.index("Primera observación") < page.index("Segunda observación")
    assert first in page
    for n in range(8):
        file_observation(app, s.carla, title=f"Otra {n}")
    with count_queries(app) as many:
        assert mod.get("/moderation").status_code == 200
    assert len(many) == len(few)


def test_reject_with_a_listed_reason_tells_the_filer_in_their_language(app, make_user, outbox):
    s = build(app, make_user)
    code = file_observation(app, s.quechua)
    mod = login(app, "mod@example.org")
    missing = mod.post(f"/observations/{code}/act/reject", data={"reject-note": "x"})
    assert missing.status_code == 400 and "Choose a reason." in missing.get_data(as_text=True)
    assert "x</textarea>" in missing.get_data(as_text=True)
    assert observation_row(app, code).state == ObservationState.SUBMITTED
    response = mod.post(
        f"/observations/{code}/act/reject",
        data={"reject-reason_id": reason_id(app, "not_public_matter"), "reject-note": ""},
    )
    assert response.status_code == 302
    assert observation_row(app, code).state == ObservationState.REJECTED
    mail = [m for m in outbox("notify_observation") if m.recipient == "qu@example.org"][-1]
    assert mail.language == "qu"
    with app.app_context():
        from app.core.i18n import force_language
        from app.moderation.reason_models import BUILTIN_REASONS

        with force_language("qu"):
            expected = str(BUILTIN_REASONS["not_public_matter"][1])
    assert expected in mail.body
    with app.app_context():
        entry = db.session.scalar(select(ModerationLogEntry))
        assert entry.action == LogAction.REJECT and entry.moderator_id == s.moderator.id
    # The filer reads the reason on the page.
    page = login(app, "qu@example.org").get(f"/observations/{code}?lang=en")
    assert "Not about a public program or institution" in page.get_data(as_text=True)


def test_duplicate_links_both_and_the_filer_follows_the_original(app, make_user, outbox):
    s = build(app, make_user)
    original = file_observation(app, s.beto, state="accepted")
    copy = file_observation(app, s.ana)
    mod = login(app, "mod@example.org")
    response = mod.post(f"/observations/{copy}/act/mark_duplicate", data={"original": original})
    assert response.status_code == 302
    row = observation_row(app, copy)
    assert row.state == ObservationState.DUPLICATE
    with app.app_context():
        follows = db.session.scalars(
            select(ObservationFollow.observation_id).where(ObservationFollow.user_id == s.ana.id)
        ).all()
        assert follows == [row.duplicate_of_id]
    page = login(app, "ana@example.org").get(f"/observations/{copy}").get_data(as_text=True)
    assert original in page and "follow that observation instead." in page
    assert any(original in m.body or copy in m.body for m in outbox("notify_observation"))


def test_moderator_asks_for_more_information_and_the_filer_answers(app, make_user, outbox):
    s = build(app, make_user)
    code = file_observation(app, s.ana)
    filer = login(app, "ana@example.org")
    # Nothing was asked: the filer cannot "send information".
    assert (
        filer.post(
            f"/observations/{code}/act/provide_info", data={"provide_info-note": "x"}
        ).status_code
        == 403
    )
    mod = login(app, "mod@example.org")
    response = mod.post(
        f"/observations/{code}/act/request_info",
        data={"request_info-note": "¿En qué comunidad está la obra?"},
    )
    assert response.status_code == 302
    assert observation_row(app, code).info_requested_at is not None
    assert "Waiting for the filer" in mod.get("/moderation").get_data(as_text=True)
    assert any(m.recipient == "ana@example.org" for m in outbox("notify_observation"))
    page = filer.get(f"/observations/{code}").get_data(as_text=True)
    assert "¿En qué comunidad está la obra?" in page and "Send the information" in page
    empty = filer.post(f"/observations/{code}/act/provide_info", data={"provide_info-note": ""})
    assert empty.status_code == 400
    response = filer.post(
        f"/observations/{code}/act/provide_info",
        data={"provide_info-note": "En la comunidad Tacobamba"},
    )
    assert response.status_code == 302
    row = observation_row(app, code)
    assert row.info_requested_at is None and row.state == ObservationState.SUBMITTED
    with app.app_context():
        actions = db.session.scalars(select(ModerationLogEntry.action)).all()
        assert actions == [LogAction.REQUEST_INFO]


def test_moderator_corrects_category_and_territory(app, make_user):
    s = build(app, make_user)
    with app.app_context():
        other_category = factories.category("works", 10)
        potosi = factories.department("BO-P", "Potosí")
        town = factories.municipality("050101", "Potosí", potosi)
        db.session.commit()
        ids = (other_category.id, town.code)
    code = file_observation(app, s.ana)
    assert (
        login(app, "beto@example.org").get(f"/moderation/observations/{code}/details").status_code
        == 403
    )
    mod = login(app, "mod@example.org")
    assert mod.get(f"/moderation/observations/{code}/details").status_code == 200
    wrong = mod.post(
        f"/moderation/observations/{code}/details",
        data={"category_id": ids[0], "department": "BO-H", "municipality": ids[1]},
    )
    assert wrong.status_code == 400
    assert "That municipality is in another department." in wrong.get_data(as_text=True)
    response = mod.post(
        f"/moderation/observations/{code}/details",
        data={"category_id": ids[0], "department": "BO-P", "municipality": ids[1], "note": "ok"},
    )
    assert response.status_code == 302
    row = observation_row(app, code)
    assert row.category_id == ids[0] and row.municipality_id is not None
    with app.app_context():
        entry = db.session.scalar(select(ModerationLogEntry))
        assert entry.action == LogAction.EDIT_DETAILS and "category" in entry.note


def test_similar_observations_are_suggested_while_triaging(app, make_user):
    s = build(app, make_user)
    with app.app_context():
        program = factories.program(code="P-9", titles={"es": "Hospital de tercer nivel"})
        db.session.commit()
        program_id = program.id
    earlier = file_observation(
        app, s.beto, title="Hospital sin médicos especialistas", program_id=program_id
    )
    with app.app_context():
        # Another institution, another department: shares nothing with the new one.
        unrelated = factories.observation(
            db.session.get(User, s.carla.id),
            title="Basura en el mercado",
            institution=factories.institution("Gobernación de La Paz", "GADLP"),
            department=factories.department("BO-L", "La Paz"),
        ).code
        db.session.commit()
    new = file_observation(app, s.ana, title="Faltan médicos en el hospital", program_id=program_id)
    page = login(app, "mod@example.org").get(f"/observations/{new}").get_data(as_text=True)
    assert "Similar observations" in page and earlier in page and unrelated not in page
    assert "same program" in page and "shared words: medicos, hospital" in page
    # The filer never sees the moderation panel.
    assert "Similar observations" not in login(app, "ana@example.org").get(
        f"/observations/{new}"
    ).get_data(as_text=True)


def test_public_log_shows_what_and_why_but_not_who(app, make_user):
    s = build(app, make_user)
    code = file_observation(app, s.ana, identity="confidential")
    rejected = file_observation(app, s.beto)
    mod = login(app, "mod@example.org")
    mod.post(
        f"/observations/{code}/act/accept",
        data={"institution_id": observation_row(app, code).institution_id},
    )
    mod.post(
        f"/observations/{rejected}/act/reject",
        data={
            "reject-reason_id": reason_id(app, "offensive_content"),
            "reject-note": "nota interna Beto",
        },
    )
    page = anonymous(app).get("/moderation/log").get_data(as_text=True)
    assert "Accepted and forwarded an observation" in page and "Rejected an observation" in page
    assert "Reason: Offensive or threatening language" in page
    assert code in page  # public now: linked
    assert rejected not in page  # not public: no link, no code
    for secret in ("Mod Erador", "Ana Autora", "Beto", "nota interna", "mod@example.org"):
        assert secret not in page
    assert "Offensive or threatening language" in page.split("Latest actions")[0]  # monthly
    assert anonymous(app).post("/moderation/log").status_code == 405


def test_the_log_cannot_be_changed_or_deleted_through_the_app(app, make_user):
    s = build(app, make_user)
    file_observation(app, s.ana)
    code = file_observation(app, s.beto)
    login(app, "mod@example.org").post(
        f"/observations/{code}/act/reject",
        data={"reject-reason_id": reason_id(app, "not_public_matter")},
    )
    with app.app_context():
        entry = db.session.scalar(select(ModerationLogEntry))
        entry.note = "rewritten"
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()
        entry = db.session.scalar(select(ModerationLogEntry))
        db.session.delete(entry)
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(AppendOnlyError):
            db.session.execute(update(ModerationLogEntry).values(note="x"))
        db.session.rollback()
        assert db.session.scalar(select(ModerationLogEntry.note)) == ""
    # No route writes to the log except the moderation actions themselves.
    writable = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/moderation/log")
        and rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
    ]
    assert writable == []


def test_reasons_are_edited_by_admins_only(app, make_user):
    build(app, make_user)
    assert login(app, "mod@example.org").get("/admin/moderation-reasons").status_code == 403
    admin = login(app, "admin@example.org")
    assert "Not enough information" in admin.get("/admin/moderation-reasons").get_data(as_text=True)
    bad = admin.post("/admin/moderation-reasons/new", data={"key": "Mal Clave", "kind": "content"})
    assert bad.status_code == 400 and "Use lower-case letters" in bad.get_data(as_text=True)
    missing = admin.post(
        "/admin/moderation-reasons/new", data={"key": "propaganda", "kind": "content"}
    )
    assert missing.status_code == 400 and "Write it at least in Spanish." in missing.get_data(
        as_text=True
    )
    response = admin.post(
        "/admin/moderation-reasons/new",
        data={
            "key": "propaganda",
            "kind": "content",
            "title_es": "Propaganda electoral",
            "title_qu": "Propaganda electoral",
            "message_es": "No se permite propaganda electoral.",
            "position": "20",
            "active": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        from app.moderation.reason_models import ModerationReason

        reason = db.session.scalar(
            select(ModerationReason).where(ModerationReason.key == "propaganda")
        )
        assert reason.message_in("en").text == "No se permite propaganda electoral."
        assert reason.message_in("en").is_fallback


def test_same_institution_and_place_within_the_window_is_suggested_without_shared_words(
    app, make_user
):
    """Issue 15, point 14: suggested by institution and place within the time window, and a
    one-click "mark as duplicate of this" that fills the code."""
    s = build(app, make_user)
    with app.app_context():
        sucre = factories.municipality("010101", "Sucre", factories.department())
        db.session.commit()
        sucre_id = sucre.id
    recent = file_observation(app, s.beto, title="Baches en la avenida", municipality_id=sucre_id)
    old = file_observation(app, s.carla, title="Semáforo apagado", municipality_id=sucre_id)
    with app.app_context():
        long_ago = observation_row(app, old).submitted_at - timedelta(days=200)
        db.session.execute(
            update(Observation).where(Observation.code == old).values(submitted_at=long_ago)
        )
        db.session.commit()
    new = file_observation(app, s.ana, title="Calle destrozada", municipality_id=sucre_id)
    mod = login(app, "mod@example.org")
    page = mod.get(f"/observations/{new}").get_data(as_text=True)
    panel = page.split('id="mod-h"')[1]
    assert recent in panel and "same institution · same place · 0 days apart" in panel
    assert old not in panel  # same institution and place, but far apart in time
    assert f'name="original" value="{recent}"' in panel
    assert "Mark as duplicate of this" in panel

    version = re.search(r'name="version" value="(\d+)"', panel).group(1)
    response = mod.post(
        f"/observations/{new}/act/mark_duplicate", data={"original": recent, "version": version}
    )
    assert response.status_code == 302
    row = observation_row(app, new)
    assert row.state == ObservationState.DUPLICATE
    with app.app_context():
        assert db.session.get(Observation, row.duplicate_of_id).code == recent


def test_rejected_and_duplicate_observations_are_not_offered_as_originals(app, make_user):
    s = build(app, make_user)
    rejected = file_observation(app, s.beto, title="Hospital sin agua")
    login(app, "mod@example.org").post(
        f"/observations/{rejected}/act/reject",
        data={"reject-reason_id": reason_id(app, "not_public_matter")},
    )
    new = file_observation(app, s.ana, title="Hospital sin agua potable")
    page = login(app, "mod@example.org").get(f"/observations/{new}").get_data(as_text=True)
    assert rejected not in page.split('id="mod-h"')[1]
