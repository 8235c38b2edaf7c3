"""Requests that race on a unique constraint answer 409 in French, never a 500.

Every change goes through workshops.changes.changing(), which turns the IntegrityError of a
simultaneous change into ChangeConflict; etatsgeneraux.conflicts answers it. Proved once
deterministically, then with 20 requests released at the same moment: on PostgreSQL (the
suite's database, threads and the test client) and on SQLite as `make run` serves it.
"""

import re

import pytest
from django.db import connections

from etatsgeneraux.board import editing
from tests import factories
from tests.platform.test_sqlite_concurrency import (
    DEMO_LOGIN,
    Browser,
    _is_in_memory_sqlite,
    _race,
    sqlite_runserver,  # noqa: F401 - the fixture
)
from workshops.models import RetexSheet

RACERS = 20
CONFLICT = "Quelqu’un a fait une modification au même endroit au même moment"


def sheet_data(number, title):
    return {"number": number, "origin": "", "title": title, "text": "", "links": ""}


def add_sheet_url(synthesis, number):
    return f"/syntheses/{synthesis}/thematiques/{number}/retex/ajouter/"


def test_a_retex_number_taken_meanwhile_answers_409_in_french_and_writes_nothing(db, monkeypatch):
    section = factories.board_section(rows=1, statements=1)
    client = factories.logged_in(factories.facilitator_of(section.synthesis))
    save_sheet = editing.save_sheet

    def beaten(section, sheet, links, **kwargs):  # another request saved n° 7 just before
        RetexSheet.objects.create(
            synthesis=section.synthesis, section=section, number=7, title="Première"
        )
        return save_sheet(section, sheet, links, **kwargs)

    monkeypatch.setattr(editing, "save_sheet", beaten)
    response = client.post(
        add_sheet_url(section.synthesis.slug, section.thematic.number),
        sheet_data(7, "Seconde"),
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 409
    assert CONFLICT in response.content.decode()
    assert response["HX-Reswap"] == "none"
    assert not RetexSheet.objects.filter(title="Seconde").exists()


def assert_no_500_and_one_sheet(results, numbers):
    assert None not in results
    statuses = [status for _title, status, _body in results]
    assert 500 not in statuses, [body[:300] for _t, status, body in results if status == 500]
    assert set(statuses) <= {200, 409, 422}
    assert statuses.count(200) == 1 and numbers == [5]
    for _title, status, body in results:
        if status == 409:
            assert CONFLICT in body


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_retex_sheets_with_one_number_never_answer_500():
    if _is_in_memory_sqlite():
        pytest.skip("base SQLite en mémoire : voir le test sur un fichier ci-dessous")
    section = factories.board_section(rows=1, statements=1)
    user = factories.facilitator_of(section.synthesis)
    clients = [factories.logged_in(user) for _ in range(RACERS)]
    url = add_sheet_url(section.synthesis.slug, section.thematic.number)

    def post(index, title):
        try:
            response = clients[index].post(
                url, sheet_data(5, title), headers={"HX-Request": "true"}
            )
            return response.status_code, response.content.decode()
        except Exception as error:  # what the server would have answered with a 500
            return 500, repr(error)
        finally:
            connections.close_all()

    results = _race(post, [f"Fiche {index}" for index in range(RACERS)])

    numbers = list(RetexSheet.objects.filter(section=section).values_list("number", flat=True))
    assert_no_500_and_one_sheet(results, [n for n in numbers if n == 5])


@pytest.mark.slow
def test_twenty_simultaneous_retex_sheets_on_sqlite_under_make_run_never_answer_500(
    sqlite_runserver,  # noqa: F811
):
    import sqlite3
    from contextlib import closing

    base, database, server_log = sqlite_runserver
    browsers = [Browser(base) for _ in range(RACERS)]
    for browser in browsers:
        browser.log_in(*DEMO_LOGIN)
    url = add_sheet_url("vendee-2020", 1)
    with closing(sqlite3.connect(database)) as db:
        taken = {number for (number,) in db.execute("SELECT number FROM workshops_retexsheet")}
    number = next(n for n in range(5, 100) if n not in taken)

    results = _race(
        lambda index, title: browsers[index].htmx_post(url, sheet_data(number, title)),
        [f"Fiche simultanée {index}" for index in range(RACERS)],
    )

    with closing(sqlite3.connect(database)) as db:
        numbers = [
            5
            for (title,) in db.execute(
                "SELECT title FROM workshops_retexsheet WHERE number = ?", (number,)
            )
            if re.fullmatch(r"Fiche simultanée \d+", title)
        ]
    assert_no_500_and_one_sheet(results, numbers)
    assert "Traceback" not in server_log.read_text()
