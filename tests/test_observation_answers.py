"""The institution's side of an observation: answers with an outcome and documents, the filer's
satisfaction, transfers confirmed by moderators, and saved answers."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.accounts.models import Role, User
from app.extensions import db
from app.observations.models import Evidence, Observation, ObservationState, ResponseTemplate
from tests import factories
from tests.conftest import PASSWORD, count, fetch
from tests.test_uploads import MAKE, encode, gps_exif, minimal_pdf, picture


@pytest.fixture
def case(app, make_user, make_institution):
    """An accepted observation of GAMS, its filer, a GAMS responder, another institution with
    its responder, and a moderator — each with a logged-in client."""
    gams = make_institution("Gobierno Autónomo Municipal de Sucre", acronym="GAMS")
    other = make_institution("Ministerio de Obras Públicas", acronym="MOP")
    make_user(email="filer@example.org", display_name="Filer")
    make_user(email="resp@example.org", role=Role.RESPONDER, institution=gams)
    make_user(email="mop@example.org", role=Role.RESPONDER, institution=other)
    make_user(email="mod@example.org", role=Role.MODERATOR)
    with app.app_context():
        filer = db.session.scalar(select(User).where(User.email == "filer@example.org"))
        observation = factories.observation(
            filer, state="accepted", institution=db.session.get(type(gams), gams.id)
        )
        db.session.commit()
        code, observation_id = observation.code, observation.id
    clients = {}
    for key, email in [
        ("filer", "filer@example.org"),
        ("resp", "resp@example.org"),
        ("mop", "mop@example.org"),
        ("mod", "mod@example.org"),
    ]:
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
        clients[key] = client
    return {"code": code, "id": observation_id, "gams": gams.id, "other": other.id, **clients}


def test_answer_with_outcome_and_cleaned_documents(app, case):
    url = f"/observations/{case['code']}/act/answer"
    photo = encode(picture(size=(60, 40)), "JPEG", exif=gps_exif())
    response = case["resp"].post(
        url,
        data={
            "answer-note": "Adjuntamos el informe.",
            "answer-outcome": "information_provided",
            "answer-attachments": [
                (io.BytesIO(minimal_pdf()), "informe.pdf"),
                (io.BytesIO(photo), "obra.jpg"),
            ],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    observation = fetch(app, Observation, case["id"])
    assert observation.state == ObservationState.ANSWERED
    assert observation.answer_outcome == "information_provided"
    with app.app_context():
        files = list(db.session.scalars(select(Evidence).where(Evidence.event_id.is_not(None))))
        assert sorted(f.original_name for f in files) == ["informe.pdf", "obra.jpg"]
        stored = (
            app.config["UPLOADS_DIR"]
            + "/"
            + next(f.storage_key for f in files if f.mime == "image/jpeg")
        )
        with open(stored, "rb") as handle:
            assert MAKE.encode() not in handle.read()
        jpeg_id = next(f.id for f in files if f.mime == "image/jpeg")
    page = app.test_client().get(f"/observations/{case['code']}?lang=en").get_data(as_text=True)
    assert "Information provided" in page and "informe.pdf" in page
    # Answer documents are published with the answer.
    download = app.test_client().get(f"/evidence/{jpeg_id}")
    assert download.status_code == 200
    download.close()


def test_answer_with_a_bad_document_writes_nothing(app, case):
    response = case["resp"].post(
        f"/observations/{case['code']}/act/answer",
        data={
            "answer-note": "Texto que debe volver.",
            "answer-outcome": "corrective_action",
            "answer-attachments": [(io.BytesIO(b"<html>no</html>"), "informe.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "informe.pdf: This file is not a JPEG, PNG or WebP image or a PDF." in html
    assert "Texto que debe volver.</textarea>" in html
    assert fetch(app, Observation, case["id"]).state == ObservationState.ACCEPTED
    assert count(app, Evidence) == 0


def test_answer_needs_an_outcome(app, case):
    response = case["resp"].post(
        f"/observations/{case['code']}/act/answer", data={"answer-note": "Sin resultado elegido."}
    )
    assert response.status_code == 400
    assert "Choose what the answer amounts to." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("action", "extra"), [("accept_answer", {}), ("dispute", {"dispute-note": "Falta el informe."})]
)
def test_satisfaction_is_recorded(app, case, action, extra):
    case["resp"].post(
        f"/observations/{case['code']}/act/answer",
        data={"answer-note": "Respuesta.", "answer-outcome": "other"},
    )
    url = f"/observations/{case['code']}/act/{action}"
    assert case["filer"].post(url, data={f"{action}-satisfaction": "9", **extra}).status_code == 400
    assert case["filer"].post(url, data={f"{action}-satisfaction": "2", **extra}).status_code == 302
    observation = fetch(app, Observation, case["id"])
    assert observation.satisfaction == 2
    page = app.test_client().get(f"/observations/{case['code']}?lang=en").get_data(as_text=True)
    assert "2 of 5" in page


def test_transfer_is_proposed_then_confirmed_by_a_moderator(app, case, outbox):
    base = f"/observations/{case['code']}/act"
    # Only moderators confirm; nothing to confirm before a proposal.
    assert case["mod"].post(f"{base}/confirm_transfer").status_code == 400
    response = case["resp"].post(
        f"{base}/propose_transfer",
        data={"propose_transfer-institution_id": case["gams"], "propose_transfer-note": "x"},
    )
    assert response.status_code == 400  # the same institution is not a transfer
    response = case["resp"].post(
        f"{base}/propose_transfer",
        data={
            "propose_transfer-institution_id": case["other"],
            "propose_transfer-note": "Es competencia del ministerio.",
        },
    )
    assert response.status_code == 302
    observation = fetch(app, Observation, case["id"])
    assert (
        observation.transfer_to_id == case["other"] and observation.institution_id == case["gams"]
    )
    page = case["mod"].get(f"/observations/{case['code']}").get_data(as_text=True)
    assert "proposed transferring this observation to Ministerio de Obras Públicas" in page
    assert "/act/confirm_transfer" in page and "/act/decline_transfer" in page
    assert case["resp"].post(f"{base}/confirm_transfer").status_code == 403
    assert case["mod"].post(f"{base}/confirm_transfer").status_code == 302
    observation = fetch(app, Observation, case["id"])
    assert observation.institution_id == case["other"] and observation.transfer_to_id is None
    assert observation.state == ObservationState.ACCEPTED and observation.due_date is not None
    # The new institution answers now; the old one no longer can.
    assert case["resp"].post(f"{base}/acknowledge").status_code == 403
    assert case["mop"].post(f"{base}/acknowledge").status_code == 302
    assert any(m.kind == "notify_observation" for m in outbox())


def test_transfer_can_be_declined(app, case):
    base = f"/observations/{case['code']}/act"
    case["resp"].post(
        f"{base}/propose_transfer",
        data={"propose_transfer-institution_id": case["other"], "propose_transfer-note": "No."},
    )
    assert (
        case["mod"].post(f"{base}/decline_transfer", data={"decline_transfer-note": ""}).status_code
        == 400
    )
    assert (
        case["mod"]
        .post(
            f"{base}/decline_transfer", data={"decline_transfer-note": "Sí es de su competencia."}
        )
        .status_code
        == 302
    )
    observation = fetch(app, Observation, case["id"])
    assert observation.transfer_to_id is None and observation.institution_id == case["gams"]


def test_saved_answers_are_per_institution(app, case):
    resp, mop = case["resp"], case["mop"]
    assert resp.get("/institution/templates/").status_code == 200
    assert case["filer"].get("/institution/templates/").status_code == 403
    response = resp.post(
        "/institution/templates/new", data={"title": "", "language": "es", "body": "Texto"}
    )
    assert response.status_code == 400 and "Texto</textarea>" in response.get_data(as_text=True)
    assert (
        resp.post(
            "/institution/templates/new",
            data={
                "title": "Información entregada",
                "language": "es",
                "body": "Le enviamos lo pedido.",
            },
        ).status_code
        == 302
    )
    with app.app_context():
        template_id = db.session.scalar(select(ResponseTemplate.id))
    # Another institution neither sees nor edits it.
    assert "Información entregada" not in mop.get("/institution/templates/").get_data(as_text=True)
    assert mop.get(f"/institution/templates/{template_id}/edit").status_code == 404
    assert mop.post(f"/institution/templates/{template_id}/delete").status_code == 404
    # The answer form offers it and fills the text in.
    page = resp.get(f"/observations/{case['code']}?template={template_id}").get_data(as_text=True)
    assert "Le enviamos lo pedido.</textarea>" in page
    page = mop.get(f"/observations/{case['code']}?template={template_id}").get_data(as_text=True)
    assert "Le enviamos lo pedido." not in page
    assert resp.post(f"/institution/templates/{template_id}/delete").status_code == 302
    assert count(app, ResponseTemplate) == 0


def test_a_first_dispute_gives_the_institution_a_fresh_deadline(app, case):
    """The rule: a first dispute sends the observation back to the institution with a fresh
    deadline counted from the dispute day, like the first one; the page says so."""
    from datetime import UTC, datetime

    from app.core.clock import local_today
    from app.core.workdays import add_working_days
    from app.observations import due_dates, lifecycle
    from app.observations.actions import TransitionData

    with app.app_context():
        observation = db.session.get(Observation, case["id"])
        resp = db.session.scalar(select(User).where(User.email == "resp@example.org"))
        lifecycle.transition(observation, "answer", resp, TransitionData(note="Respuesta."))
        old_due = observation.due_date
        disputed_at = datetime(2027, 3, 1, 15, tzinfo=UTC)  # long after the first due date
        lifecycle.transition(
            observation,
            "dispute",
            observation.filer,
            TransitionData(note="No responde.", satisfaction=1),
            now=disputed_at,
        )
        db.session.commit()
        day = local_today(disputed_at)
        expected = add_working_days(
            day, observation.deadline_days, due_dates.calendar_for(observation)
        ).due
        assert observation.state == ObservationState.ACKNOWLEDGED
        assert observation.clock_start == day and observation.due_date == expected
        assert expected > old_due and not due_dates.overdue(observation, day)
    page = case["filer"].get(f"/observations/{case['code']}").get_data(as_text=True)
    assert "The filer disputed the answer: the institution has a fresh deadline" in page
