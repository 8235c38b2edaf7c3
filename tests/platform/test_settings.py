import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

from etatsgeneraux.settings import BASE_DIR


def start_django(**environment):
    env = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "DEBUG"}}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "etatsgeneraux.settings"},
        capture_output=True,
        text=True,
    )


def test_the_platform_refuses_to_start_without_a_secret_key_in_production():
    result = start_django(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY manquante" in result.stderr


def test_the_platform_starts_with_a_secret_key_or_in_development():
    assert start_django(DEBUG="0", SECRET_KEY="une-vraie-clé").returncode == 0
    assert start_django(DEBUG="1").returncode == 0


def test_the_platform_speaks_french_in_paris_time():
    assert settings.LANGUAGE_CODE == "fr-fr"
    assert settings.TIME_ZONE == "Europe/Paris"


def test_postgresql_is_configured_by_database_url():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "db = settings.DATABASES['default']; print(db['ENGINE'], db['NAME'], db['HOST'])",
        ],
        cwd=BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "etatsgeneraux.settings",
            "SECRET_KEY": "x",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/syntheses",
        },
        capture_output=True,
        text=True,
    )
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "syntheses",
        "127.0.0.1",
    ]


# Production mode ----------------------------------------------------------------------------

PRODUCTION_ENV_NAMES = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "HTTPS",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_AGE",
    "TRUSTED_PROXIES",
    # Set by the browser tests (tests/browser/conftest.py), and flagged by check --deploy.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def run_python(args, **environment):
    """Runs Python in a fresh process, with only the given production variables set."""
    env = {key: value for key, value in os.environ.items() if key not in PRODUCTION_ENV_NAMES}
    env.update(environment)
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "etatsgeneraux.settings"},
        capture_output=True,
        text=True,
    )


def manage(*args, **environment):
    return run_python(["manage.py", *args], **environment)


def production_setting(name, **environment):
    """repr() of a setting as the production settings (DEBUG off by default) compute it."""
    code = (
        "import django; django.setup(); from django.conf import settings; "
        f"print(repr(settings.{name}))"
    )
    result = run_python(["-c", code], **{"SECRET_KEY": secrets.token_urlsafe(50), **environment})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_check_deploy_is_silent_in_production_behind_https():
    result = manage(
        "check",
        "--deploy",
        DEBUG="",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_flags_a_short_secret_key():
    result = manage(
        "check", "--deploy", DEBUG="", SECRET_KEY="trop-courte", ALLOWED_HOSTS="example.org"
    )
    assert "security.W009" in result.stderr


def test_plain_http_for_a_local_trial_is_what_check_deploy_warns_about():
    result = manage(
        "check",
        "--deploy",
        DEBUG="",
        HTTPS="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
    )
    warned = set(re.findall(r"security\.W\d+", result.stderr))
    # HSTS, redirection to https, secure session and CSRF cookies: nothing else.
    assert warned == {"security.W004", "security.W008", "security.W012", "security.W016"}


def test_production_serves_hashed_and_compressed_static_files_and_development_plain_ones():
    assert production_setting("STORAGES['staticfiles']['BACKEND']", DEBUG="") == (
        "'whitenoise.storage.CompressedManifestStaticFilesStorage'"
    )
    assert production_setting("STORAGES['staticfiles']['BACKEND']", DEBUG="1") == (
        "'django.contrib.staticfiles.storage.StaticFilesStorage'"
    )


@pytest.mark.slow
def test_https_is_trusted_from_the_proxy_header_and_hsts_lasts_a_year_by_default():
    assert production_setting("SECURE_PROXY_SSL_HEADER") == "('HTTP_X_FORWARDED_PROTO', 'https')"
    assert production_setting("SECURE_HSTS_SECONDS") == str(365 * 24 * 3600)
    assert production_setting("SECURE_HSTS_SECONDS", SECURE_HSTS_SECONDS="600") == "600"
    assert production_setting("SECURE_HSTS_SECONDS", HTTPS="0") == "0"
    assert production_setting("SECURE_SSL_REDIRECT", HTTPS="0") == "False"
    assert production_setting("X_FRAME_OPTIONS") == "'DENY'"


def test_sessions_last_eight_hours_unless_configured():
    assert production_setting("SESSION_COOKIE_AGE") == str(8 * 3600)
    assert production_setting("SESSION_COOKIE_AGE", SESSION_COOKIE_AGE="3600") == "3600"
