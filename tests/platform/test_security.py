"""Accounts and transport: HTTPS headers, login throttling, passwords, sessions."""

import io
import runpy
import secrets
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from etatsgeneraux.settings import BASE_DIR
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = factories.PASSWORD
NEW_PASSWORD = "une phrase de passe toute neuve"
LOGIN = reverse("login")
ADMIN_LOGIN = "/admin/login/"


def production_settings(monkeypatch, **environment):
    """The settings module as production computes it (DEBUG off, HTTPS on by default)."""
    for name in ("DEBUG", "HTTPS", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_AGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(50))
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(BASE_DIR / "etatsgeneraux" / "settings.py"))


@pytest.fixture
def https(settings, monkeypatch):
    """The production HTTPS settings, which the other tests turn off (tests/conftest.py)."""
    production = production_settings(monkeypatch)
    for name in (
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "X_FRAME_OPTIONS",
        "SECURE_REFERRER_POLICY",
    ):
        setattr(settings, name, production[name])
    return settings


@pytest.fixture
def user(db):
    return factories.UserFactory(username="claire", password=PASSWORD)


def log_in(client, username, password, url=LOGIN, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def is_logged_in(client):
    return "_auth_user_id" in client.session


# HTTPS ---------------------------------------------------------------------------------------


def test_over_https_pages_carry_hsts_and_the_other_security_headers(client, https):
    response = client.get("/", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_plain_http_is_redirected_to_https(client, https):
    response = client.get("/comptes/connexion/?next=/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/comptes/connexion/?next=/"


def test_behind_the_proxy_its_forwarded_proto_header_means_https(client, https):
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert "Strict-Transport-Security" in response


def test_session_and_csrf_cookies_are_only_sent_over_https(client, https, user):
    client.get(LOGIN, secure=True)
    response = log_in(client, "claire", PASSWORD, secure=True)
    assert response.status_code == 302
    assert response.cookies["sessionid"]["secure"]
    assert response.cookies["sessionid"]["httponly"]
    assert client.cookies["csrftoken"]["secure"]


# Login and throttling -------------------------------------------------------------------------


def test_a_wrong_password_is_refused_in_french(client, user):
    response = log_in(client, "claire", "pas le bon")
    assert response.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in response.text
    assert not is_logged_in(client)


def test_five_failures_lock_the_account_from_that_address_with_a_french_page(client, user):
    for _ in range(4):
        assert log_in(client, "claire", "pas le bon").status_code == 200
    before = timezone.localtime() + timedelta(minutes=15)
    response = log_in(client, "claire", "pas le bon")
    after = timezone.localtime() + timedelta(minutes=15)
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "Connexion momentanément bloquée" in response.text
    assert "la connexion est bloquée pendant 15&nbsp;minutes" in response.text
    assert any(
        f"Réessayez à partir de {when:%H}&nbsp;h&nbsp;{when:%M}." in response.text
        for when in (before, after)
    )

    # Even the right password is refused now.
    assert log_in(client, "claire", PASSWORD).status_code == 429
    assert not is_logged_in(client)


def test_a_locked_account_logs_in_again_once_the_cool_off_has_passed(client, user):
    for _ in range(5):
        log_in(client, "claire", "pas le bon")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert log_in(client, "claire", PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_the_lockout_stops_neither_other_accounts_nor_other_addresses(client, user):
    colleague = factories.UserFactory(username="yann", password=PASSWORD)
    for _ in range(5):
        log_in(client, "claire", "pas le bon")
    assert log_in(client, colleague.username, PASSWORD).status_code == 302
    client.logout()
    assert log_in(client, "claire", PASSWORD, REMOTE_ADDR="192.0.2.44").status_code == 302


def test_a_successful_login_forgets_the_earlier_failures(client, user):
    for _ in range(4):
        log_in(client, "claire", "pas le bon")
    assert log_in(client, "claire", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert log_in(client, "claire", "pas le bon").status_code == 200
    assert log_in(client, "claire", PASSWORD).status_code == 302


def test_the_admin_login_is_throttled_too(client, admin_user):
    for _ in range(4):
        assert log_in(client, "admin", "pas le bon", url=ADMIN_LOGIN).status_code == 200
    response = log_in(client, "admin", "pas le bon", url=ADMIN_LOGIN)
    assert response.status_code == 429
    assert "Connexion momentanément bloquée" in response.text


def test_behind_a_proxy_failures_count_against_the_address_the_proxy_saw(client, user, settings):
    settings.TRUSTED_PROXIES = 1
    # The client forges the left part of X-Forwarded-For; the proxy appends the real address.
    for attempt in range(5):
        response = log_in(
            client,
            "claire",
            "pas le bon",
            headers={"X-Forwarded-For": f"10.0.0.{attempt}, 203.0.113.7"},
        )
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    other_client = log_in(client, "claire", PASSWORD, headers={"X-Forwarded-For": "198.51.100.9"})
    assert other_client.status_code == 302


def test_an_administrator_unlocks_an_account_with_axes_reset_username(client, user):
    for _ in range(5):
        log_in(client, "claire", "pas le bon")
    call_command("axes_reset_username", "claire", stdout=io.StringIO())
    assert not AccessAttempt.objects.exists()
    assert log_in(client, "claire", PASSWORD).status_code == 302


def test_administrators_see_the_failed_attempts_in_the_admin(client, user, admin_user):
    for _ in range(5):
        log_in(client, "claire", "pas le bon")
    client.force_login(admin_user)
    response = client.get("/admin/axes/accessattempt/")
    assert response.status_code == 200
    assert "claire" in response.text


def test_successful_logins_are_not_logged_with_their_address(client, user):
    log_in(client, "claire", PASSWORD)
    assert is_logged_in(client)
    assert not AccessLog.objects.exists()


# Passwords and sessions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weak", "message"),
    [
        ("court", "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères."),
        ("123456789012", "Ce mot de passe est entièrement numérique."),
        ("password1234", "Ce mot de passe est trop courant."),
    ],
)
def test_a_weak_new_password_is_refused_in_french(client, user, weak, message):
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak},
    )
    assert response.status_code == 200
    assert message in response.text
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_changing_ones_password_closes_ones_other_sessions_and_says_so(client, user):
    other_browser = type(client)()
    assert log_in(other_browser, "claire", PASSWORD).status_code == 302
    assert log_in(client, "claire", PASSWORD).status_code == 302

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Votre mot de passe a été changé" in response.text
    assert "vos autres sessions (autres navigateurs, autres appareils) ont été fermées" in (
        response.text
    )
    # This session goes on; the other one is back at the login page.
    assert client.get(reverse("password_change")).status_code == 200
    response = other_browser.get(reverse("password_change"), follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN)
    assert "votre session a expiré ou a été fermée" in response.text
    assert not is_logged_in(other_browser)


def test_a_session_lasts_eight_hours_from_the_login(client, user, settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert not settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    response = log_in(client, "claire", PASSWORD)
    assert response.cookies["sessionid"]["max-age"] == 8 * 3600
    assert client.session.get_expiry_age() == 8 * 3600
