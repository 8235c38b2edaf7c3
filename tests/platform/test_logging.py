import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import django
django.setup()
from django.test import Client
from django.test.utils import override_settings
from django.conf import settings
storages = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # no collectstatic
with override_settings(
    ROOT_URLCONF="tests.platform.failing_urls", ALLOWED_HOSTS=["testserver"], STORAGES=storages
):
    client = Client(raise_request_exception=False)
    response = client.get("/panne/", HTTP_X_REQUEST_ID=REQUEST_ID)
    print(response.status_code, response["X-Request-ID"])
    print(response.content.decode())
"""


def production_request(request_id):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "etatsgeneraux.settings",
        "DEBUG": "0",
        "HTTPS": "0",
        "SECRET_KEY": "insecure-key-for-tests-only",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    env.pop("SENTRY_DSN", None)
    return subprocess.run(
        [sys.executable, "-c", f"REQUEST_ID = {request_id!r}\n{SCRIPT}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_a_500_in_production_writes_its_traceback_to_stderr_with_the_request_id():
    result = production_request("demande-1234abcd")

    assert result.stdout.startswith("500 demande-1234abcd")
    assert "référence de la demande" in result.stdout and "demande-1234abcd" in result.stdout
    assert "panne simulée" not in result.stdout  # the page tells nothing of the code
    error_line = next(line for line in result.stderr.splitlines() if "ERROR" in line)
    assert "[demande-1234abcd] django.request: Internal Server Error: /panne/" in error_line
    assert "Traceback (most recent call last)" in result.stderr
    assert "RuntimeError: panne simulée pour le test" in result.stderr


def test_an_insane_incoming_request_id_is_replaced_by_a_new_one():
    result = production_request("<script>")

    status, request_id = result.stdout.splitlines()[0].split()
    assert status == "500" and len(request_id) == 32 and request_id.isalnum()
    assert f"[{request_id}]" in result.stderr and "<script>" not in result.stderr
