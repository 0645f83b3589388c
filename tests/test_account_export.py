"""Download my data (``/account/data``, app/accounts/export*.py): who may see and download an
archive, what it holds, the README in the person's language, the worker (claim, build, mail,
retries, failure), the week it is offered and the purge, and the leak check: nothing in the
archive names anyone else, whatever the person followed, answered or was answered by."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import gettext
from sqlalchemy import func, select

from app.accounts import export, export_archive
from app.accounts import export_worker as worker
from app.accounts.models import DataExport, ExportStatus, Role, User
from app.comments import services as comments
from app.comments.models import Comment, Stance
from app.core.db import utcnow
from app.core.i18n import force_language
from app.core.storage import storage
from app.extensions import db
from app.moderation.reason_models import ModerationReason
from app.moderation.redaction import redact
from app.notifications.models import Notification
from app.observations import lifecycle
from app.observations import services as observation_services
from app.observations.actions import TransitionData
from app.observations.evidence import referenced
from app.observations.models import Evidence, Observation, ObservationState
from app.programs import services as programs
from tests import factories
from tests.concurrency import run_together
from tests.conftest import count, fetch, logged_in
from tests.test_observation_privacy import (
    EMAILS,
    FILER_EMAIL,
    FILER_NAME,
    MARKERS,
    crawl,
    file_observation,
    found_markers,
    in_session,
    ok,
    pdf_naming_the_filer,
    png,
    prepare,
    status_of,
)

#: A fixed moment for the clock-dependent tests (a Monday afternoon in La Paz).
T0 = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
JSON_FILES = (
    "profile.json",
    "observations.json",
    "comments.json",
    "supports.json",
    "follows.json",
    "notifications.json",
    "groups.json",
    "sign_in.json",
)


def open_zip(data: bytes) -> dict[str, bytes]:
    """Every member of the archive, decompressed."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def docs(members: dict[str, bytes]) -> dict[str, object]:
    return {name: json.loads(members[name]) for name in JSON_FILES}


def stored_png(name: str = "foto obra ñandú.png") -> tuple[str, bytes]:
    data = png()
    key = f"{hashlib.sha256(data).hexdigest()[:2]}/{hashlib.sha256(data).hexdigest()}.png"
    storage().put(key, data, "image/png")
    return key, data


def seed(app, me_id: int, other_id: int) -> dict[str, object]:
    """The person's data, made through the services: a filed observation with a photo, a draft,
    a comment edited once, another person's reply (a notification), a support, a follow."""
    with app.app_context():
        me = db.session.get(User, me_id)
        other = db.session.get(User, other_id)
        program = factories.program(titles={"es": "Agua potable", "en": "Drinking water"})
        comment = comments.add_comment(me, program, "Primera versión", Stance.FOR)
        comments.edit_comment(comment, "Versión corregida")
        reply = comments.add_comment(other, program, "Respuesta ajena", parent=comment)
        comments.vote(me, reply)
        programs.follow(me, program)
        observation = factories.observation(me, state="accepted", program=program)
        draft = Observation(
            filer=me,
            title="Borrador propio",
            description="Sin enviar",
            state=ObservationState.DRAFT,
        )
        db.session.add(draft)
        db.session.flush()
        key, data = stored_png()
        for target, name in ((observation, "foto obra ñandú.png"), (draft, "borrador.png")):
            db.session.add(
                Evidence(
                    observation_id=target.id,
                    uploader_id=me.id,
                    storage_key=key,
                    mime="image/png",
                    size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                    original_name=name,
                )
            )
        db.session.commit()
        return {
            "program": program.id,
            "comment": comment.id,
            "reply": reply.id,
            "observation": observation.id,
            "code": observation.code,
            "draft": draft.id,
            "png": data,
        }


def status(client, url: str) -> int:
    """The status of a GET, with the response closed (archives are streamed)."""
    with client.get(url) as response:
        return response.status_code


def build_for(app, user_id: int, now: datetime | None = None) -> DataExport:
    """Ask for the person's archive through the service, committed; returns it detached."""
    with app.app_context():
        asked = export.request_export(db.session.get(User, user_id), now=now)
        db.session.commit()
        export_id = asked.export.id
    return fetch(app, DataExport, export_id)


def archives() -> set[str]:
    """The archive files in the storage (inside an app context)."""
    return {k for k in storage().iter_keys() if k.startswith("exports/")}


def archive_of(app, export_row: DataExport) -> dict[str, bytes]:
    with app.app_context():
        return open_zip(storage().get(export_row.storage_key))


# --- permissions ----------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(app, client):
    for url in ("/account/data", "/account/data/1/download"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    response = client.post("/account/data")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert count(app, DataExport) == 0


def test_someone_elses_export_is_not_found(app, make_user):
    owner = make_user()
    other = make_user()
    made = build_for(app, owner.id)
    assert made.status == ExportStatus.READY
    url = f"/account/data/{made.id}/download"
    assert status(logged_in(app, other.email), url) == 404
    assert status(logged_in(app, owner.email), url) == 200
    stranger = logged_in(app, other.email)
    for missing in (made.id + 1000, 2**31 - 1, 2**40):
        assert status(stranger, f"/account/data/{missing}/download") == 404
    # Nor does their page list it.
    assert url not in stranger.get("/account/data").get_data(as_text=True)


# --- a small export, built at once -----------------------------------------------------------


def test_small_export_is_built_at_once_and_downloaded(app, make_user, outbox):
    me = make_user(display_name="Ana Exportadora")
    other = make_user()
    seed(app, me.id, other.id)
    client = logged_in(app, me.email)
    page = client.get("/account/data")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for name in ("profile.json", "observations.json", "groups.json", "evidence/"):
        assert name in html
    assert "You have not asked for your data yet." in html

    response = client.post("/account/data", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Your data is ready: download it below." in html
    made = fetch(app, DataExport, _only_export(app, me.id))
    assert made.status == ExportStatus.READY and made.attempts == 0
    assert made.expires_at - made.ready_at == timedelta(days=7)
    assert made.storage_key.startswith("exports/")
    link = f"/account/data/{made.id}/download"
    assert f'href="{link}"' in html
    # Built in the request: no mail, nothing left for the worker.
    assert outbox("data_export_ready") == []

    with client.get(link) as download:
        assert download.status_code == 200
        assert download.headers["Content-Type"] == "application/zip"
        day = made.ready_at.astimezone(UTC) - timedelta(hours=4)  # La Paz
        assert download.headers["Content-Disposition"] == (
            f'attachment; filename="qhawaq-data-{day.date().isoformat()}.zip"'
        )
        assert download.headers["Cache-Control"] == "no-store"
        body = download.get_data()
    assert len(body) == made.size
    members = open_zip(body)
    assert set(JSON_FILES) | {"README.txt"} <= set(members)


def _only_export(app, user_id: int) -> int:
    with app.app_context():
        ids = list(db.session.scalars(select(DataExport.id).where(DataExport.user_id == user_id)))
    assert len(ids) == 1, ids
    return ids[0]


def test_a_second_request_shows_the_same_export(app, make_user, monkeypatch):
    me = make_user()
    client = logged_in(app, me.email)
    ok(client.post("/account/data"))
    again = client.post("/account/data", follow_redirects=True)
    assert "Your data was prepared a moment ago" in again.get_data(as_text=True)
    assert count(app, DataExport) == 1
    # An hour later a new one may be asked for.
    first = fetch(app, DataExport, _only_export(app, me.id))
    later = build_for(app, me.id, now=first.ready_at + timedelta(hours=1, seconds=1))
    assert later.id != first.id and count(app, DataExport) == 2
    # While one is pending, asking again shows it.
    monkeypatch.setitem(app.config, "EXPORT_INLINE_MAX_ROWS", -1)
    pending = build_for(app, me.id, now=first.ready_at + timedelta(hours=3))
    assert pending.status == ExportStatus.PENDING
    again = client.post("/account/data", follow_redirects=True).get_data(as_text=True)
    assert "Your data is already being prepared" in again
    assert count(app, DataExport) == 3


def test_an_expired_form_gets_a_message_not_an_export(app, make_user, monkeypatch):
    me = make_user()
    client = logged_in(app, me.email)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/account/data", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert "Your form expired" in response.get_data(as_text=True)
    assert count(app, DataExport) == 0


# --- what the archive holds ------------------------------------------------------------------


def test_the_archive_holds_every_kind_of_data(app, make_user):
    me = make_user(display_name="Ana Exportadora", email="ana.export@example.org")
    other = make_user(display_name="Otra Persona")
    seeded = seed(app, me.id, other.id)
    made = build_for(app, me.id)
    members = archive_of(app, made)
    found = docs(members)

    profile = found["profile.json"]
    assert profile["email"] == "ana.export@example.org"
    assert profile["display_name"] == "Ana Exportadora"
    assert profile["language"] == "en"
    assert profile["role"] == {"value": "citizen", "title": "Citizen"}
    assert profile["institution"] is None
    assert profile["email_verified_at"] is not None and profile["created_at"] is not None
    assert "password_hash" not in members["profile.json"].decode()
    assert "session_token" not in members["profile.json"].decode()

    observations = found["observations.json"]["observations"]
    assert [o["code"] for o in observations] == [seeded["code"], None]
    filed, draft = observations
    assert filed["state"]["value"] == "accepted" and filed["state"]["title"]
    assert filed["title"] == "Obras paralizadas en el distrito 6"
    assert filed["program"]["title"] == "Drinking water"
    assert filed["institution"] == "Gobierno Autónomo Municipal de Sucre"
    assert [e["action"]["value"] for e in filed["timeline"]] == ["submit", "accept"]
    assert filed["timeline"][1]["by"] == {"role": "moderator", "name": "Moderation"}
    assert draft["state"]["value"] == "draft" and draft["title"] == "Borrador propio"
    photo = filed["evidence"][0]
    assert photo["name"] == "foto obra ñandú.png" and photo["missing"] is False
    assert photo["file"] == f"evidence/{seeded['code']}/{photo['id']}-foto_obra_nandu.png"
    assert members[photo["file"]] == seeded["png"]
    draft_photo = draft["evidence"][0]
    assert (
        draft_photo["file"] == f"evidence/draft-{seeded['draft']}/{draft_photo['id']}-borrador.png"
    )

    (comment,) = found["comments.json"]
    assert comment["id"] == seeded["comment"]
    assert comment["body"] == "Versión corregida"
    assert comment["stance"]["value"] == "for"
    assert comment["program"]["title"] == "Drinking water"
    assert [r["body"] for r in comment["edit_history"]] == ["Primera versión"]
    assert comment["hidden_by_moderation_at"] is None

    supports = found["supports.json"]
    assert [s["comment"] for s in supports["comment_supports"]] == [seeded["reply"]]
    assert [s["stance"]["value"] for s in supports["program_stances"]] == ["for"]

    follows = found["follows.json"]
    assert [p["id"] for p in follows["programs"]] == [seeded["program"]]
    assert follows["observations"] == []

    kinds = [n["kind"] for n in found["notifications.json"]]
    assert "reply" in kinds
    reply_note = next(n for n in found["notifications.json"] if n["kind"] == "reply")
    assert reply_note["text"] == 'Someone replied to your comment on "Drinking water".'
    assert reply_note["read"] is False
    assert reply_note["link"].endswith(f"/programs/{seeded['program']}#c{seeded['reply']}")

    assert found["groups.json"] == []
    assert [p["provider"] for p in found["sign_in.json"]] == ["password"]
    readme = members["README.txt"].decode()
    for name in (*JSON_FILES, "evidence/"):
        assert name in readme
    assert "The oversight groups you belong to" in readme
    # Nothing of the other person: their reply's text, their name, their email.
    everything = b"\n".join([*members.values(), *(n.encode() for n in members)]).decode(
        "utf-8", "replace"
    )
    for secret in ("Respuesta ajena", "Otra Persona", other.email):
        assert secret not in everything


def test_the_readme_is_in_the_persons_language(app, make_user):
    english = make_user(language="en")
    quechua = make_user(language="qu")
    readme_en = archive_of(app, build_for(app, english.id))["README.txt"].decode()
    readme_qu = archive_of(app, build_for(app, quechua.id))["README.txt"].decode()
    # The states are listed with their titles, already translated in every catalogue.
    assert "answered: Answered" in readme_en and "draft: Draft" in readme_en
    assert "answered: Kutichisqa" in readme_qu and "answered: Answered" not in readme_qu
    assert fetch(app, DataExport, _only_export(app, quechua.id)).language == "qu"


def test_a_file_missing_from_storage_is_listed_not_fatal(app, make_user):
    me = make_user()
    other = make_user()
    seeded = seed(app, me.id, other.id)
    with app.app_context():
        observation = db.session.get(Observation, seeded["observation"])
        missing = Evidence(
            observation_id=observation.id,
            uploader_id=me.id,
            storage_key="zz/not-there.png",
            mime="image/png",
            size=10,
            sha256="0" * 64,
            original_name="perdida.png",
        )
        db.session.add(missing)
        db.session.commit()
        missing_id = missing.id
    made = build_for(app, me.id)
    assert made.status == ExportStatus.READY
    members = archive_of(app, made)
    (filed, _draft) = docs(members)["observations.json"]["observations"]
    entry = next(e for e in filed["evidence"] if e["id"] == missing_id)
    assert entry == {**entry, "missing": True, "file": None, "name": "perdida.png"}
    assert not any(name.endswith("perdida.png") for name in members)


# --- the worker ------------------------------------------------------------------------------


def test_a_small_export_that_fails_in_the_request_is_left_to_the_worker(
    app, make_user, outbox, monkeypatch
):
    me = make_user()
    real = export_archive.build

    def broken(user, lang, now):
        raise RuntimeError("storage unreachable")

    monkeypatch.setattr(export_archive, "build", broken)
    client = logged_in(app, me.email)
    html = client.post("/account/data", follow_redirects=True).get_data(as_text=True)
    assert "Your data is being prepared" in html
    pending = fetch(app, DataExport, _only_export(app, me.id))
    assert pending.status == ExportStatus.PENDING and pending.attempts == 0
    monkeypatch.setattr(export_archive, "build", real)
    with app.app_context():
        assert worker.build_pending()["ready"] == 1
    assert fetch(app, DataExport, pending.id).status == ExportStatus.READY
    assert len(outbox("data_export_ready")) == 1


def test_a_large_export_is_built_by_the_worker_and_mailed(app, make_user, outbox, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_INLINE_MAX_ROWS", 2)
    me = make_user(language="qu")
    other = make_user()
    seed(app, me.id, other.id)
    client = logged_in(app, me.email)
    html = client.post("/account/data", follow_redirects=True).get_data(as_text=True)
    with app.test_request_context(), force_language("qu"):
        said = gettext("Your data is being prepared. We will send you an email when it is ready.")
    assert said in html  # in the person's language
    pending = fetch(app, DataExport, _only_export(app, me.id))
    assert pending.status == ExportStatus.PENDING and pending.storage_key is None
    assert status(client, f"/account/data/{pending.id}/download") == 404

    result = app.test_cli_runner().invoke(args=["exports", "build"])
    assert result.exit_code == 0, result.output
    assert "ready 1," in result.output
    made = fetch(app, DataExport, pending.id)
    assert made.status == ExportStatus.READY and made.attempts == 1
    assert made.claimed_until is None
    (mail,) = outbox("data_export_ready")
    assert mail.recipient == me.email and mail.language == "qu"
    assert re.search(r"https?://[^/\s]+/account/data\s", mail.body), mail.body
    assert status(client, f"/account/data/{made.id}/download") == 200
    # Built once: a second run finds nothing.
    again = app.test_cli_runner().invoke(args=["exports", "build"])
    assert "ready 0," in again.output
    assert len(outbox("data_export_ready")) == 1


def test_a_failing_build_is_retried_then_failed_and_the_person_told(
    app, make_user, outbox, monkeypatch, caplog
):
    monkeypatch.setitem(app.config, "EXPORT_INLINE_MAX_ROWS", -1)
    me = make_user(email="failing.person@example.org")
    pending = build_for(app, me.id, now=T0)

    def broken(user, lang, now):
        raise OSError(f"disk full while writing for {user.email}")

    monkeypatch.setattr(export_archive, "build", broken)
    caplog.set_level(logging.INFO)
    with app.app_context():
        assert worker.build_pending(now=T0) == {"ready": 0, "retry": 1, "failed": 0, "lost": 0}
        # Not again before the retry wait is over.
        assert worker.build_pending(now=T0 + timedelta(seconds=299))["retry"] == 0
        assert worker.build_pending(now=T0 + timedelta(seconds=301))["retry"] == 1
        assert fetch(app, DataExport, pending.id).attempts == 2
        assert outbox() == []
        last = worker.build_pending(now=T0 + timedelta(seconds=700))
        assert last == {"ready": 0, "retry": 0, "failed": 1, "lost": 0}
    failed = fetch(app, DataExport, pending.id)
    assert failed.status == ExportStatus.FAILED and failed.attempts == 3
    (mail,) = outbox("data_export_failed")
    assert mail.recipient == me.email
    assert "could not prepare" in mail.body
    # The log says which export failed and why, never whose it was.
    logged = [(r.getMessage(), getattr(r, "data", {})) for r in caplog.records]
    assert ("data export build failed", {**logged[0][1], "error": "OSError"}) in logged
    assert "failing.person" not in repr(logged) + caplog.text
    page = logged_in(app, me.email).get("/account/data").get_data(as_text=True)
    assert "Could not be prepared" in page
    # A failed export does not stop the person asking again.
    monkeypatch.undo()
    assert build_for(app, me.id).status == ExportStatus.READY


def test_a_dead_workers_export_is_taken_again_after_its_lease(app, make_user, outbox, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_INLINE_MAX_ROWS", -1)
    me = make_user()
    pending = build_for(app, me.id, now=T0)
    lease = timedelta(seconds=export.DEFAULTS["EXPORT_LEASE_SECONDS"])
    with app.app_context():
        slow = worker.claim(T0)  # claimed, then the worker hung or died
        db.session.commit()
        assert slow is not None
        assert worker.build_pending(now=T0 + lease - timedelta(seconds=1))["ready"] == 0
        later = T0 + lease + timedelta(seconds=1)
        taken = worker.claim(later)
        db.session.commit()
        assert taken is not None and taken.export_id == slow.export_id
        # The first worker's claim can no longer write anything, even while still pending.
        assert worker.settle(slow, status=ExportStatus.FAILED, claimed_until=None) is False
        db.session.commit()
        assert worker.build_one(taken, later) == "ready"
        before = archives()
        # The first worker finishes after all: its archive is thrown away, nothing is mailed.
        assert worker.build_one(slow, later) == "lost"
        assert archives() == before
    made = fetch(app, DataExport, pending.id)
    assert made.status == ExportStatus.READY and made.attempts == 2
    assert len(outbox("data_export_ready")) == 1


def test_an_export_whose_workers_keep_dying_ends_failed(app, make_user, outbox, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_INLINE_MAX_ROWS", -1)
    me = make_user()
    pending = build_for(app, me.id, now=T0)
    lease = timedelta(seconds=export.DEFAULTS["EXPORT_LEASE_SECONDS"] + 1)
    with app.app_context():
        for n in range(3):
            assert worker.claim(T0 + n * lease) is not None
            db.session.commit()
        assert worker.build_pending(now=T0 + 3 * lease)["failed"] == 1
    assert fetch(app, DataExport, pending.id).status == ExportStatus.FAILED
    assert len(outbox("data_export_failed")) == 1


# --- a week, then gone -----------------------------------------------------------------------


def test_an_archive_is_offered_for_a_week_then_purged(app, make_user):
    me = make_user()
    made = build_for(app, me.id, now=T0)
    assert made.ready_at == T0 and made.expires_at == T0 + timedelta(days=7)
    with app.app_context():
        assert storage().exists(made.storage_key)
        row = db.session.get(DataExport, made.id)
        assert export.is_offered(row, T0 + timedelta(days=7) - timedelta(seconds=1))
        assert not export.is_offered(row, T0 + timedelta(days=7))
        kept = export.purge_expired(now=T0 + timedelta(days=7) - timedelta(seconds=1))
        assert kept.count == 0
        purged = export.purge_expired(now=T0 + timedelta(days=7))
        db.session.commit()
        export.remove_files(purged.keys)
        assert purged.count == 1 and purged.keys == [made.storage_key]
        assert not storage().exists(made.storage_key)
        # Twice is harmless.
        assert export.purge_expired(now=T0 + timedelta(days=8)).count == 0
        export.remove_files(purged.keys)
    assert count(app, DataExport) == 0


def test_an_expired_archive_answers_gone_and_the_purge_command_removes_it(app, make_user):
    me = make_user()
    eight_days_ago = utcnow() - timedelta(days=8)
    made = build_for(app, me.id, now=eight_days_ago)
    fresh = build_for(app, me.id)
    client = logged_in(app, me.email)
    response = client.get(f"/account/data/{made.id}/download")
    assert response.status_code == 410
    assert "This archive is no longer offered" in response.get_data(as_text=True)
    page = client.get("/account/data").get_data(as_text=True)
    assert "No longer offered" in page
    assert f"/account/data/{made.id}/download" not in page
    assert f"/account/data/{fresh.id}/download" in page

    runner = app.test_cli_runner()
    result = runner.invoke(args=["exports", "purge"])
    assert result.exit_code == 0 and "removed 1 expired archives" in result.output
    assert runner.invoke(args=["exports", "purge"]).output.startswith("removed 0")
    assert fetch(app, DataExport, made.id) is None
    assert fetch(app, DataExport, fresh.id) is not None
    with app.app_context():
        assert not storage().exists(made.storage_key)
        assert storage().exists(fresh.storage_key)
    assert status(client, f"/account/data/{made.id}/download") == 404


def test_the_uploads_sweep_keeps_offered_archives(app, make_user):
    """``flask uploads sweep`` removes stored files no row names: an archive must be named."""
    made = build_for(app, make_user().id)
    with app.app_context():
        assert made.storage_key in referenced()


# --- the leak check --------------------------------------------------------------------------

#: Everyone in the scene but the person whose archive it is.
OTHERS = (
    *MARKERS,
    "Mod Privacidad",
    EMAILS["moderator"],
    EMAILS["moderator"].split("@")[0],
    "Responsable Propio",
    EMAILS["responder"],
    EMAILS["responder"].split("@")[0],
    "Responsable Ajeno",
    EMAILS["other_responder"],
    EMAILS["other_responder"].split("@")[0],
    "Factory Moderator",
)


def file_my_observation(client, program_id: int, category_id: int) -> str:
    """The person's own observation, through the real form, as an individual, with a photo and
    a PDF whose metadata name someone else (the cleaning removes them)."""
    page = client.get(f"/observations/new?program={program_id}").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/observations/new",
        data={
            "token": token,
            "program_id": str(program_id),
            "category_id": str(category_id),
            "title": "Mi pozo sin bomba",
            "description": "El pozo de mi comunidad no tiene bomba desde enero.",
            "department": "BO-H",
            "municipality": "",
            "acting_as": "individual",
            "organisation_name": "",
            "identity": "hidden",
            "evidence": [
                (io.BytesIO(png()), "pozo.png"),
                (io.BytesIO(pdf_naming_the_filer()), "acta.pdf"),
            ],
            "submit": "File observation",
        },
        content_type="multipart/form-data",
    )
    ok(response)
    return response.headers["Location"].rsplit("/", 1)[1]


def test_the_archive_names_nobody_else(app, make_user, caplog):
    """Another person filed a confidential and a hidden-identity observation that I follow; I
    comment on their program and they reply; a responder answers my observation and is assigned
    to it; a moderator redacts a name I wrote. No byte of my archive names any of them."""
    caplog.set_level(logging.DEBUG)
    ids, clients = prepare(app, make_user)
    me = clients["citizen"]  # "Ciudadano Curioso", who reads in Quechua
    files = [(png(), "foto-obra.png"), (pdf_naming_the_filer(), "acta.pdf")]
    others_codes = [
        file_observation(clients["filer"], ids["program"], ids["category"], identity, files)
        for identity in ("confidential", "hidden")
    ]
    my_code = file_my_observation(me, ids["program"], ids["category"])
    for code in [*others_codes, my_code]:
        accept = f"/observations/{code}/act/accept"
        ok(clients["moderator"].post(accept, data={"institution_id": ids["institution"]}))
    for code in others_codes:
        ok(me.post(f"/observations/{code}/follow"))
    ok(me.post(f"/programs/{ids['program']}/follow"))
    ok(clients["responder"].post(f"/observations/{my_code}/act/acknowledge"))
    with app.app_context():
        mine = db.session.scalar(select(Observation).where(Observation.code == my_code))
        responder = in_session(EMAILS["responder"])
        lifecycle.transition(
            mine, "answer", responder, TransitionData(note="La bomba llega en abril.")
        )
        mine.assignee_id = responder.id
        author = in_session(EMAILS["citizen"])
        filer = in_session(FILER_EMAIL)
        program = mine.program
        comment = comments.add_comment(author, program, "¿Cuándo llega el agua?", Stance.AGAINST)
        reply = comments.add_comment(filer, program, "En abril, dicen.", parent=comment)
        comments.vote(author, reply)
        comments.vote(filer, comment)
        naming = comments.add_comment(author, program, "Wilfreda me dijo que no hay fecha.")
        comments.edit_comment(naming, "Wilfreda me lo dijo: no hay fecha.")
        reason = db.session.scalars(select(ModerationReason)).first()
        redact(naming, ["Wilfreda"], in_session(EMAILS["moderator"]), reason)
        observation_services.follow(author, mine)
        db.session.commit()
        my_id = author.id
        # The world really links me to the others (so the check below can fail).
        assert db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == my_id, Notification.kind == "reply"
            )
        )
        assert db.session.get(Comment, reply.id).parent_id == comment.id

    response = me.post("/account/data", follow_redirects=True)
    with app.test_request_context(), force_language("qu"):  # the citizen reads in Quechua
        said = gettext("Your data is ready: download it below.")
    assert said in response.get_data(as_text=True)
    export_id = _only_export(app, my_id)
    with me.get(f"/account/data/{export_id}/download") as download:
        assert download.status_code == 200
        members = open_zip(download.get_data())

    found = docs(members)
    # Non-vacuous: the archive is full, and it names me.
    assert found_markers(members["profile.json"].decode(), ["Ciudadano Curioso"])
    codes = {o["code"] for o in found["follows.json"]["observations"]}
    assert codes == {*others_codes, my_code}
    (my_observation,) = found["observations.json"]["observations"]
    answers = [e["note"] for e in my_observation["timeline"] if e["action"]["value"] == "answer"]
    assert answers == ["La bomba llega en abril."]
    assert {e["name"] for e in my_observation["evidence"]} == {"pozo.png", "acta.pdf"}
    assert len([n for n in members if n.startswith(f"evidence/{my_code}/")]) == 2
    assert {n["kind"] for n in found["notifications.json"]} >= {"reply", "observation"}
    assert "answered: Kutichisqa" in members["README.txt"].decode()
    # The search finds a name when there is one (a positive control on the same bytes).
    assert found_markers(f"{FILER_NAME} {EMAILS['responder']}", OTHERS) >= {
        FILER_NAME,
        EMAILS["responder"],
    }

    for name, data in members.items():
        assert found_markers(name, OTHERS) == set(), name
        text = data.decode("utf-8", errors="replace") + data.decode("latin-1")
        assert found_markers(text, OTHERS) == set(), name
    assert found_markers(caplog.text, ["Ciudadano Curioso", EMAILS["citizen"]]) == set()

    # And the crawl, which fills my routes with my export's id: the owner downloads the very
    # archive checked above; everyone else is refused it, and my page names nobody else.
    values: dict[str, list[object]] = {"export_id": [export_id]}
    download_url = f"/account/data/{export_id}/download"
    for who, expected in (("citizen", 200), ("filer", 404), ("responder", 404)):
        pages = crawl(clients[who], values=values)
        assert status_of(pages[download_url]) == expected, who
        assert status_of(pages["/account/data"]) == 200, who
        assert found_markers(pages["/account/data"], OTHERS) == set(), who
    anonymous = crawl(clients["anonymous"], values=values)
    assert "/login" in anonymous[download_url] and "/login" in anonymous["/account/data"]


# --- at the same time (PostgreSQL) -----------------------------------------------------------


@pytest.mark.concurrency
def test_workers_side_by_side_build_each_export_once(app, make_user, outbox, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_INLINE_MAX_ROWS", -1)
    people = [make_user() for _ in range(8)]
    made = [build_for(app, p.id) for p in people]
    assert {m.status for m in made} == {ExportStatus.PENDING}

    results = run_together(app, 4, lambda _i: worker.build_pending())
    assert sum(r["ready"] for r in results) == len(people)
    assert sum(r["lost"] + r["retry"] + r["failed"] for r in results) == 0
    rows = [fetch(app, DataExport, m.id) for m in made]
    assert {r.status for r in rows} == {ExportStatus.READY}
    assert {r.attempts for r in rows} == {1}
    mails = outbox("data_export_ready")
    assert sorted(m.recipient for m in mails) == sorted(p.email for p in people)
    with app.app_context():
        assert {r.storage_key for r in rows} <= archives()


@pytest.mark.concurrency
def test_requests_side_by_side_make_one_export(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_INLINE_MAX_ROWS", -1)
    me = make_user()

    def ask(_i: int) -> int:
        asked = export.request_export(db.session.get(User, me.id))
        db.session.commit()
        return asked.export.id

    ids = run_together(app, 6, ask)
    assert len(set(ids)) == 1
    assert count(app, DataExport) == 1


def test_roles_get_their_institution_in_the_profile(app, make_user, make_institution):
    institution = make_institution("Ministerio de Pruebas")
    responder = make_user(role=Role.RESPONDER, institution=institution)
    profile = docs(archive_of(app, build_for(app, responder.id)))["profile.json"]
    assert profile["institution"] == "Ministerio de Pruebas"
    assert profile["role"]["value"] == "responder"
    assert date.fromisoformat(profile["created_at"][:10]) <= date.today()


def test_groups_json_lists_my_oversight_groups_and_my_role(app, make_user):
    from app.groups import services as groups
    from app.groups.services import GroupData

    me = make_user(email="coord@example.org")
    other = make_user(email="socio@example.org", display_name="Socio Secreto")
    with app.app_context():
        mine = groups.create_group(
            db.session.get(User, me.id), GroupData("Comité D-6", None, "", None, None, "")
        )
        groups.add_member(mine, db.session.get(User, other.id))
        db.session.commit()
    files = archive_of(app, build_for(app, me.id))
    listed = json.loads(files["groups.json"])
    assert [(g["group"], g["role"]) for g in listed] == [("Comité D-6", "coordinator")]
    assert b"Socio Secreto" not in files["groups.json"]
