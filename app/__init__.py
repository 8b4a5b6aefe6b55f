"""Concerto: the app factory."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from app.extensions import csrf, db, init_migrations, login_manager
from app.flask_app import ConcertoFlask
from app.operations import init_operations
from app.settings import check_production_settings, load_environment
from config import CONFIGS, Config

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: str | type[Config] | None = None, overrides: dict | None = None) -> Flask:
    """Build the app. ``config`` is a name of ``config.CONFIGS`` or a class; the environment
    (CONCERTO_CONFIG, then DATABASE_URL, SECRET_KEY, ...) fills in what is not given."""
    app = ConcertoFlask(__name__, template_folder="../templates", static_folder="../static",
                instance_path=os.environ.get("CONCERTO_INSTANCE", str(ROOT / "instance")))
    config_class = _config_class(config)
    app.config.from_object(config_class)
    if not app.config["TESTING"]:
        load_environment(app)
    app.config.update(overrides or {})
    if config_class.__name__ == "ProductionConfig":
        check_production_settings(app)
    _resolve_sqlite_path(app)

    register_extensions(app)
    register_models()
    register_converters(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_error_handlers(app)
    register_security(app)
    register_cli(app)
    init_operations(app)  # logs with request ids, metrics, /healthz, /readyz, /metrics
    from app.jobs.local import start_with_first_request

    start_with_first_request(app)  # make run without Redis: jobs and schedule in a thread
    from app.front_cache import init_front_cache

    init_front_cache(app)  # last: in front of every other middleware
    return app


def _config_class(config: str | type[Config] | None) -> type[Config]:
    if isinstance(config, type):
        return config
    name = config or os.environ.get("CONCERTO_CONFIG", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"Configuration inconnue : {name!r} ({', '.join(CONFIGS)})") from None


def _resolve_sqlite_path(app: Flask) -> None:
    """A relative SQLite path lives in the instance folder, created on demand."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////") and ":memory:" not in uri:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        path = Path(app.instance_path) / uri.removeprefix("sqlite:///")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    init_migrations(app, str(ROOT / "migrations"), compare_type=True, render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Connectez-vous pour accéder à cette page."
    login_manager.login_message_category = "info"
    from app.accounts.sessions import init_sessions

    init_sessions(app)
    from app.database import configure_engine, release_sessions_quietly

    release_sessions_quietly(app)
    with app.app_context():
        configure_engine(db.engine, app.config)
    from app.calendar.cache import init_cache

    init_cache(app)
    from app.ratelimits import init_limiter

    init_limiter(app)
    from app.oidc import init_oidc

    init_oidc(app)  # ProConnect and FranceConnect: nothing fetched until the first sign-in
    if app.config["TRUSTED_PROXIES"]:
        # Behind a reverse proxy the client's address (for rate limits) is in X-Forwarded-For.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        # Flask's documented way to add WSGI middleware (its types declare a method).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_models() -> None:
    """Import every model module so metadata (and Alembic) sees all tables."""
    import app.accounts.models
    import app.audit
    import app.campaigns.models
    import app.contributions.models
    import app.documents.models
    import app.followups.models
    import app.mail
    import app.press.models
    import app.registrations.models
    import app.revisions
    import app.storage
    import app.syntheses.models
    import app.territories.models  # noqa: F401


def register_converters(app: Flask) -> None:
    """Before any route is added: ``<int:...>`` ids stay within what the database holds."""
    from app.routing import DatabaseIdConverter

    app.url_map.converters["int"] = DatabaseIdConverter


def register_blueprints(app: Flask) -> None:
    from app.accounts.account_routes import bp as account_bp
    from app.accounts.admin_routes import bp as accounts_manage_bp
    from app.accounts.oidc_routes import bp as proconnect_bp
    from app.accounts.routes import bp as accounts_bp
    from app.api.routes import bp as api_bp
    from app.auditlog.routes import bp as audit_bp
    from app.calendar.routes import bp as calendar_bp
    from app.campaigns.manage_routes import bp as manage_bp
    from app.campaigns.routes import bp as campaigns_bp
    from app.contributions.capture_routes import bp as capture_bp
    from app.contributions.moderation_routes import bp as moderation_bp
    from app.contributions.routes import bp as contributions_bp
    from app.contributions.settings_routes import bp as contribution_settings_bp
    from app.documents.routes import bp as documents_bp
    from app.followups.routes import bp as follow_ups_bp
    from app.followups.routes import staff_bp as follow_ups_staff_bp
    from app.opendata.routes import bp as opendata_bp
    from app.operations.outbox_routes import bp as outbox_bp
    from app.press.manage_routes import bp as manage_press_bp
    from app.press.routes import bp as press_bp
    from app.privacy.routes import bp as privacy_bp
    from app.public.routes import bp as public_bp
    from app.registrations.franceconnect import bp as franceconnect_bp
    from app.registrations.manage_routes import bp as manage_registrations_bp
    from app.registrations.routes import bp as registrations_bp
    from app.syntheses.report_routes import bp as step_reports_bp
    from app.syntheses.routes import bp as syntheses_bp
    from app.territories.routes import bp as territories_bp

    for blueprint in (public_bp, calendar_bp, campaigns_bp, territories_bp, press_bp,
                      registrations_bp, accounts_bp, manage_bp, manage_press_bp,
                      manage_registrations_bp, contributions_bp, moderation_bp, capture_bp,
                      contribution_settings_bp, opendata_bp, api_bp,
                      syntheses_bp, step_reports_bp, audit_bp, account_bp, accounts_manage_bp,
                      privacy_bp, outbox_bp, documents_bp, follow_ups_bp,
                      follow_ups_staff_bp, proconnect_bp, franceconnect_bp):
        app.register_blueprint(blueprint)
    from app.operations.dev_mail_routes import init_dev_mail_viewer

    init_dev_mail_viewer(app)  # development only (DEV_MAIL_VIEWER)


def register_template_helpers(app: Flask) -> None:
    from app.templating import init_templating

    init_templating(app)


def register_error_handlers(app: Flask) -> None:
    from app.errors import init_error_handlers

    init_error_handlers(app)


def register_security(app: Flask) -> None:
    from app.security import init_security

    init_security(app)


def register_cli(app: Flask) -> None:
    from app.cli import init_cli

    init_cli(app)
