"""Atom feeds (issue 20): every feed parses as Atom 1.0 (feedparser), lists the right entries
newest first and at most 50, follows the page's language, and never carries more than the page
shows an anonymous visitor (hidden and unaccepted observations, redacted originals, filers'
names and emails, hidden and deleted comments), whoever asks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import Role, User
from app.comments import services as comments
from app.comments.models import Comment, Stance
from app.core.db import utcnow
from app.extensions import db
from app.institutions.models import Institution
from app.moderation.reason_models import ModerationReason, ReasonKind
from app.moderation.redaction import redact
from app.observations.actions import TransitionData
from app.observations.lifecycle import transition
from app.programs.models import Milestone, Program
from tests import factories
from tests.conftest import count_queries

LANGUAGES = ("es", "qu", "ay", "gn", "en")
FILER_NAME = "Eulogia Mamani-Reservada"
FILER_EMAIL = "eulogia.reservada@example.org"
PUBLIC_FILER = "Teodoro Nina-Abierto"
COMMENTER = "Rosa Comentarista"
#: Words that exist only in what no feed may carry.
SECRETS = (
    FILER_NAME,
    "Mamani-Reservada",
    FILER_EMAIL,
    "eulogia.reservada",
    PUBLIC_FILER,
    "Nina-Abierto",
    "HIDDENSECRET",
    "UNACCEPTEDSECRET",
    "PHONESECRET 70012345",
    "COMMENTHIDDEN",
    "COMMENTDELETED",
)


@dataclass
class World:
    codes: dict[str, str]
    program: int
    sibling: int
    other_program: int
    plan: int
    institution: int
    other_institution: int


def _accepted(filer, title: str, institution: Institution, program: Program, **fields):
    o = factories.observation(
        filer,
        state="accepted",
        identity=fields.pop("identity", "confidential"),
        institution=institution,
        program=program,
        title=title,
        description=fields.pop("description", f"Descripción de {title}."),
        **fields,
    )
    return o


def build(app: Flask) -> World:
    with app.app_context():
        chuquisaca = factories.department()
        la_paz = factories.department("BO-L", "La Paz")
        mine = factories.institution()
        mine.department = chuquisaca
        other = factories.institution("Gobernación de La Paz", "GADLP")
        plan = factories.plan(mine)
        program = factories.program(plan=plan, code="P-1", department=chuquisaca)
        program.progress = 40
        sibling = factories.program(
            titles={"es": "Caminos vecinales"}, plan=plan, code="P-2", department=chuquisaca
        )
        other_program = factories.program(
            titles={"es": "Puente de otra gestión"}, plan=factories.plan(other), code="X-1"
        )
        filer = factories.user(FILER_EMAIL, display_name=FILER_NAME)
        public_filer = factories.user("teodoro@example.org", display_name=PUBLIC_FILER)
        responder = factories.user("resp.feeds@example.org", role=Role.RESPONDER, institution=mine)
        other_responder = factories.user(
            "resp.lp@example.org", role=Role.RESPONDER, institution=other
        )
        moderator = factories.user("mod.feeds@example.org", role=Role.MODERATOR)
        made = {
            "old": _accepted(filer, "Bache en la calle Junín", mine, program),
            "answered": _accepted(public_filer, "Tanque de agua", mine, program, identity="public"),
            "redacted": _accepted(
                filer,
                "Luminarias apagadas",
                mine,
                sibling,
                description="Llamar al PHONESECRET 70012345 para más datos.",
            ),
            "elsewhere": _accepted(filer, "Puente caído", other, other_program, department=la_paz),
            "hidden": _accepted(filer, "HIDDENSECRET obra", mine, program),
        }
        made["unaccepted"] = factories.observation(
            filer, institution=mine, program=program, title="UNACCEPTEDSECRET obra"
        )
        base = datetime(2026, 3, 1, 12, tzinfo=UTC)
        for offset, key in enumerate(("old", "answered", "redacted", "elsewhere", "hidden")):
            made[key].accepted_at = base + timedelta(days=offset)
        transition(made["answered"], "acknowledge", responder)
        transition(
            made["answered"], "answer", responder, TransitionData(note="Repararemos en abril.")
        )
        transition(
            made["elsewhere"], "answer", other_responder, TransitionData(note="Otra respuesta.")
        )
        transition(
            made["hidden"], "answer", responder, TransitionData(note="Respuesta HIDDENSECRET.")
        )
        made["hidden"].hidden_at = utcnow()
        reason = db.session.scalars(
            select(ModerationReason).where(ModerationReason.kind == ReasonKind.CONTENT)
        ).first()
        redact(made["redacted"], ["PHONESECRET 70012345"], moderator, reason)
        commenter = factories.user("rosa@example.org", display_name=COMMENTER)
        comments.add_comment(commenter, program, "Buena obra, sigan así.", Stance.FOR)
        hidden_comment = comments.add_comment(commenter, program, "COMMENTHIDDEN texto", None)
        hidden_comment.hidden_at = utcnow()
        deleted = comments.add_comment(commenter, sibling, "COMMENTDELETED texto", None)
        deleted.deleted_at = utcnow()
        comments.add_comment(commenter, other_program, "Comentario de otro plan", None)
        db.session.add_all(
            [
                Milestone(
                    program=program,
                    on_date=date(2026, 2, 1),
                    done_on=date(2026, 2, 3),
                    titles={"es": "Licitación adjudicada"},
                ),
                Milestone(program=sibling, on_date=date(2030, 1, 1), titles={"es": "Entrega"}),
                Milestone(program=other_program, on_date=date(2030, 1, 1), titles={"es": "Ajeno"}),
            ]
        )
        db.session.commit()
        return World(
            codes={k: str(o.code) for k, o in made.items()},
            program=program.id,
            sibling=sibling.id,
            other_program=other_program.id,
            plan=plan.id,
            institution=mine.id,
            other_institution=other.id,
        )


@pytest.fixture
def world(app, worlds) -> World:
    def alive(w: World) -> bool:
        with app.app_context():
            return db.session.get(Program, w.program) is not None

    return worlds.get("feeds", lambda: build(app), alive)


def signed_in(app: Flask, email: str) -> FlaskClient:
    """A browser signed in as ``email`` (the session written directly: these users have no
    password), asking for English pages."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        user_id = user.get_id()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    return client


def feed_urls(w: World) -> list[str]:
    return [
        "/feeds/observations.atom",
        f"/feeds/observations.atom?institution={w.institution}",
        "/feeds/observations.atom?q=tanque",
        "/feeds/observations.atom?state=answered&department=BO-H",
        f"/feeds/observations/{w.codes['answered']}.atom",
        f"/feeds/observations/{w.codes['redacted']}.atom",
        f"/feeds/programs/{w.program}.atom",
        f"/feeds/plans/{w.plan}.atom",
        f"/feeds/institutions/{w.institution}.atom",
        "/feeds/territories/BO-H.atom",
        "/feeds/territories/bo-l.atom",
    ]


def parse(client, url: str) -> feedparser.FeedParserDict:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.get_data())
    assert not parsed.bozo, (url, parsed.get("bozo_exception"))
    assert parsed.version == "atom10", url
    return parsed


def codes_in(parsed) -> list[str]:
    return [e.link.rsplit("/", 1)[1].split("#")[0] for e in parsed.entries]


# --- every feed --------------------------------------------------------------------------------


def test_every_feed_is_valid_atom(client, world):
    for url in feed_urls(world):
        parsed = parse(client, url)
        feed = parsed.feed
        assert feed.id.startswith("tag:") and feed.title and feed.updated, url
        rels = {link.rel: link.href for link in feed.links}
        assert rels["self"].endswith(url.split("?")[0].rsplit("/", 1)[1]) or "?" in url
        assert rels["alternate"].startswith("http"), url
        for entry in parsed.entries:
            assert entry.id and entry.title and entry.link and entry.updated, (url, entry)
        # Newest first.
        updated = [e.updated_parsed for e in parsed.entries]
        assert updated == sorted(updated, reverse=True), url


def test_feeds_are_the_same_whoever_asks(app, client, world):
    """A feed is built as the public sees the page: a signed-in moderator, the responder or
    the filer of a hidden observation get the very same bytes as an anonymous visitor."""
    viewers = [
        signed_in(app, email)
        for email in (FILER_EMAIL, "mod.feeds@example.org", "resp.feeds@example.org")
    ]
    for url in feed_urls(world):
        expected = client.get(url).get_data()
        for viewer in viewers:
            assert viewer.get(url).get_data() == expected, url


def test_no_feed_carries_what_the_public_may_not_see(app, client, world):
    for url in feed_urls(world):
        text = client.get(url).get_data(as_text=True)
        found = [s for s in SECRETS if s.lower() in text.lower()]
        assert found == [], (url, found)
    # Positive controls: the words are really searched for where they may appear.
    program_feed = client.get(f"/feeds/programs/{world.program}.atom").get_data(as_text=True)
    assert COMMENTER in program_feed and "Buena obra" in program_feed
    redacted = client.get(f"/feeds/observations/{world.codes['redacted']}.atom")
    search = client.get("/feeds/observations.atom").get_data(as_text=True)
    assert "[removed: personal data]" in search and world.codes["redacted"] in search
    assert redacted.status_code == 200


def test_a_feed_is_conditional(client, world):
    first = client.get(f"/feeds/programs/{world.program}.atom")
    assert first.headers["Cache-Control"] == "public, max-age=300" and first.headers["ETag"]
    again = client.get(
        f"/feeds/programs/{world.program}.atom", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


# --- the observations search ------------------------------------------------------------------


def test_search_feed_lists_public_observations_by_their_latest_public_event(client, world):
    """The newest accepted public observations, each dated by its newest public event: the
    answers (given last in the world) bring theirs to the top."""
    c = world.codes
    parsed = parse(client, "/feeds/observations.atom")
    assert codes_in(parsed) == [c["elsewhere"], c["answered"], c["redacted"], c["old"]]
    by_code = {code: e for code, e in zip(codes_in(parsed), parsed.entries, strict=True)}
    assert by_code[c["answered"]].updated > by_code[c["old"]].updated
    assert by_code[c["answered"]].published.startswith("2026-03-02")
    assert "State: Answered" in by_code[c["answered"]].summary


def test_search_feed_follows_the_filters(client, world):
    c = world.codes
    assert codes_in(parse(client, f"/feeds/observations.atom?institution={world.institution}")) == [
        c["answered"],
        c["redacted"],
        c["old"],
    ]
    assert codes_in(parse(client, "/feeds/observations.atom?q=tanque")) == [c["answered"]]
    assert codes_in(parse(client, "/feeds/observations.atom?state=answered")) == [
        c["elsewhere"],
        c["answered"],
    ]
    assert codes_in(parse(client, "/feeds/observations.atom?department=BO-L")) == [c["elsewhere"]]
    assert codes_in(parse(client, f"/feeds/observations.atom?program={world.sibling}")) == [
        c["redacted"]
    ]


@pytest.mark.parametrize(
    "query",
    [
        "institution=abc",
        "institution=0",
        "category=99999999999",
        "state=nonsense",
        "state=draft",
        "q=" + "x" * 300,
        "department=%01BO",
    ],
)
def test_search_feed_refuses_bad_parameters(client, world, query):
    assert client.get(f"/feeds/observations.atom?{query}").status_code == 400


def test_search_feed_keeps_the_newest_fifty_in_a_fixed_number_of_queries(app, client):
    def add(n: int) -> None:
        with app.app_context():
            filer = factories.user("many@example.org")
            for _i in range(n):
                factories.observation(filer, state="accepted", title="Muchas")
            db.session.commit()

    add(3)
    parse(client, "/feeds/observations.atom?q=muchas")  # warm up (first-request queries)
    with count_queries(app) as few:
        assert len(parse(client, "/feeds/observations.atom?q=muchas").entries) == 3
    add(52)
    with count_queries(app) as many:
        parsed = parse(client, "/feeds/observations.atom?q=muchas")
    assert len(many) == len(few)
    assert len(parsed.entries) == 50
    assert len(parse(client, "/feeds/observations.atom").entries) == 50


# --- one observation -----------------------------------------------------------------------------


def test_observation_feed_is_its_public_timeline(client, world):
    parsed = parse(client, f"/feeds/observations/{world.codes['answered']}.atom")
    titles = [e.title for e in parsed.entries]
    assert titles == [
        "Gobierno Autónomo Municipal de Sucre: Sent the answer",
        "Gobierno Autónomo Municipal de Sucre: Acknowledged receipt",
        "Moderation: Accepted it and forwarded it to the institution",
        "The filer: Filed the observation",
    ]
    assert "Repararemos en abril." in parsed.entries[0].content[0].value
    assert parsed.feed.title == f"Timeline of observation {world.codes['answered']}"
    assert parsed.feed.subtitle == "Tanque de agua"
    # The redaction's marker, translated; never the original.
    redacted = parse(client, f"/feeds/observations/{world.codes['redacted']}.atom")
    assert redacted.feed.subtitle == "Luminarias apagadas"


def test_observation_feed_is_404_unless_public_even_to_its_filer(app, client, world):
    filer = signed_in(app, FILER_EMAIL)
    for key in ("hidden", "unaccepted"):
        url = f"/feeds/observations/{world.codes[key]}.atom"
        assert client.get(url).status_code == 404, key
        assert filer.get(url).status_code == 404, key
        # The filer does see the page itself: the feed is refused because it is public.
        assert filer.get(f"/observations/{world.codes[key]}").status_code == 200, key
    assert client.get("/feeds/observations/CS-1999-99999.atom").status_code == 404


# --- programs and plans ----------------------------------------------------------------------


def test_program_feed_has_milestones_progress_and_visible_comments(client, world):
    parsed = parse(client, f"/feeds/programs/{world.program}.atom")
    titles = [e.title for e in parsed.entries]
    program = "Agua potable para el distrito 6"
    assert f'Comment by {COMMENTER} on "{program}"' in titles
    assert f'Progress of "{program}": 40%' in titles
    assert f'Milestone reached in "{program}": Licitación adjudicada' in titles
    assert not any("COMMENT" in t for t in titles)
    comment = next(e for e in parsed.entries if e.title.startswith("Comment"))
    assert comment.author == COMMENTER and f"/programs/{world.program}#c" in comment.link
    assert "Stance: In favour" in comment.summary
    assert parsed.feed.title == f'News of the program "{program}"'


def test_plan_feed_gathers_the_news_of_its_programs_only(client, world):
    parsed = parse(client, f"/feeds/plans/{world.plan}.atom")
    text = " ".join(e.title for e in parsed.entries)
    assert "Licitación adjudicada" in text and "Entrega" in text
    assert "Ajeno" not in text and "Comentario de otro plan" not in str(parsed.entries)
    assert all(f"/programs/{world.other_program}" not in e.link for e in parsed.entries)


def test_program_and_plan_feeds_404(client, world):
    assert client.get("/feeds/programs/999999.atom").status_code == 404
    assert client.get("/feeds/plans/999999.atom").status_code == 404
    assert client.get("/feeds/institutions/999999.atom").status_code == 404


def test_hidden_and_deleted_comments_never_appear(app, client, world):
    with app.app_context():
        hidden = db.session.scalars(select(Comment).where(Comment.hidden_at.is_not(None))).all()
        deleted = db.session.scalars(select(Comment).where(Comment.deleted_at.is_not(None))).all()
        assert hidden and deleted
    for url in (f"/feeds/programs/{world.program}.atom", f"/feeds/plans/{world.plan}.atom"):
        ids = {e.id for e in parse(client, url).entries}
        for comment in [*hidden, *deleted]:
            assert not any(i.endswith(f"#c{comment.id}") for i in ids), url


# --- institutions and departments ------------------------------------------------------------


def test_institution_feed_lists_the_answers_it_gave_on_public_observations(client, world):
    parsed = parse(client, f"/feeds/institutions/{world.institution}.atom")
    assert codes_in(parsed) == [world.codes["answered"]]
    entry = parsed.entries[0]
    assert entry.title == f"Answer to {world.codes['answered']}: Tanque de agua"
    assert "Repararemos en abril." in entry.content[0].value
    assert entry.author == "Gobierno Autónomo Municipal de Sucre"
    other = parse(client, f"/feeds/institutions/{world.other_institution}.atom")
    assert codes_in(other) == [world.codes["elsewhere"]]


def test_department_feed_has_its_observations_and_answers(client, world):
    parsed = parse(client, "/feeds/territories/BO-H.atom")
    c = world.codes
    assert set(codes_in(parsed)) == {c["old"], c["answered"], c["redacted"]}
    ids = [e.id for e in parsed.entries]
    assert any("#event-" in i for i in ids)  # the answer is an entry of its own
    assert parsed.feed.title == "Observations and answers in Chuquisaca"
    assert set(codes_in(parse(client, "/feeds/territories/BO-L.atom"))) == {c["elsewhere"]}
    for unknown in ("BO-X", "0101", "x" * 300):
        assert client.get(f"/feeds/territories/{unknown}.atom").status_code == 404


# --- languages -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_feed_speaks_the_page_language(app, client, world, lang):
    parsed = parse(client, f"/feeds/programs/{world.program}.atom?lang={lang}")
    with app.test_request_context(f"/?lang={lang}"):
        program = db.session.get(Program, world.program)
        expected = _('News of the program "%(program)s"', program=program.title)
        subtitle = _("Milestones, progress and new comments.")
    assert parsed.feed.title == expected
    assert parsed.feed.subtitle == subtitle
    assert parsed.feed.language == lang
    answers = parse(client, f"/feeds/institutions/{world.institution}.atom?lang={lang}")
    assert answers.feed.language == lang
    response = client.get(f"/feeds/territories/BO-H.atom?lang={lang}")
    assert response.headers["Content-Language"] == lang


# --- pages link their feeds --------------------------------------------------------------------


def test_pages_link_their_feeds(client, world):
    pages = {
        f"/programs/{world.program}": f"/feeds/programs/{world.program}.atom?lang=en",
        f"/plans/{world.plan}": f"/feeds/plans/{world.plan}.atom?lang=en",
        f"/institutions/{world.institution}": (
            f"/feeds/institutions/{world.institution}.atom?lang=en"
        ),
        "/territories/BO-H": "/feeds/territories/BO-H.atom?lang=en",
        f"/observations/{world.codes['answered']}": (
            f"/feeds/observations/{world.codes['answered']}.atom?lang=en"
        ),
        "/observations": "/feeds/observations.atom?lang=en",
    }
    for page, feed in pages.items():
        html = client.get(page).get_data(as_text=True)
        head = html.split("</head>")[0]
        assert 'type="application/atom+xml"' in head and f'href="{feed}"' in head, page
        body = html.split("</head>")[1]
        assert f'href="{feed}"' in body, page  # a visible link too


def test_observations_page_links_the_feed_of_its_search(client, world):
    html = client.get(
        f"/observations?q=tanque&institution={world.institution}&state=nonsense&page=2"
    ).get_data(as_text=True)
    href = f"/feeds/observations.atom?lang=en&amp;institution={world.institution}&amp;q=tanque"
    assert f'href="{href}"' in html
    assert client.get(href.replace("&amp;", "&")).status_code == 200


def test_hidden_observation_page_links_no_feed(app, world):
    filer = signed_in(app, FILER_EMAIL)
    html = filer.get(f"/observations/{world.codes['hidden']}").get_data(as_text=True)
    assert "HIDDENSECRET" in html and "application/atom+xml" not in html


def test_control_characters_do_not_break_a_feed(app, client):
    with app.app_context():
        filer = factories.user("ctrl@example.org")
        o = factories.observation(filer, state="accepted", title="Con\x0bcontrol\x1f")
        o.description = "Texto\x1f raro"
        db.session.commit()
        code = o.code
    parsed = parse(client, f"/feeds/observations/{code}.atom")
    assert parse(client, "/feeds/observations.atom").entries[0].title == f"{code}: Concontrol"
    assert parsed.feed.subtitle == "Concontrol"
