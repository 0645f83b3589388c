"""The shared cache of anonymous public pages (app/core/page_cache.py, issue 21): a page is built
once and served again, never to someone signed in, never across languages, and a committed
write shows to the next reader, in one process and across app servers sharing a Redis."""

from __future__ import annotations

import gzip
import shutil
import threading
from collections.abc import Iterator

import brotli
import pytest
from flask import Flask
from sqlalchemy import func, select, text, update

from app import create_app
from app.comments.models import Comment
from app.core import page_cache
from app.extensions import db
from app.programs.models import Program
from tests import factories
from tests.conftest import PASSWORD, count_queries, logged_in, make_config

ENGLISH = {"Accept-Language": "en", "Accept-Encoding": "gzip, br"}


#: Apps a test made: their connections are closed after it (PostgreSQL warns of any left open).
_MADE: list[Flask] = []


def _dispose(apps: list[Flask]) -> None:
    for made in apps:
        with made.app_context():
            db.session.remove()
            db.engine.dispose()
    apps.clear()


def _cached_app(**overrides: object) -> Flask:
    made = create_app(make_config(PAGE_CACHE_SECONDS=60, **overrides))
    _MADE.append(made)
    assert "qhawaq_page_cache" in made.extensions, "no store: QHAWAQ_SERVER_WORKERS left set?"
    return made


@pytest.fixture(autouse=True)
def _close_made_apps() -> Iterator[None]:
    yield
    _dispose(_MADE)


@pytest.fixture(scope="module")
def cached(app: Flask) -> Iterator[Flask]:
    """An app with the cache on, over the suite's database (``app`` ran the migrations)."""
    made = create_app(make_config(PAGE_CACHE_SECONDS=60))
    assert "qhawaq_page_cache" in made.extensions, "no store: QHAWAQ_SERVER_WORKERS left set?"
    yield made
    _dispose([made])


@pytest.fixture
def program_id(cached: Flask) -> int:
    with cached.app_context():
        program = factories.program(titles={"es": "Agua para Sucre", "en": "Water for Sucre"})
        db.session.commit()
        return program.id


@pytest.fixture
def citizen(cached: Flask) -> str:
    from app.accounts import services

    with cached.app_context():
        services.create_user(
            email="reader@example.org", password=PASSWORD, display_name="Reader", verified=True
        )
        db.session.commit()
    return "reader@example.org"


def _get(app: Flask, path: str, **headers: str):
    return app.test_client().get(path, headers={**ENGLISH, **headers})


def _retitle(app: Flask, program_id: int, english: str) -> None:
    """Change the program's English title through ``app`` (its session, its commit)."""
    with app.app_context():
        program = db.session.get(Program, program_id)
        program.titles = {"es": "Agua", "en": english}
        db.session.commit()


def _text(answer) -> str:
    body = answer.data
    if answer.headers.get("Content-Encoding") == "br":
        body = brotli.decompress(body)
    elif answer.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return body.decode()


def test_a_public_page_is_built_once_and_served_again(cached, program_id):
    path = f"/programs/{program_id}"
    with count_queries(cached) as built:
        first = _get(cached, path)
    assert first.status_code == 200 and "Age" not in first.headers
    # Reading a public page writes nothing (a write would make its own copy stale at once).
    assert not [s for s in built if page_cache._WRITE.match(s)], built
    with count_queries(cached) as statements:
        again = _get(cached, path)
    assert statements == []  # no view, no query
    assert again.status_code == 200
    assert again.headers["Age"] == "0"
    assert again.data == first.data
    assert again.headers["Content-Encoding"] == first.headers["Content-Encoding"] == "br"
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    # The security headers are each answer's own, not kept with the page.
    assert "Content-Security-Policy" in again.headers
    # A client that has it gets a 304 from the kept page.
    same = _get(cached, path, **{"If-None-Match": first.headers["ETag"]})
    assert same.status_code == 304 and same.data == b""


def test_each_language_and_encoding_has_its_own_copy(cached, program_id):
    path = f"/programs/{program_id}"
    english = _text(_get(cached, path))
    _get(cached, path, **{"Accept-Language": "es"})
    spanish = _get(cached, path, **{"Accept-Language": "es"})
    assert spanish.headers.get("Age") == "0"
    assert '<html lang="es"' in _text(spanish)
    assert '<html lang="en"' in english
    plain = _get(cached, path, **{"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert "Water for Sucre" in _text(plain)
    # ?lang= is part of the address, and still sets the language cookie on a kept page.
    _get(cached, f"{path}?lang=qu")
    chosen = _get(cached, f"{path}?lang=qu")
    assert chosen.headers.get("Age") == "0"
    assert "lang=qu" in chosen.headers["Set-Cookie"]


def test_a_committed_write_shows_to_the_next_reader(cached, program_id, citizen):
    path = f"/programs/{program_id}"
    _get(cached, path)
    assert _get(cached, path).headers.get("Age") == "0"
    writer = logged_in(cached, citizen)
    posted = writer.post(f"{path}/comments", data={"body": "Falta el tanque del barrio alto"})
    assert posted.status_code == 302
    fresh = _get(cached, path)
    assert "Age" not in fresh.headers
    assert "Falta el tanque del barrio alto" in _text(fresh)


def test_a_write_made_outside_a_request_shows_too(cached, program_id):
    path = f"/programs/{program_id}"
    _get(cached, path)
    _retitle(cached, program_id, "Clean water for Sucre")
    assert "Clean water for Sucre" in _text(_get(cached, path))
    # A statement run through the session (as counters are changed in SQL), then raw SQL.
    titles = {"es": "Agua", "en": "Water by an UPDATE statement"}
    with cached.app_context():
        db.session.execute(update(Program).where(Program.id == program_id).values(titles=titles))
        db.session.commit()
    assert "Water by an UPDATE statement" in _text(_get(cached, path))
    with cached.app_context():
        db.session.execute(
            text("UPDATE programs SET code = 'P-RAW' WHERE id = :id"), {"id": program_id}
        )
        db.session.commit()
    assert "P-RAW" in _text(_get(cached, path))


def test_a_rolled_back_write_keeps_the_pages(cached, program_id):
    path = f"/programs/{program_id}"
    _get(cached, path)
    with cached.app_context():
        program = db.session.get(Program, program_id)
        program.titles = {"es": "x", "en": "Never saved"}
        db.session.flush()
        db.session.rollback()
        db.session.commit()  # nothing left to write: no bump
    kept = _get(cached, path)
    assert kept.headers.get("Age") == "0"
    assert "Never saved" not in _text(kept)


def test_private_writes_keep_the_pages(cached, program_id, citizen):
    """Mail, notifications and the like are on no shared page: writing only them keeps the
    copies (the mail worker does it all day); a transaction that also writes anything else
    bumps, as does a raw statement on any table."""
    from app.accounts.models import User
    from app.mail.models import OutboxMessage
    from app.notifications.models import Notification

    path = f"/programs/{program_id}"
    with cached.app_context():
        reader = db.session.scalar(select(User.id).where(User.email == citizen))
    _get(cached, path)
    with cached.app_context():
        db.session.add(Notification(user_id=reader, kind="reply", program_id=program_id))
        db.session.add(
            OutboxMessage(
                kind="x", recipient=citizen, subject="s", body="b", language="es", headers={}
            )
        )
        db.session.commit()
        db.session.execute(update(OutboxMessage).values(attempts=OutboxMessage.attempts + 1))
        db.session.commit()
    assert _get(cached, path).headers.get("Age") == "0"
    with cached.app_context():
        db.session.add(Notification(user_id=reader, kind="reply", program_id=program_id))
        db.session.get(Program, program_id).titles = {"es": "Agua", "en": "Written with a note"}
        db.session.commit()
    assert "Written with a note" in _text(_get(cached, path))
    _get(cached, path)
    with cached.app_context():
        db.session.execute(text("UPDATE outbox_messages SET attempts = attempts + 1"))
        db.session.commit()
    assert "Age" not in _get(cached, path).headers


def test_nobody_signed_in_is_served_or_leaves_a_kept_page(cached, program_id, citizen):
    path = f"/programs/{program_id}"
    _get(cached, path)
    reader = logged_in(cached, citizen)
    mine = reader.get(path, headers=ENGLISH)
    assert "Age" not in mine.headers
    assert mine.headers["Cache-Control"] == "no-store"
    assert 'action="/logout"' in _text(mine)  # their own page, not the anonymous copy
    again = reader.get(path, headers=ENGLISH)
    assert "Age" not in again.headers
    # And the anonymous copy is still the anonymous page.
    assert 'action="/logout"' not in _text(_get(cached, path))


def test_a_waiting_flash_message_is_not_lost_to_a_kept_page(cached, program_id):
    path = f"/programs/{program_id}"
    _get(cached, path)
    visitor = cached.test_client()
    with visitor.session_transaction() as session:
        session["_flashes"] = [("info", "Look at this message")]
    shown = visitor.get(path, headers=ENGLISH)
    assert "Age" not in shown.headers
    assert "Look at this message" in _text(shown)


def test_forms_and_personal_pages_are_never_kept(app):
    # As in production: a form carries a token of the visitor's own session.
    guarded = _cached_app(WTF_CSRF_ENABLED=True)
    for path in ("/login", "/register", "/observations/new", "/account", "/no-such-page"):
        _get(guarded, path)
        assert "Age" not in _get(guarded, path).headers, path
    assert _get(guarded, "/programs").headers.get("Age") is None
    assert _get(guarded, "/programs").headers.get("Age") == "0"


def test_every_public_page_is_kept_with_forms_protected(app):
    """With CSRF on, as in production, no public page makes a form token for an anonymous
    visitor (a token would put it in their session and the page out of every cache)."""
    guarded = _cached_app(WTF_CSRF_ENABLED=True)
    with guarded.app_context():
        filer = factories.user("filer@example.org")
        seen = factories.observation(filer, state="accepted")
        program = factories.program()
        db.session.commit()
        pages = [
            "/",
            "/programs",
            f"/programs/{program.id}",
            "/observations",
            f"/observations/{seen.code}",
            "/accountability",
            f"/institutions/{seen.institution_id}",
            "/territories/BO-H",
            "/search?q=agua",
            "/plans",
            f"/plans/{program.plan_id}",
        ]
    for path in pages:
        first = _get(guarded, path)
        assert first.status_code == 200, path
        assert "Set-Cookie" not in first.headers, path
        assert first.headers["Cache-Control"].startswith("public"), path
        assert _get(guarded, path).headers.get("Age") == "0", path


def test_the_store_evicts_the_least_recently_used_page():
    store = page_cache.MemoryStore(entries=2)
    store.write("a", b"1", 60)
    store.write("b", b"2", 60)
    assert store.read("a") == (0, b"1")
    store.write("c", b"3", 60)
    assert store.read("b") == (0, None)
    assert store.read("a")[1] == b"1" and store.read("c")[1] == b"3"
    store.write("old", b"4", -1)
    assert store.read("old") == (0, None)
    store.bump()
    assert store.read("a") == (1, None)


def test_several_workers_without_redis_keep_no_pages(monkeypatch, app):
    monkeypatch.setenv(page_cache.WORKERS_ENV, "3")
    several = create_app(make_config(PAGE_CACHE_SECONDS=60))
    _MADE.append(several)
    assert "qhawaq_page_cache" not in several.extensions
    monkeypatch.setenv(page_cache.WORKERS_ENV, "1")
    assert isinstance(_cached_app().extensions["qhawaq_page_cache"], page_cache.MemoryStore)


@pytest.mark.concurrency
def test_readers_during_writes_end_on_the_recount(cached, program_id, citizen):
    """Anonymous readers fetch the page while comments are posted; once the writers are done,
    the page every reader gets shows every comment (none lost to a page kept mid-write)."""
    path = f"/programs/{program_id}"
    writers, readers, per_writer = 3, 3, 4
    barrier = threading.Barrier(writers + readers)
    errors: list[BaseException] = []
    clients = [logged_in(cached, citizen) for _ in range(writers)]

    def write(client) -> None:
        try:
            barrier.wait()
            for n in range(per_writer):
                answer = client.post(f"{path}/comments", data={"body": f"c {id(client)} {n}"})
                assert answer.status_code == 302
        except BaseException as problem:
            errors.append(problem)

    def read() -> None:
        try:
            barrier.wait()
            for _ in range(8):
                assert _get(cached, path).status_code == 200
        except BaseException as problem:
            errors.append(problem)

    threads = [threading.Thread(target=write, args=(c,)) for c in clients]
    threads += [threading.Thread(target=read) for _ in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    with cached.app_context():
        stored = db.session.scalar(
            select(func.count()).select_from(Comment).where(Comment.program_id == program_id)
        )
    assert stored == writers * per_writer
    page = _text(_get(cached, path))
    assert sum(page.count(f"c {id(c)} ") for c in clients) == stored


# --- parts shared by signed-in viewers (app/core/fragments.py) ------------------------------


def _people(app: Flask) -> dict[str, str]:
    from app.accounts import services
    from app.accounts.models import Role

    emails = {
        "author": "author@example.org",
        "voter": "voter@example.org",
        "other": "other@example.org",
        "moderator": "mod@example.org",
        "spanish": "es@example.org",
    }
    with app.app_context():
        for name, email in emails.items():
            role = Role.MODERATOR if name == "moderator" else Role.CITIZEN
            services.create_user(
                email=email,
                password=PASSWORD,
                display_name=name.title(),
                role=role,
                language="es" if name == "spanish" else "en",
            )
        db.session.commit()
    return emails


def test_signed_in_viewers_share_threads_with_their_own_buttons(cached, program_id):
    people = _people(cached)
    path = f"/programs/{program_id}"
    author = logged_in(cached, people["author"])
    author.post(f"{path}/comments", data={"body": "El tanque no llega al barrio"})
    with cached.app_context():
        comment_id = db.session.scalar(select(Comment.id).where(Comment.program_id == program_id))
    voter = logged_in(cached, people["voter"])
    assert voter.post(f"/comments/{comment_id}/vote").status_code == 302
    other = logged_in(cached, people["other"])
    first = other.get(path, headers=ENGLISH).get_data(as_text=True)
    assert f'action="/comments/{comment_id}/vote"' in first
    with count_queries(cached) as statements:
        mine = voter.get(path, headers=ENGLISH).get_data(as_text=True)
    # The threads came from the shared copy: only the voter's own marks were asked for.
    assert not [s for s in statements if "comments.body_html" in s]
    assert [s for s in statements if "comment_votes" in s]
    assert f'action="/comments/{comment_id}/unvote"' in mine and "Remove support" in mine
    assert f'action="/comments/{comment_id}/vote"' not in mine
    own = author.get(path, headers=ENGLISH).get_data(as_text=True)
    assert f'href="/comments/{comment_id}/edit"' in own
    assert f'action="/comments/{comment_id}/delete"' in own
    assert f"/comments/{comment_id}/vote" not in own  # not their own comment
    assert f'href="/comments/{comment_id}/edit"' not in mine
    assert f'href="/comments/{comment_id}/flag"' in mine
    anonymous = _text(_get(cached, path))
    assert "El tanque no llega al barrio" in anonymous
    assert f"/comments/{comment_id}/" not in anonymous.replace(
        f"/comments/{comment_id}/history", ""
    )
    assert "<!--a:" not in anonymous and "<!--a:" not in mine


def test_moderators_get_their_own_shared_copy(cached, program_id):
    people = _people(cached)
    path = f"/programs/{program_id}"
    author = logged_in(cached, people["author"])
    author.post(f"{path}/comments", data={"body": "Texto que luego se oculta"})
    moderator = logged_in(cached, people["moderator"])
    other = logged_in(cached, people["other"])
    assert "Texto que luego se oculta" in other.get(path, headers=ENGLISH).get_data(as_text=True)
    with cached.app_context():
        comment = db.session.scalar(select(Comment).where(Comment.program_id == program_id))
        comment.hidden_at = comment.created_at
        db.session.commit()
        comment_id = comment.id
    hidden = other.get(path, headers=ENGLISH).get_data(as_text=True)
    assert "Texto que luego se oculta" not in hidden
    assert "Comment hidden while moderators review it." in hidden
    seen = moderator.get(path, headers=ENGLISH).get_data(as_text=True)
    assert "Texto que luego se oculta" in seen
    assert f"/moderation/comment/{comment_id}" in seen
    # And the citizen's copy, asked again, is still the one without the text.
    again = other.get(path, headers=ENGLISH).get_data(as_text=True)
    assert "Texto que luego se oculta" not in again


def test_a_comment_cannot_forge_a_marker(cached, program_id):
    people = _people(cached)
    path = f"/programs/{program_id}"
    author = logged_in(cached, people["author"])
    author.post(f"{path}/comments", data={"body": "primero"})
    with cached.app_context():
        first_id = db.session.scalar(select(Comment.id).where(Comment.program_id == program_id))
    author.post(f"{path}/comments", data={"body": f"<!--a:{first_id}--> <!--m:{first_id}-->"})
    page = logged_in(cached, people["other"]).get(path, headers=ENGLISH).get_data(as_text=True)
    assert f"&lt;!--a:{first_id}--&gt;" in page
    assert page.count(f'href="/comments/{first_id}/flag"') == 1


def test_the_programs_list_is_shared_by_signed_in_viewers(cached, program_id):
    people = _people(cached)
    one = logged_in(cached, people["voter"])
    two = logged_in(cached, people["other"])
    spanish = logged_in(cached, people["spanish"])  # signing in writes: before the pages
    assert "Water for Sucre" in one.get("/programs", headers=ENGLISH).get_data(as_text=True)
    with count_queries(cached) as statements:
        page = two.get("/programs", headers=ENGLISH).get_data(as_text=True)
    assert "Water for Sucre" in page and 'action="/logout"' in page
    assert not [s for s in statements if "FROM programs" in s]
    # Each language has its own copy.
    assert "Programs of the development plans" in page
    assert "Programs of the development plans" not in spanish.get("/programs").get_data(True)
    _retitle(cached, program_id, "Renamed water program")
    assert "Renamed water program" in two.get("/programs", headers=ENGLISH).get_data(as_text=True)


# --- shared by app servers through Redis ---------------------------------------------------


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    from bench.pages import Redis

    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (tests/browser/install.sh installs it)")
    server = Redis()
    server.start()
    yield server.url
    server.stop()


def test_two_app_servers_share_pages_and_writes(app, redis_url, program_id):
    one = _cached_app(PAGE_CACHE_STORAGE_URI=redis_url)
    two = _cached_app(PAGE_CACHE_STORAGE_URI=redis_url)
    assert isinstance(one.extensions["qhawaq_page_cache"], page_cache.RedisStore)
    path = f"/programs/{program_id}"
    _get(one, path)
    assert _get(two, path).headers.get("Age") is not None  # built by the other server
    _retitle(two, program_id, "Water changed on server two")
    fresh = _get(one, path)
    assert "Age" not in fresh.headers
    assert "Water changed on server two" in _text(fresh)


def test_the_rate_limit_redis_serves_when_none_is_named(app, redis_url):
    served = _cached_app(RATELIMIT_STORAGE_URI=redis_url)
    assert isinstance(served.extensions["qhawaq_page_cache"], page_cache.RedisStore)


def test_a_redis_that_fails_costs_no_page(app, program_id):
    from tests.conftest import free_port

    down = _cached_app(PAGE_CACHE_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0")
    path = f"/programs/{program_id}"
    for _ in range(2):
        answer = _get(down, path)
        assert answer.status_code == 200 and "Age" not in answer.headers
    _retitle(
        down, program_id, "Written while Redis is down"
    )  # committed, though the generation could not be bumped
    assert "Written while Redis is down" in _text(_get(down, path))
