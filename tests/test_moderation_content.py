"""Redaction everywhere the text appears (pages, history, mails sent later, the stored text the
exports and the API read), hidden attachments, and the originals kept for moderators only."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from app.comments.models import CommentRevision
from app.core.text import REDACTION_MARKER
from app.extensions import db
from app.moderation.models import ModerationLogEntry, Redaction
from app.observations.models import Evidence, Observation
from tests.moderation_scene import (
    add_comment,
    anonymous,
    build,
    comment_row,
    file_observation,
    login,
    observation_row,
    reason_id,
)

PHONE = "71234567"


def status(client, url: str) -> int:
    response = client.get(url)
    response.close()  # file responses hold the file open
    return response.status_code


def test_redacting_a_comment_applies_to_the_page_the_history_and_keeps_the_original(
    app, make_user, outbox
):
    s = build(app, make_user)
    comment = add_comment(app, s.ana, s.program_id, f"Llamen a Juan al {PHONE}")
    with app.app_context():
        # An earlier version (edit history) held the number too.
        db.session.add(CommentRevision(comment_id=comment, body=f"Juan: {PHONE} (antes)"))
        db.session.commit()
    mod = login(app, "mod@example.org")
    page = mod.get(f"/moderation/comment/{comment}")
    assert page.status_code == 200
    response = mod.post(
        f"/moderation/comment/{comment}/redact",
        data={"spans": f"{PHONE}\n", "reason_id": reason_id(app, "personal_data"), "note": "tel"},
    )
    assert response.status_code == 302
    row = comment_row(app, comment)
    assert PHONE not in row.body and REDACTION_MARKER in row.body and row.redacted_at
    with app.app_context():
        revision = db.session.scalar(select(CommentRevision))
        assert PHONE not in revision.body
        kept = db.session.scalars(select(Redaction).order_by(Redaction.id)).all()
        assert {r.field for r in kept} == {"body", f"revision:{revision.id}"}
        assert all(PHONE in r.original for r in kept)
    public = anonymous(app)
    program_page = public.get(f"/programs/{s.program_id}").get_data(as_text=True)
    assert PHONE not in program_page
    assert '<span class="redacted">[removed: personal data]</span>' in program_page
    history = public.get(f"/comments/{comment}/history").get_data(as_text=True)
    assert PHONE not in history
    # Only moderators see the original.
    assert PHONE in mod.get(f"/moderation/comment/{comment}").get_data(as_text=True)
    assert login(app, "beto@example.org").get(f"/moderation/comment/{comment}").status_code == 403
    told = [m for m in outbox("moderation_notice") if m.recipient == "ana@example.org"]
    assert told and "removed personal data from your comment" in told[-1].body
    assert PHONE not in told[-1].body


def test_redaction_of_text_that_is_not_there_is_refused_and_keeps_the_form(app, make_user):
    s = build(app, make_user)
    comment = add_comment(app, s.ana, s.program_id, "Nada personal")
    mod = login(app, "mod@example.org")
    response = mod.post(
        f"/moderation/comment/{comment}/redact",
        data={"spans": "no-existe", "reason_id": reason_id(app, "personal_data")},
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "None of that text appears in this item." in body and "no-existe</textarea>" in body
    response = mod.post(f"/moderation/comment/{comment}/redact", data={"spans": "Nada"})
    assert response.status_code == 400 and "Choose a reason." in response.get_data(as_text=True)
    assert comment_row(app, comment).body == "Nada personal"
    with app.app_context():
        assert db.session.scalar(select(Redaction.id)) is None
        assert db.session.scalar(select(ModerationLogEntry.id)) is None


def test_redacting_an_observation_reaches_pages_lists_and_later_mails(app, make_user, outbox):
    s = build(app, make_user)
    code = file_observation(
        app,
        s.ana,
        state="accepted",
        title=f"Obra del señor Quispe {PHONE}",
        description=f"Su CI es 1234567 LP y su celular {PHONE}.",
        place_description=f"Casa de Quispe, cel {PHONE}",
        latitude=-16.5,
        longitude=-68.1,
    )
    observation = observation_row(app, code)
    mod = login(app, "mod@example.org")
    response = mod.post(
        f"/moderation/observation/{observation.id}/redact",
        data={
            "spans": f"{PHONE}\n1234567 LP",
            "clear_location": "y",
            "reason_id": reason_id(app, "personal_data"),
        },
    )
    assert response.status_code == 302
    row = observation_row(app, code)
    for text in (row.title, row.description, row.place_description):
        assert PHONE not in text and REDACTION_MARKER in text
    assert "1234567 LP" not in row.description
    assert row.latitude is None and row.longitude is None
    public = anonymous(app)
    for path in (f"/observations/{code}", "/observations", f"/programs/{s.program_id}"):
        assert PHONE not in public.get(path).get_data(as_text=True), path
    # A mail produced after the redaction (the institution acknowledges) carries the new text.
    with app.app_context():
        from app.accounts.models import Role
        from app.observations import lifecycle
        from tests import factories

        observation_db = db.session.scalar(select(Observation).where(Observation.code == code))
        responder = factories.user(
            "resp@example.org",
            role=Role.RESPONDER,
            display_name="Resp",
            language="es",
            institution_id=observation_db.institution_id,
        )
        lifecycle.transition(observation_db, "acknowledge", responder)
        db.session.commit()
    update = [m for m in outbox("notify_observation") if m.recipient == "ana@example.org"][-1]
    assert PHONE not in update.body and "[removed: personal data]" in update.body
    with app.app_context():
        kept = db.session.scalars(select(Redaction.field)).all()
        assert set(kept) == {"title", "description", "place_description", "location"}


def test_hidden_attachment_is_not_public_but_moderators_see_it(app, make_user):
    s = build(app, make_user)
    code = file_observation(app, s.ana, state="accepted")
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    with app.app_context():
        from app.core.uploads import clean_upload
        from app.observations import evidence as evidence_store

        observation = db.session.scalar(select(Observation).where(Observation.code == code))
        clean = clean_upload(buffer.getvalue(), "foto.png", max_bytes=10_000_000)
        item = Evidence(
            observation_id=observation.id,
            uploader_id=s.ana.id,
            storage_key=evidence_store.store(clean),
            mime=clean.mime,
            size=len(clean.data),
            sha256=clean.sha256,
            original_name="foto.png",
        )
        db.session.add(item)
        db.session.commit()
        evidence_id, observation_id = item.id, observation.id
    public = anonymous(app)
    assert status(public, f"/evidence/{evidence_id}") == 200
    mod = login(app, "mod@example.org")
    assert "foto.png" in mod.get(f"/moderation/observation/{observation_id}").get_data(as_text=True)
    response = mod.post(
        f"/moderation/evidence/{evidence_id}/hide",
        data={f"ev{evidence_id}-reason_id": reason_id(app, "personal_data")},
    )
    assert response.status_code == 302
    assert status(public, f"/evidence/{evidence_id}") == 404
    assert status(mod, f"/evidence/{evidence_id}") == 200
    response = mod.post(f"/moderation/evidence/{evidence_id}/restore", data={})
    assert response.status_code == 302
    assert status(public, f"/evidence/{evidence_id}") == 200


def test_hidden_comment_report_page_and_draft_moderation_page_are_not_errors(app, make_user):
    """A hidden comment's report page renders (the thread macro needs the page's context),
    and a draft has no moderation page (404, not a 500)."""
    from sqlalchemy import select

    from app.accounts.models import Role, User
    from app.comments import services as comment_services
    from app.core.db import utcnow
    from app.extensions import db
    from tests import factories
    from tests.conftest import PASSWORD

    make_user(email="author@example.org")
    make_user(email="reader@example.org")
    make_user(email="mod@example.org", role=Role.MODERATOR)
    with app.app_context():
        author = db.session.scalar(select(User).where(User.email == "author@example.org"))
        comment = comment_services.add_comment(author, factories.program(), "Texto oculto")
        comment.hidden_at = utcnow()
        draft = factories.draft(author, title="borrador", description="")
        db.session.commit()
        comment_id, draft_id = comment.id, draft.id
    for email in ("reader@example.org", "mod@example.org"):
        client = app.test_client()
        client.post("/login", data={"email": email, "password": PASSWORD})
        assert client.get(f"/comments/{comment_id}/flag").status_code < 500, email
    assert client.get(f"/moderation/observation/{draft_id}").status_code == 404
