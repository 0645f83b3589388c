"""The real app under gunicorn for the browser tests: a temporary instance directory, a SQLite
file migrated with ``flask db upgrade``, the territory loaded with its CLI, a few accounts and
programs seeded, mail written as .eml files and delivered with ``flask outbox send``.

Kept free of pytest so bench/load.py can reuse :class:`LiveServer`."""

from __future__ import annotations

import email
import email.policy
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
SEED_PASSWORD = "browser-tests-2026"
#: Languages the journeys run in; staff accounts exist once per language so every page of a
#: journey comes out in that language (the saved preference wins over Accept-Language).
LANGUAGES = ("es", "qu", "ay")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    """gunicorn serving wsgi:app on 127.0.0.1 with its own instance directory and database."""

    database_url: str | None = None
    workers: int = 2
    threads: int = 4
    extra_env: dict[str, str] = field(default_factory=dict)
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="qhawaq-live-")))
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def mail_dir(self) -> Path:
        return self.directory / "mail"

    @property
    def log_path(self) -> Path:
        return self.directory / "gunicorn.log"

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "FLASK_APP": "wsgi.py",
            "QHAWAQ_ENV": "development",
            "SECRET_KEY": "live-server-secret-key-not-for-production",
            "QHAWAQ_INSTANCE_PATH": str(self.directory),
            "DATABASE_URL": self.database_url or f"sqlite:///{self.directory / 'qhawaq.db'}",
            "QHAWAQ_BASE_URL": self.url,
            "QHAWAQ_MAIL_BACKEND": "file",
            "QHAWAQ_MAIL_FILE_DIR": str(self.mail_dir),
            "QHAWAQ_UPLOADS_DIR": str(self.directory / "uploads"),
            "QHAWAQ_LOG_LEVEL": "WARNING",
            "QHAWAQ_GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "QHAWAQ_GUNICORN_WORKERS": str(self.workers),
            "QHAWAQ_GUNICORN_THREADS": str(self.threads),
            # Every client comes from 127.0.0.1 here, so the per-address limits would count the
            # whole test as one person. The limits have their own unit tests.
            "QHAWAQ_RATELIMIT_ENABLED": "false",
            "QHAWAQ_OBSERVATIONS_PER_DAY": "100000",
            **self.extra_env,
        }
        env.pop("TEST_DATABASE_URL", None)
        return env

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(VENV_BIN / "flask"), *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done

    def prepare(self) -> None:
        """Compile catalogues, migrate, load the territory: what an operator does."""
        from app.core.translate_cli import compile_catalogs

        compile_catalogs()
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        self.flask("db", "upgrade")
        self.flask("territory", "load", str(ROOT / "data/territory/bo_territory.csv"))

    def start(self, timeout: float = 30) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(VENV_BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
                cwd=ROOT,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 30) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # SIGINT: gunicorn's quick shutdown (SIGTERM would wait up to graceful_timeout).
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=25)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def worker_pids(self) -> list[int]:
        """The gunicorn workers (children of the master), read from /proc."""
        if self.process is None:
            return []
        master = self.process.pid
        children = Path(f"/proc/{master}/task/{master}/children")
        if children.exists():
            return [int(p) for p in children.read_text().split()]
        return []

    def server_errors(self) -> list[str]:
        """Access-log lines with a 5xx status (the log format ends with status, bytes, time)."""
        if not self.log_path.exists():
            return []
        pattern = re.compile(r'" 5\d\d \d+ ')
        return [line for line in self.log_path.read_text().splitlines() if pattern.search(line)]

    # Mail --------------------------------------------------------------------------------
    def deliver_mail(self) -> None:
        self.flask("outbox", "send")

    def mails_to(self, address: str) -> list[email.message.EmailMessage]:
        found = []
        for path in sorted(self.mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if address.lower() in str(message["To"]).lower():
                found.append(message)
        return found

    def link_in_mail(self, address: str, path_prefix: str) -> str:
        """Deliver the outbox, then the last link to ``path_prefix`` mailed to ``address``."""
        self.deliver_mail()
        for message in reversed(self.mails_to(address)):
            body = message.get_body(preferencelist=("plain",)).get_content()
            match = re.search(re.escape(self.url) + re.escape(path_prefix) + r"\S*", body)
            if match:
                return match.group(0)
        raise AssertionError(f"no mail to {address} with a link to {path_prefix}")


def instance_app(database_url: str, directory: Path):  # type: ignore[no-untyped-def]
    """The app in this process, on the live server's database (to seed it or read it back)."""
    from app import create_app
    from app.config import Config

    config = type(
        "SeedConfig",
        (Config,),
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": directory,
            "SECRET_KEY": "seed",
            "MAIL_FILE_DIR": str(directory / "mail"),
            "UPLOADS_DIR": str(directory / "uploads"),
            "LOG_LEVEL": "WARNING",
        },
    )
    return create_app(config)


def located_observations(server: LiveServer, filer_email: str, count: int = 3) -> list[str]:
    """Accepted observations with coordinates in Chuquisaca, filed by ``filer_email``, so the
    maps have points; their tracking codes."""
    from app.accounts.models import User
    from app.extensions import db
    from app.territory.models import Department
    from tests import factories

    app = instance_app(server.env()["DATABASE_URL"], server.directory)
    with app.app_context():
        filer = db.session.query(User).filter_by(email=filer_email).one()
        chuquisaca = db.session.query(Department).filter_by(iso_code="BO-H").one()
        codes = [
            factories.observation(
                filer,
                state="accepted",
                department=chuquisaca,
                latitude=-19.03 - n / 10,
                longitude=-65.26 + n / 10,
            ).code
            for n in range(count)
        ]
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return codes


def seed(
    database_url: str,
    directory: Path,
    languages: Iterable[str] = LANGUAGES,
    load_users: int = 0,
    responders: int = 0,
    accepted: int = 0,
) -> dict:
    """Accounts, institutions, a category and a program open for comments, written straight
    into the live server's database. Returns what the journeys need to know.

    For bench/load.py: ``load_users`` citizens (who also get a few comments to support),
    ``responders`` responders of the Sucre institution and ``accepted`` observations filed and
    accepted through the real transitions, waiting for Sucre (their codes in ``accepted_codes``)."""
    from app.accounts import services as accounts
    from app.accounts.models import Role, User
    from app.comments import services as comments
    from app.comments.models import Stance
    from app.extensions import db
    from app.institutions.models import Institution
    from app.territory.models import Department
    from tests import factories

    app = instance_app(database_url, directory)
    facts: dict = {"password": SEED_PASSWORD, "staff": {}}
    with app.app_context():
        sucre = factories.institution("Gobierno Autónomo Municipal de Sucre", "GAMS")
        other = factories.institution("Gobierno Autónomo Municipal de Potosí", "GAMP")
        chuquisaca = db.session.query(Department).filter_by(iso_code="BO-H").one()
        category = factories.category("information", 15)
        today = date.today()
        program = factories.program(
            titles={"es": "Agua potable para el distrito 6", "qu": "Yakumanta distrito 6"},
            department=chuquisaca,
            open_on=today - timedelta(days=30),
            close_on=today + timedelta(days=60),
        )
        db.session.flush()

        def user(email_: str, role: Role, language: str, institution: Institution | None = None):
            created = accounts.create_user(
                email=email_,
                password=SEED_PASSWORD,
                display_name=email_.split("@")[0].replace(".", " ").title(),
                role=role,
                language=language,
                verified=True,
                institution=institution,
            )
            return created.email

        user("admin@example.org", Role.ADMIN, "es")
        for lang in languages:
            facts["staff"][lang] = {
                "moderator": user(f"mod.{lang}@example.org", Role.MODERATOR, lang),
                "responder": user(f"resp.{lang}@example.org", Role.RESPONDER, lang, sucre),
                "flaggers": [
                    user(f"flag{i}.{lang}@example.org", Role.CITIZEN, lang) for i in (1, 2)
                ],
            }
        user("resp.other@example.org", Role.RESPONDER, "es", other)
        facts["load_users"] = [
            user(f"load{n}@example.org", Role.CITIZEN, "es") for n in range(load_users)
        ]
        facts["responders"] = [
            user(f"load.resp{n}@example.org", Role.RESPONDER, "es", sucre)
            for n in range(responders)
        ]
        db.session.commit()
        if load_users:
            citizen = db.session.query(User).filter_by(email=facts["load_users"][0]).one()
            for n, stance in enumerate([Stance.FOR, Stance.NEUTRAL, Stance.AGAINST] * 3):
                comments.add_comment(citizen, program, f"Comentario inicial {n}", stance)
            codes = []
            for n in range(accepted):
                found = factories.observation(
                    citizen,
                    state="accepted",
                    title=f"Observación para responder {n}",
                    institution=sucre,
                    category=category,
                    department=chuquisaca,
                )
                codes.append(found.code)
                if n % 50 == 49:
                    db.session.commit()
            facts["accepted_codes"] = codes
            db.session.commit()
        facts.update(
            program_id=program.id,
            category_id=category.id,
            institution_id=sucre.id,
            other_id=other.id,
        )
        db.session.remove()
        db.engine.dispose()
    return facts
