"""Protect the reporter: a confidential (and a hidden) observation goes through its whole life,
then every page the site produces is fetched as each kind of viewer and searched for the filer's
name, email (and its local part) and organisation. Mails not addressed to the filer, the
in-app notifications and the log are searched too. Positive controls (the moderator, the filer,
and for "hidden" the institution's responder, do see the name) prove the search can fail.

``crawl`` is reusable: later issues add their API and export URLs through ``extra`` (or new
routes simply appear in ``app.url_map``; ``test_crawl_reaches_every_get_route`` makes sure the
crawl knows how to fill their arguments).

Issue 18: the same life, filed on behalf of an oversight group at every identity level (public
with and without the member's name, hidden and confidential with and without hiding the group),
crawled as every viewer (a fellow coordinator of the group too) for the member's name, email and
username, and for the group's name where the group is hidden (see "Filing as a group").

Issue 20: the Atom feeds and the iCalendar files are routes like the others (crawled with the
same values), plus the feeds of searches and every language in ``extra``."""

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
from app.groups.models import GroupMembership, GroupRole, OversightGroup
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
    #: Coordinates the filer's oversight group in the group scenes (a citizen elsewhere).
    "coordinator": "coordinator.privacy@example.org",
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


@dataclass(frozen=True)
class AsGroup:
    """Filing on behalf of the filer's oversight group, and the two choices about it."""

    show_member_name: bool = False
    hide_group: bool = False


def file_observation(
    client: FlaskClient,
    program_id: int,
    category_id: int,
    identity: str,
    files: list[tuple[bytes, str]],
    as_group: AsGroup | None = None,
) -> str:
    """File through the real form, on behalf of an organisation (or of the group the form offers,
    with ``as_group``); returns the tracking code."""
    page = client.get(f"/observations/new?program={program_id}")
    ok(page, 200)
    html = page.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    acting: dict[str, str] = {"acting_as": "organisation", "organisation_name": ORGANISATION}
    if as_group is not None:
        # The group's own choice on the form (one radio button per group of the filer).
        [choice] = re.findall(r'name="acting_as" type="radio" value="(group-\d+)"', html)
        acting = {"acting_as": choice}
        if as_group.show_member_name:
            acting["show_member_name"] = "y"
        if as_group.hide_group:
            acting["hide_group"] = "y"
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
            **acting,
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
    make_user(email=EMAILS["coordinator"], display_name="Coordinadora Vecina", language="ay")
    clients = {who: login(app, email) for who, email in EMAILS.items()}
    clients["anonymous"] = login(app, None)
    return ids, clients


def make_group(app: Flask, name: str, slug: str, member_email: str, actor_type_id: int) -> int:
    """An oversight group: ``member_email`` a member, the scene's coordinator its coordinator."""
    with app.app_context():
        group = OversightGroup(
            slug=slug,
            name=name,
            actor_type_id=actor_type_id,
            description="Vigilamos las obras del distrito.",
            contact="",
        )
        db.session.add(group)
        db.session.flush()
        for email, role in (
            (member_email, GroupRole.MEMBER),
            (EMAILS["coordinator"], GroupRole.COORDINATOR),
        ):
            user_id = in_session(email).id
            db.session.add(GroupMembership(group_id=group.id, user_id=user_id, role=role))
        db.session.commit()
        return group.id


def live(
    app: Flask,
    ids: dict[str, int],
    clients: dict[str, FlaskClient],
    code: str,
    filer: FlaskClient,
    *,
    whole_life: bool,
) -> None:
    """Moderation accepts it, three people follow it, and (``whole_life``) it goes through
    acknowledgement, a clarification, an answer, a dispute, a second answer and its acceptance."""
    act = f"/observations/{code}/act"
    ok(clients["moderator"].post(f"{act}/accept", data={"institution_id": ids["institution"]}))
    for follower in ("citizen", "responder", "other_responder"):
        ok(clients[follower].post(f"/observations/{code}/follow"))
    if not whole_life:
        return
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
    ok(filer.post(f"{act}/clarify", data={"clarify-note": "En la cuadra 4."}))
    with app.app_context():
        observation = db.session.scalar(select(Observation).where(Observation.code == code))
        lifecycle.transition(
            observation,
            "answer",
            in_session(EMAILS["responder"]),
            TransitionData(note="La empresa volverá en abril."),
        )
        db.session.commit()
    ok(filer.post(f"{act}/dispute", data={"dispute-note": "No hay fecha cierta."}))
    ok(
        clients["responder"].post(
            f"{act}/answer",
            data={"answer-note": "Fecha: 6 de abril.", "answer-outcome": "information_provided"},
        )
    )
    with app.app_context():
        observation = db.session.scalar(select(Observation).where(Observation.code == code))
        lifecycle.transition(observation, "accept_answer", observation.filer)
        db.session.commit()
    with app.app_context():
        observation = db.session.scalar(select(Observation).where(Observation.code == code))
        assert observation.state == ObservationState.RESOLVED
        assert observation.dispute_count == 1


def build_scene(app: Flask, make_user, identity: str, *, whole_life: bool = True) -> Scene:
    ids, clients = prepare(app, make_user)
    files = [(png(), "foto-obra.png"), (pdf_naming_the_filer(), "acta.pdf")]
    code = file_observation(clients["filer"], ids["program"], ids["category"], identity, files)
    live(app, ids, clients, code, clients["filer"], whole_life=whole_life)
    with app.app_context():
        observation = db.session.scalar(select(Observation).where(Observation.code == code))
        assert observation.identity.value == identity
        assert observation.organisation_name == ORGANISATION
        assert len(observation.evidence) == 2
    return crawlable(app, ids, clients, [code])


def crawlable(
    app: Flask,
    ids: dict[str, int],
    clients: dict[str, FlaskClient],
    codes: list[str],
    slugs: Iterable[str] = ("no-such-group",),
) -> Scene:
    """The scene of the filed observations ``codes``: a comment, everyone's data archive, and
    the values and extra URLs the crawl needs."""
    with app.app_context():
        observations = list(
            db.session.scalars(
                select(Observation).where(Observation.code.in_(codes)).order_by(Observation.id)
            )
        )
        evidence_ids = [e.id for o in observations for e in o.evidence]
        observation_ids = [o.id for o in observations]
        comment = comments.add_comment(
            in_session(EMAILS["citizen"]),
            observations[0].program,
            "¿Alguien sabe cuándo termina la obra?",
            Stance.NEUTRAL,
        )
        db.session.commit()
        comment_id = comment.id
        user_ids = list(db.session.scalars(select(User.id).order_by(User.id)))
    # Issue 17: everyone downloads their data; the crawl opens each archive (its own is offered,
    # another person's does not exist for the viewer).
    for who in EMAILS:
        ok(clients[who].post("/account/data"))
    with app.app_context():
        export_ids = list(db.session.scalars(select(DataExport.id).order_by(DataExport.id)))
    assert len(export_ids) == len(EMAILS)

    values: dict[str, list[object]] = {
        "code": list(codes),
        "observation_id": observation_ids,
        "evidence_id": evidence_ids,
        "program_id": [ids["program"]],
        "plan_id": [ids["plan"]],
        "status_id": [ids["status"]],
        "milestone_id": [ids["milestone"]],
        "category_id": [ids["category"]],
        "actor_type_id": [ids["actor_type"]],
        "holiday_id": [ids["holiday"]],
        "comment_id": [comment_id],
        "user_id": user_ids,
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
        "target_id": [comment_id, *observation_ids],
        "reason_id": [1, 999999],
        "month": ["2026-11"],
        # Issue 7: accountability pages, open data files, the API and Open311.
        "territory": ["BO-H", "0"],
        "session_id": [999999],
        "dataset": ["observations", "events", "answers", "institutions", "programs", "figures"],
        "fmt": ["csv", "json", "xml"],
        # Issue 18: the groups' pages (public page, dashboard, members, CSV…).
        "slug": list(slugs),
        "membership_id": [1, 2, 999999],
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
        *(f"/observations/lookup?code={code}" for code in codes),
        *(f"/observations/lookup?code={code.lower().replace('-', ' ')}" for code in codes),
        *(f"/observations/{code}?lang={lang}" for code in codes for lang in LANGUAGES),
        *(f"/programs/{ids['program']}?lang={lang}" for lang in LANGUAGES),
        *(f"/notifications?lang={lang}" for lang in LANGUAGES),
        f"/programs/{ids['program']}?order=oldest",
        "/programs?q=tanque",
        *(f"/accountability/observations?figure={f}" for f in ("received", "answered", "open")),
        f"/api/v1/observations?program={ids['program']}",
        # Issue 19: search (by code and by words of the texts) and the maps' figures and points.
        *(f"/search?q={code}" for code in codes),
        *(f"/observations?q={code}" for code in codes),
        "/search?q=obra+tanque",
        "/observations?q=obra",
        f"/observations?q=tanque&program={ids['program']}&map=answered",
        *(f"/territories/BO-H?map={m}" for m in ("observations", "answered", "on_time", "overdue")),
        "/accountability?map=overdue",
        # Issue 20: the Atom feeds of searches and the iCalendar files, in every language (the
        # routes themselves are crawled with the values above).
        *(f"/feeds/observations.atom?q={code}" for code in codes),
        "/feeds/observations.atom?q=tanque",
        f"/feeds/observations.atom?program={ids['program']}&department=BO-H",
        f"/feeds/observations.atom?state=resolved&institution={ids['institution']}",
        *(f"/feeds/observations/{code}.atom?lang={lang}" for code in codes for lang in LANGUAGES),
        *(
            f"/calendars/observations/{code}.ics?lang={lang}"
            for code in codes
            for lang in LANGUAGES
        ),
        *(f"/feeds/programs/{ids['program']}.atom?lang={lang}" for lang in LANGUAGES),
        *(f"/feeds/institutions/{ids['institution']}.atom?lang={lang}" for lang in LANGUAGES),
        "/feeds/territories/BO-H.atom",
        "/calendars/territories/BO-H.ics",
    ]
    return Scene(
        code=codes[0],
        observation_id=observation_ids[0],
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
        # Issue 20: the observation's feed and calendar are crawled and really are its own.
        feed = pages[f"/feeds/observations/{confidential.code}.atom"]
        assert status_of(feed) == 200 and "No hay fecha cierta." in feed, who
        calendar = pages[f"/calendars/observations/{confidential.code}.ics"]
        assert status_of(calendar) == 200 and "BEGIN:VCALENDAR" in calendar, who
        assert confidential.code in pages["/feeds/observations.atom"], who
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
        # Issue 20: the feed and the calendar are crawled (the observation is public here).
        assert status_of(pages[f"/feeds/observations/{hidden.code}.atom"]) == 200, who
        assert status_of(pages[f"/calendars/observations/{hidden.code}.ics"]) == 200, who
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


# --- filing as a group (issue 18) ---------------------------------------------------------------


@dataclass(frozen=True)
class GroupSpec:
    """One group filing of the group world: its level, the member's choices, and two words found
    only in the member's name and only in the group's name, so that one crawl searches for all."""

    identity: str
    as_group: AsGroup
    whole_life: bool
    member_word: str
    group_word: str

    @property
    def member_name(self) -> str:
        return f"{self.member_word}ina Quenta-{self.member_word}"

    @property
    def member_email(self) -> str:
        return f"{self.member_word.lower()}.secreta@example.org"

    @property
    def group_name(self) -> str:
        return f"Comité Cívico {self.group_word}-Grupal"

    @property
    def slug(self) -> str:
        # A link to the group's page names it too: the marker is in the address.
        return f"comite-{self.group_word.lower()}-grupal"

    @property
    def name_markers(self) -> tuple[str, ...]:
        return (self.member_name, f"{self.member_word}ina", f"Quenta-{self.member_word}")

    @property
    def account_markers(self) -> tuple[str, ...]:
        return (self.member_email, self.member_email.split("@")[0])

    @property
    def group_markers(self) -> tuple[str, ...]:
        return (self.group_name, f"{self.group_word}-Grupal")


#: Every level, with and without each choice that means something there. "Show my name" is ticked
#: at the hidden and confidential levels too: it must change nothing there.
GROUP_SCENES = {
    "public-named": GroupSpec("public", AsGroup(show_member_name=True), False, "Zorvex", "Qelmar"),
    "public": GroupSpec("public", AsGroup(), False, "Tavrinx", "Bodwyn"),
    "hidden": GroupSpec("hidden", AsGroup(show_member_name=True), False, "Fenwix", "Drumval"),
    "hidden-group-hidden": GroupSpec("hidden", AsGroup(hide_group=True), True, "Belcorx", "Yestra"),
    "confidential": GroupSpec(
        "confidential", AsGroup(show_member_name=True), True, "Kromlix", "Vandrel"
    ),
    "confidential-group-hidden": GroupSpec(
        "confidential", AsGroup(show_member_name=True, hide_group=True), True, "Pyxwen", "Osmerk"
    ),
}
#: The coordinator coordinates every group of the world; each member belongs to one.
GROUP_VIEWERS = ("anonymous", "citizen", "responder", "other_responder", "coordinator")


def may_see(spec: GroupSpec, who: str) -> tuple[bool, bool]:
    """(the member's name, the group), written out by hand from the issue: the public level shows
    the group and, if the member chose, their name; hidden and confidential protect the member
    (the institution sees them at the hidden level, and so at the public one); the member may
    hide the group, which is then shown where they are and to the group's own members."""
    if who in ("filer", "moderator"):
        return True, True
    # The institution sees the member at the public and hidden levels; anyone else only at the
    # public level, when the member chose so.
    institution_sees = spec.identity in ("public", "hidden")
    public_sees = spec.identity == "public" and spec.as_group.show_member_name
    person = institution_sees if who == "responder" else public_sees
    group = not spec.as_group.hide_group or person or who == "coordinator"
    return person, group


def forbidden(spec: GroupSpec, who: str, url: str | None = None) -> tuple[str, ...]:
    """What of ``spec``'s filing ``who`` must not find at ``url`` (None: in a mail or an in-app
    notification, which never name the member)."""
    if who in ("filer", "moderator"):
        return ()
    person, group = may_see(spec, who)
    markers = list(spec.account_markers)
    members_list = who == "coordinator" and url is not None and url.endswith("/members")
    if (not person or url is None) and not members_list:
        # The members list names every member whatever they filed: being a member is not having
        # filed this (that no group page ties the filing to a hidden group is checked apart).
        markers += spec.name_markers
    if not group and not (url or "").startswith("/groups"):
        markers += spec.group_markers  # the groups' own pages name them, of course
    return tuple(markers)


@dataclass
class GroupWorld:
    scene: Scene
    #: Scene name → tracking code.
    codes: dict[str, str]
    members: dict[str, FlaskClient]


def build_group_world(app: Flask, make_user) -> GroupWorld:
    """One world, one group filing per scene, each by a member of its own group, filed through
    the real form (the group's choice on it) and taken through its life."""
    ids, clients = prepare(app, make_user)
    codes: dict[str, str] = {}
    members: dict[str, FlaskClient] = {}
    for name, spec in GROUP_SCENES.items():
        make_user(email=spec.member_email, display_name=spec.member_name, language="es")
        make_group(app, spec.group_name, spec.slug, spec.member_email, ids["actor_type"])
        member = login(app, spec.member_email)
        files = [(png(), "foto-obra.png")]
        code = file_observation(
            member, ids["program"], ids["category"], spec.identity, files, spec.as_group
        )
        live(app, ids, clients, code, member, whole_life=spec.whole_life)
        codes[name], members[name] = code, member
    with app.app_context():
        for name, spec in GROUP_SCENES.items():
            o = db.session.scalar(select(Observation).where(Observation.code == codes[name]))
            assert (o.identity.value, o.acting_as.value) == (spec.identity, "group")
            assert o.group.name == spec.group_name and o.actor_type_id == ids["actor_type"]
            assert (o.show_member_name, o.hide_group) == (
                spec.as_group.show_member_name,
                spec.as_group.hide_group,
            )
    slugs = [spec.slug for spec in GROUP_SCENES.values()]
    return GroupWorld(crawlable(app, ids, clients, list(codes.values()), slugs), codes, members)


@pytest.fixture
def group_world(app, make_user, worlds) -> GroupWorld:
    return worlds.get(
        "groups",
        lambda: build_group_world(app, make_user),
        lambda world: _still_there(app, world.scene),
    )


def test_group_filing_mails_and_notifications_name_nobody_they_should_not(app, group_world, outbox):
    """To anyone but the member who filed it: never the member; the group only where the rule
    shows it (its members hear of their group's work)."""
    member_of = {spec.member_email: name for name, spec in GROUP_SCENES.items()}
    staff = {email: who for who, email in EMAILS.items()}

    def markers_for(email: str) -> set[str]:
        found: set[str] = set()
        for name, spec in GROUP_SCENES.items():
            # A member of another scene's group is the public for this filing.
            who = "filer" if member_of.get(email) == name else staff.get(email, "citizen")
            found.update(forbidden(spec, who))
        return found

    mails = outbox()
    assert {m.recipient for m in mails} >= set(member_of) | {EMAILS["coordinator"]}
    for mail in mails:
        text = f"{mail.recipient}\n{mail.subject}\n{mail.body}"
        assert found_markers(text, markers_for(mail.recipient)) == set(), (
            mail.recipient,
            mail.kind,
        )
    with app.app_context():
        emails = {i: e for i, e in db.session.execute(select(User.id, User.email))}
        rows = list(db.session.scalars(select(Notification).order_by(Notification.id)))
    assert rows
    for row in rows:
        email = emails[row.user_id]
        data = json.dumps(row.data, ensure_ascii=False)
        assert found_markers(data, markers_for(email)) == set(), (email, row.kind)


def test_group_filing_in_the_public_data(app, group_world):
    """The API and the data files carry the kind of filer and its actor type; the group's name
    only where the public may see it, the member's only at the public level when they chose."""
    anonymous = group_world.scene.clients["anonymous"]
    status, _headers, body = fetch(anonymous, "/open-data/observations.csv")
    assert status == 200
    csv_text = body.decode()
    for name, spec in GROUP_SCENES.items():
        person, group = may_see(spec, "anonymous")
        record = anonymous.get(f"/api/v1/observations/{group_world.codes[name]}").get_json()
        assert (record["filer_kind"], record["actor_type"]) == ("group", "organico"), name
        assert record["group"] == (spec.group_name if group else ""), name
        assert record["filer_name"] == (spec.member_name if person else ""), name
        assert (spec.group_name in csv_text) == group, name
        assert (spec.member_name in csv_text) == person, name


def test_group_filings_name_only_whom_the_level_allows(app, group_world, caplog):
    """Every page, file and feed as every viewer: the member only where the level allows, never
    their email or username; a hidden group nowhere but where the member is and for its own
    members, and no group page lists the filing."""
    caplog.set_level(logging.DEBUG)
    scene = group_world.scene
    for who in GROUP_VIEWERS:
        pages = crawl_as(scene, who)
        # A failed page would hide a leak: none fails.
        assert {u: status_of(t) for u, t in pages.items() if status_of(t) >= 500} == {}, who
        found = {
            url: found_markers(
                text, {m for spec in GROUP_SCENES.values() for m in forbidden(spec, who, url)}
            )
            for url, text in pages.items()
        }
        assert {url: hits for url, hits in found.items() if hits} == {}, who
        for name, spec in GROUP_SCENES.items():
            code = group_world.codes[name]
            detail = pages[f"/observations/{code}"]
            assert status_of(detail) == 200 and "Tanque de agua sin terminar" in detail, who
            person, group = may_see(spec, who)
            # Positive controls: what may be shown is shown (the search can fail).
            assert (spec.member_name in detail) == person, (who, name)
            assert (spec.group_name in detail) == group, (who, name)
            assert (f'href="/groups/{spec.slug}"' in detail) == group, (who, name)
            if not group:
                # The group's pages do not list the filing either (that would name the group).
                for url, text in pages.items():
                    assert not (url.startswith("/groups") and code in text), (who, name, url)
    everyone = {
        m for spec in GROUP_SCENES.values() for m in spec.name_markers + spec.account_markers
    }
    assert found_markers(caplog.text, everyone) == set()
    for name, spec in GROUP_SCENES.items():
        url = f"/observations/{group_world.codes[name]}"
        for client in (scene.clients["moderator"], group_world.members[name]):
            page = client.get(url).get_data(as_text=True)
            assert found_markers(page, spec.name_markers + spec.group_markers) >= {
                spec.member_name,
                spec.group_name,
            }, name
