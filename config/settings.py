"""Tessera settings, read from the environment.

Every value a deployment changes comes from an environment variable, each listed in .env.example
and in docs/operations.md; the defaults are for a developer's machine and are refused where they
would be unsafe: without DEBUG, Tessera refuses to start until every required variable is set,
naming each one missing (see ``REQUIRED_MISSING`` at the end of this file).
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# Development defaults for secrets are allowed only when DEBUG is on or under pytest.
DEV_DEFAULTS_ALLOWED = DEBUG or "PYTEST_VERSION" in os.environ


# Production: neither DEBUG nor a test run. Security defaults (HTTPS only, secure cookies, HSTS)
# and JSON logs are on here; each has its own variable to turn it off.
PRODUCTION = not DEV_DEFAULTS_ALLOWED
REQUIRED_MISSING: list[str] = []


def env_required(name: str, dev_default: str) -> str:
    """The value of the environment variable ``name``: production requires it (every missing one
    is named when settings finish loading); development uses ``dev_default``."""
    value = os.environ.get(name, "")
    if value:
        return value
    if not DEV_DEFAULTS_ALLOWED:
        REQUIRED_MISSING.append(name)
    return dev_default


SECRET_KEY = env_required("SECRET_KEY", "dev-only-insecure-secret-key-do-not-use-in-production")
# Former SECRET_KEYs still accepted for signatures made before a rotation (docs/operations.md).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", "")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# HTTPS (docs/operations.md, "HTTPS"). Behind a proxy that ends TLS, set SECURE_PROXY_SSL_HEADER=1
# so that the proxy's X-Forwarded-Proto tells Django a request came over HTTPS; the proxy must
# then set that header itself on every request. Health and metrics answer over plain HTTP too,
# for probes and scrapers inside the network.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

INSTALLED_APPS = [
    "tessera",  # first: its db_worker extends django_tasks_db's with retries, recovery, schedule
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_fsm",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "orders",
    "suppliers",
    "payments",
    "checkout",
    "backoffice",
    "partner_api",
    "sandbox",
    "notifications",
    "webhooks",
    "ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tessera.correlation.CorrelationIdMiddleware",
    "tessera.log_context.LogContextMiddleware",
    "tessera.metrics.RequestMetricsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tessera.locale.CustomerLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters travel apart from the SQL and psycopg prepares a statement the fifth time a
    # connection runs it, so PostgreSQL stops parsing and planning the hot path's statements anew
    # on every order (docs/benchmarks.md). Django leaves preparing off for the sake of
    # transaction-mode poolers (PgBouncer before 1.21); set DB_PREPARE_THRESHOLD= to do the same.
    threshold = os.environ.get("DB_PREPARE_THRESHOLD", "5")
    DATABASES["default"]["OPTIONS"] = {
        "server_side_binding": True,
        "prepare_threshold": int(threshold) if threshold else None,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has no row locks: IMMEDIATE transactions take the write lock up front, so the
    # services' select_for_update() sections still serialize; WAL lets readers run meanwhile.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, so that worker processes started by tests see the test database.
    # TEST_DB_SUFFIX lets several test runs share a checkout.
    test_db = f".pytest-db{os.environ.get('TEST_DB_SUFFIX', '')}.sqlite3"
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / test_db)}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

# The customer's pages speak these languages, chosen from the browser's Accept-Language or the
# page's switcher (tessera/locale.py); the back office and the partner API stay in English.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("nb", "Norsk bokmål"), ("nl", "Nederlands"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# "7 Dec 2026, 00:01 UTC" wherever Django writes a date in English (config/formats/en).
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The admin's and the API docs' assets are served by the app itself through WhiteNoise, from
# STATIC_ROOT (run collectstatic on deploy).

# The partner API accepts bodies up to 1 MiB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tessera"}
    )
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["orders.api.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["tessera.api.principal.IsPartner"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["tessera.api.parsers.SafeJSONParser"],
    "DEFAULT_THROTTLE_RATES": {"partner": os.environ.get("API_RATE_LIMIT", "1200/min")},
    "EXCEPTION_HANDLER": "tessera.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "partner_api.schema.PartnerAutoSchema",
    "UNAUTHENTICATED_USER": None,
}

# Where the partner API keeps Idempotency-Keys (tessera.api.idempotency calls its functions).
IDEMPOTENCY_STORE = "orders.services.idempotency"

SPECTACULAR_SETTINGS = {
    "TITLE": "Tessera partner API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "InvoiceStatusEnum": "payments.models.InvoiceStatus",
        "VoucherStatusEnum": "orders.statuses.VoucherStatus",
        "VoucherKindEnum": "orders.statuses.VoucherKind",
        "LineStatusEnum": "orders.statuses.LineStatus",
        "LineSubStatusEnum": "orders.statuses.LineSubStatus",
        "DeliveryEnum": "suppliers.models.Delivery",
        "DeliveryModeEnum": "suppliers.models.DeliveryMode",
        "BillingModeEnum": "orders.statuses.BillingMode",
        "PaymentMethodEnum": ["wallet", "invoice"],
        "EventTypeEnum": "tessera.event_types.EventType",
        "AmendmentStatusEnum": "orders.statuses.AmendmentStatus",
        "PaymentStatusEnum": "payments.models.PaymentStatus",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "partner_api.schema.describe_catalogs",
        "partner_api.schema.close_request_bodies",
        "partner_api.schema.add_links",
        "webhooks.schema.describe_webhooks",
    ],
}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": [],
    }
}

# --- Tessera ---------------------------------------------------------------------------------

# How long a PENDING order lives after its last change, and how far ahead it may be set.
ORDER_EXPIRY_DEFAULT = timedelta(minutes=int(os.environ.get("ORDER_EXPIRY_MINUTES", "20")))
ORDER_EXPIRY_MAX = timedelta(days=183)
AMENDMENT_EXPIRY_DEFAULT = timedelta(minutes=int(os.environ.get("AMENDMENT_EXPIRY_MINUTES", "20")))
OFFER_VALIDITY = timedelta(minutes=int(os.environ.get("OFFER_VALIDITY_MINUTES", "30")))

# Retries of retryable supplier errors: delay = base * 2**(attempt-1), capped, with jitter.
TASK_RETRY_BASE_SECONDS = float(os.environ.get("TASK_RETRY_BASE_SECONDS", "2"))
TASK_RETRY_MAX_DELAY_SECONDS = float(os.environ.get("TASK_RETRY_MAX_DELAY_SECONDS", "300"))
TASK_MAX_ATTEMPTS = int(os.environ.get("TASK_MAX_ATTEMPTS", "6"))

# Tasks each db_worker process runs at once, on threads: a task waiting on a supplier holds a
# thread, not the process (tessera.background.concurrent_worker).
WORKER_THREADS = int(os.environ.get("WORKER_THREADS", "64"))
# Of those threads, how many keep their database connection open between tasks (the others
# close it when their task ends; threads waiting on a supplier over HTTP hold none).
WORKER_DB_CONNECTIONS = int(os.environ.get("WORKER_DB_CONNECTIONS", "8"))

# Worker housekeeping: heartbeat, recovery of tasks left RUNNING by a dead worker, schedule.
WORKER_HEARTBEAT_SECONDS = float(os.environ.get("WORKER_HEARTBEAT_SECONDS", "5"))
WORKER_DEAD_AFTER_SECONDS = float(os.environ.get("WORKER_DEAD_AFTER_SECONDS", "30"))
# A RUNNING task older than this is recovered even if no heartbeat tells its worker is dead.
TASK_STUCK_AFTER_SECONDS = float(os.environ.get("TASK_STUCK_AFTER_SECONDS", "900"))
# Lines waiting on a supplier longer than this are looked at again by the reconcile sweep.
LINE_STALE_AFTER_SECONDS = float(os.environ.get("LINE_STALE_AFTER_SECONDS", "120"))
# A supplier that delivers vouchers later (delayed delivery) is asked again this often.
VOUCHER_POLL_SECONDS = float(os.environ.get("VOUCHER_POLL_SECONDS", "10"))

PERIODIC_TASKS = {
    # task path: interval in seconds
    "orders.tasks.expire_orders": float(os.environ.get("EXPIRY_SWEEP_SECONDS", "30")),
    "orders.tasks.expire_amendments": float(os.environ.get("EXPIRY_SWEEP_SECONDS", "30")),
    "orders.tasks.reconcile_lines": float(os.environ.get("RECONCILE_SWEEP_SECONDS", "60")),
    "orders.tasks.poll_delayed_vouchers": VOUCHER_POLL_SECONDS,
    "payments.tasks.reconcile_gateway_payments": float(os.environ.get("GATEWAY_SWEEP_SECONDS", "60")),
    "payments.tasks.close_invoices": float(os.environ.get("INVOICE_CLOSE_SECONDS", "3600")),
    "payments.tasks.reconcile_refunds": float(os.environ.get("REFUND_SWEEP_SECONDS", "60")),
    "tessera.tasks.prune_task_results": 3600.0,
    "orders.tasks.prune_idempotency_records": 3600.0,
    "tessera.tasks.vacuum_queue_tables": float(os.environ.get("QUEUE_VACUUM_SECONDS", "30")),
    "webhooks.tasks.purge_events": 3600.0,
}

# Webhooks (docs/api.md "Webhooks", docs/operations.md). The retry schedule is seconds after each
# failed attempt (±10 % jitter); after the last one the delivery has failed.
WEBHOOK_API_VERSION = "v1"
WEBHOOK_RETRY_SCHEDULE = [
    float(seconds)
    for seconds in env_list("WEBHOOK_RETRY_SCHEDULE", "5,300,1800,7200,18000,36000,50400,72000,86400")
]
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "15"))
WEBHOOK_MAX_IN_FLIGHT = int(os.environ.get("WEBHOOK_MAX_IN_FLIGHT", "2"))
WEBHOOK_SECRET_GRACE = timedelta(hours=float(os.environ.get("WEBHOOK_SECRET_GRACE_HOURS", "24")))
WEBHOOK_DISABLE_AFTER = timedelta(hours=float(os.environ.get("WEBHOOK_DISABLE_AFTER_HOURS", "72")))
WEBHOOK_EVENT_RETENTION = timedelta(days=int(os.environ.get("WEBHOOK_EVENT_RETENTION_DAYS", "30")))
WEBHOOK_DISPATCH_DELAY = timedelta(milliseconds=int(os.environ.get("WEBHOOK_DISPATCH_DELAY_MS", "100")))
# The event feed shows events this long after their id was taken (webhooks.selectors.events_of).
WEBHOOK_FEED_SETTLE = timedelta(seconds=2)
# http and loopback/private addresses for endpoints: only where Tessera is not in production, unless
# an operator whose receivers live on a private network (or a benchmark on loopback) says so.
WEBHOOK_ALLOW_LOCAL_URLS = env_bool("WEBHOOK_ALLOW_LOCAL_URLS", not PRODUCTION)
TASK_RESULT_RETENTION = timedelta(days=int(os.environ.get("TASK_RESULT_RETENTION_DAYS", "7")))

# The supplier simulator (manage.py supplier_simulator) that seed_demo points the demo's rail and
# voucher suppliers at; empty: they are the in-process sandbox.
SUPPLIER_SIMULATOR_URL = os.environ.get("SUPPLIER_SIMULATOR_URL", "")

# The sandbox supplier's latencies are multiplied by this (tests make them short).
SANDBOX_TIME_SCALE = float(os.environ.get("SANDBOX_TIME_SCALE", "1"))

# Voucher encryption keys: "keyid:base64key,keyid2:base64key2"; the first encrypts new values.
VOUCHER_KEYS = env_required("VOUCHER_KEYS", "dev1:dGVzc2VyYS1kZXYtb25seS12b3VjaGVyLWtleS0zMmI=")
# Key of the keyed hash (HMAC-SHA256) of voucher codes, for lookups and uniqueness without the
# plaintext. Separate from VOUCHER_KEYS, which rotate: this one must stay, or digests change.
VOUCHER_DIGEST_KEY = env_required("VOUCHER_DIGEST_KEY", "tessera-dev-only-voucher-digest-key")

# Where customers and providers reach this installation (checkout links, provider callbacks,
# e-mails). Required in production; in development the host and port `make run` serves on.
PUBLIC_BASE_URL = env_required(
    "PUBLIC_BASE_URL", f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
).rstrip("/")
# Its host is served, and trusted as the origin of the admin's forms, without repeating it.
_public = urlsplit(PUBLIC_BASE_URL)
if _public.hostname and _public.hostname not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(_public.hostname)
CSRF_TRUSTED_ORIGINS.append(f"{_public.scheme}://{_public.netloc}")

# The payment gateway: which provider hosts the payment page, and the sandbox provider's settings.
PAYMENT_GATEWAY_PROVIDER = os.environ.get("PAYMENT_GATEWAY_PROVIDER", "sandbox")
SANDBOX_PROVIDER_SECRET = env_required("SANDBOX_PROVIDER_SECRET", "tessera-dev-only-sandbox-provider-secret")

# Key of the HMAC-SHA256 signature in a ticket's QR code (orders/ticket_signing.py): whoever
# holds it can make tickets that scan as genuine. Changing it voids every ticket printed before.
TICKET_SIGNING_KEY = env_required("TICKET_SIGNING_KEY", "tessera-dev-only-ticket-signing-key")

# The sandbox provider settles a refund this long after accepting it (scaled by
# SANDBOX_TIME_SCALE): "succeed", or "fail" to show a refund the provider refuses.
SANDBOX_PROVIDER_REFUNDS = os.environ.get("SANDBOX_PROVIDER_REFUNDS", "succeed")
SANDBOX_PROVIDER_REFUND_SECONDS = float(os.environ.get("SANDBOX_PROVIDER_REFUND_SECONDS", "2"))
# A gateway payment PENDING this long is asked about server-side by the reconcile sweep.
GATEWAY_RECONCILE_AFTER_SECONDS = float(os.environ.get("GATEWAY_RECONCILE_AFTER_SECONDS", "300"))

# The back office. Transition buttons appear only for transitions marked custom={"admin": True}.
FSM_ADMIN_FORCE_PERMIT = True
# The attention dashboard: a PROCESSING order is stuck after this long; a PENDING one is about to
# expire within this; a wallet is running low below this balance (in its own currency).
ATTENTION_PROCESSING_MINUTES = int(os.environ.get("ATTENTION_PROCESSING_MINUTES", "15"))
ATTENTION_EXPIRING_MINUTES = int(os.environ.get("ATTENTION_EXPIRING_MINUTES", "10"))
WALLET_LOW_BALANCE = os.environ.get("WALLET_LOW_BALANCE", "100.00")

# Customer e-mails (notifications/), sent by the workers: EMAIL_BACKEND "smtp" (EMAIL_HOST,
# EMAIL_PORT) or "console", which development uses to print them in the worker's output.
EMAIL_BACKEND_NAME = os.environ.get("EMAIL_BACKEND", "console" if DEBUG else "smtp")
MAILERS = {
    "default": {
        "BACKEND": f"django.core.mail.backends.{EMAIL_BACKEND_NAME}.EmailBackend",
        "OPTIONS": (
            {
                "host": os.environ.get("EMAIL_HOST", "localhost"),
                "port": int(os.environ.get("EMAIL_PORT", "25")),
            }
            if EMAIL_BACKEND_NAME == "smtp"
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Tessera <orders@tessera.localhost>")

# Fonts for PDF documents (receipts, invoices, tickets); DejaVu Sans prints every European script.
PDF_FONT_DIR = os.environ.get("PDF_FONT_DIR", "/usr/share/fonts/truetype/dejavu")
# Fonts tried, in this order, for a character DejaVu lacks (paths under PDF_FONT_ROOT; Debian's
# fonts-noto-core, fonts-noto-cjk, fonts-noto-color-emoji, fonts-symbola). A missing file is skipped.
PDF_FONT_ROOT = os.environ.get("PDF_FONT_ROOT", "/usr/share/fonts")
PDF_FALLBACK_FONTS = [
    "truetype/noto/NotoSansArabic-Regular.ttf",
    "truetype/noto/NotoSansHebrew-Regular.ttf",
    "opentype/noto/NotoSansCJK-Regular.ttc",
    "truetype/noto/NotoSans-Regular.ttf",
    "truetype/noto/NotoColorEmoji.ttf",
    "truetype/ancient-scripts/Symbola_hint.ttf",
]

# The seller on customers' receipts where the partner names none (Partner.seller_address and
# seller_vat_number in the admin); the seller's name is the partner's own.
SELLER_ADDRESS = os.environ.get("SELLER_ADDRESS", "")
SELLER_VAT_NUMBER = os.environ.get("SELLER_VAT_NUMBER", "")

# Logs: LOG_FORMAT=json writes one JSON object a line (the default in production), "plain" one
# readable line (the default in development). Both carry the correlation id; JSON lines also the
# partner, the order and the task when known (tessera/log_context.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "plain")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "tessera.log_context.LogContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"},
        "json": {"()": "tessera.log_context.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Replaces Django's default "django" handlers, which would print every line twice.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # fpdf2 embeds fonts with fontTools, which logs dozens of INFO lines per PDF.
        "fontTools": {"level": "WARNING"},
    },
}

# --- Operations (docs/operations.md) ----------------------------------------------------------

# /metrics answers only a request carrying "Authorization: Bearer <METRICS_TOKEN>"; without a
# token set it answers no one (404), in development too.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# Figures read from the database at scrape time (orders by status, money, the queue) are kept
# this long, so that several scrapers or a short scrape interval cost one set of queries.
METRICS_DB_CACHE_SECONDS = float(os.environ.get("METRICS_DB_CACHE_SECONDS", "15"))
# /health/ready fails when the oldest task ready to run waited longer than this, when no worker
# beat a heartbeat within this, or when a supplier's breaker stayed open longer than this.
HEALTH_QUEUE_MAX_AGE_SECONDS = float(os.environ.get("HEALTH_QUEUE_MAX_AGE_SECONDS", "300"))
HEALTH_WORKER_MAX_SILENCE_SECONDS = float(os.environ.get("HEALTH_WORKER_MAX_SILENCE_SECONDS", "60"))
HEALTH_BREAKER_MAX_OPEN_SECONDS = float(os.environ.get("HEALTH_BREAKER_MAX_OPEN_SECONDS", "900"))

# Error reports and traces go to Sentry when SENTRY_DSN is set (off by default).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    from tessera.error_reporting import start_error_reporting

    start_error_reporting(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )

if REQUIRED_MISSING:
    raise ImproperlyConfigured(
        "Tessera refuses to start: "
        + " ".join(f"{name} must be set when DEBUG is off." for name in REQUIRED_MISSING)
        + " (docs/operations.md lists every setting.)"
    )
