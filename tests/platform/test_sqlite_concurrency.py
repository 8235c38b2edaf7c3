"""Several facilitators pressing Enter in the same cell at the same moment: every statement is
saved, nobody gets an error (no « database is locked » on SQLite).

- On SQLite, as `make run` serves it: a file database (WAL, immediate transactions, busy
  timeout: etatsgeneraux/settings.py) behind `manage.py runserver` in its own process, with
  the demo data and accounts of `setup_demo`; writers post to the board over HTTP. The test
  database of the suite is in memory, whose locking is not a file's: this one is not.
- On the suite's own database when it is PostgreSQL (or an SQLite file): threads, each with
  its own connection, post to the same board view through the test client.
"""

import http.cookiejar
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import closing

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client

from tests import factories
from workshops.models import Irritant

pytestmark = pytest.mark.slow

WRITERS = 4
ROUNDS = 6
BOARD = "/syntheses/vendee-2020/thematiques/1/"
DEMO_LOGIN = ("animatrice", "etats-generaux-dane")  # setup_demo's facilitator (DEBUG only)


def _add_url(page, slug, number):
    """The « add an irritant » URL of the first diagnostic row, as the board page gives it."""
    board = f"/syntheses/{slug}/thematiques/{number}/"
    pattern = rf'hx-post="({board}diagnostic/lignes/\d+/irritants/ajouter/)"'
    found = re.search(pattern, page)
    assert found, "the board offers no irritant to add"
    return found.group(1)


def _race(post, texts):
    """Posts each text from its own thread, all released at the same moment; returns the
    (text, HTTP status, body) of each post."""
    barrier = threading.Barrier(len(texts))
    results = [None] * len(texts)

    def write(index, text):
        try:
            barrier.wait(timeout=30)
            results[index] = (text, *post(index, text))
        finally:
            connections.close_all()  # this thread's own connection: the test database goes

    threads = [
        threading.Thread(target=write, args=(index, text)) for index, text in enumerate(texts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _texts(round_number):
    return [f"Énoncé simultané {round_number}-{writer}" for writer in range(WRITERS)]


def _assert_every_write_kept(results, stored):
    assert None not in results  # every writer finished
    failures = [(text, status, body[:300]) for text, status, body in results if status != 200]
    assert failures == []
    texts = [text for text, _status, _body in results]
    assert sorted(stored) == sorted(texts)  # each once: nothing lost, nothing doubled


# SQLite, as `make run` serves it --------------------------------------------------------------


def _free_port():
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def sqlite_runserver(tmp_path):
    """`make run` on a database file of its own: migrate, setup_demo, runserver."""
    database = tmp_path / "db.sqlite3"
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{database}",
        "CACHE_LOCATION": str(tmp_path / "cache"),
        "PORT": str(port),
    }
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    for command in (["migrate", "--noinput", "-v0"], ["setup_demo"]):
        subprocess.run(manage + command, env=env, check=True, capture_output=True, timeout=300)
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/comptes/connexion/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("runserver did not start: " + (tmp_path / "server.log").read_text())
        yield base, database, tmp_path / "server.log"
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


class Browser:
    """One person's browser: its cookies, its CSRF token, its requests."""

    def __init__(self, base):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def request(self, path, data=None, headers=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    @property
    def csrf_token(self):
        return next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")

    def log_in(self, username, password):
        self.request("/comptes/connexion/")
        status, page = self.request(
            "/comptes/connexion/",
            {"username": username, "password": password, "csrfmiddlewaretoken": self.csrf_token},
        )
        assert status == 200 and "Mes synthèses" in page

    def htmx_post(self, path, data):
        return self.request(path, data, {"X-CSRFToken": self.csrf_token, "HX-Request": "true"})


def test_simultaneous_saves_on_sqlite_under_make_run_are_all_kept(sqlite_runserver):
    base, database, server_log = sqlite_runserver
    browsers = [Browser(base) for _ in range(WRITERS)]
    for browser in browsers:
        browser.log_in(*DEMO_LOGIN)
    status, page = browsers[0].request(BOARD)
    assert status == 200
    add_url = _add_url(page, "vendee-2020", 1)

    results = []
    for round_number in range(ROUNDS):
        results += _race(
            lambda index, text: browsers[index].htmx_post(add_url, {"text": text}),
            _texts(round_number),
        )

    with closing(sqlite3.connect(database)) as db:
        stored = [
            text
            for (text,) in db.execute(
                "SELECT text FROM workshops_irritant WHERE text LIKE 'Énoncé simultané %'"
            )
        ]
        (journal_mode,) = db.execute("PRAGMA journal_mode").fetchone()
    _assert_every_write_kept(results, stored)
    assert "database is locked" not in server_log.read_text()
    assert journal_mode == "wal"


# The suite's database, when it is a server's (PostgreSQL) ---------------------------------


def _is_in_memory_sqlite():
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


@pytest.mark.django_db(transaction=True)
def test_simultaneous_saves_on_the_test_database_are_all_kept():
    if _is_in_memory_sqlite():
        pytest.skip("base SQLite en mémoire : voir le test sur un fichier ci-dessus")
    section = factories.board_section(rows=1, statements=1)
    synthesis = section.synthesis
    user = factories.facilitator_of(synthesis)
    clients = [factories.logged_in(user) for _ in range(WRITERS)]
    board = f"/syntheses/{synthesis.slug}/thematiques/{section.thematic.number}/"
    page = clients[0].get(board).content.decode()
    add_url = _add_url(page, synthesis.slug, section.thematic.number)

    def post(index, text):
        client: Client = clients[index]
        try:
            response = client.post(add_url, {"text": text}, headers={"HX-Request": "true"})
            return response.status_code, response.content.decode()
        except Exception as error:  # what the server would have answered with a 500
            return 500, repr(error)
        finally:
            connections.close_all()  # this thread's own connection

    results = []
    for round_number in range(ROUNDS):
        results += _race(post, _texts(round_number))
    stored = list(
        Irritant.objects.filter(
            row__section=section, text__startswith="Énoncé simultané "
        ).values_list("text", flat=True)
    )
    _assert_every_write_kept(results, stored)
