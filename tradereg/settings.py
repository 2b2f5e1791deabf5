"""One settings module, configured by environment variables (see docs/configuration.md).

The defaults run the embedded mode: SQLite in the data directory, mail to the console.
Production sets SECRET_KEY, DATABASE_URL, EMAIL_URL, ALLOWED_HOSTS and SITE_URL.
"""

import base64
import os
import secrets
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
# "embedded" (default: one machine, SQLite, generated secret) or "production".
TRADEREG_ENV = os.environ.get("TRADEREG_ENV", "embedded")
PRODUCTION = TRADEREG_ENV == "production"
DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / "var"))


def _secret_key() -> str:
    """Production must bring its own key; the embedded mode keeps a generated one on disk."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when TRADEREG_ENV=production.")
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

# 有效证件号 and other personal data are sealed at rest (tradereg.common.crypto). Production
# brings the key (32 bytes, urlsafe base64) and, while rotating, the keys being retired;
# the embedded mode generates one into the data directory.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")
FIELD_ENCRYPTION_OLD_KEYS = env_list("FIELD_ENCRYPTION_OLD_KEYS", "")
FIELD_ENCRYPTION_KEY_FILE = DATA_DIR / "field_encryption_key"

# Approved forms are signed by their filing authority (docs/signatures.md). Production
# brings the certificate and its key (PEM paths; "{authority}" in them stands for the
# 机关代码), the chain to embed and the roots /verify/ trusts; the embedded mode makes its
# own certificate authority in DATA_DIR/signing/.
SIGNING_CERT = os.environ.get("SIGNING_CERT", "")
SIGNING_KEY = os.environ.get("SIGNING_KEY", "")
SIGNING_CHAIN = os.environ.get("SIGNING_CHAIN", "")
SIGNING_TRUST_ROOTS = os.environ.get("SIGNING_TRUST_ROOTS", "")
# Batch verification receipts are signed with Ed25519 (docs/api.md): production brings
# the private key (a PEM path), the embedded mode makes DATA_DIR/signing/receipt-ed25519.pem.
# Public keys of earlier receipt keys stay listed at /api/v1/keys (PEM paths).
RECEIPT_SIGNING_KEY = os.environ.get("RECEIPT_SIGNING_KEY", "")
RECEIPT_PREVIOUS_PUBLIC_KEYS = env_list("RECEIPT_PREVIOUS_PUBLIC_KEYS", "")


def _is_field_key(text: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(text.encode())) == 32 and len(set(text)) > 8
    except ValueError:
        return False


ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
SITE_URL = os.environ.get("SITE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", SITE_URL)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ninja",
    "tradereg.core",
    "tradereg.accounts",
    "tradereg.regions",
    "tradereg.authorities",
    "tradereg.filings",
    "tradereg.printing",
    "tradereg.registry",
    "tradereg.regulations",
    "tradereg.office",
    "tradereg.statistics",
    "tradereg.audit",
    "tradereg.notifications",
    "tradereg.opendata",
    "tradereg.devtools",
]

MIDDLEWARE = [
    "tradereg.core.middleware.ForwardedForMiddleware",
    "tradereg.core.middleware.AdminNetworkMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tradereg.accounts.middleware.SessionTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "tradereg.accounts.otp.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "tradereg.audit.middleware.AccessRefusedMiddleware",
    "tradereg.core.middleware.PersonalDataNoStoreMiddleware",
]

ROOT_URLCONF = "tradereg.urls"
WSGI_APPLICATION = "tradereg.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "tradereg" / "templates"],
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

# --- database -------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'tradereg.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        # A persistent connection is checked before each request reuses it, so the first
        # requests after a database restart do not fail on a connection that died with it.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web and worker share one file: WAL lets readers run beside the writer and
    # IMMEDIATE transactions make writers queue instead of failing "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file too, so that threads get real, separate connections; one per
    # process, so that two test runs on one machine never share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"tradereg-test-{os.getpid()}.sqlite3")
    }
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)

# A PostgreSQL streaming replica for the public registry's reads (decision 0022): the
# published copy on 经营者信息查询, 打印登记表 and 核验; every write, every transaction and
# every staff or enterprise page stays on default (tradereg.core.dbrouter).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
    if {DATABASES[alias]["ENGINE"] for alias in ("default", "replica")} != {
        "django.db.backends.postgresql"
    }:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL needs PostgreSQL for both DATABASE_URL and the replica."
        )
    # Tests read the replica through the same test database as default.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["tradereg.core.dbrouter.ReplicaRouter"]
    MIDDLEWARE.insert(0, "tradereg.core.dbrouter.PublicReadsMiddleware")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared state (docs/configuration.md): with REDIS_URL the cache, every rate limit and the
# sessions' reads live on Redis, shared by all web processes on all hosts. Without it (the
# embedded mode) "default" is each process's memory, so a public lookup writes nothing to
# the database (its rate limit counts per process: N workers allow N times the limit),
# and "shared" is the database, where the limits guarding a POST (login, registration,
# password reset, print lookup) count exactly across the machine's processes.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    _redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("REDIS_KEY_PREFIX", "tradereg"),
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
    CACHES = {"default": _redis, "shared": dict(_redis)}
    # Read from Redis, written through to the database: a Redis restart logs nobody out,
    # and the session table stays the list that ending a user's sessions walks.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tradereg",
            # One rate-limit counter per client address and window: room for many.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        },
        "shared": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "tradereg_cache",
        },
    }

# Open-data API (docs/api.md): requests a minute per client address without a key, and
# per key with one; counted in the lookups' cache, so a public GET writes nothing.
API_RATE_ANONYMOUS_PER_MINUTE = int(os.environ.get("API_RATE_ANONYMOUS_PER_MINUTE", "60"))
API_RATE_KEY_PER_MINUTE = int(os.environ.get("API_RATE_KEY_PER_MINUTE", "1200"))
# A batch verification answers up to 10,000 codes: a lower limit of its own.
API_BATCH_ANONYMOUS_PER_MINUTE = int(os.environ.get("API_BATCH_ANONYMOUS_PER_MINUTE", "2"))
API_BATCH_KEY_PER_MINUTE = int(os.environ.get("API_BATCH_KEY_PER_MINUTE", "30"))
# Webhooks of watches (docs/api.md) go to public https addresses only; this lets them go
# to http and to loopback or private addresses (a receiver on the same host, the tests).
WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("WEBHOOK_ALLOW_PRIVATE_URLS")

# --- background work ------------------------------------------------------------------

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# /healthz says "queue: degraded" once the oldest task due has waited longer than this.
HEALTHZ_QUEUE_MAX_AGE_SECONDS = int(os.environ.get("HEALTHZ_QUEUE_MAX_AGE_SECONDS", "300"))

# --- accounts -------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "tradereg.accounts.backends.UsernameOrEmailBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Password policy profile (decision 0017): "asvs" (OWASP ASVS 5.0: length and a breached-
# password list, no composition rule) or "mlps3" (等保2.0 第三级: three kinds of character
# and a 90-day change for staff). The embedded mode carries DESIGN's demo accounts, whose
# fixed password Demo@2026a meets mlps3 only, so it defaults to mlps3; production (which
# refuses demo accounts) defaults to asvs.
# This profile, PASSWORD_MAX_AGE_DAYS, LOCKOUT_* and SESSION_IDLE_MINUTES/SESSION_MAX_HOURS
# are the initial security policy: the 安全管理员 changes them in /admin/ 安全策略
# (decision 0020), and everything reads them through tradereg.accounts.policy.
PASSWORD_POLICY = os.environ.get("PASSWORD_POLICY", "asvs" if PRODUCTION else "mlps3")
PASSWORD_POLICY_PROFILES = {
    "asvs": [
        {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
        {
            "NAME": "tradereg.accounts.validators.MinimumLengthValidator",
            "OPTIONS": {"min_length": 12},
        },
        {"NAME": "tradereg.accounts.validators.BreachedPasswordValidator"},
    ],
    "mlps3": [
        {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
        {
            "NAME": "tradereg.accounts.validators.MinimumLengthValidator",
            "OPTIONS": {"min_length": 10},
        },
        {"NAME": "tradereg.accounts.validators.BreachedPasswordValidator"},
        {"NAME": "tradereg.accounts.validators.ComplexityValidator"},
    ],
}
if PASSWORD_POLICY not in PASSWORD_POLICY_PROFILES:
    raise ImproperlyConfigured(
        f"PASSWORD_POLICY must be one of {sorted(PASSWORD_POLICY_PROFILES)}."
    )
# One validator that applies PASSWORD_POLICY_PROFILES[the profile in force].
AUTH_PASSWORD_VALIDATORS = [{"NAME": "tradereg.accounts.validators.ActiveProfileValidator"}]
# Staff whose password is older than this are sent to the change page (mlps3 only).
PASSWORD_MAX_AGE_DAYS = int(
    os.environ.get("PASSWORD_MAX_AGE_DAYS", "90" if PASSWORD_POLICY == "mlps3" else "0")
)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "filings:my"
LOGOUT_REDIRECT_URL = "core:home"
# Reset links live 30 minutes and work once (the token includes the password hash).
PASSWORD_RESET_TIMEOUT = 30 * 60

# Lockout (decision 0016): failures count per account, whatever alias was typed and from
# whichever address, and separately per source address across accounts (spraying).
LOCKOUT_FAILURES = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
LOCKOUT_MINUTES = int(os.environ.get("AXES_COOLOFF_MINUTES", "30"))
AXES_FAILURE_LIMIT = "tradereg.accounts.policy.lockout_failure_limit"
AXES_COOLOFF_TIME = "tradereg.accounts.policy.lockout_cool_off"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "tradereg.accounts.backends.lockout_username"
# Reset only the account's own failures, and only once the login is complete (second
# factor included): see tradereg.accounts.otp_services.login_completed.
AXES_RESET_ON_SUCCESS = False
# A try while locked does not push the end of the lock, so the time shown stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "tradereg.accounts.views.locked_out"
AXES_VERBOSE = False

# Second factor (decision 0016): TOTP per RFC 6238, 30 s, one step either side, no
# drift learning so the window stays where the server's clock is.
OTP_TOTP_ISSUER = "对外贸易经营者备案登记系统"
OTP_TOTP_SYNC = False
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

BEHIND_PROXY = env_bool("BEHIND_PROXY")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# A session ends after SESSION_IDLE_MINUTES without a request and SESSION_MAX_HOURS after
# login, whatever happens (tradereg.accounts.middleware.SessionTimeoutMiddleware).
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
SESSION_MAX_HOURS = int(os.environ.get("SESSION_MAX_HOURS", "12"))
# The cookie outlives the longest session 安全策略 allows; the middleware ends it sooner.
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = SITE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No page of ours is framed, but an attachment on the officer's review page (its view says
# so with xframe_options_sameorigin).
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "object-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- mail -----------------------------------------------------------------------------


def _email_settings(url: str) -> dict:
    """EMAIL_URL: smtp://user:pass@host:port (smtps:// or ?tls=1 for TLS), console://, memory://."""
    parts = urlsplit(url)
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "memory":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parts.scheme not in {"smtp", "smtps"}:
        raise ImproperlyConfigured(f"EMAIL_URL scheme not supported: {parts.scheme}")
    query = parse_qs(parts.query)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "127.0.0.1",
        "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": parts.scheme == "smtps",
        "EMAIL_USE_TLS": query.get("tls", ["0"])[0] in {"1", "true"},
        "EMAIL_TIMEOUT": 10,
    }


globals().update(_email_settings(os.environ.get("EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tradereg <noreply@tradereg.localhost>")
# Delivery (tradereg.notifications.tasks, decision 0018): the first retry after
# EMAIL_RETRY_SECONDS, doubling up to EMAIL_RETRY_MAX_SECONDS, which is also how often the
# sweep looks for messages whose worker died; an attempt not finished within
# EMAIL_SEND_LEASE_SECONDS (longer than any send the SMTP timeout allows) is presumed lost.
EMAIL_RETRY_SECONDS = int(os.environ.get("EMAIL_RETRY_SECONDS", "15"))
EMAIL_RETRY_MAX_SECONDS = int(os.environ.get("EMAIL_RETRY_MAX_SECONDS", "60"))
EMAIL_SEND_LEASE_SECONDS = int(os.environ.get("EMAIL_SEND_LEASE_SECONDS", "120"))

# --- i18n -----------------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "tradereg" / "locale"]
# The 中文 / English switch is remembered for a year; without the cookie, Accept-Language.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- files ----------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "tradereg" / "static"]
WHITENOISE_USE_FINDERS = True
# Attachments live outside any public path and are served only through permission checks:
# on the local disk (MEDIA_ROOT, the default) or, with MEDIA_STORAGE=s3, in a private bucket
# of any S3-compatible store (tradereg.common.storage; checked by tradereg.core.checks).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE", "filesystem")
if MEDIA_STORAGE not in {"filesystem", "s3"}:
    raise ImproperlyConfigured("MEDIA_STORAGE must be filesystem or s3.")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if MEDIA_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "tradereg.common.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("S3_BUCKET", ""),
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            # A key prefix inside the bucket, path or virtual-host addressing, a CA file.
            "location": os.environ.get("S3_PREFIX", ""),
            "addressing_style": os.environ.get("S3_ADDRESSING_STYLE") or None,
            "verify": os.environ.get("S3_CA_BUNDLE") or None,
        },
    }
# Attachment limits (docs/data-protection.md): each file; per filing, its current files
# and their total; images declaring more pixels than ATTACHMENT_MAX_PIXELS (A4 at 600 dpi
# is 35 million, a 48-megapixel phone photo 48) are refused before they are decoded.
# deploy/nginx.conf's client_max_body_size is one file plus room for the form around it.
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_MAX_FILES = 20
ATTACHMENT_MAX_TOTAL_BYTES = 50 * 1024 * 1024
ATTACHMENT_MAX_PIXELS = 50_000_000
# Files of a cancelled filing are removed this many days after its cancellation (the
# record itself stays); five years by default, see docs/data-protection.md.
CANCELLED_ATTACHMENT_RETENTION_DAYS = int(
    os.environ.get("CANCELLED_ATTACHMENT_RETENTION_DAYS", "1825")
)
FILE_UPLOAD_PERMISSIONS = 0o600

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- production mode (TRADEREG_ENV=production) ----------------------------------------
# /admin/ may be limited to the ministry's intranet (comma-separated CIDR ranges; empty:
# no limit). Proxies whose X-Forwarded-For is believed are listed, never assumed.
ADMIN_ALLOWED_NETWORKS = env_list("ADMIN_ALLOWED_NETWORKS", "")
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "127.0.0.1,::1")
CONTENT_SECURITY_POLICY["DIRECTIVES"].update({"object-src": ["'none'"], "base-uri": ["'self'"]})

if PRODUCTION:
    _refused = []
    if DEBUG:
        _refused.append("DEBUG must be off")
    if not SITE_URL.startswith("https://"):
        _refused.append("SITE_URL must be an https:// address")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or "insecure" in SECRET_KEY:
        _refused.append("SECRET_KEY must be a long random value (50+ characters)")
    if not _is_field_key(FIELD_ENCRYPTION_KEY):
        _refused.append("FIELD_ENCRYPTION_KEY must be 32 random bytes in urlsafe base64")
    if _refused:
        raise ImproperlyConfigured(
            "TRADEREG_ENV=production refuses to start: " + "; ".join(_refused)
        )
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    # __Host- cookies: sent only over HTTPS, to this host, for the whole site.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
