"""Filing observations: the form on a phone without JavaScript, evidence cleaning, drafts,
one-time tokens, tracking codes, lookups and lists."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.accounts.models import Role, User
from app.extensions import db
from app.observations.models import (
    Evidence,
    FormToken,
    IdentityLevel,
    Observation,
    ObservationEvent,
    ObservationState,
)
from tests import factories
from tests.conftest import PASSWORD, logged_in
from tests.test_uploads import MAKE, assert_no_metadata, encode, gps_exif, minimal_pdf, picture


@pytest.fixture
def world(app):
    with app.app_context():
        chq = factories.department("BO-H", "Chuquisaca")
        sucre = factories.municipality("010101", "Sucre", chq)
        inst = factories.institution()
        cat = factories.category("information", 15)
        program = factories.program(department=chq, municipality=sucre)
        db.session.commit()
        return {
            "institution": inst.id,
            "category": cat.id,
            "program": program.id,
            "municipality": sucre.code,
        }


def citizen(app, make_user, email="filer@example.org", verified=True):
    make_user(email=email, verified=verified, display_name="Filer Person")
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def fetch_institution(app, world):
    from app.institutions.models import Institution

    with app.app_context():
        institution = db.session.get(Institution, world["institution"])
        db.session.expunge(institution)
        return institution


def open_form(client, query=""):
    response = client.get("/observations/new" + query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    return token, html


def form_data(world, token, **overrides):
    data = {
        "token": token,
        "institution_id": str(world["institution"]),
        "category_id": str(world["category"]),
        "title": "Obra paralizada en el distrito 6",
        "description": "Desde marzo no hay trabajadores en la obra del tanque de agua.",
        "department": "BO-H",
        "municipality": world["municipality"],
        "place_description": "Frente a la escuela",
        "latitude": "-19.0333",
        "longitude": "-65.2627",
        "acting_as": "individual",
        "identity": "hidden",
        "submit": "File observation",
    }
    data.update(overrides)
    return data


def observations(app):
    with app.app_context():
        rows = list(db.session.scalars(select(Observation).order_by(Observation.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def gps_photo() -> bytes:
    return encode(picture(size=(120, 80)), "JPEG", exif=gps_exif())


def test_filing_needs_a_verified_account(app, client, make_user, world):
    assert client.get("/observations/new").status_code == 302  # anonymous → login
    unverified = citizen(app, make_user, "new@example.org", verified=False)
    assert unverified.get("/observations/new").status_code == 403


def test_file_with_evidence_strips_gps_and_gets_a_code(app, make_user, world, outbox):
    client = citizen(app, make_user)
    token, _ = open_form(client)
    data = form_data(world, token)
    data["evidence"] = [
        (io.BytesIO(gps_photo()), "IMG_2041.jpg"),
        (io.BytesIO(minimal_pdf()), "acta.pdf"),
    ]
    response = client.post("/observations/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    [observation] = observations(app)
    assert re.fullmatch(r"CS-\d{4}-00001", observation.code)
    assert response.headers["Location"].endswith(f"/observations/{observation.code}")
    assert observation.state == ObservationState.SUBMITTED
    assert observation.identity == IdentityLevel.HIDDEN
    assert observation.municipality_id is not None and observation.latitude == pytest.approx(
        -19.0333
    )
    with app.app_context():
        files = list(db.session.scalars(select(Evidence).order_by(Evidence.id)))
        assert [f.mime for f in files] == ["image/jpeg", "application/pdf"]
        assert all(f.observation_id == observation.id and f.form_token is None for f in files)
        stored = (Path(app.config["UPLOADS_DIR"]) / files[0].storage_key).read_bytes()
        assert_no_metadata(stored)  # no EXIF, no GPS, no camera make
        assert MAKE.encode() not in stored
        events = list(db.session.scalars(select(ObservationEvent)))
        assert [(e.action, e.actor_role) for e in events] == [("submit", "filer")]
    page = client.get(f"/observations/{observation.code}").get_data(as_text=True)
    assert "Obra paralizada en el distrito 6" in page and "IMG_2041.jpg" in page
    # The filer follows it automatically; no mail for the filing itself.
    assert outbox() == []


def test_filing_from_a_program_page_is_prefilled(app, make_user, world):
    client = citizen(app, make_user)
    token, html = open_form(client, f"?program={world['program']}")
    assert f'name="program_id" type="hidden" value="{world["program"]}"' in html
    assert '<option selected value="BO-H">' in html
    data = form_data(world, token, program_id=str(world["program"]), institution_id="")
    assert client.post("/observations/new", data=data).status_code == 302
    [observation] = observations(app)
    assert observation.program_id == world["program"]
    assert observation.institution_id == world["institution"]


def test_errors_return_the_form_intact_with_uploaded_files(app, make_user, world):
    client = citizen(app, make_user)
    token, _ = open_form(client)
    data = form_data(
        world,
        token,
        title="",
        category_id="",
        acting_as="organisation",
        organisation_name="",
        description="Texto que debe volver tal cual escrito.",
    )
    data["evidence"] = [(io.BytesIO(gps_photo()), "foto.jpg")]
    response = client.post("/observations/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Write a title." in html and "Choose a category." in html
    assert "Write the organisation" in html
    assert "Texto que debe volver tal cual escrito.</textarea>" in html
    assert 'value="Frente a la escuela"' in html and 'value="-19.0333"' in html
    assert "foto.jpg" in html  # the accepted upload is shown and kept
    assert observations(app) == []
    # Corrected and sent again without re-uploading: the kept file is attached.
    response = client.post("/observations/new", data=form_data(world, token))
    assert response.status_code == 302
    [observation] = observations(app)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(Evidence.id)).where(Evidence.observation_id == observation.id)
            )
            == 1
        )


def test_uploaded_file_can_be_removed_before_filing(app, make_user, world):
    client = citizen(app, make_user)
    token, _ = open_form(client)
    data = form_data(world, token, title="")
    data["evidence"] = [(io.BytesIO(gps_photo()), "foto.jpg")]
    client.post("/observations/new", data=data, content_type="multipart/form-data")
    with app.app_context():
        evidence_id = db.session.scalar(select(Evidence.id))
    client.post("/observations/new", data=form_data(world, token, remove_evidence=str(evidence_id)))
    with app.app_context():
        assert db.session.scalar(select(func.count(Evidence.id))) == 0


@pytest.mark.parametrize(
    ("payload", "name", "message"),
    [
        (
            b"<html><script>alert(1)</script></html>",
            "photo.jpg",
            "is not a JPEG, PNG or WebP image or a PDF",
        ),
        (b"MZ\x90\x00" + b"\x00" * 200, "report.pdf", "is not a JPEG, PNG or WebP image or a PDF"),
    ],
)
def test_disguised_files_are_refused_and_the_rest_kept(
    app, make_user, world, payload, name, message
):
    client = citizen(app, make_user)
    token, _ = open_form(client)
    data = form_data(world, token)
    data["evidence"] = [(io.BytesIO(payload), name)]
    response = client.post("/observations/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert name in html and message in html
    assert 'value="Obra paralizada en el distrito 6"' in html
    assert observations(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count(Evidence.id))) == 0


def test_oversize_file_refused(app, make_user, world, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_BYTES", 2000)
    client = citizen(app, make_user)
    token, _ = open_form(client)
    data = form_data(world, token)
    noise = Image.frombytes("RGB", (100, 100), os.urandom(30000))
    data["evidence"] = [(io.BytesIO(encode(noise, "PNG")), "big.png")]
    response = client.post("/observations/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "The file is larger than" in response.get_data(as_text=True)
    assert observations(app) == []


def test_at_most_five_files(app, make_user, world):
    client = citizen(app, make_user)
    token, _ = open_form(client)
    data = form_data(world, token)
    data["evidence"] = [
        (io.BytesIO(encode(picture(size=(20 + n, 20)), "PNG")), f"f{n}.png") for n in range(6)
    ]
    response = client.post("/observations/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "f5.png: at most 5 files per observation." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Evidence.id))) == 5


def test_double_submission_files_once(app, make_user, world):
    client = citizen(app, make_user)
    token, _ = open_form(client)
    first = client.post("/observations/new", data=form_data(world, token))
    second = client.post("/observations/new", data=form_data(world, token))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert len(observations(app)) == 1
    # A token from another person is refused.
    other = citizen(app, make_user, "other@example.org")
    assert other.post("/observations/new", data=form_data(world, token)).status_code == 400
    assert other.post("/observations/new", data=form_data(world, "made-up")).status_code == 400


def test_draft_saved_and_resumed(app, make_user, world):
    client = citizen(app, make_user)
    token, _ = open_form(client)
    data = form_data(
        world,
        token,
        title="Borrador a medias",
        description="",
        category_id="",
        save_draft="Save draft",
    )
    del data["submit"]
    data["evidence"] = [(io.BytesIO(gps_photo()), "borrador.jpg")]
    response = client.post("/observations/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    [draft] = observations(app)
    assert draft.state == ObservationState.DRAFT and draft.code is None
    assert response.headers["Location"].endswith(f"/observations/drafts/{draft.id}")
    # Listed under "My observations", invisible to anyone else.
    assert "Borrador a medias" in client.get("/observations/mine").get_data(as_text=True)
    other = citizen(app, make_user, "other@example.org")
    assert other.get(f"/observations/drafts/{draft.id}").status_code == 404
    # Its files too: not even moderators or the institution open an unsent draft's photo.
    with app.app_context():
        photo_id = db.session.scalar(select(Evidence.id))
    make_user(email="mod@example.org", role=Role.MODERATOR)
    make_user(
        email="resp@example.org", role=Role.RESPONDER, institution=fetch_institution(app, world)
    )
    for email in ("mod@example.org", "resp@example.org", "other@example.org"):
        reader = logged_in(app, email)
        assert reader.get(f"/observations/drafts/{draft.id}").status_code == 404
        assert reader.get(f"/evidence/{photo_id}").status_code == 404, email
    photo = client.get(f"/evidence/{photo_id}")
    photo.close()
    assert photo.status_code == 200
    # Come back, complete, file.
    page = client.get(f"/observations/drafts/{draft.id}")
    html = page.get_data(as_text=True)
    assert 'value="Borrador a medias"' in html and "borrador.jpg" in html
    token2 = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post("/observations/new", data=form_data(world, token2))
    assert response.status_code == 302
    [filed] = observations(app)
    assert filed.id == draft.id and filed.state == ObservationState.SUBMITTED and filed.code
    with app.app_context():
        assert db.session.scalar(select(Evidence.observation_id)) == filed.id


def test_daily_cap(app, make_user, world, monkeypatch):
    monkeypatch.setitem(app.config, "OBSERVATIONS_PER_DAY", 1)
    client = citizen(app, make_user)
    token, _ = open_form(client)
    assert client.post("/observations/new", data=form_data(world, token)).status_code == 302
    token, _ = open_form(client)
    response = client.post(
        "/observations/new", data=form_data(world, token, title="Segunda del día")
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "You filed many observations today." in html and 'value="Segunda del día"' in html
    assert len(observations(app)) == 1


def test_codes_are_sequential_and_lookup_normalises(app, make_user, world):
    client = citizen(app, make_user)
    for _ in range(2):
        token, _ = open_form(client)
        client.post("/observations/new", data=form_data(world, token))
    codes = [o.code for o in observations(app)]
    assert [c[-5:] for c in codes] == ["00001", "00002"]
    year = codes[0][3:7]
    # The filer can look up their own submitted observation in any reasonable spelling.
    response = client.get(f"/observations/lookup?code=cs {year} 2")
    assert response.status_code == 302 and response.headers["Location"].endswith(codes[1])
    # Before moderation the public learns only that the code exists and waits for review.
    anonymous = app.test_client()
    anonymous.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    waiting = anonymous.get(f"/observations/lookup?code={codes[1]}")
    html = waiting.get_data(as_text=True)
    assert waiting.status_code == 200
    assert (
        f'<span class="code-id">{codes[1]}</span> exists and waits for moderators to review it.'
        in html
    )  # the code never breaks across lines
    assert "Obra paralizada" not in html  # nothing else about it
    assert anonymous.get(f"/observations/{codes[1]}").status_code == 404
    assert anonymous.get("/observations/lookup?code=CS-1999-00001").status_code == 404


def test_public_list_filters_and_overdue(app, make_user):
    from datetime import date

    filer = make_user(email="f@example.org")
    with app.app_context():
        from app.accounts.models import User

        user = db.session.get(User, filer.id)
        accepted = factories.observation(user, state="accepted", title="Aceptada visible")
        factories.observation(user, state="submitted", title="Pendiente invisible")
        late = factories.observation(user, state="accepted", title="Atrasada")
        late.due_date = date(2020, 1, 1)
        db.session.commit()
        accepted_code = accepted.code
    client = app.test_client()
    html = client.get("/observations").get_data(as_text=True)
    assert "Aceptada visible" in html and "Atrasada" in html and "Pendiente invisible" not in html
    overdue = client.get("/observations?state=overdue").get_data(as_text=True)
    assert "Atrasada" in overdue and "Aceptada visible" not in overdue
    assert "Aceptada visible" in client.get("/observations?state=accepted").get_data(as_text=True)
    assert "Aceptada visible" not in client.get("/observations?state=closed").get_data(as_text=True)
    assert client.get(f"/observations/{accepted_code}").status_code == 200


def test_my_observations_show_what_is_awaited(app, make_user, world):
    client = citizen(app, make_user)
    token, _ = open_form(client)
    client.post("/observations/new", data=form_data(world, token))
    html = client.get("/observations/mine").get_data(as_text=True)
    assert "Moderators: review it" in html


def test_form_tokens_are_single_use(app, make_user, world):
    client = citizen(app, make_user)
    token, _ = open_form(client)
    client.post("/observations/new", data=form_data(world, token))
    with app.app_context():
        row = db.session.scalar(select(FormToken).where(FormToken.token == token))
        assert row.used_at is not None


@pytest.mark.parametrize(
    ("role", "expected"),
    [(None, 302), ("citizen", 403), ("responder", 403), ("moderator", 200), ("admin", 200)],
)
def test_pending_list_is_for_moderators(app, make_user, make_institution, world, role, expected):
    from app.accounts.models import Role

    filer = citizen(app, make_user)
    token, _ = open_form(filer)
    filer.post("/observations/new", data=form_data(world, token, title="Espera moderación"))
    client = app.test_client()
    if role:
        institution = make_institution(acronym="X") if role == "responder" else None
        make_user(email="actor@example.org", role=Role(role), institution=institution)
        client.post("/login", data={"email": "actor@example.org", "password": PASSWORD})
    response = client.get("/moderation", follow_redirects=False)
    assert response.status_code == expected
    if expected == 200:
        assert "Espera moderación" in response.get_data(as_text=True)


def test_filer_is_notified_in_app_and_by_mail(app, make_user, world, outbox):
    from app.accounts.models import Role

    client = citizen(app, make_user)
    token, _ = open_form(client)
    client.post("/observations/new", data=form_data(world, token))
    [observation] = observations(app)
    make_user(email="mod@example.org", role=Role.MODERATOR)
    moderator = app.test_client()
    moderator.post("/login", data={"email": "mod@example.org", "password": PASSWORD})
    response = moderator.post(
        f"/observations/{observation.code}/act/accept",
        data={"institution_id": str(world["institution"])},
    )
    assert response.status_code == 302
    [mail] = outbox("notify_observation")
    assert mail.recipient == "filer@example.org" and observation.code in mail.subject
    page = client.get("/notifications").get_data(as_text=True)
    code = f'<span class="code-id">{observation.code}</span>'  # never broken across lines
    assert f"Observation {code} is now: Accepted and forwarded." in page


def test_the_protective_identity_level_is_the_default(app, make_user, world):
    """The form comes with "hidden from the public" chosen and says why; a filing that sends no
    level is filed hidden, never public."""
    client = citizen(app, make_user)
    token, html = open_form(client)
    assert re.search(
        r'<input[^>]*checked[^>]*value="hidden"|<input[^>]*value="hidden"[^>]*checked', html
    )
    assert "Chosen for you unless you change it: hidden from the public" in html
    data = form_data(world, token)
    del data["identity"]
    assert client.post("/observations/new", data=data).status_code == 302
    [filed] = observations(app)
    assert filed.identity == IdentityLevel.HIDDEN


def test_follow_buttons_say_what_they_do_so_a_double_click_follows_once(app, make_user):
    from app.observations.models import ObservationFollow

    make_user(email="watcher@example.org")
    with app.app_context():
        filer = db.session.scalar(select(User).where(User.email == "watcher@example.org"))
        code = factories.observation(filer, state="accepted").code
        db.session.commit()
    make_user(email="other.watcher@example.org")
    client = logged_in(app, "other.watcher@example.org")
    page = client.get(f"/observations/{code}").get_data(as_text=True)
    assert '<input type="hidden" name="want" value="follow">' in page

    def follows() -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(ObservationFollow)) or 0

    base = follows()  # the filer follows their own observation
    for _ in range(2):  # a double click
        assert (
            client.post(f"/observations/{code}/follow", data={"want": "follow"}).status_code == 302
        )
    assert follows() == base + 1
    page = client.get(f"/observations/{code}").get_data(as_text=True)
    assert '<input type="hidden" name="want" value="unfollow">' in page
    for _ in range(2):
        client.post(f"/observations/{code}/follow", data={"want": "unfollow"})
    assert follows() == base
