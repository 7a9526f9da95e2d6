"""Pinboard settings: one module, every outside value read through pinboard_site.env."""

import hashlib
import importlib.metadata
import ipaddress
import logging
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import sentry_sdk
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from dotenv import load_dotenv
from sentry_sdk.integrations.django import DjangoIntegration

from pinboard_site.env import (
    ImproperlyConfiguredEnv,
    env_bool,
    env_fernet_keys,
    env_int,
    env_list,
    env_str,
    env_url,
)
from pinboard_site.log_redaction import redact_sentry_event

BASE_DIR = Path(__file__).resolve().parent.parent
# Development: `make run` writes .env (generated keys, DEBUG=true). The real environment always wins,
# and PINBOARD_ENV_FILE="" turns the file off (the tests do; production sets real variables).
ENV_FILE = os.environ.get("PINBOARD_ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE:
    load_dotenv(ENV_FILE, override=False)
VAR_DIR = Path(env_str("PINBOARD_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfiguredEnv("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"

PORT = env_int("PORT", 8000, minimum=1, maximum=65535)
# The address users and Pinterest reach this server at (OAuth redirects, email links, asset URLs):
# required in production, where a wrong default would send people to 127.0.0.1.
SITE_URL = env_url("SITE_URL", f"http://127.0.0.1:{PORT}" if DEBUG else None)
if not DEBUG and not SITE_URL:
    raise ImproperlyConfiguredEnv("SITE_URL must be set when DEBUG is off (e.g. https://pinboard.example.com)")
_SITE = urlsplit(SITE_URL)
# Derived from SITE_URL unless given. Loopback stays allowed so probes inside the host or container
# (Docker HEALTHCHECK, a local curl of /healthz) are not refused as a foreign Host.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [_SITE.hostname, "127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [f"{_SITE.scheme}://{_SITE.netloc}"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "template_partials",
    "django_htmx",
    "django_q",
    "axes",
    "ninja",  # serves the /v1/docs page from local static files (no CDN)
    "publishing",
    "pinterest_sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The client's address (behind TRUSTED_PROXY_COUNT proxies), for the audit log.
    "publishing.client_address.ClientAddressMiddleware",
    # Content-Security-Policy on every response (django-csp; the policy is CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # Request ids, the error shape of non-API responses under /v1 and one JSON log line per API request.
    "publishing.api.middleware.ApiRequestMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # An htmx request after the session ended: a 401, not the login page swapped into the page.
    "publishing.middleware.HtmxSessionEndedMiddleware",
    "publishing.middleware.CurrentWorkspaceMiddleware",
    "publishing.middleware.WorkspaceTimeZoneMiddleware",
    "publishing.middleware.PinterestDeadlineMiddleware",
    # Axes must be last: it turns locked-out attempts into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pinboard_site.urls"
WSGI_APPLICATION = "pinboard_site.wsgi.application"

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
                "publishing.context_processors.workspace",
            ],
        },
    },
]

_DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'pinboard.sqlite3'}")
_ON_SQLITE = _DATABASE_URL.startswith("sqlite:")
DATABASES = {
    "default": dj_database_url.parse(
        _DATABASE_URL,
        # PostgreSQL: each web thread and each worker keeps its connection for a minute (opening one
        # cost more than the whole of a small request), checked before each reuse so a restarted
        # server costs a reconnect, not a failed request. SQLite opens a file: nothing to keep.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0 if _ON_SQLITE else 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's, with its per-request health check costing no round trip while the connection is quiet.
    DATABASES["default"]["ENGINE"] = "pinboard_site.postgresql"
# The API's per-request credential reads (publishing/models/joined_reads.py) run as PostgreSQL
# prepared statements: planning their joins cost PostgreSQL 0.38 ms a call, executing the prepared
# plan 0.06 ms. Turn off behind a pooler that cannot carry prepared statements (PgBouncer before
# 1.21, or without max_prepared_statements, in transaction mode).
DATABASE_PREPARED_READS = env_bool("DATABASE_PREPARED_READS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the worker share one SQLite file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "publishing.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out credentials before they are checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "overview"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): failures are counted per account and, separately, per IP,
# so neither guessing one password everywhere nor many passwords for one account works.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# A guest reviewer's page (/review/<token>, no log-in): requests per client address per minute, so a
# token cannot be guessed by brute force (publishing/views/review.py; 429 beyond).
REVIEW_PAGE_REQUESTS_PER_MINUTE = env_int("REVIEW_PAGE_REQUESTS_PER_MINUTE", 60, minimum=1)
# How many reverse proxies stand in front of the web nodes, each appending to X-Forwarded-For: the
# client's address is read from there (publishing/client_address.py), for login throttling, the
# review pages' limit and the audit log. 0: REMOTE_ADDR, and X-Forwarded-For is ignored.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "publishing.client_address.client_address"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS enforcement under Django's own names, off unless set: HSTS is a promise browsers keep for
# SECURE_HSTS_SECONDS, so it is the operator's decision (docs/deployment.md, .env.example).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Probes and the metrics scrape reach a node directly over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where `scripts/release static` (collectstatic) writes and WhiteNoise serves from.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded media: local disk (MEDIA_ROOT) by default; MEDIA_STORAGE=s3 keeps it in an S3-compatible
# bucket instead, so web nodes and workers on different machines share it (docs/deployment.md).
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "local").lower()
if MEDIA_STORAGE not in ("local", "s3"):
    raise ImproperlyConfiguredEnv(f"MEDIA_STORAGE must be 'local' or 's3', got {MEDIA_STORAGE!r}")
if MEDIA_STORAGE == "s3":
    # django-storages' S3 backend, read under its own setting names. The subclass changes one thing:
    # files opened for reading stream through ranged GETs instead of downloading whole first.
    MEDIA_STORAGE_BACKEND = {
        "BACKEND": "publishing.media_storage.S3MediaStorage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME", required=True),
            # Empty for AWS itself; the server's URL for MinIO, Ceph, R2, Garage and the like.
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL"),
            "region_name": env_str("AWS_S3_REGION_NAME"),
            # Unset: boto3 finds credentials itself (instance profile, AWS_* env, ~/.aws).
            "access_key": env_str("AWS_ACCESS_KEY_ID"),
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY"),
            # Media is private: no public ACL, and every URL handed out is presigned and short-lived.
            "default_acl": env_str("AWS_DEFAULT_ACL", "private"),
            "querystring_auth": True,
            "querystring_expire": env_int("AWS_QUERYSTRING_EXPIRE", 300, minimum=10, maximum=7 * 24 * 3600),
            "signature_version": "s3v4",
            # Path style works on every S3-compatible server (virtual hosts need wildcard DNS).
            "addressing_style": env_str("AWS_S3_ADDRESSING_STYLE", "path"),
            # Never overwrite an object: names are random UUIDs, a clash must not clobber media.
            "file_overwrite": False,
            # Anything still reading through django-storages' own S3File spools past 5 MB to disk, not RAM.
            "max_memory_size": 5 * 1024 * 1024,
        },
    }
else:
    MEDIA_STORAGE_BACKEND = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": MEDIA_STORAGE_BACKEND,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"
# A request body the application answered without reading (a 413, a 401 before an upload) is read away
# up to this size so the keep-alive connection stays usable (pinboard_site/request_body.py); a longer
# one closes the connection. Default: the largest upload accepted (a 2 GiB video) plus 16 MiB.
REQUEST_BODY_DRAIN_MAX_BYTES = env_int("REQUEST_BODY_DRAIN_MAX_BYTES", 2 * 1024**3 + 16 * 1024**2, minimum=0)
# Uploaded images and videos of one team, all workspaces together, may use at most this much storage.
ASSET_STORAGE_QUOTA_BYTES = env_int("ASSET_STORAGE_QUOTA_BYTES", 10 * 1024**3, minimum=1)
# How long one video-upload job waits for Pinterest to finish processing before it lets go (the
# next publish attempt picks it up again); stays below Q_CLUSTER's timeout.
PINTEREST_MEDIA_POLL_SECONDS = env_int("PINTEREST_MEDIA_POLL_SECONDS", 60, minimum=1, maximum=80)
WHITENOISE_USE_FINDERS = DEBUG

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Pinboard <pinboard@localhost>")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds an SMTP connection may take (Django's own setting): a slow mail server fails the attempt,
# which the notification email task retries with backoff, instead of holding a worker.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1, maximum=300)
# Notification emails (services/notifications.py): attempts in all, and the doubling wait between them.
NOTIFICATION_EMAIL_MAX_ATTEMPTS = env_int("NOTIFICATION_EMAIL_MAX_ATTEMPTS", 5, minimum=1, maximum=20)
NOTIFICATION_EMAIL_RETRY_BASE_SECONDS = env_int("NOTIFICATION_EMAIL_RETRY_BASE_SECONDS", 60, minimum=1)
NOTIFICATION_EMAIL_RETRY_MAX_SECONDS = env_int("NOTIFICATION_EMAIL_RETRY_MAX_SECONDS", 3600, minimum=1)

# Encrypts Pinterest OAuth tokens and webhook secrets at rest: comma-separated Fernet keys, the first
# encrypts, all decrypt (`manage.py rotate_encryption_key` moves stored secrets to the first).
# Required in production, so rotating SECRET_KEY never loses the tokens; DEBUG derives one from SECRET_KEY.
FIELD_ENCRYPTION_KEY = env_fernet_keys("FIELD_ENCRYPTION_KEY")
if not DEBUG and not FIELD_ENCRYPTION_KEY:
    raise ImproperlyConfiguredEnv("FIELD_ENCRYPTION_KEY must be set when DEBUG is off (comma-separated Fernet keys)")

# Pinterest: production workspaces talk to PINTEREST_API_BASE with the app's credentials;
# sandbox workspaces talk to the sandbox built into this server.
PINTEREST_API_BASE = env_str("PINTEREST_API_BASE", "https://api.pinterest.com/v5")
PINTEREST_OAUTH_AUTHORIZE_URL = env_str("PINTEREST_OAUTH_AUTHORIZE_URL", "https://www.pinterest.com/oauth/")
PINTEREST_APP_ID = env_str("PINTEREST_APP_ID", "")
PINTEREST_APP_SECRET = env_str("PINTEREST_APP_SECRET", "")
PINTEREST_TIMEOUT_SECONDS = float(env_int("PINTEREST_TIMEOUT_SECONDS", 20, minimum=1))
# What one web request may spend on Pinterest in all (publishing.middleware.PinterestDeadlineMiddleware).
PINTEREST_REQUEST_TIMEOUT_SECONDS = float(env_int("PINTEREST_REQUEST_TIMEOUT_SECONDS", 8, minimum=1))
SANDBOX_BASE_URL = env_str("SANDBOX_BASE_URL", SITE_URL).rstrip("/")
# Serve the built-in Pinterest sandbox (/sandbox/pinterest/...); off: 404 there, sandbox workspaces cannot connect.
SANDBOX_ENABLED = env_bool("SANDBOX_ENABLED", True)

# Content-Security-Policy (django-csp): scripts, styles, fonts and fetches from this origin only; no inline
# script or style anywhere (templates load static/js and static/css; htmx's own indicator style is off in
# base.html's htmx-config and lives in pinboard.css). Images and media may also come from the S3 bucket
# (asset previews redirect to presigned links there). Forms post here, and the Pinterest account
# connection's form is answered with a redirect to Pinterest's (or the sandbox's) authorize page, which
# form-action governs too. The admin and the /v1/docs page (Swagger UI) work under this same policy.
_MEDIA_ORIGINS = []
if MEDIA_STORAGE == "s3":
    _options = MEDIA_STORAGE_BACKEND["OPTIONS"]
    if _options["endpoint_url"]:
        _endpoint = urlsplit(_options["endpoint_url"])
        _MEDIA_ORIGINS = [f"{_endpoint.scheme}://{_endpoint.netloc}"]
    else:  # AWS itself: path-style or virtual-host links, in the region or the global endpoint
        _regional = f"s3.{_options['region_name']}.amazonaws.com" if _options["region_name"] else "s3.amazonaws.com"
        _MEDIA_ORIGINS = [f"https://{_regional}", f"https://{_options['bucket_name']}.{_regional}"]
def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""


# Pinterest's authorize page and the sandbox's; a sandbox served under another origin posts back to
# SITE_URL's callback, so that origin is named then ('self' covers it otherwise).
_FORM_TARGETS = {_origin(PINTEREST_OAUTH_AUTHORIZE_URL), _origin(SANDBOX_BASE_URL), _origin(SITE_URL)} - {""}
if _origin(SANDBOX_BASE_URL) == _origin(SITE_URL):
    _FORM_TARGETS.discard(_origin(SITE_URL))
_FORM_TARGETS = sorted(_FORM_TARGETS)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF],
        "img-src": [CSP_SELF, "data:", *_MEDIA_ORIGINS],
        "media-src": [CSP_SELF, *_MEDIA_ORIGINS],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_NONE],
        "form-action": [CSP_SELF, *_FORM_TARGETS],
        "frame-ancestors": [CSP_NONE],
    },
}

# django-q2: the ORM broker by default, Redis when REDIS_URL is set. `timeout` stays below
# `retry` so a task that is still running is never handed to a second worker.
# Two clusters share the broker, each with its own queue, so publishing never waits behind a video:
# "pinboard" (publishing, schedules, webhooks, imports: `manage.py qcluster`) and "media" (video
# uploads to Pinterest, up to 2 GB: `Q_CLUSTER_NAME=media manage.py qcluster`).
REDIS_URL = env_str("REDIS_URL", None)
Q_MEDIA_CLUSTER = "media"
# A video upload's timeout is sized to its file: the minimum (which covers the processing poll) plus
# the time to send the file at the slowest throughput we accept, capped by the maximum.
MEDIA_UPLOAD_MIN_BYTES_PER_SECOND = env_int("MEDIA_UPLOAD_MIN_BYTES_PER_SECOND", 1_000_000, minimum=1)
MEDIA_UPLOAD_TIMEOUT_MIN_SECONDS = env_int("MEDIA_UPLOAD_TIMEOUT_MIN_SECONDS", 120,
                                           minimum=PINTEREST_MEDIA_POLL_SECONDS + 20)
MEDIA_UPLOAD_TIMEOUT_MAX_SECONDS = env_int("MEDIA_UPLOAD_TIMEOUT_MAX_SECONDS", 3600,
                                           minimum=MEDIA_UPLOAD_TIMEOUT_MIN_SECONDS)
Q_CLUSTER = {
    "name": "pinboard",
    "workers": env_int("Q_WORKERS", 2, minimum=1),
    "timeout": 90,
    "retry": 120,
    "max_attempts": 3,
    "ack_failures": True,
    "catch_up": False,
    "poll": 0.5,
    "label": "Jobs",
    "save_limit": 500,
    "recycle": env_int("Q_RECYCLE", 500, minimum=1),  # tasks a worker runs before it is replaced
    # Read by django-q2 when Q_CLUSTER_NAME names the cluster: what differs from the above.
    "ALT_CLUSTERS": {
        Q_MEDIA_CLUSTER: {
            "workers": env_int("Q_MEDIA_WORKERS", 1, minimum=1),
            # Each upload task carries its own timeout (see services/queue.py); the ORM broker hands
            # an unacknowledged task out again after `retry`, so it must outlast the longest.
            "timeout": MEDIA_UPLOAD_TIMEOUT_MAX_SECONDS,
            "retry": MEDIA_UPLOAD_TIMEOUT_MAX_SECONDS + 60,
            "scheduler": False,  # the publishing cluster runs every schedule
        },
    },
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
    # django-q2's Redis broker plus delayed tasks kept in a sorted set (timed publishes, retries).
    Q_CLUSTER["broker_class"] = "publishing.brokers.RedisBroker"
else:
    Q_CLUSTER["orm"] = "default"
    # django-q2's ORM broker, dispatching due schedules and popping through an index (publishing/brokers.py).
    Q_CLUSTER["broker_class"] = "publishing.brokers.OrmBroker"
# Worker liveness (`manage.py worker_health`): each cluster's workers beat a database row this often.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 10, minimum=1)

# What the web nodes count together (the review page's throttle) must be counted in one place: Redis
# when the topology has it (several web nodes), process memory on the embedded single-process default.
CACHE_REDIS_URL = env_str("CACHE_REDIS_URL", REDIS_URL)
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_REDIS_URL,
         "KEY_PREFIX": "pinboard-cache"}
        if CACHE_REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
}
# How long a credential's rows may be answered from the shared cache (publishing/services/
# credential_cache.py) instead of the database: every change to them through the ORM retires the
# copies at once (the auth epoch, publishing/models/auth_state.py); this bounds only what the ORM
# cannot see. Off (0) without Redis: each process would keep its own copies.
CREDENTIAL_CACHE_SECONDS = env_int("CREDENTIAL_CACHE_SECONDS", 60 if CACHE_REDIS_URL else 0, minimum=0)
if CREDENTIAL_CACHE_SECONDS and not CACHE_REDIS_URL:
    raise ImproperlyConfiguredEnv("CREDENTIAL_CACHE_SECONDS needs CACHE_REDIS_URL (or REDIS_URL): a cache "
                               "shared by every web node and worker")
# How long a /v1/pins page may be answered from the shared cache (publishing/services/list_cache.py):
# every committed change to a pin through the ORM retires every cached page at once (the pin list
# epoch, publishing/models/epochs.py); this bounds only what the ORM cannot see. Off (0) without Redis.
API_LIST_CACHE_SECONDS = env_int("API_LIST_CACHE_SECONDS", 60 if CACHE_REDIS_URL else 0, minimum=0)
if API_LIST_CACHE_SECONDS and not CACHE_REDIS_URL:
    raise ImproperlyConfiguredEnv("API_LIST_CACHE_SECONDS needs CACHE_REDIS_URL (or REDIS_URL): a cache "
                               "shared by every web node and worker")

# Publishing pipeline (publishing/services/delivery.py, pacing.py, webhooks.py).
# Attempts (calls to Pinterest) one pin may use before it fails; a person's retry starts afresh.
PUBLISH_MAX_ATTEMPTS = env_int("PUBLISH_MAX_ATTEMPTS", 8, minimum=1)
# A claimed pin's lease, renewed before every Pinterest call: longer than one call can take, so
# an expired lease means the worker died (the sweeper then requeues the pin).
PUBLISH_LEASE_SECONDS = env_int("PUBLISH_LEASE_SECONDS", int(PINTEREST_TIMEOUT_SECONDS) + 15, minimum=2)
# Backoff for transient failures: base * 2**(n-1) seconds with full jitter, capped.
PUBLISH_BACKOFF_BASE_SECONDS = env_int("PUBLISH_BACKOFF_BASE_SECONDS", 5, minimum=1)
PUBLISH_BACKOFF_MAX_SECONDS = env_int("PUBLISH_BACKOFF_MAX_SECONDS", 900, minimum=1)
# After a create whose answer never came, wait this long before looking on the board for the pin
# it may have made, so a request Pinterest is still processing has finished.
PUBLISH_UNKNOWN_OUTCOME_SETTLE_SECONDS = env_int("PUBLISH_UNKNOWN_OUTCOME_SETTLE_SECONDS", 30, minimum=0)
# Token buckets shared by all workers: per Pinterest account and for the whole server.
PACING_ACCOUNT_CAPACITY = env_int("PACING_ACCOUNT_CAPACITY", 50, minimum=1)
PACING_ACCOUNT_REFILL_PER_SECOND = env_int("PACING_ACCOUNT_REFILL_PER_MINUTE", 60, minimum=1) / 60
# How far ahead a pin may reserve its publishing slot; a backlog beyond it waits in its account's
# line, so a due schedule's pin is not put behind every slot already promised (services/pacing.py).
PACING_RESERVATION_HORIZON_SECONDS = env_int("PACING_RESERVATION_HORIZON_SECONDS", 1, minimum=0)
PACING_GLOBAL_CAPACITY = env_int("PACING_GLOBAL_CAPACITY", 200, minimum=1)
PACING_GLOBAL_REFILL_PER_SECOND = env_int("PACING_GLOBAL_REFILL_PER_MINUTE", 180, minimum=1) / 60
# Redis keeps the buckets when set (atomic Lua script); otherwise a locked database row does.
PACING_REDIS_URL = env_str("PACING_REDIS_URL", REDIS_URL)
# Webhook deliveries: targets on private, loopback or link-local addresses are refused unless this
# is on (tests and single-machine setups).
WEBHOOK_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", False)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1, maximum=60)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8, minimum=1)
WEBHOOK_BACKOFF_BASE_SECONDS = env_int("WEBHOOK_BACKOFF_BASE_SECONDS", 10, minimum=1)

# /v1 API: lifetime of the bearer tokens /v1/auth/login issues, and of team invitations.
API_ACCESS_TOKEN_TTL_SECONDS = env_int("API_ACCESS_TOKEN_TTL_SECONDS", 3600, minimum=60)
INVITATION_TTL_DAYS = env_int("INVITATION_TTL_DAYS", 7, minimum=1)

# Retention (publishing/services/retention.py, run hourly and by `manage.py prune`): days each kind
# of row is kept once it is done with; 0 keeps it forever. The audit log is kept unless configured.
RETENTION_ACCESS_TOKENS_DAYS = env_int("RETENTION_ACCESS_TOKENS_DAYS", 7, minimum=0)
RETENTION_PUBLISH_ATTEMPTS_DAYS = env_int("RETENTION_PUBLISH_ATTEMPTS_DAYS", 90, minimum=0)
RETENTION_WEBHOOK_DELIVERIES_DAYS = env_int("RETENTION_WEBHOOK_DELIVERIES_DAYS", 30, minimum=0)
RETENTION_OAUTH_STATES_DAYS = env_int("RETENTION_OAUTH_STATES_DAYS", 1, minimum=0)
RETENTION_AUDIT_DAYS = env_int("RETENTION_AUDIT_DAYS", 0, minimum=0)
RETENTION_NOTIFICATIONS_DAYS = env_int("RETENTION_NOTIFICATIONS_DAYS", 90, minimum=0)  # read ones only
RETENTION_ANALYTICS_RUNS_DAYS = env_int("RETENTION_ANALYTICS_RUNS_DAYS", 90, minimum=0)  # finished ones

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
# plain: one readable line per event. json: one JSON object per line (python-json-logger), with an
# event's `extra` fields (e.g. the API request lines of publishing.api.middleware) as keys.
LOG_FORMAT = env_str("LOG_FORMAT", "plain").lower()
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfiguredEnv(f"LOG_FORMAT must be 'plain' or 'json', got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "ts", "levelname": "level", "name": "logger"},
        },
    },
    # Credentials in URLs (OAuth code/state, invitation and reset tokens, signatures) are redacted from
    # every line this handler writes: messages, tracebacks and extra fields (pinboard_site/log_redaction.py).
    "filters": {"redact": {"()": "pinboard_site.log_redaction.RedactingFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers for these (DEBUG's console, runserver's django.server) would print request
        # paths unredacted: everything goes through the redacting console handler instead.
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
        # httpx logs every request URL at INFO; OAuth URLs carry the state and code in their query.
        "httpx": {"level": "WARNING"},
        "pinboard.api.requests": {"level": "INFO"},
    },
}
if LOG_FORMAT == "json":
    # Python warnings go through logging too (as py.warnings), so stderr carries nothing but JSON lines.
    logging.captureWarnings(True)
    # Loggers that bring their own plain handler when none is configured: route them through ours.
    LOGGING["loggers"]["django-q"] = {"handlers": ["console"], "level": "INFO", "propagate": False}

# /metrics (publishing/metrics.py): off (404) unless a bearer token or an IP allow-list is set; with
# both, both must pass. Recent-activity metrics cover the last METRICS_WINDOW_SECONDS.
METRICS_TOKEN = env_str("METRICS_TOKEN", None)
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", [])
for _network in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfiguredEnv(f"METRICS_ALLOWED_IPS: {_network!r} is not an IP address or network") from None
METRICS_WINDOW_SECONDS = env_int("METRICS_WINDOW_SECONDS", 3600, minimum=60)

# Error reporting to Sentry (or a Sentry-compatible server such as GlitchTip), only when SENTRY_DSN is
# set. No personal data is sent (no user emails, IPs, cookies or request bodies), and no secret.
SENTRY_DSN = env_str("SENTRY_DSN", None)
if SENTRY_DSN:
    try:
        _release = f"pinboard@{importlib.metadata.version('pinboard')}"
    except importlib.metadata.PackageNotFoundError:
        _release = None
    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        environment=env_str("SENTRY_ENVIRONMENT", "development" if DEBUG else "production"),
        release=env_str("SENTRY_RELEASE", _release),
        traces_sample_rate=env_int("SENTRY_TRACES_SAMPLE_PERCENT", 0, minimum=0, maximum=100) / 100,
        # Secrets stay out of reports as they stay out of logs: no request bodies (a password, a key's
        # secret), no frames' local variables (any of them may hold a token, under any name), and every
        # string left redacted (pinboard_site/log_redaction.py: URLs' tokens, codes and signatures).
        max_request_body_size="never",
        include_local_variables=False,
        before_send=redact_sentry_event,
        before_send_transaction=redact_sentry_event,  # traces (SENTRY_TRACES_SAMPLE_PERCENT) carry the URL too
        before_breadcrumb=redact_sentry_event,
    )

# The built-in Pinterest sandbox is one OAuth app whose credentials both sides derive from
# SECRET_KEY, so nothing needs configuring for sandbox workspaces.
# Where the servers (web and workers) call the sandbox's API: a separate sandbox process
# (docs/deployment.md) keeps those calls off the web's threads. The browser still uses SANDBOX_BASE_URL.
SANDBOX_API_BASE_URL = env_str("SANDBOX_API_BASE_URL", "").rstrip("/") or SANDBOX_BASE_URL
SANDBOX_PINTEREST_API_BASE = f"{SANDBOX_API_BASE_URL}/sandbox/pinterest/v5"
SANDBOX_PINTEREST_AUTHORIZE_URL = f"{SANDBOX_BASE_URL}/sandbox/pinterest/oauth/"
SANDBOX_PINTEREST_APP_ID = "1000000001"
SANDBOX_PINTEREST_APP_SECRET = env_str("SANDBOX_PINTEREST_APP_SECRET", None) or (
    hashlib.sha256(f"sandbox-app:{SECRET_KEY}".encode()).hexdigest()
)
# Calls one sandbox access token may make per minute before the sandbox answers 429 code 8.
SANDBOX_RATE_LIMIT_PER_MINUTE = env_int("SANDBOX_RATE_LIMIT_PER_MINUTE", 1000, minimum=1)
