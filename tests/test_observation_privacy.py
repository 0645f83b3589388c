"""Protect the reporter: a confidential (and a hidden) observation goes through its whole life,
then every page the site produces is fetched as each kind of viewer and searched for the filer's
name, email (and its local part) and organisation. Mails not addressed to the filer, the
in-app notifications and the log are searched too. Positive controls (the moderator, the filer,
and for "hidden" the institution's responder, do see the name) prove the search can fail.

``crawl`` is reusable: later issues add their API and export URLs through ``extra`` (or new
routes simply appear in ``app.url_map``; ``test_crawl_reaches_every_get_route`` makes sure the
crawl knows how to fill their arguments)."""

from __future__ import annotations

import html as html_lib
import io
import json
import logging
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import product
from urllib.parse import unquote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from app.accounts.models import DataExport, Role, User
from app.comments import services as comments
from app.comments.models import Stance
from app.extensions import db
from app.notifications.models import Notification
from app.observations import lifecycle
from app.observations.actions import TransitionData
from app.observations.models import (
    ActorType,
    AdminHoliday,
    HolidayScope,
    Observation,
    ObservationState,
)
from app.programs.models import Milestone
from tests import factories
from tests.conftest import logged_in as login

FILER_NAME = "Wilfreda Quenta-Secreta"
FILER_EMAIL = "wq.secret.filer@example.org"
ORGANISATION = "Asociación Vecinal Ojo-Secreto"
#: What must never show where the identity level forbids it (searched case-insensitively, also
#: after HTML-unescaping and URL-decoding).
MARKERS = (
    FILER_NAME,
    "Wilfreda",
    "Quenta-Secreta",
    FILER_EMAIL,
    FILER_EMAIL.split("@")[0],
    ORGANISATION,
    "Ojo-Secreto",
)

VIEWERS = ("anonymous", "citizen", "responder", "other_responder")
EMAILS = {
    "filer": FILER_EMAIL,
    "moderator": "mod.privacy@example.org",
    "citizen": "citizen.privacy@example.org",
    "responder": "responder.privacy@example.org",
    "other_responder": "other.responder.privacy@example.org",
}
#: GET routes the crawl cannot meaningfully fill; none of them can show an observation.
UNCRAWLED = {"static"}
LANGUAGES = ("es", "qu", "ay", "gn", "en")


# --- the crawl (reusable) ----------------------------------------------------------------------


def crawl_urls(app: Flask, values: dict[str, list[object]]) -> tuple[list[str], set[str]]:
    """Every GET URL of ``app.url_map`` whose arguments ``values`` can fill (every combination),
    and the endpoints left out because an argument has no value."""
    adapter = app.url_map.bind("localhost")
    urls: list[str] = []
    missing: set[str] = set()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if "GET" not in (rule.methods or set()):
            continue
        names = sorted(rule.arguments)
        if any(name not in values for name in names):
            missing.add(rule.endpoint)
            continue
        for combination in product(*(values[name] for name in names)):
            url = adapter.build(rule.endpoint, dict(zip(names, combination, strict=True)))
            if url not in urls:
                urls.append(url)
    return urls, missing


def crawl(
    client: FlaskClient, *, values: dict[str, list[object]], extra: Iterable[str] = ()
) -> dict[str, str]:
    """GET every route (see ``crawl_urls``) plus ``extra`` URLs as ``client`` sees them, and
    return ``{url: text}``. Redirects are followed; the text holds the status line and headers of
    every hop (a name in a Location or Content-Disposition header is a leak too) and the body."""
    urls, _missing = crawl_urls(client.application, values)
    pages: dict[str, str] = {}
    for url in [*urls, *extra]:
        with client.get(url, follow_redirects=True) as response:
            parts = [
                f"HTTP-STATUS: {hop.status}\n{hop.headers}" for hop in [*response.history, response]
            ]
            body = response.get_data()
            parts.append(body.decode("utf-8", errors="replace"))
            if response.mimetype == "application/zip":
                parts.extend(unzipped(body))  # a name inside an archive is a leak too
        pages[url] = "\n".join(parts)
    return pages


def unzipped(data: bytes) -> list[str]:
    """Each file of a ZIP archive as text, with its name."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [f"{n}\n{archive.read(n).decode('utf-8', 'replace')}" for n in archive.namelist()]


def fetch(client: FlaskClient, url: str) -> tuple[int, str, bytes]:
    """(status, headers, body) of one GET, with the response closed (files are streamed)."""
    with client.get(url) as response:
        return response.status_code, str(response.headers), response.get_data()


def status_of(text: str) -> int:
    """The final status code recorded by ``crawl``."""
    return int(re.findall(r"^HTTP-STATUS: (\d{3})", text, flags=re.MULTILINE)[-1])


def found_markers(text: str, markers: Iterable[str] = MARKERS) -> set[str]:
    haystacks = [text, html_lib.unescape(text), unquote(text)]
    return {m for m in markers if any(m.lower() in h.lower() for h in haystacks)}


def leaks(pages: dict[str, str], markers: Iterable[str] = MARKERS) -> dict[str, set[str]]:
    found = {url: found_markers(text, markers) for url, text in pages.items()}
    return {url: hits for url, hits in found.items() if hits}


# --- the scene: a whole life through services and HTTP -----------------------------------------


@dataclass
class Scene:
    code: str
    observation_id: int
    evidence_ids: list[int]
    program_id: int
    category_id: int
    institution_id: int
    other_institution_id: int
    values: dict[str, list[object]]
    extra: list[str]
    clients: dict[str, FlaskClient]


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (180, 40, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_naming_the_filer() -> bytes:
    """A one-page PDF whose document information names the filer, as office software does."""
    info = f"<< /Author ({FILER_NAME}) /Creator ({FILER_EMAIL}) /Title (Acta {ORGANISATION}) >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        info.encode("latin-1"),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def in_session(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def ok(response, expected: int = 302) -> None:
    assert response.status_code == expected, response.get_data(as_text=True)[:2000]


def file_observation(
    client: FlaskClient,
    program_id: int,
    category_id: int,
    identity: str,
    files: list[tuple[bytes, str]],
) -> str:
    """File through the real form, on behalf of an organisation; returns the tracking code."""
    page = client.get(f"/observations/new?program={program_id}")
    ok(page, 200)
    token = re.search(
        r'name="token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)
    ).group(1)
    response = client.post(
        "/observations/new",
        data={
            "token": token,
            "program_id": str(program_id),
            "category_id": str(category_id),
            "title": "Tanque de agua sin terminar",
            "description": "La obra del tanque de agua del distrito 6 está parada desde marzo.",
            "department": "BO-H",
            "municipality": "",
            "acting_as": "organisation",
            "organisation_name": ORGANISATION,
            "identity": identity,
            "evidence": [(io.BytesIO(data), name) for data, name in files],
            "submit": "File observation",
        },
        content_type="multipart/form-data",
    )
    ok(response)
    return response.headers["Location"].rsplit("/", 1)[1]


def prepare(app: Flask, make_user) -> tuple[dict[str, int], dict[str, FlaskClient]]:
    """Institutions, a program (with plan, status and milestone), the people and their clients."""
    with app.app_context():
        department = factories.department()
        institution = factories.institution()
        other = factories.institution("Ministerio de Prueba Ajena", "MPA")
        category = factories.category()
        program = factories.program(department=department)
        status = factories.status()
        milestone = Milestone(
            program=program, on_date=date(2026, 1, 15), titles={"es": "Licitación"}
        )
        actor_type = ActorType(key="organico", names={"es": "Orgánico"})
        holiday = AdminHoliday(
            on_date=date(2026, 12, 24), name="Nochebuena", scope=HolidayScope.NATIONAL
        )
        db.session.add_all([milestone, actor_type, holiday])
        db.session.commit()
        rows = (institution, other, category, program, status, milestone, actor_type, holiday)
        for row in rows:
            db.session.refresh(row)
        ids = {
            "institution": institution.id,
            "other": other.id,
            "category": category.id,
            "program": program.id,
            "plan": program.plan_id,
            "status": status.id,
            "milestone": milestone.id,
            "actor_type": actor_type.id,
            "holiday": holiday.id,
        }
        db.session.expunge_all()
    make_user(email=FILER_EMAIL, display_name=FILER_NAME, language="es")
    make_user(email=EMAILS["moderator"], role=Role.MODERATOR, display_name="Mod Privacidad")
    make_user(email=EMAILS["citizen"], display_name="Ciudadano Curioso", language="qu")
    make_user(
        email=EMAILS["responder"],
        role=Role.RESPONDER,
        institution=institution,
        display_name="Responsable Propio",
    )
    make_user(
        email=EMAILS["other_responder"],
        role=Role.RESPONDER,
        institution=other,
        display_name="Responsable Ajeno",
    )
    clients = {who: login(app, email) for who, email in EMAILS.items()}
    clients["anonymous"] = login(app, None)
    return ids, clients


def build_scene(app: Flask, make_user, identity: str, *, whole_life: bool = True) -> Scene:
    ids, clients = prepare(app, make_user)
    files = [(png(), "foto-obra.png"), (pdf_naming_the_filer(), "acta.pdf")]
    code = file_observation(clients["filer"], ids["program"], ids["category"], identity, files)
    act = f"/observations/{code}/act"
    ok(clients["moderator"].post(f"{act}/accept", data={"institution_id": ids["institution"]}))
    for follower in ("citizen", "responder", "other_responder"):
        ok(clients[follower].post(f"/observations/{code}/follow"))
    if whole_life:
        ok(clients["responder"].post(f"{act}/acknowledge"))
        with app.app_context():
            observation = db.session.scalar(select(Observation).where(Observation.code == code))
            lifecycle.transition(
                observation,
                "request_clarification",
                in_session(EMAILS["responder"]),
                TransitionData(note="¿En qué cuadra está el tanque?"),
            )
            db.session.commit()
        ok(clients["filer"].post(f"{act}/clarify", data={"clarify-note": "En la cuadra 4."}))
        with app.app_context():
            observation = db.session.scalar(select(Observation).where(Observation.code == code))
            lifecycle.transition(
                observation,
                "answer",
                in_session(EMAILS["responder"]),
                TransitionData(note="La empresa volverá en abril."),
            )
            db.session.commit()
        ok(clients["filer"].post(f"{act}/dispute", data={"dispute-note": "No hay fecha cierta."}))
        ok(
            clients["responder"].post(
                f"{act}/answer",
                data={
                    "answer-note": "Fecha: 6 de abril.",
                    "answer-outcome": "information_provided",
                },
            )
        )
        with app.app_context():
            observation = db.session.scalar(select(Observation).where(Observation.code == code))
            lifecycle.transition(observation, "accept_answer", observation.filer)
            db.session.commit()

    with app.app_context():
        observation = db.session.scalar(select(Observation).where(Observation.code == code))
        assert observation.identity.value == identity
        assert observation.organisation_name == ORGANISATION
        if whole_life:
            assert observation.state == ObservationState.RESOLVED
            assert observation.dispute_count == 1
        evidence_ids = [e.id for e in observation.evidence]
        assert len(evidence_ids) == 2
        filer_id = observation.filer_id
        observation_id = observation.id
        comment = comments.add_comment(
            in_session(EMAILS["citizen"]),
            observation.program,
            "¿Alguien sabe cuándo termina la obra?",
            Stance.NEUTRAL,
        )
        db.session.commit()
        comment_id = comment.id
        viewer_ids = [in_session(e).id for e in EMAILS.values()]
    # Issue 17: everyone downloads their data; the crawl opens each archive (its own is offered,
    # another person's does not exist for the viewer).
    for who in EMAILS:
        ok(clients[who].post("/account/data"))
    with app.app_context():
        export_ids = list(db.session.scalars(select(DataExport.id).order_by(DataExport.id)))
    assert len(export_ids) == len(EMAILS)

    values: dict[str, list[object]] = {
        "code": [code],
        "observation_id": [observation_id],
        "evidence_id": evidence_ids,
        "program_id": [ids["program"]],
        "plan_id": [ids["plan"]],
        "status_id": [ids["status"]],
        "milestone_id": [ids["milestone"]],
        "category_id": [ids["category"]],
        "actor_type_id": [ids["actor_type"]],
        "holiday_id": [ids["holiday"]],
        "comment_id": [comment_id],
        "user_id": [filer_id, *viewer_ids],
        "token": ["not-a-valid-token"],
        "institution_id": [ids["institution"], ids["other"]],
        # The responder's saved answers: no ids of another institution exist in this scene,
        # so an unknown one shows that the page answers 404 rather than a 500.
        "template_id": [999999],
        "export_id": export_ids,
        # POST-only today; filled so that a GET added later is crawled.
        "action": ["accept", "answer"],
        # Issue 6: the moderation pages of one item and the reasons list.
        "target_type": ["comment", "observation"],
        "target_id": [comment_id, observation_id],
        "reason_id": [1, 999999],
        "month": ["2026-11"],
        # Issue 7: accountability pages, open data files, the API and Open311.
        "territory": ["BO-H", "0"],
        "session_id": [999999],
        "dataset": ["observations", "events", "answers", "institutions", "programs", "figures"],
        "fmt": ["csv", "json", "xml"],
    }
    states = ["", "overdue", "open", "closed", *(s.value for s in ObservationState)]
    extra = [
        *(f"/observations?state={s}" for s in states),
        f"/observations?category={ids['category']}",
        f"/observations?institution={ids['institution']}",
        f"/observations?institution={ids['other']}",
        "/observations?department=BO-H",
        f"/observations?program={ids['program']}",
        f"/observations?state=resolved&institution={ids['institution']}&department=BO-H"
        f"&category={ids['category']}&program={ids['program']}",
        f"/observations/lookup?code={code}",
        f"/observations/lookup?code={code.lower().replace('-', ' ')}",
        *(f"/observations/{code}?lang={lang}" for lang in LANGUAGES),
        *(f"/programs/{ids['program']}?lang={lang}" for lang in LANGUAGES),
        *(f"/notifications?lang={lang}" for lang in LANGUAGES),
        f"/programs/{ids['program']}?order=oldest",
        "/programs?q=tanque",
        *(f"/accountability/observations?figure={f}" for f in ("received", "answered", "open")),
        f"/api/v1/observations?program={ids['program']}",
    ]
    return Scene(
        code=code,
        observation_id=observation_id,
        evidence_ids=evidence_ids,
        program_id=ids["program"],
        category_id=ids["category"],
        institution_id=ids["institution"],
        other_institution_id=ids["other"],
        values=values,
        extra=extra,
        clients=clients,
    )


def _still_there(app: Flask, scene: Scene) -> bool:
    with app.app_context():
        return (
            db.session.scalar(select(Observation.id).where(Observation.code == scene.code))
            is not None
        )


@pytest.fixture
def confidential(app, make_user, worlds) -> Scene:
    """Built once for the module's read-only crawls (again after a test that wrote)."""
    return worlds.get(
        "confidential",
        lambda: build_scene(app, make_user, "confidential"),
        lambda scene: _still_there(app, scene),
    )


@pytest.fixture
def hidden(app, make_user, worlds) -> Scene:
    return worlds.get(
        "hidden",
        lambda: build_scene(app, make_user, "hidden"),
        lambda scene: _still_there(app, scene),
    )


def crawl_as(scene: Scene, who: str) -> dict[str, str]:
    return crawl(scene.clients[who], values=scene.values, extra=scene.extra)


def detail_url(scene: Scene) -> str:
    return f"/observations/{scene.code}"


# --- the crawl itself --------------------------------------------------------------------------


def test_crawl_reaches_every_get_route(app, confidential):
    urls, missing = crawl_urls(app, confidential.values)
    assert missing <= UNCRAWLED, f"teach the crawl to fill these routes' arguments: {missing}"
    for expected in (
        "/observations",
        "/moderation",
        detail_url(confidential),
        f"/programs/{confidential.program_id}",
        "/notifications",
        *(f"/evidence/{i}" for i in confidential.evidence_ids),
    ):
        assert expected in urls
    assert found_markers(f"Hola, {FILER_NAME.upper()}") == {
        FILER_NAME,
        "Wilfreda",
        "Quenta-Secreta",
    }
    assert found_markers("mailto:wq.secret.filer%40example.org") >= {FILER_EMAIL, "wq.secret.filer"}
    assert found_markers("Asociaci&oacute;n Vecinal Ojo-Secreto") >= {ORGANISATION}


# --- confidential ------------------------------------------------------------------------------


def test_confidential_filer_is_named_on_no_page_for_anyone_but_moderation(
    app, confidential, caplog
):
    caplog.set_level(logging.DEBUG)
    for who in VIEWERS:
        pages = crawl_as(confidential, who)
        assert status_of(pages[detail_url(confidential)]) == 200, who
        # Non-vacuous: the page really is the observation.
        assert "Tanque de agua sin terminar" in pages[detail_url(confidential)], who
        assert "No hay fecha cierta." in pages[detail_url(confidential)], who
        assert leaks(pages) == {}, who
    assert found_markers(caplog.text) == set()
    # Positive controls: the same crawl finds the name where it may be shown.
    for who in ("moderator", "filer"):
        page = crawl_as(confidential, who)[detail_url(confidential)]
        assert found_markers(page) >= {FILER_NAME, ORGANISATION}, who


def test_confidential_evidence_is_not_downloadable_by_the_public(app, confidential):
    for evidence_id in confidential.evidence_ids:
        url = f"/evidence/{evidence_id}"
        for who in ("anonymous", "citizen", "other_responder"):
            assert fetch(confidential.clients[who], url)[0] == 404, (who, url)
        for who in ("filer", "moderator"):
            assert fetch(confidential.clients[who], url)[0] == 200, (who, url)
    html = confidential.clients["anonymous"].get(detail_url(confidential)).get_data(as_text=True)
    assert "/evidence/" not in html and "foto-obra.png" not in html


def test_public_evidence_is_downloadable_once_accepted(app, make_user):
    scene = build_scene(app, make_user, "public", whole_life=False)
    image_id, pdf_id = scene.evidence_ids
    anonymous = scene.clients["anonymous"]
    status, headers, body = fetch(anonymous, f"/evidence/{image_id}")
    assert status == 200
    assert "Content-Type: image/png" in headers
    assert body.startswith(b"\x89PNG")
    assert fetch(anonymous, f"/evidence/{pdf_id}")[0] == 200
    html = anonymous.get(detail_url(scene)).get_data(as_text=True)
    assert f'href="/evidence/{image_id}"' in html
    # Public level: the name is shown, so the crawl and the search in this file find it.
    assert found_markers(html) >= {FILER_NAME, ORGANISATION}
    assert detail_url(scene) in leaks(crawl_as(scene, "anonymous"))


@pytest.mark.parametrize("identity", ["public", "confidential"])
def test_evidence_is_not_served_before_acceptance(app, make_user, identity):
    ids, clients = prepare(app, make_user)
    code = file_observation(
        clients["filer"], ids["program"], ids["category"], identity, [(png(), "foto.png")]
    )
    with app.app_context():
        [evidence_id] = [
            e.id
            for e in db.session.scalar(select(Observation).where(Observation.code == code)).evidence
        ]
    url = f"/evidence/{evidence_id}"
    for who in ("anonymous", "citizen", "responder", "other_responder"):
        assert fetch(clients[who], url)[0] == 404, who
    assert fetch(clients["filer"], url)[0] == 200


@pytest.mark.parametrize("refusal", ["reject", "mark_duplicate"])
def test_evidence_of_a_refused_observation_stays_with_filer_and_moderation(app, make_user, refusal):
    """Moderation refused it, so it never reached the institution named on the form: that
    institution's responders must not fetch its files by id (ids are sequential)."""
    ids, clients = prepare(app, make_user)
    original = file_observation(clients["citizen"], ids["program"], ids["category"], "public", [])
    code = file_observation(
        clients["filer"], ids["program"], ids["category"], "confidential", [(png(), "foto.png")]
    )
    with app.app_context():
        from app.moderation.reason_models import ModerationReason

        reason_id = db.session.scalar(
            select(ModerationReason.id).where(ModerationReason.key == "out_of_scope")
        )
    data = (
        {"original": original}
        if refusal == "mark_duplicate"
        else {"reject-note": "Fuera.", "reject-reason_id": reason_id}
    )
    ok(clients["moderator"].post(f"/observations/{code}/act/{refusal}", data=data))
    with app.app_context():
        observation = db.session.scalar(select(Observation).where(Observation.code == code))
        assert observation.state.value == {"reject": "rejected"}.get(refusal, "duplicate")
        [evidence_id] = [e.id for e in observation.evidence]
    url = f"/evidence/{evidence_id}"
    for who in ("filer", "moderator"):
        assert fetch(clients[who], url)[0] == 200, who
    for who in ("anonymous", "citizen", "other_responder", "responder"):
        assert fetch(clients[who], url)[0] == 404, who
    assert clients["responder"].get(f"/observations/{code}").status_code == 404


def test_mails_not_addressed_to_the_filer_do_not_name_them(app, confidential, outbox):
    mails = outbox()
    to_filer = [m for m in mails if m.recipient == FILER_EMAIL]
    others = [m for m in mails if m.recipient != FILER_EMAIL]
    # Followers are told about every step after they followed (acknowledge, request_clarification,
    # clarify, answer, dispute, answer, accept_answer), except the steps they took themselves;
    # the institution's responder also hears of its work (issue 17): forwarded, clarified,
    # disputed, answer accepted.
    followers = ("citizen", "responder", "other_responder")
    counts = {who: len([m for m in others if m.recipient == EMAILS[who]]) for who in followers}
    assert counts == {"citizen": 7, "responder": 3 + 4, "other_responder": 7}
    work = [m for m in others if m.kind == "notify_institution"]
    assert {m.recipient for m in work} == {EMAILS["responder"]} and len(work) == 4
    for mail in others:
        assert found_markers(f"{mail.recipient}\n{mail.subject}\n{mail.body}") == set(), (
            mail.recipient,
            mail.kind,
        )
    # Positive control: mails to the filer greet them by name.
    assert to_filer and all(FILER_NAME in m.body for m in to_filer)


def test_notification_rows_do_not_name_the_filer(app, confidential):
    with app.app_context():
        rows = list(db.session.scalars(select(Notification).order_by(Notification.id)))
        assert rows
        for row in rows:
            assert found_markers(json.dumps(row.data, ensure_ascii=False)) == set()


def test_notifications_pages_do_not_name_the_filer(app, confidential):
    for who in ("citizen", "responder", "other_responder"):
        response = confidential.clients[who].get("/notifications")
        assert response.status_code == 200, who
        html = response.get_data(as_text=True)
        assert confidential.code in html, who  # the rows are really rendered
        assert found_markers(html) == set(), who


# --- hidden ------------------------------------------------------------------------------------


def test_hidden_filer_is_named_for_the_institution_only(app, hidden, caplog):
    caplog.set_level(logging.DEBUG)
    for who in ("anonymous", "citizen", "other_responder"):
        pages = crawl_as(hidden, who)
        assert status_of(pages[detail_url(hidden)]) == 200, who
        assert "Tanque de agua sin terminar" in pages[detail_url(hidden)], who
        assert leaks(pages) == {}, who
    assert found_markers(caplog.text) == set()
    # The institution that must answer sees who filed it (the test can see names at all).
    responder_page = crawl_as(hidden, "responder")[detail_url(hidden)]
    assert found_markers(responder_page) >= {FILER_NAME, ORGANISATION}
    for who in ("moderator", "filer"):
        page = hidden.clients[who].get(detail_url(hidden)).get_data(as_text=True)
        assert found_markers(page) >= {FILER_NAME, ORGANISATION}, who


def test_hidden_mails_to_followers_do_not_name_the_filer(app, hidden, outbox):
    others = [m for m in outbox() if m.recipient != FILER_EMAIL]
    assert others
    for mail in others:
        assert found_markers(f"{mail.subject}\n{mail.body}") == set(), mail.recipient


def test_evidence_of_a_hidden_observation_does_not_name_the_filer(app, hidden):
    """Hidden-level evidence is public: its bytes (a PDF's author, creator, title) and headers
    must not name the filer."""
    for evidence_id in hidden.evidence_ids:
        status, headers, body = fetch(hidden.clients["anonymous"], f"/evidence/{evidence_id}")
        assert status == 200
        assert found_markers(f"{headers}\n{body.decode('latin-1')}") == set(), evidence_id
