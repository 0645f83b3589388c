"""Steps of the journeys, one small function each, so a journey is a list of calls and a new step
(the accountability page counting the observation, the moderation queue) is one more function.

Steps find forms by their ``action`` and fields by ``name``, never by visible text, so the same
journey runs in every language. Facts are checked in the database, not in translated words."""

from __future__ import annotations

import io
import re
import sqlite3
from dataclasses import dataclass

from tests.browser.audit import Auditor
from tests.browser.server import LiveServer


@dataclass
class Actor:
    """One person in one browser context: every navigation is audited as this person's page."""

    page: object
    server: LiveServer
    who: str
    language: str
    auditor: Auditor
    javascript: bool = True

    def check(self) -> None:
        record = self.auditor.check(self.page, self.who, self.language, javascript=self.javascript)
        assert record is not None

    def goto(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None and response.status < 400, (path, response and response.status)
        self.check()

    def submit(self, form: str, button: str = "[type=submit]") -> None:
        """Click ``form``'s submit button and wait for the page that answers."""
        with self.page.expect_navigation():
            self.page.locator(f"{form} {button}").first.click()
        self.check()

    def forms(self) -> list[str]:
        """The actions of the forms on the page (for failure messages)."""
        return self.page.eval_on_selector_all("form", "forms => forms.map(f => f.action)")

    @property
    def path(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.page.url)


def actor(new_context, auditor: Auditor, server: LiveServer, who: str, language: str, **options):  # type: ignore[no-untyped-def]
    """A new person: ``who`` names the role for the audit table (citizen, moderator…)."""
    page = new_context(language, **options).new_page()
    javascript = options.get("javascript", True)
    return Actor(page, server, who, language, auditor, javascript=javascript)


def db_value(server: LiveServer, sql: str, *params: object) -> object:
    path = server.env()["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        row = conn.execute(sql, params).fetchone()
    return row[0] if row else None


def jpeg_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 40, 40)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


# Steps --------------------------------------------------------------------------------------
def register(citizen: Actor, email: str, password: str) -> None:
    """Home → register → the mail link → logged in (the verification link logs in or leads to
    the login form, which we then fill)."""
    citizen.goto("/")
    citizen.goto("/register")
    page = citizen.page
    page.fill('input[name="display_name"]', "Juana Mamani")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', password)
    page.fill('input[name="confirm"]', password)
    page.select_option('select[name="language"]', citizen.language)
    citizen.submit('form:has(input[name="confirm"])')
    server = citizen.server
    link = server.link_in_mail(email, "/verify/")
    citizen.goto(link.removeprefix(server.url))
    assert db_value(
        server, "SELECT email_verified_at IS NOT NULL FROM users WHERE email = ?", email
    )
    log_in(citizen, email, password)


def log_in(person: Actor, email: str, password: str) -> None:
    person.goto("/login")
    person.page.fill('input[name="email"]', email)
    person.page.fill('input[name="password"]', password)
    person.submit('form:has(input[name="password"])')
    assert "/login" not in person.path, f"{email} could not log in"


def file_observation(citizen: Actor, program_id: int) -> str:
    """From the program page, file an observation with a photo; returns its tracking code."""
    citizen.goto("/programs")
    citizen.goto(f"/programs/{program_id}")
    citizen.goto(f"/observations/new?program={program_id}")
    page = citizen.page
    page.select_option('select[name="category_id"]', index=1)
    page.fill('input[name="title"]', "La obra del tanque de agua está paralizada")
    page.fill(
        'textarea[name="description"]',
        "Desde marzo no hay trabajadores en la obra del tanque del distrito 6.",
    )
    page.select_option('select[name="department"]', "BO-H")
    page.set_input_files(
        'input[name="evidence"]',
        files=[{"name": "obra.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}],
    )
    citizen.submit('form[action$="/observations/new"]', '[type=submit][name="submit"]')
    match = re.search(r"/observations/(CS-\d{4}-\d+)", citizen.path)
    assert match, f"not filed: {citizen.path}"
    return match.group(1)


def moderator_accepts(moderator: Actor, code: str, institution_id: int) -> None:
    """From the moderation queue to the observation's accept form."""
    moderator.goto("/moderation")
    with moderator.page.expect_navigation():
        moderator.page.click(f'a[href$="/observations/{code}"]')
    moderator.check()
    form = f'form[action$="/observations/{code}/act/accept"]'
    moderator.page.select_option(f'{form} select[name$="institution_id"]', str(institution_id))
    moderator.submit(form)


def responder_answers(responder: Actor, code: str) -> None:
    responder.goto("/inbox")
    with responder.page.expect_navigation():
        responder.page.click(f'a[href$="/inbox/{code}"]')
    responder.check()
    form = f'form[action$="/observations/{code}/act/answer"]'
    assert responder.page.locator(form).count(), responder.forms()
    responder.page.fill(
        f'{form} textarea[name$="note"]',
        "Los trabajos se reanudan el lunes; adjuntamos el cronograma.",
    )
    responder.page.locator(f'{form} input[name$="outcome"]').first.check()
    responder.submit(form)


def citizen_accepts_answer(citizen: Actor, code: str) -> None:
    citizen.goto(f"/observations/{code}")
    form = f'form[action$="/observations/{code}/act/accept_answer"]'
    citizen.page.locator(f'{form} input[name$="satisfaction"]').last.check()
    citizen.submit(form)


def accountability_counts_it(visitor: Actor, code: str) -> None:
    """The public figures count the answered observation: the overview page opens, and the list
    of observations behind its "answered" figure (and "accepted by the filer") names the code."""
    visitor.goto("/accountability")
    for figure in ("answered", "accepted_by_filer"):
        visitor.goto(f"/accountability/observations?figure={figure}")
        assert code in visitor.page.content(), figure


def observation_state(server: LiveServer, code: str) -> str:
    return str(db_value(server, "SELECT state FROM observations WHERE code = ?", code))


def comment_on_program(person: Actor, program_id: int, text: str) -> int:
    """A top-level comment from the program page; returns its id."""
    person.goto(f"/programs/{program_id}")
    form = f'form[action$="/programs/{program_id}/comments"]'
    person.page.fill(f"{form} textarea", text)
    person.submit(form)
    return int(db_value(person.server, "SELECT max(id) FROM comments"))  # type: ignore[arg-type]


def reply_to(person: Actor, comment_id: int, text: str) -> int:
    person.goto(f"/comments/{comment_id}/reply")
    form = 'main form:has(textarea[name="body"])'
    person.page.fill(f"{form} textarea", text)
    person.submit(form)
    return int(db_value(person.server, "SELECT max(id) FROM comments"))  # type: ignore[arg-type]


def flag(person: Actor, comment_id: int) -> None:
    person.goto(f"/comments/{comment_id}/flag")
    form = 'main form:has(textarea[name="details"])'
    reasons = person.page.locator(f'{form} input[type="radio"]')
    if reasons.count():
        reasons.first.check()
    notes = person.page.locator(f"{form} textarea")
    if notes.count():
        notes.first.fill("Insulta a otra persona.")
    person.submit(form)


def comment_hidden(server: LiveServer, comment_id: int) -> bool:
    return bool(
        db_value(server, "SELECT hidden_at IS NOT NULL FROM comments WHERE id = ?", comment_id)
    )


def moderator_restores(moderator: Actor, comment_id: int) -> None:
    """From the flag queue to the comment's moderation page, then "restore"."""
    moderator.goto("/moderation/flags")
    moderator.goto(f"/moderation/comment/{comment_id}")
    form = f'form[action$="/moderation/comment/{comment_id}/restore"]'
    assert moderator.page.locator(form).count(), moderator.forms()
    reasons = moderator.page.locator(f"{form} select option:not([value=''])")
    if reasons.count():
        moderator.page.select_option(f"{form} select", reasons.first.get_attribute("value"))
    notes = moderator.page.locator(f"{form} textarea")
    if notes.count():
        notes.first.fill("Revisado: no infringe las normas.")
    moderator.submit(form)


def choose_mail(person: Actor, category: str, delivery: str) -> None:
    """On the mail preferences page, pick ``delivery`` for ``category`` and save."""
    person.goto("/account/notifications")
    person.page.check(f'input[name="{category}"][value="{delivery}"]')
    person.submit('form:has(input[name="replies"])')


def download_my_data(person: Actor) -> bytes:
    """Ask for the archive on /account/data and download it (a plain link: no script needed)."""
    person.goto("/account/data")
    person.submit('form[action$="/account/data"]')
    link = person.page.locator('a[href*="/account/data/"][href$="/download"]').first
    with person.page.expect_download() as info:
        link.click()
    path = info.value.path()
    with open(path, "rb") as archive:
        return archive.read()


def delete_my_account(person: Actor, password: str, keep_comments: bool) -> None:
    person.goto("/account/delete")
    form = 'form:has(input[name="password"])'
    if keep_comments:
        person.page.check(f'{form} input[name="keep_comments_public"]')
    person.page.fill(f'{form} input[name="password"]', password)
    person.submit(form)
