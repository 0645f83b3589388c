"""Qhawaq: citizen participation and social control (Bolivia, Ley 341).

``create_app`` imports the feature packages (models, blueprints, hooks, commands) inside its
``configure_*`` functions: importing ``app`` or one of its modules (``app.config`` from
``gunicorn.conf.py``, a core module from a test or a migration) must not load every feature, and
the factory is the one place that wires them all together."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask, has_request_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import ROOT, Config
from app.core import (
    errors,
    http_cache,
    i18n,
    logging,
    page_cache,
    security,
    storage,
    storage_cli,
    templating,
    translate_cli,
    urls,
)
from app.core.db import configure_sqlite
from app.core.urls import id_or_none
from app.extensions import csrf, db, limiter, login_manager, migrate


def create_app(config: type[Config] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str((config or Config).INSTANCE_PATH),
    )
    configure_settings(app, config or Config)
    configure_logging(app)
    configure_database(app)
    storage.init_app(app)
    configure_auth(app)
    configure_i18n(app)
    configure_security(app)
    configure_urls(app)
    configure_blueprints(app)
    configure_hooks()
    configure_errors(app)
    configure_cli(app)
    return app


def configure_settings(app: Flask, config: type[Config]) -> None:
    app.config.from_object(config)
    if not app.config.get("SECRET_KEY"):
        if app.config["ENV_NAME"] != "development":
            raise RuntimeError("SECRET_KEY must be set outside development (QHAWAQ_SECRET_KEY)")
        app.config["SECRET_KEY"] = _development_secret(app)
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        # Flask documents wrapping ``wsgi_app`` in middleware, but types it as a method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]


def _development_secret(app: Flask) -> str:
    """A random key kept in instance/ so development sessions survive restarts."""
    path = Path(app.instance_path) / "dev-secret-key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def configure_logging(app: Flask) -> None:
    logging.init_app(app)


def configure_database(app: Flask) -> None:
    from app import models  # noqa: F401 - registers every table on the metadata

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////:memory"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if uri.startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = uri.replace(
            "postgresql://", "postgresql+psycopg://", 1
        )
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    with app.app_context():
        configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])


def configure_auth(app: Flask) -> None:
    from app.accounts.models import User

    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(cookie_id: str) -> User | None:
        raw_id, _, token = cookie_id.partition(":")
        user_id = id_or_none(raw_id)
        if user_id is None:
            return None
        user = db.session.get(User, user_id)
        if user is None or user.session_token != token or user.is_blocked:
            return None
        return user


def configure_i18n(app: Flask) -> None:
    i18n.init_app(app)
    templating.init_app(app)


def configure_security(app: Flask) -> None:
    # Registered first so that it runs last: after-request hooks run in reverse order, and the
    # cache headers and compression come after every other hook decided the response.
    http_cache.init_app(app)
    security.init_app(app)
    # After the security hooks: a kept page is served only to a request they let through.
    page_cache.init_app(app)


def configure_urls(app: Flask) -> None:
    urls.init_app(app)


def configure_hooks() -> None:
    """Load, by name, every module that registers with a feature-neutral registry: the effects
    of an observation's transition (app.observations.effects) and the notification kinds
    (app.notifications.registry). The registries check at use that nothing is missing."""
    from app.accountability import figures as _first_answer_figures  # noqa: F401
    from app.comments import notify as _reply_notices  # noqa: F401
    from app.deadlines import notify as _deadline_notices  # noqa: F401
    from app.groups import filing as _group_filing  # noqa: F401 - who belongs to which group
    from app.groups import notify as _group_notices  # noqa: F401
    from app.inbox import assignment as _assignment_effects  # noqa: F401
    from app.inbox import notify as _institution_notices  # noqa: F401
    from app.moderation import alerts as _queue_alerts  # noqa: F401
    from app.moderation import notify as _moderation_notices  # noqa: F401
    from app.moderation import services as _moderation_log  # noqa: F401
    from app.observations import notify as _observation_notices  # noqa: F401
    from app.observations import services as _observation_effects  # noqa: F401
    from app.programs import notify as _program_notices  # noqa: F401


def configure_blueprints(app: Flask) -> None:
    from app.accountability import permissions as _accountability_rules  # noqa: F401
    from app.accountability.routes import bp as accountability_bp
    from app.accountability.session_routes import bp as accountability_sessions_bp
    from app.accounts.data_routes import bp as account_data_bp
    from app.accounts.deletion_routes import bp as account_deletion_bp
    from app.accounts.oidc_routes import bp as oidc_bp
    from app.accounts.routes import bp as accounts_bp
    from app.admin.routes import bp as admin_bp
    from app.api.routes import bp as api_bp
    from app.calendars.routes import bp as calendars_bp
    from app.comments import permissions as _comment_rules  # noqa: F401 - registers rules
    from app.comments.routes import bp as comments_bp
    from app.feeds.routes import bp as feeds_bp
    from app.groups.routes import bp as groups_bp
    from app.inbox.assignment_routes import bp as inbox_assignment_bp
    from app.inbox.routes import bp as inbox_bp
    from app.institutions import permissions as _institution_rules  # noqa: F401
    from app.institutions.admin_routes import bp as institutions_admin_bp
    from app.institutions.team_routes import bp as institution_team_bp
    from app.main.routes import bp as main_bp
    from app.moderation import permissions as _moderation_rules  # noqa: F401
    from app.moderation.reasons_routes import bp as moderation_reasons_bp
    from app.moderation.routes import bp as moderation_bp
    from app.notifications.preference_routes import bp as notification_preferences_bp
    from app.notifications.routes import bp as notifications_bp
    from app.observations import permissions as _observation_rules  # noqa: F401
    from app.observations.admin_routes import bp as observations_admin_bp
    from app.observations.routes import bp as observations_bp
    from app.observations.templates_routes import bp as response_templates_bp
    from app.open311.admin_routes import bp as open311_admin_bp
    from app.open311.routes import bp as open311_bp
    from app.opendata.routes import bp as opendata_bp
    from app.plans.routes import bp as plans_bp
    from app.programs.admin_routes import bp as programs_admin_bp
    from app.programs.routes import bp as programs_bp
    from app.search.routes import bp as search_bp

    for blueprint in (
        main_bp,
        accounts_bp,
        account_data_bp,
        account_deletion_bp,
        oidc_bp,
        groups_bp,
        admin_bp,
        programs_bp,
        plans_bp,
        search_bp,
        comments_bp,
        notifications_bp,
        notification_preferences_bp,
        programs_admin_bp,
        observations_bp,
        observations_admin_bp,
        institutions_admin_bp,
        institution_team_bp,
        inbox_bp,
        inbox_assignment_bp,
        response_templates_bp,
        accountability_bp,
        accountability_sessions_bp,
        opendata_bp,
        api_bp,
        open311_bp,
        open311_admin_bp,
        feeds_bp,
        calendars_bp,
        moderation_bp,
        moderation_reasons_bp,
    ):
        app.register_blueprint(blueprint)

    from app.accounts.forms import LogoutForm, SaveLanguageForm
    from app.accounts.models import User
    from app.accounts.permissions import can
    from app.notifications.services import unread_count

    @app.context_processor
    def template_helpers() -> dict[str, object]:
        # Mails are rendered outside requests too (CLI, workers): no user there.
        user: User | None = (
            current_user if has_request_context() and current_user.is_authenticated else None
        )
        return {
            "unread_notifications": (lambda: unread_count(user.id)) if user else (lambda: 0),
            "logout_form": LogoutForm,
            "save_language_form": SaveLanguageForm,
            "can": lambda action, obj=None: can(user, action, obj),
            "site_name": app.config["SITE_NAME"],
            "posting_block": user if user is not None and user.is_posting_blocked else None,
        }


def configure_errors(app: Flask) -> None:
    errors.init_app(app)


def configure_cli(app: Flask) -> None:
    from app.accountability import cli as accountability_cli
    from app.accounts import cli as accounts_cli
    from app.accounts import deletion_cli, export_cli
    from app.deadlines import cli as deadlines_cli
    from app.demo import cli as demo_cli
    from app.mail import cli as mail_cli
    from app.moderation import cli as moderation_cli
    from app.notifications import cli as notifications_cli
    from app.observations import cli as observations_cli
    from app.programs import cli as programs_cli
    from app.territory import cli as territory_cli

    for module in (
        accounts_cli,
        export_cli,
        deletion_cli,
        notifications_cli,
        translate_cli,
        storage_cli,
        demo_cli,
        mail_cli,
        territory_cli,
        programs_cli,
        deadlines_cli,
        moderation_cli,
        accountability_cli,
        observations_cli,
    ):
        module.init_app(app)
