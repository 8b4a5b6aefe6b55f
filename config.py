"""Configuration classes for Concerto.

Values here are defaults only: ``create_app`` overlays the process environment on top of the
chosen class (see ``app.settings.load_environment``), so nothing reads the environment at import.
"""

from __future__ import annotations

DEFAULT_SECRET_KEY = "dev-only-change-me"  # noqa: S105 (refused in production)


class Config:
    SECRET_KEY = DEFAULT_SECRET_KEY
    SQLALCHEMY_DATABASE_URI = "sqlite:///concerto.db"  # relative to the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # WTForms' own French messages are used (Meta.locales); Flask-Babel is not needed.
    WTF_I18N_ENABLED = False
    WTF_CSRF_TIME_LIMIT = 4 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # A staff session lasts at most this long (seconds), and ends after STAFF_IDLE_MINUTES
    # without a request; no "remember me" cookie outlives it.
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    STAFF_IDLE_MINUTES = 60
    # Staff accounts: consecutive failed logins before a lock, and its length; links to set a
    # password (invitation, reset) and how long they work; minimum password length.
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    LOGIN_LIMIT_PER_IP = "30 per 10 minutes"
    PASSWORD_RESET_LIMIT_PER_IP = "10 per hour"  # noqa: S105 (a rate, not a password)
    INVITATION_LINK_DAYS = 7
    PASSWORD_RESET_MINUTES = 60
    PASSWORD_MIN_LENGTH = 12
    # Two-factor authentication (TOTP) is optional for staff; with this on, administrators
    # must turn it on before they can use the back office.
    REQUIRE_ADMIN_2FA = False
    # ProConnect (OpenID Connect) sign-in for staff, shown when these three are set: the
    # issuer URL (its /.well-known/openid-configuration is read at the first sign-in, not at
    # start-up) and the client's id and secret. An invitation still decides who is staff
    # (README « ProConnect et FranceConnect »). PROCONNECT_REQUIRED=1 turns the password off.
    PROCONNECT_ISSUER = ""
    PROCONNECT_CLIENT_ID = ""
    PROCONNECT_CLIENT_SECRET = ""
    PROCONNECT_REQUIRED = False
    # FranceConnect, optional for participants: it only pre-fills the registration form.
    FRANCECONNECT_ISSUER = ""
    FRANCECONNECT_CLIENT_ID = ""
    FRANCECONNECT_CLIENT_SECRET = ""
    # Each call to an identity provider (discovery, keys, token, userinfo) gives up after this.
    OIDC_TIMEOUT_SECONDS = 5
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    # Strict-Transport-Security max-age in seconds; 0 sends no HSTS header (development, tests).
    HSTS_SECONDS = 0
    HSTS_INCLUDE_SUBDOMAINS = False

    # Who runs this deployment. The State brand block (Marianne logo and font) is reserved to
    # State services: BRAND_STATE=1 turns it on; otherwise a neutral header is shown.
    BRAND_STATE = False
    BRAND_OPERATOR = "Concerto"
    BRAND_OPERATOR_LONG = "Concertations publiques en santé"
    BRAND_SITE_NAME = "Concerto"
    BRAND_TAGLINE = "Les concertations publiques en santé, de l’invitation à la synthèse"
    BRAND_CONTACT_EMAIL = "contact@concerto.example"

    # Campaign shown on the home page (slug); empty means the most recent one.
    FEATURED_CAMPAIGN = ""
    # Frozen "now" (ISO 8601) to replay a campaign as of a given day, e.g. 2022-11-03T12:00.
    CONCERTO_NOW = ""
    DEFAULT_TIMEZONE = "Europe/Paris"
    # Absolute links in mails and calendar files (e.g. https://concertations.example.fr).
    PUBLIC_BASE_URL = ""
    # Calendar UIDs are <uuid>@CALENDAR_UID_DOMAIN: never change it once invitations are out.
    CALENDAR_UID_DOMAIN = "concerto"
    # How long a process trusts its cached feeds and pages before asking the database for the
    # content revisions (app.revision_sync).
    CALENDAR_CACHE_SECONDS = 1.0
    CALENDAR_MAX_AGE = 300
    # Public pages kept per process for anonymous visitors (app.page_cache); 0 turns it off.
    PAGE_CACHE_MAX_PAGES = 2000

    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_DEFAULT_SENDER = "Concerto <ne-pas-repondre@concerto.example>"
    # "smtp", "console" or "folder" (writes .eml files to MAIL_FOLDER)
    MAIL_BACKEND = "smtp"
    MAIL_FOLDER = ""

    # Press space: who journalists call, and press-kit upload limits.
    PRESS_CONTACT_NAME = "Service presse"
    PRESS_CONTACT_EMAIL = ""  # empty: BRAND_CONTACT_EMAIL
    PRESS_CONTACT_PHONE = ""
    PRESS_KIT_MAX_BYTES = 10 * 1024 * 1024

    # Registrations: how long a management link stays valid; when to anonymise registrations
    # of steps held long ago (flask purge-personal-data).
    REGISTRATION_LINK_DAYS = 180
    REGISTRATION_RETENTION_DAYS = 365
    # Retention (flask purge-personal-data): contributors' addresses, counted from the later of
    # the contribution and the campaign's synthesis deadline; queued mails (recipient and body);
    # press accreditations that follow no step held within this period.
    CONTRIBUTION_EMAIL_RETENTION_DAYS = 365
    MAIL_RETENTION_DAYS = 90
    PRESS_RETENTION_DAYS = 365

    # Legal pages (mentions légales, données personnelles, accessibilité). Empty values fall
    # back to BRAND_OPERATOR_LONG / BRAND_CONTACT_EMAIL. A Markdown file
    # <LEGAL_PAGES_FOLDER>/<page>.md (default <instance>/pages/) is added at the end of a page.
    DATA_CONTROLLER = ""
    DPO_CONTACT = ""
    PRIVACY_LEGAL_BASIS = (
        "l’exécution d’une mission d’intérêt public (article 6, paragraphe 1, point e, du RGPD) :"
        " associer les usagers, les professionnels de santé et les élus à la politique de santé"
        " du territoire (démocratie en santé)")
    LEGAL_PUBLISHER = ""
    LEGAL_DIRECTOR = ""
    LEGAL_HOST = ""
    LEGAL_PAGES_FOLDER = ""
    # RGAA declaration: « totalement », « partiellement » or « non » conforme. Without an audit
    # date the site is declared « non conforme », as the RGAA requires.
    ACCESSIBILITY_STATUS = "non conforme"
    ACCESSIBILITY_AUDIT_DATE = ""  # ISO date, e.g. 2026-03-15
    ACCESSIBILITY_AUDIT_BY = ""
    ACCESSIBILITY_AUDIT_METHOD = ""
    ACCESSIBILITY_COMPLIANCE_RATE = ""  # share of RGAA criteria met, e.g. 78
    ACCESSIBILITY_DECLARATION_DATE = ""  # ISO date; empty: the audit date
    ACCESSIBILITY_SCHEME_URL = ""  # the operator's multi-year accessibility scheme

    # A published contribution reported this many times is hidden until a moderator reviews it.
    CONTRIBUTION_REPORT_THRESHOLD = 3
    # Imports of contributions and answers (CSV or XLSX).
    IMPORT_MAX_BYTES = 2 * 1024 * 1024

    # Abuse limits (Flask-Limiter syntax). Per IP they stay generous: a whole room of phones
    # may share the venue's one address. Per email they are tight. Shared between processes
    # through Redis when REDIS_URL is set, per process otherwise.
    RATELIMIT_ENABLED = True
    # If Redis goes away, count in memory rather than refuse or crash.
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # How many reverse proxies stand in front of the app (their X-Forwarded-For is trusted).
    TRUSTED_PROXIES = 0
    CONTRIBUTION_LIMIT_PER_IP = "60 per hour"
    CONTRIBUTION_LIMIT_PER_EMAIL = "10 per hour"
    SUPPORT_LIMIT_PER_IP = "300 per hour"

    REDIS_URL = ""
    # Every Redis connection (rate limits, readiness) gives up after this long, to connect or
    # to read an answer: a Redis that accepts and never answers costs a request this, once.
    REDIS_SOCKET_TIMEOUT_MS = 300

    # Background jobs (README « Tâches de fond »): "rq" queues them in Redis for `flask worker`;
    # "thread" runs them in a thread of this process (make run without Redis); "eager" runs
    # each one as soon as the transaction that asked for it commits (tests). Empty: "rq" when
    # REDIS_URL is set, "thread" otherwise.
    JOBS_MODE = ""
    JOBS_QUEUE = "concerto"
    # A worker holds a mail this long while sending it; past it, another worker may take it.
    MAIL_LEASE_SECONDS = 120
    # Waits between attempts: 30 s, 1 min, 2 min… up to MAIL_RETRY_MAX_SECONDS.
    MAIL_RETRY_BASE_SECONDS = 30
    MAIL_RETRY_MAX_SECONDS = 3600
    # Each SMTP conversation gives up after this long (to connect, or for an answer).
    MAIL_TIMEOUT_SECONDS = 10

    # Operations (README « Exploitation »). SQLite: how long a writer waits for the write lock
    # before « database is locked ». PostgreSQL: how long to wait for a new connection.
    SQLITE_BUSY_TIMEOUT_MS = 5000
    DATABASE_CONNECT_TIMEOUT = 5
    # Database unreachable: the 503 page asks the browser (or the proxy) to retry after this.
    DATABASE_RETRY_AFTER_SECONDS = 30
    # "json" (one object per line, for a log collector) or "text" (for a person).
    LOG_FORMAT = "text"
    LOG_LEVEL = "INFO"
    # /metrics: with a token, only to « Authorization: Bearer <token> »; without one, only to
    # these networks (comma-separated; behind a reverse proxy, set TRUSTED_PROXIES so that the
    # client's own address is the one checked).
    METRICS_TOKEN = ""
    METRICS_ALLOWED_NETWORKS = "127.0.0.0/8,::1/128"

    TESTING = False
    DEBUG = False
    # The development page listing sent mails (app.operations.dev_mail_routes).
    DEV_MAIL_VIEWER = False


class DevelopmentConfig(Config):
    DEBUG = True
    MAIL_BACKEND = "console"
    # /dev/courriels: the outbox's mails, readable in the browser (never in production).
    DEV_MAIL_VIEWER = True


class TestingConfig(Config):
    TESTING = True
    CALENDAR_CACHE_SECONDS = 0.0
    SECRET_KEY = "testing-secret-key"  # noqa: S105
    WTF_CSRF_ENABLED = True
    PREFERRED_URL_SCHEME = "http"
    MAIL_BACKEND = "smtp"
    JOBS_MODE = "eager"
    # Still scrypt, at 1/32 of werkzeug's default work factor (N=2^15): a hash costs about 3 ms
    # instead of 90 ms. The test accounts of tests/factories.py are hashed with it.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # noqa: S105 (a method, not a password)


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS_SECONDS = 2 * 365 * 24 * 3600  # two years, as HSTS preload lists ask
    LOG_FORMAT = "json"
    # Behind nginx on the same host every request comes from 127.0.0.1: no network is trusted
    # by default, so /metrics needs METRICS_TOKEN (or networks set on purpose).
    METRICS_ALLOWED_NETWORKS = ""


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
