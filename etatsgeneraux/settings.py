"""Settings for the États généraux synthesis platform, read from the environment.

DEBUG is off unless asked for; with DEBUG off the platform refuses to start without
a SECRET_KEY, so no production secret ever lives in the repository.
"""

import os
from pathlib import Path

import dj_database_url
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

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "widget_tweaks",
    "dsfr",
    "workshops",
    "actionplans",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

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

AUTHENTICATION_BACKENDS = ["workshops.auth.DemoAccountsOnlyInDebugBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# The introduction of a synthesis is one form: about 170 fields per session of workshops (the
# nine participant categories, the facilitators), with the values each form was drawn with.
# Django's default limit (1 000 fields) would refuse a synthesis of six sessions.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000

# The site's own account pages (templates/registration/), in French.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workshops:home"  # the dashboard ("Mes synthèses") once logged in
LOGOUT_REDIRECT_URL = "workshops:home"

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
