"""Configuration: one class whose defaults come from ``QHAWAQ_*`` (and a few standard) environment
variables, and a testing subclass. Secrets never live in the repository."""

from __future__ import annotations

import os
from pathlib import Path
from typing import overload

from app.maps.tiles import usable as usable_tiles

ROOT = Path(__file__).resolve().parent.parent


@overload
def _env(name: str, default: str) -> str: ...
@overload
def _env(name: str, default: None = None) -> str | None: ...
def _env(name: str, default: str | None = None) -> str | None:
    """Read ``QHAWAQ_<NAME>`` first, then the bare ``<NAME>`` (for DATABASE_URL, SECRET_KEY…)."""
    return os.environ.get(f"QHAWAQ_{name}", os.environ.get(name, default))


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value not in (None, "") else default


class Config:
    #: development | production | testing. Production refuses to start without SECRET_KEY.
    ENV_NAME = _env("ENV", "development")
    INSTANCE_PATH = Path(_env("INSTANCE_PATH", str(ROOT / "instance")))

    SECRET_KEY = _env("SECRET_KEY")
    #: Never read from the environment: only TestingConfig lowers the cost of password hashes.
    PASSWORD_HASH_CHEAP = False
    SITE_NAME = _env("SITE_NAME", "Qhawaq")
    #: Who runs this installation and answers for the personal data it holds (the privacy page).
    OPERATOR_NAME = _env("OPERATOR_NAME", "")
    #: Where people write about their data (the privacy page); empty: the page says to ask the
    #: operator through the institution that runs the site.
    PRIVACY_CONTACT = _env("PRIVACY_CONTACT", "")
    #: The address the open-data catalogues give for questions about the data (DCAT
    #: contactPoint, data.json hasEmail); PRIVACY_CONTACT when empty.
    OPEN_DATA_CONTACT = _env("OPEN_DATA_CONTACT", "")
    #: Download my data (app/accounts/export.py): archives up to these sizes are built in the
    #: request; larger ones by ``flask exports build``. Ready archives are offered this many days.
    EXPORT_INLINE_MAX_ROWS = _env_int("EXPORT_INLINE_MAX_ROWS", 500)
    EXPORT_INLINE_MAX_BYTES = _env_int("EXPORT_INLINE_MAX_BYTES", 10 * 1024 * 1024)
    EXPORT_KEEP_DAYS = _env_int("EXPORT_KEEP_DAYS", 7)
    EXPORT_REPEAT_AFTER_SECONDS = _env_int("EXPORT_REPEAT_AFTER_SECONDS", 3600)
    EXPORT_LEASE_SECONDS = _env_int("EXPORT_LEASE_SECONDS", 900)
    EXPORT_RETRY_SECONDS = _env_int("EXPORT_RETRY_SECONDS", 300)
    EXPORT_MAX_ATTEMPTS = _env_int("EXPORT_MAX_ATTEMPTS", 3)
    #: How long an oversight group's invitation link works (seconds).
    GROUP_INVITATION_MAX_AGE = _env_int("GROUP_INVITATION_MAX_AGE", 7 * 24 * 60 * 60)
    #: Absolute base URL used in mails, e.g. https://qhawaq.example.bo
    BASE_URL = _env("BASE_URL", "http://127.0.0.1:5000")

    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL") or f"sqlite:///{INSTANCE_PATH / 'qhawaq.db'}"
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False
    #: SQLite only: how long a request waits for the write lock before giving up. Writers queue
    #: one at a time; under a burst on a small machine the queue can exceed a few seconds, and
    #: gunicorn's own timeout (30 s) stays the outer limit.
    SQLITE_BUSY_TIMEOUT_MS = _env_int("SQLITE_BUSY_TIMEOUT_MS", 20000)

    # Languages: the UI language and the formatting locale are separate (CLDR has no Aymara).
    LANGUAGES = ("es", "qu", "ay", "gn", "en")
    BABEL_DEFAULT_LOCALE = "es_BO"
    BABEL_DEFAULT_TIMEZONE = _env("TIMEZONE", "America/La_Paz")
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")

    # Sessions and cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: On by default in production (HTTPS); turn off explicitly only behind a plain-HTTP test.
    SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", ENV_NAME == "production")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * 14
    WTF_CSRF_TIME_LIMIT = 60 * 60 * 8
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 30 * 1024 * 1024)
    #: Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
    PROXY_COUNT = _env_int("PROXY_COUNT", 0)

    # Evidence files: cleaned bytes only, named by content hash.
    UPLOADS_DIR = _env("UPLOADS_DIR", str(INSTANCE_PATH / "uploads"))
    EVIDENCE_MAX_BYTES = _env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
    #: Where uploaded files live: "local" (UPLOADS_DIR, one app server) or "s3" (a bucket on an
    #: S3-compatible server such as MinIO, Garage or Ceph, shared by several app servers).
    STORAGE_BACKEND = _env("STORAGE_BACKEND", "local")
    #: e.g. http://minio.internal:9000; empty means Amazon S3 itself.
    S3_ENDPOINT_URL = _env("S3_ENDPOINT_URL")
    S3_BUCKET = _env("S3_BUCKET")
    S3_ACCESS_KEY_ID = _env("S3_ACCESS_KEY_ID")
    S3_SECRET_ACCESS_KEY = _env("S3_SECRET_ACCESS_KEY")
    S3_REGION = _env("S3_REGION", "us-east-1")
    #: Optional folder inside the bucket, e.g. "qhawaq/" when the bucket is shared.
    S3_PREFIX = _env("S3_PREFIX", "")
    #: New observations an account may file per day (anti-abuse).
    OBSERVATIONS_PER_DAY = _env_int("OBSERVATIONS_PER_DAY", 10)

    # Accounts
    EMAIL_TOKEN_MAX_AGE = _env_int("EMAIL_TOKEN_MAX_AGE", 60 * 60 * 48)
    RESET_TOKEN_MAX_AGE = _env_int("RESET_TOKEN_MAX_AGE", 60 * 60 * 2)
    PASSWORD_MIN_LENGTH = 10

    # Sign in with Ciudadanía Digital (OpenID Connect; app/accounts/oidc*.py). The button shows
    # only when the issuer, the client id and the secret are all set; the endpoints and keys
    # come from the issuer's discovery document at run time. Test issuer:
    # https://proveedor.ciudadania.demo.agetic.gob.bo, production: https://proveedor.agetic.gob.bo
    OIDC_ISSUER = _env("OIDC_ISSUER", "")
    OIDC_CLIENT_ID = _env("OIDC_CLIENT_ID", "")
    OIDC_CLIENT_SECRET = _env("OIDC_CLIENT_SECRET", "")
    #: The key of the identity-document hash (one verified account per person). Empty: derived
    #: from SECRET_KEY. Set it once and keep it: a new key makes every stored hash unmatchable.
    OIDC_DOCUMENT_KEY = _env("OIDC_DOCUMENT_KEY", "")
    #: How long a request to the provider may take before the sign-in gives up.
    OIDC_TIMEOUT_SECONDS = _env_int("OIDC_TIMEOUT_SECONDS", 10)

    # Public pages as anonymous visitors see them, kept this many seconds (0: off) and served
    # again until a write changes anything (app/core/page_cache.py). Kept in Redis when one is
    # named here or for the rate limits, else in the process.
    PAGE_CACHE_SECONDS = _env_int("PAGE_CACHE_SECONDS", 60)
    PAGE_CACHE_STORAGE_URI = _env("PAGE_CACHE_STORAGE_URI", "")

    # Rate limits (Flask-Limiter). memory:// is per process; use Redis with several workers.
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_LIMIT_PER_IP = _env("LOGIN_LIMIT_PER_IP", "20 per 5 minutes")
    LOGIN_LIMIT_PER_ACCOUNT = _env("LOGIN_LIMIT_PER_ACCOUNT", "5 per 5 minutes")
    SENSITIVE_FORM_LIMIT = _env("SENSITIVE_FORM_LIMIT", "10 per hour")
    # Posting limits, each per account and per client address (anti-abuse). A limited person
    # gets the form back with what they typed and a message; nothing is written.
    COMMENT_LIMIT_PER_USER = _env("COMMENT_LIMIT_PER_USER", "10 per 10 minutes")
    COMMENT_LIMIT_PER_IP = _env("COMMENT_LIMIT_PER_IP", "60 per 10 minutes")
    OBSERVATION_LIMIT_PER_USER = _env("OBSERVATION_LIMIT_PER_USER", "5 per hour")
    OBSERVATION_LIMIT_PER_IP = _env("OBSERVATION_LIMIT_PER_IP", "30 per hour")
    VOTE_LIMIT_PER_USER = _env("VOTE_LIMIT_PER_USER", "60 per 10 minutes")
    VOTE_LIMIT_PER_IP = _env("VOTE_LIMIT_PER_IP", "300 per 10 minutes")
    FLAG_LIMIT_PER_USER = _env("FLAG_LIMIT_PER_USER", "10 per hour")
    FLAG_LIMIT_PER_IP = _env("FLAG_LIMIT_PER_IP", "50 per hour")
    #: Filings an Open311 application may send with its key (``POST requests``).
    OPEN311_LIMIT_PER_KEY = _env("OPEN311_LIMIT_PER_KEY", "60 per hour;600 per day")

    # Moderation
    #: Distinct reporters that hide an item automatically, pending review.
    FLAG_HIDE_THRESHOLD = _env_int("FLAG_HIDE_THRESHOLD", 3)

    # Mail: everything goes through the outbox table; `flask outbox send` delivers it.
    #: smtp | file. "file" writes .eml files to MAIL_FILE_DIR (the development default).
    MAIL_BACKEND = _env("MAIL_BACKEND", "file")
    MAIL_FILE_DIR = _env("MAIL_FILE_DIR", str(INSTANCE_PATH / "mail"))
    MAIL_SERVER = _env("MAIL_SERVER", "localhost")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = _env("MAIL_USERNAME")
    MAIL_PASSWORD = _env("MAIL_PASSWORD")
    MAIL_TIMEOUT = _env_int("MAIL_TIMEOUT", 20)
    MAIL_DEFAULT_SENDER = _env("MAIL_DEFAULT_SENDER", "Qhawaq <no-reply@qhawaq.localhost>")
    #: Attempts before a message is marked failed; the delay doubles each time from MAIL_RETRY_BASE.
    MAIL_MAX_ATTEMPTS = _env_int("MAIL_MAX_ATTEMPTS", 8)
    MAIL_RETRY_BASE_SECONDS = _env_int("MAIL_RETRY_BASE_SECONDS", 60)
    #: How long a `flask outbox send` worker holds the messages it claimed; a dead worker's
    #: messages are taken by another once it expires. Longer than a batch takes to send.
    MAIL_LEASE_SECONDS = _env_int("MAIL_LEASE_SECONDS", 300)

    # Accountability pages (issue 7)
    #: Institutions whose deadlines were put to the test fewer times are listed without a rank.
    ACCOUNTABILITY_MIN_RANKED = _env_int("ACCOUNTABILITY_MIN_RANKED", 10)

    # Maps (issue 19, app/maps/). The SVG maps need nothing; a slippy map (Leaflet, served from
    # this site) is offered only with the operator's own tile server, e.g.
    # https://tiles.example.org/{z}/{x}/{y}.png; the CSP then allows images from that host only.
    #: A template that is not a plain http(s) URL with placeholders counts as unset.
    MAP_TILES_URL = usable_tiles(_env("MAP_TILES_URL", ""))

    #: Send Strict-Transport-Security when a request arrives over HTTPS.
    HSTS_MAX_AGE = _env_int("HSTS_MAX_AGE", 60 * 60 * 24 * 365)
    LOG_LEVEL = _env("LOG_LEVEL", "INFO")


def check_rate_limit_storage(config: type[Config], workers: int) -> None:
    """Refuse to start production with per-process rate-limit counters and several workers:
    each worker would count on its own and forget at every recycle (gunicorn.conf.py calls it)."""
    memory = str(config.RATELIMIT_STORAGE_URI or "").startswith("memory://")
    if config.ENV_NAME == "production" and memory and workers > 1:
        raise SystemExit(
            f"Qhawaq: {workers} workers with RATELIMIT_STORAGE_URI=memory:// would each keep "
            "their own rate-limit counts. Set QHAWAQ_RATELIMIT_STORAGE_URI to Redis (for "
            "example redis://127.0.0.1:6379/0), or run a single worker "
            "(QHAWAQ_GUNICORN_WORKERS=1)."
        )


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    # Argon2id at its smallest cost (accounts/passwords.py); every other configuration keeps the
    # RFC 9106 profile, and tests/test_passwords.py proves it.
    PASSWORD_HASH_CHEAP = True
    # The limiter stays on (so its hooks are installed); tests that exercise a limit lower it.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    # Every other test sees each page built; tests/test_page_cache.py turns the cache on.
    PAGE_CACHE_SECONDS = 0
    PAGE_CACHE_STORAGE_URI = ""
    LOGIN_LIMIT_PER_IP = "10000 per minute"
    LOGIN_LIMIT_PER_ACCOUNT = "10000 per minute"
    SENSITIVE_FORM_LIMIT = "10000 per minute"
    COMMENT_LIMIT_PER_USER = COMMENT_LIMIT_PER_IP = "10000 per minute"
    OBSERVATION_LIMIT_PER_USER = OBSERVATION_LIMIT_PER_IP = "10000 per minute"
    VOTE_LIMIT_PER_USER = VOTE_LIMIT_PER_IP = "10000 per minute"
    FLAG_LIMIT_PER_USER = FLAG_LIMIT_PER_IP = "10000 per minute"
    OPEN311_LIMIT_PER_KEY = "10000 per minute"
    # Tests point at their own provider (tests/oidc/); a developer's shell setting never does.
    OIDC_ISSUER = OIDC_CLIENT_ID = OIDC_CLIENT_SECRET = OIDC_DOCUMENT_KEY = ""
    # Tests set a tile server explicitly (tests/test_maps.py), never from the shell.
    MAP_TILES_URL = ""
    # Tests choose S3 explicitly (tests/test_storage.py); a developer's shell setting never does.
    STORAGE_BACKEND = "local"
    MAIL_BACKEND = "smtp"
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 2525
    MAIL_RETRY_BASE_SECONDS = 60
    LOG_LEVEL = "WARNING"
