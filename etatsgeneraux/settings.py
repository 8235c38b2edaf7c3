"""Settings for the États généraux synthesis platform, read from the environment.

DEBUG is off unless asked for; with DEBUG off the platform refuses to start without
a SECRET_KEY, so no production secret ever lives in the repository.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY manquante : définissez la variable d'environnement SECRET_KEY "
            "(ou DEBUG=1 pour un poste de développement)."
        )
    SECRET_KEY = "django-insecure-development-only-never-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# HTTPS ----------------------------------------------------------------------------------------
# In production the platform is served over HTTPS by a reverse proxy (nginx...) that passes the
# scheme in X-Forwarded-Proto (and must overwrite any such header sent by the client). HTTPS=0
# is the one switch for trying the production mode over plain http on 127.0.0.1 (`make serve`):
# no redirection to https, cookies sent over http, no HSTS; `check --deploy` then warns.
HTTPS = env_bool("HTTPS", default=not DEBUG)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
# HSTS: one year, subdomains and preload by default (what `check --deploy` asks for).
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
if not HTTPS:
    SECURE_HSTS_SECONDS = 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = os.environ.get("SECURE_REFERRER_POLICY", "same-origin")
SECURE_CONTENT_TYPE_NOSNIFF = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # django-axes, named « Connexions et blocages » in the administration.
    "etatsgeneraux.apps.AxesConfig",
    "csp",
    "simple_history",
    "crispy_forms",
    "widget_tweaks",
    "dsfr",
    # The background task queue: django-tasks' API, the queue in the database (no broker).
    "django_tasks",
    "django_tasks_db",
    # Domain apps: models, QuerySets, forms and admin of their own domain.
    "workshops",
    "actionplans",
    # Feature apps: they use the domain apps, never the reverse (README, « Architecture »).
    "etatsgeneraux.syntheses",
    "etatsgeneraux.board",
    "etatsgeneraux.publishing",
    "etatsgeneraux.history",
    "etatsgeneraux.exchange",
    "etatsgeneraux.reports",
    "etatsgeneraux.followup",
    "etatsgeneraux.national",
    "etatsgeneraux.devtools",
    "etatsgeneraux.jobs",
]

MIDDLEWARE = [
    # First: every log line of a request, and its 500 page, carry the request's id.
    "etatsgeneraux.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A change beaten by a simultaneous one answers 409 in French (etatsgeneraux/conflicts.py).
    "etatsgeneraux.conflicts.ChangeConflictMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

# Content Security Policy (django-csp): every script, stylesheet, font and image comes from
# the platform itself; no inline script, inline style or event handler attribute anywhere
# (htmx included: see base.html). data: images are the DSFR's icons inside its stylesheet.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

ROOT_URLCONF = "etatsgeneraux.urls"

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

WSGI_APPLICATION = "etatsgeneraux.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}

# SQLite (`make run`, a trial with `make serve`) with several people writing at once:
# - WAL: readers never wait for a writer, nor a writer for readers;
# - IMMEDIATE transactions: a transaction takes the write lock when it begins. A deferred
#   one (SQLite's default) starts by reading, then fails at once with « database is locked »
#   when it wants to write while another holds the lock (waiting could deadlock them both);
# - a busy timeout (`timeout`, in seconds): a transaction waits its turn for the lock rather
#   than failing. A board save holds it for milliseconds.
# synchronous=NORMAL is safe with WAL (a power cut may lose the last commits, never corrupt
# the file). PostgreSQL needs none of this: it locks rows, not the whole database.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache of the rendered PDF syntheses (keyed on a hash of their content). On disk by default:
# gunicorn's workers are separate processes, and a per-process memory cache would render
# each PDF once per worker and keep as many copies; a directory they share (or any backend
# set through CACHE_BACKEND / CACHE_LOCATION, e.g. Redis) serves every worker from one copy.
CACHES = {
    "default": {
        "BACKEND": os.environ.get(
            "CACHE_BACKEND", "django.core.cache.backends.filebased.FileBasedCache"
        ),
        "LOCATION": os.environ.get("CACHE_LOCATION") or str(BASE_DIR / "var" / "cache"),
        "TIMEOUT": int(os.environ.get("CACHE_TIMEOUT", str(60 * 60 * 24 * 30))),
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("CACHE_MAX_ENTRIES", "200"))},
    }
}
# Several application servers: REDIS_URL (redis://host:6379/0, Redis or Valkey) puts the
# cache in Django's own Redis backend, shared by all (README, « Travaux en arrière-plan »).
if os.environ.get("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "etatsgeneraux"),
        "TIMEOUT": int(os.environ.get("CACHE_TIMEOUT", str(60 * 60 * 24 * 30))),
    }

# Background jobs (etatsgeneraux/jobs/, README « Travaux en arrière-plan »): django-tasks with
# its database backend, run by `manage.py db_worker` processes on any machine that reaches
# the database. Queue "pdf": the renders, taken by the workers started for it (their number
# caps how many renders run at once); "default": everything else.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "pdf"],
    }
}
# A running job silent (no progress report) for longer than this, in seconds, had its worker
# killed: it is shown as failed and may be started again.
JOBS_STALE_AFTER = int(os.environ.get("JOBS_STALE_AFTER", "900"))

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out account is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "workshops.auth.DemoAccountsOnlyInDebugBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Accounts -------------------------------------------------------------------------------------
# A session lasts a working day from the login (8 hours by default), browser closed or not.
# Changing one's password closes one's other sessions: Django checks a hash of the password
# stored in each session (the session where it was changed is kept).
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = False

# Failed logins (django-axes): 5 failures for one username from one address lock that pair
# out for 15 minutes (counted again from each attempt made while locked). Not the username
# alone, which would let anyone lock a colleague out; not the address alone, which a whole
# school or academy may share behind one NAT. Site login and admin login alike.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
# The French page (HTTP 429) saying until when the login is refused.
AXES_LOCKOUT_CALLABLE = "workshops.auth.lockout_response"
# The client's address: REMOTE_ADDR, or behind TRUSTED_PROXIES reverse proxies the address
# the first of them saw (see workshops.auth.client_ip_address).
TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "1" if HTTPS else "0"))
AXES_CLIENT_IP_CALLABLE = "workshops.auth.client_ip_address"
# Successful logins are not logged with their address and browser (personal data for no
# need: the account's last login date is kept by Django); failed attempts are, until they
# expire (see README, "Données personnelles").
AXES_DISABLE_ACCESS_LOG = True

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Production: WhiteNoise serves the files gathered by `collectstatic` under hashed names
# (cached for ever by browsers), with their gzip and brotli variants. With DEBUG, files are
# served from the apps' and project's static folders as they are (no collectstatic).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploaded files kept until a background job has read them (an import from the admin); never
# served. The web and worker processes must share this folder.
MEDIA_ROOT = os.environ.get("MEDIA_ROOT") or str(BASE_DIR / "var" / "media")
# Marianne converted for Typst (etatsgeneraux/reports/typeset.py), made at the first render.
PDF_FONTS_DIR = os.environ.get("PDF_FONTS_DIR") or str(BASE_DIR / "var" / "fonts")
# Above this many statements, a whole synthesis is typeset one part at a time (memory).
PDF_SPLIT_STATEMENTS = int(os.environ.get("PDF_SPLIT_STATEMENTS") or 2000)

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# The introduction of a synthesis is one form: about 170 fields per session of workshops (the
# nine participant categories, the facilitators), with the values each form was drawn with.
# Django's default limit (1 000 fields) would refuse a synthesis of six sessions.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000

# The site's own account pages (templates/registration/), in French.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "syntheses:home"  # the dashboard ("Mes synthèses") once logged in
LOGOUT_REDIRECT_URL = "syntheses:home"

# Forms: django-crispy-forms with the project's own template pack (templates/dsfr_crispy/),
# which writes the markup of the French State design system (DSFR). Not "dsfr": that name is
# django-dsfr's own template folder.
CRISPY_TEMPLATE_PACK = "dsfr_crispy"
CRISPY_ALLOWED_TEMPLATE_PACKS = ("dsfr_crispy",)
# A layout naming a field the form lacks is a bug: fail loudly rather than drop the field.
CRISPY_FAIL_SILENTLY = False

# django-dsfr marks the text of its alerts safe unless told otherwise: the platform's messages
# quote what users typed (a synthesis title...), so they stay escaped.
DSFR_CONTENT_IS_SAFE = False
# The DSFR's stylesheets are served from the platform itself, and `collectstatic` rewrites
# the URLs inside them to hashed names: the checksums django-dsfr knows would no longer match.
DSFR_USE_INTEGRITY_CHECKSUMS = False

# History (django-simple-history)
# Every change to a synthesis and its content is recorded (workshops/historical.py); the
# history page of a synthesis restores deleted statements, rows and RETEX sheets with the
# platform's rules (positions, links). The administration shows the history but does not
# revert from it: its generic form would bypass those rules.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Logging ---------------------------------------------------------------------------------------
# Everything to stderr (gunicorn, or the service manager, collects it), each line with the id
# of its request (etatsgeneraux/observability.py); a 500 is logged by django.request with its
# traceback. 4xx answers are left to the access log. LOG_LEVEL=INFO says more.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "etatsgeneraux.observability.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "filters": ["request_id"],
            "formatter": "plain",
            "level": LOG_LEVEL,
        }
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers (console in DEBUG, mail to admins) replaced by the root's.
        "django": {"handlers": [], "level": LOG_LEVEL},
        "django.request": {"handlers": [], "level": "ERROR"},
    },
}

# Optional error reports to Sentry (pip install ".[sentry]"), with no personal data sent.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        send_default_pii=False,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=0,
    )
