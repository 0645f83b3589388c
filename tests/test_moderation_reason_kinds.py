"""Each moderation action offers and accepts only its own reasons (issue 15, point 8): hiding,
redacting and blocking take content reasons; restoring and dismissing take review reasons
("the reports were unfounded"); rejecting an observation takes rejection reasons. A reason of
another kind sent by hand is refused with a message and nothing happens."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.moderation.models import ModerationLogEntry
from app.moderation.reason_models import ModerationReason, ReasonKind
from app.observations.models import ObservationState
from tests.moderation_scene import (
    add_comment,
    build,
    comment_row,
    file_observation,
    login,
    observation_row,
    reason_id,
)


def _options(page: str, select_name: str) -> set[str]:
    """The option values of one <select> of the page."""
    match = re.search(
        rf'<select[^>]*name="{re.escape(select_name)}"[^>]*>(.*?)</select>', page, re.S
    )
    assert match, select_name
    return set(re.findall(r'<option[^>]*value="(\d+)"', match.group(1)))


def test_built_in_reasons_have_their_kinds(app, make_user):
    build(app, make_user)
    with app.app_context():
        kinds = dict(db.session.execute(select(ModerationReason.key, ModerationReason.kind)).all())
    assert kinds["flags_unfounded"] == ReasonKind.REVIEW
    assert kinds["spam"] == kinds["personal_data"] == ReasonKind.CONTENT
    assert kinds["not_public_matter"] == ReasonKind.REJECTION


def test_the_item_page_offers_each_action_its_own_reasons(app, make_user):
    s = build(app, make_user)
    comment = add_comment(app, s.ana, s.program_id, "Llamen al 70012345")
    for email in ("beto@example.org", "carla@example.org", "dario@example.org"):
        login(app, email).post(f"/comments/{comment}/flag", data={"reason": "spam"})
    assert comment_row(app, comment).hidden_at is not None  # hidden automatically
    page = (
        login(app, "mod@example.org").get(f"/moderation/comment/{comment}").get_data(as_text=True)
    )
    unfounded, spam = str(reason_id(app, "flags_unfounded")), str(reason_id(app, "spam"))
    personal = str(reason_id(app, "personal_data"))
    for name in ("hide-reason_id", "reason_id"):  # hide, redact
        offered = _options(page, name)
        assert spam in offered and personal in offered and unfounded not in offered
    for name in ("restore-reason_id", "dismiss-reason_id"):
        offered = _options(page, name)
        assert unfounded in offered and spam not in offered and personal not in offered


def test_a_redaction_with_a_review_reason_is_refused_and_changes_nothing(app, make_user, outbox):
    s = build(app, make_user)
    comment = add_comment(app, s.ana, s.program_id, "Llamen al 70012345")
    response = login(app, "mod@example.org").post(
        f"/moderation/comment/{comment}/redact",
        data={"spans": "70012345", "reason_id": reason_id(app, "flags_unfounded")},
    )
    assert response.status_code == 400
    assert "Choose one of the reasons offered for this action." in response.get_data(as_text=True)
    assert "70012345" in response.get_data(as_text=True)  # the form comes back as typed
    assert "70012345" in comment_row(app, comment).body
    assert outbox("moderation_notice") == []


def test_hide_with_a_review_reason_and_restore_with_a_content_reason_are_refused(app, make_user):
    s = build(app, make_user)
    comment = add_comment(app, s.ana, s.program_id, "Publicidad")
    mod = login(app, "mod@example.org")
    refused = mod.post(
        f"/moderation/comment/{comment}/hide",
        data={"hide-reason_id": reason_id(app, "flags_unfounded")},
        follow_redirects=True,
    )
    assert "Choose one of the reasons offered for this action." in refused.get_data(as_text=True)
    assert comment_row(app, comment).hidden_at is None

    mod.post(f"/moderation/comment/{comment}/hide", data={"hide-reason_id": reason_id(app, "spam")})
    assert comment_row(app, comment).hidden_at is not None
    refused = mod.post(
        f"/moderation/comment/{comment}/restore",
        data={"restore-reason_id": reason_id(app, "spam")},
        follow_redirects=True,
    )
    assert "Choose one of the reasons offered for this action." in refused.get_data(as_text=True)
    assert comment_row(app, comment).hidden_at is not None
    mod.post(
        f"/moderation/comment/{comment}/restore",
        data={"restore-reason_id": reason_id(app, "flags_unfounded")},
    )
    assert comment_row(app, comment).hidden_at is None


def test_an_inactive_reason_is_refused(app, make_user):
    s = build(app, make_user)
    comment = add_comment(app, s.ana, s.program_id, "Publicidad")
    with app.app_context():
        db.session.execute(
            ModerationReason.__table__.update()
            .where(ModerationReason.key == "spam")
            .values(active=False)
        )
        db.session.commit()
    login(app, "mod@example.org").post(
        f"/moderation/comment/{comment}/hide", data={"hide-reason_id": reason_id(app, "spam")}
    )
    assert comment_row(app, comment).hidden_at is None


def test_bulk_actions_group_the_reasons_and_check_the_kind(app, make_user):
    s = build(app, make_user)
    comment = add_comment(app, s.ana, s.program_id, "Texto")
    for email in ("beto@example.org", "carla@example.org"):
        login(app, email).post(f"/comments/{comment}/flag", data={"reason": "spam"})
    mod = login(app, "mod@example.org")
    page = mod.get("/moderation/flags").get_data(as_text=True)
    assert "<optgroup" in page and "For hiding" in page
    hide = mod.post(
        "/moderation/flags",
        data={
            "item": f"comment:{comment}",
            "action": "hide",
            "reason_id": reason_id(app, "flags_unfounded"),
        },
    )
    assert hide.status_code == 400
    assert "Choose one of the reasons offered for this action." in hide.get_data(as_text=True)
    assert comment_row(app, comment).hidden_at is None
    dismiss_with_content_reason = mod.post(
        "/moderation/flags",
        data={
            "item": f"comment:{comment}",
            "action": "dismiss",
            "reason_id": reason_id(app, "spam"),
        },
    )
    assert dismiss_with_content_reason.status_code == 400
    dismiss = mod.post(
        "/moderation/flags",
        data={
            "item": f"comment:{comment}",
            "action": "dismiss",
            "reason_id": reason_id(app, "flags_unfounded"),
        },
    )
    assert dismiss.status_code == 302
    with app.app_context():
        entry = db.session.scalars(
            select(ModerationLogEntry).order_by(ModerationLogEntry.id.desc())
        ).first()
        assert entry.reason_id == reason_id(app, "flags_unfounded")


def test_rejecting_takes_only_rejection_reasons(app, make_user):
    s = build(app, make_user)
    code = file_observation(app, s.ana)
    mod = login(app, "mod@example.org")
    page = mod.get(f"/observations/{code}").get_data(as_text=True)
    offered = _options(page, "reject-reason_id")
    assert str(reason_id(app, "not_public_matter")) in offered
    assert str(reason_id(app, "flags_unfounded")) not in offered
    refused = mod.post(
        f"/observations/{code}/act/reject",
        data={"reject-reason_id": reason_id(app, "flags_unfounded"), "reject-note": "Nota"},
    )
    assert refused.status_code == 400
    assert "Choose one of the reasons offered for this action." in refused.get_data(as_text=True)
    assert observation_row(app, code).state == ObservationState.SUBMITTED


def test_the_reasons_page_lists_the_review_reasons(app, make_user):
    build(app, make_user)
    page = login(app, "admin@example.org").get("/admin/moderation-reasons").get_data(as_text=True)
    assert "Restoring content, dismissing reports" in page
    assert page.index("Restoring content, dismissing reports") < page.index(
        "The reports were unfounded"
    )
