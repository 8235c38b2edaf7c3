import os
import subprocess
import sys

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
