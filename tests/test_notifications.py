"""The notification pipeline (issue 16, point 4): one registry of kinds, one ``notify()``.

- every kind used anywhere in ``app/`` is registered once the app is created, and its mail
  template exists;
- ``app/notifications`` imports no feature package;
- ``notify()`` tells each recipient once, never the actor nor a suspended account, each in their
  language;
- the notifications page renders every registered kind, in every language, through the
  registry (a row of a kind nobody registers any more still renders)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from flask_babel import gettext
from sqlalchemy import select

from app.accounts.models import User
from app.core.db import utcnow
from app.core.i18n import FORMAT_LOCALES, force_language
from app.extensions import db
from app.mail.models import OutboxMessage
from app.notifications import registry
from app.notifications.models import Category, Notification
from app.notifications.registry import Kind, Mail, UnknownKind
from app.notifications.services import notify
from tests import factories
from tests.conftest import logged_in

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"
LANGUAGES = tuple(FORMAT_LOCALES)

# --- the registry covers every kind in use ------------------------------------------------------


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` assignments."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    found[target.id] = node.value.value
    return found


def _sources() -> dict[str, ast.Module]:
    return {_module_name(p): ast.parse(p.read_text(encoding="utf-8")) for p in APP.rglob("*.py")}


class _Names:
    """What a name means in one module: its own string constants, those it imports by name,
    and the app modules it imports (for ``module.CONSTANT``)."""

    def __init__(self, tree: ast.Module, constants: dict[str, dict[str, str]], own: str) -> None:
        self.constants = constants
        self.values = dict(constants[own])
        self.modules: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    local = alias.asname or alias.name
                    self.modules[local] = f"{node.module}.{alias.name}"
                    if alias.name in constants.get(node.module, {}):
                        self.values[local] = constants[node.module][alias.name]

    def value(self, expr: ast.expr) -> str | None:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return expr.value
        if isinstance(expr, ast.Name):
            return self.values.get(expr.id)
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            module = self.modules.get(expr.value.id, "")
            return self.constants.get(module, {}).get(expr.attr)
        return None


def _branches(exprs: list[ast.expr]) -> list[ast.expr]:
    """``A if c else B if d else C`` names each of A, B and C."""
    found: list[ast.expr] = []
    for expr in exprs:
        while isinstance(expr, ast.IfExp):
            found.append(expr.body)
            expr = expr.orelse
        found.append(expr)
    return found


def _kind_expressions(tree: ast.Module) -> list[ast.expr]:
    found: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called == "notify" and node.args:
                found.append(node.args[0])
            elif called == "notify_followers" and len(node.args) > 1:
                found.append(node.args[1])
            elif called == "Notification":
                found.extend(k.value for k in node.keywords if k.arg == "kind")
        elif isinstance(node, ast.Compare) and ast.unparse(node.left) == "Notification.kind":
            found.extend(node.comparators)
    return found


def kinds_in_use() -> tuple[set[str], list[str]]:
    """Kinds named where notifications are made or looked up: ``notify(kind, …)``,
    ``notify_followers(program, kind, …)``, ``Notification(kind=…)`` and
    ``Notification.kind == …``, by literal or by a module constant (of the module or one it
    imports). Returns the kinds and the places whose kind could not be told."""
    trees = _sources()
    constants = {name: _constants(tree) for name, tree in trees.items()}
    found: set[str] = set()
    unknown: list[str] = []
    for module, tree in trees.items():
        if module.startswith("app.notifications"):
            continue  # the pipeline itself passes kinds through
        names = _Names(tree, constants, module)
        for expr in _branches(_kind_expressions(tree)):
            value = names.value(expr)
            if value is None:
                unknown.append(f"{module}:{expr.lineno}")
            else:
                found.add(value)
    return found, unknown


def registered_after_create_app() -> dict[str, dict[str, str | None]]:
    """The registry of a fresh interpreter that only created the app (as a worker does): kinds
    registered by test imports do not count."""
    script = (
        "import json\n"
        "from app import create_app\n"
        "from tests.conftest import make_config\n"
        "create_app(make_config())\n"
        "from app.notifications import registry\n"
        "print(json.dumps({name: kind.mail.template if kind.mail else None\n"
        "                  for name, kind in registry.kinds().items()}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_kind_in_use_is_registered_at_start_up_with_its_templates(app):
    used, unknown = kinds_in_use()
    assert not unknown, f"name notification kinds by a literal or a module constant: {unknown}"
    # The finder really finds them (a guard against a parser that silently finds nothing).
    assert {"milestone", "progress", "reply", "observation", "moderation"} <= used
    assert "moderation_queue" in used
    registered = registered_after_create_app()
    assert used <= set(registered), f"not registered at start-up: {used - set(registered)}"
    for name, template in registered.items():
        if template is not None:
            assert (ROOT / "templates" / "mail" / f"{template}.txt").is_file(), name
            app.jinja_env.get_template(f"mail/{template}.txt")
    app.jinja_env.get_template("notifications/index.html")
    # Every kind a test (or start-up) registered has its mail template too.
    for name, kind in registry.kinds().items():
        if kind.mail is not None:
            assert (ROOT / "templates" / "mail" / f"{kind.mail.template}.txt").is_file(), name


def test_every_mail_template_named_anywhere_exists():
    """``queue_mail(template="…")`` outside the pipeline too (accounts, deadlines, digests)."""
    missing = []
    for module, tree in _sources().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("queue_mail"):
                named = [k.value for k in node.keywords if k.arg == "template"]
                for value in named:
                    if not isinstance(value, ast.Constant):
                        continue  # e.g. f"deadline_{kind}": test_deadlines sends each one
                    if not (ROOT / "templates" / "mail" / f"{value.value}.txt").is_file():
                        missing.append(f"{module}:{node.lineno} {value.value}")
    assert not missing, missing


ALLOWED = ("app.core", "app.extensions", "app.mail", "app.accounts.models", "app.notifications")


def test_notifications_import_no_feature_package():
    """Features register with the notifications package, never the other way round; imports
    inside functions and under TYPE_CHECKING count too."""
    bad = []
    for path in (APP / "notifications").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path.name}: relative import"
                names = [node.module or ""]
            else:
                continue
            for name in names:
                if (name == "app" or name.startswith("app.")) and not name.startswith(ALLOWED):
                    bad.append(f"{path.name}:{node.lineno} imports {name}")
    assert not bad, bad


# --- notify() ---------------------------------------------------------------------------------

TEST_KIND = "test_news"


def _test_kind() -> Kind:
    return Kind(
        name=TEST_KIND,
        text=lambda note, lang: gettext("Notifications"),
        category=Category.REPLIES,
        mail=Mail(
            template="notification",
            outbox_kind="notify_test",
            subject=lambda notice: gettext("Notifications"),
            context=lambda notice, note, user, lang: {
                "text": note.data["word"],
                "program_url": "https://example.org/p",
            },
        ),
    )


def _user(email: str, language: str = "es", **fields: object) -> User:
    return factories.user(email, language=language, **fields)


def test_notify_tells_each_recipient_once_never_the_actor_nor_a_suspended_account(app, monkeypatch):
    monkeypatch.setitem(registry._KINDS, TEST_KIND, _test_kind())
    with app.app_context():
        ana = _user("ana@example.org", "qu")
        beto = _user("beto@example.org", "en")
        actor = _user("actor@example.org")
        suspended = _user("suspended@example.org", blocked_at=utcnow())
        muted = _user("muted@example.org", "ay", posting_blocked_at=utcnow())
        rows = notify(
            TEST_KIND,
            [beto, actor, ana, None, beto, suspended, muted],
            actor=actor,
            data={"word": "Kawsay"},
        )
        assert [row.user_id for row in rows] == [beto.id, ana.id, muted.id]
        mails = db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "notify_test")
            .order_by(OutboxMessage.id)
        ).all()
        assert [(m.recipient, m.language) for m in mails] == [
            ("beto@example.org", "en"),
            ("ana@example.org", "qu"),
            ("muted@example.org", "ay"),  # a posting block still reads its mail
        ]
        for mail in mails:
            with force_language(mail.language):
                assert mail.subject == gettext("Notifications")
            assert "Kawsay" in mail.body and "https://example.org/p" in mail.body
        assert "Hello beto," in mails[0].body
        db.session.rollback()


def test_notify_refuses_an_unregistered_kind_and_a_kind_without_recipients(app, monkeypatch):
    monkeypatch.setitem(registry._KINDS, TEST_KIND, _test_kind())
    with app.app_context():
        with pytest.raises(UnknownKind):
            notify("no_such_kind", [])
        with pytest.raises(ValueError, match="recipients"):
            notify(TEST_KIND)


def test_a_moderation_decision_does_not_reach_a_suspended_account(app):
    """The three loops disagreed here; the pipeline's one rule: suspended accounts hear
    nothing (they cannot log in to read it either)."""
    from app.moderation.models import LogAction
    from app.moderation.notify import tell_blocked

    with app.app_context():
        suspended = _user("suspended@example.org", blocked_at=utcnow())
        active = _user("active@example.org", "qu")
        tell_blocked(suspended, LogAction.UNBLOCK, None)
        tell_blocked(active, LogAction.UNBLOCK, None)
        told = db.session.scalars(select(Notification.user_id)).all()
        assert told == [active.id]
        [mail] = db.session.scalars(select(OutboxMessage)).all()
        assert (mail.recipient, mail.language, mail.kind) == (
            "active@example.org",
            "qu",
            "moderation_notice",
        )
        db.session.rollback()


# --- the notifications page -------------------------------------------------------------------


def test_the_page_renders_every_registered_kind_in_every_language(app, make_user):
    reader = make_user(email="lee@example.org", language="en")
    with app.app_context():
        program = factories.program(titles={"es": "Agua potable", "qu": "Yaku"})
        filer = db.session.get(User, reader.id)
        observation = factories.observation(filer)
        code = observation.code
        until = utcnow().replace(microsecond=0).isoformat()
        samples = {
            "milestone": (
                {"milestone_titles": {"es": "Inicio de obras"}},
                {"program": program},
                f"/programs/{program.id}",
            ),
            "progress": ({"old": 10, "new": 25}, {"program": program}, f"/programs/{program.id}"),
            "reply": ({}, {"program": program}, f"/programs/{program.id}"),
            "observation": (
                {"code": code, "state": "accepted"},
                {"observation_id": observation.id},
                f"/observations/{code}",
            ),
            "moderation": (
                {"action": "hide", "target": "observation", "code": code},
                {"observation_id": observation.id},
                f"/observations/{code}",
            ),
            "moderation_queue": ({"observations": 2, "flags": 1}, {}, "/moderation"),
            "institution_work": (
                {"code": code, "event": "disputed"},
                {"observation_id": observation.id},
                f"/inbox/{code}",
            ),
            "deadline_due_soon": (
                {"code": code, "due": "2026-03-02"},
                {"observation_id": observation.id},
                f"/inbox/{code}",
            ),
            "deadline_overdue": ({"code": code, "due": "bad"}, {}, f"/inbox/{code}"),
            "group": (
                {"code": code, "state": "accepted", "group": "comite-d-6", "group_name": "D-6"},
                {"observation_id": observation.id},
                "/groups/comite-d-6/dashboard",
            ),
            "deadline_escalated": (
                {"code": code, "due": "2026-03-02"},
                {"observation_id": observation.id},
                f"/observations/{code}",
            ),
        }
        assert set(samples) >= set(registry.kinds()) - {TEST_KIND}, "add a sample for new kinds"
        rows = [
            Notification(user_id=reader.id, kind=kind, data=data, **fields)
            for kind, (data, fields, _link) in samples.items()
        ]
        rows.append(
            Notification(
                user_id=reader.id,
                kind="moderation",
                data={"action": "block", "target": "user", "until": until},
            )
        )
        rows.append(Notification(user_id=reader.id, kind="retired_kind", program=program))
        db.session.add_all(rows)
        db.session.commit()
    client = logged_in(app, "lee@example.org")
    for lang in LANGUAGES:
        page = client.get(f"/notifications?lang={lang}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        for kind, (_data, _fields, link) in samples.items():
            assert f'href="{link}' in html, (lang, kind)
        listed = html.split('<ul class="notifications">')[1].split("</ul>")[0]
        assert listed.count("<li class=") == len(samples) + 2
    html = client.get("/notifications?lang=en").get_data(as_text=True)
    # Tracking codes sit in a nowrap span inside the sentence.
    html = html.replace(f'<span class="code-id">{code}</span>', code)
    for sentence in (
        'A new milestone was added to "Agua potable": Inicio de obras',
        'The progress of "Agua potable" changed from 10% to 25%.',
        'Someone replied to your comment on "Agua potable".',
        f"Observation {code} is now: Accepted and forwarded.",
        f"Moderators hid your observation {code} from the public.",
        "Observations to triage: 2. Reported items to review: 1.",
        f"The answer to observation {code} is due on Mar 2, 2026.",
        f"Observation {code} of D-6 is now: Accepted and forwarded.",
        f"Observation {code}, due on Mar 2, 2026, is long overdue.",
        f"The filer disputed your institution&#39;s answer to observation {code}.",
        "You cannot post, comment, vote or report content until",
        "There is news about &#34;Agua potable&#34;.",
    ):
        assert sentence.replace('"', "&#34;") in html or sentence in html, sentence
    assert "Yaku" in client.get("/notifications?lang=qu").get_data(as_text=True)


def test_the_page_asks_a_constant_number_of_queries(app, make_user):
    from tests.conftest import count_queries

    reader = make_user(email="lee@example.org", language="en")

    def add(n: int) -> None:
        with app.app_context():
            for i in range(n):
                program = factories.program(titles={"es": f"Programa {i}"}, code=f"P-{i}-{n}")
                db.session.add(
                    Notification(
                        user_id=reader.id, kind="progress", program=program, data={"new": i}
                    )
                )
            db.session.commit()

    client = logged_in(app, "lee@example.org")
    add(2)
    with count_queries(app) as few:
        assert client.get("/notifications").status_code == 200
    add(8)
    with count_queries(app) as many:
        assert client.get("/notifications").status_code == 200
    assert len(many) == len(few)


def test_a_milestone_keeps_its_titles_in_the_row(app, make_user):
    """The milestone kind completes the caller's data with the milestone's titles, so the
    sentence survives a renaming and speaks each reader's language."""
    from app.programs import services as programs
    from app.programs.models import ProgramFollow

    follower = make_user(email="sigue@example.org", language="qu")
    with app.app_context():
        program = factories.program()
        db.session.add(ProgramFollow(user_id=follower.id, program_id=program.id))
        db.session.flush()
        programs.add_milestone(program, date(2026, 3, 1), {"es": "Hito", "qu": "Hito qu"}, {})
        [row] = db.session.scalars(select(Notification)).all()
        assert row.data["milestone_titles"] == {"es": "Hito", "qu": "Hito qu"}
        [mail] = db.session.scalars(select(OutboxMessage)).all()
        assert mail.language == "qu" and "Hito qu" in mail.body and "/unfollow/" in mail.body
        db.session.rollback()


def test_tracking_codes_in_notifications_never_break(app, make_user):
    """Issue 15, point 11: a code inside a notification's sentence is kept on one line, and
    the sentence stays escaped."""
    from app.core.templating import nowrap_codes

    html = str(nowrap_codes('<b>x</b> CS-2026-000123 fue "respondida"'))
    assert html == (
        '&lt;b&gt;x&lt;/b&gt; <span class="code-id">CS-2026-000123</span> fue &#34;respondida&#34;'
    )
    reader = make_user(email="kim@example.org", language="en")
    with app.app_context():
        observation = factories.observation(db.session.get(User, reader.id))
        code = observation.code
        db.session.add(
            Notification(
                user_id=reader.id,
                kind="observation",
                data={"code": code, "state": "accepted"},
                observation_id=observation.id,
            )
        )
        db.session.commit()
    page = logged_in(app, "kim@example.org").get("/notifications").get_data(as_text=True)
    assert f'<span class="code-id">{code}</span>' in page
