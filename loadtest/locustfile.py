"""Load scenario: anonymous readers, facilitators editing live, referents downloading PDFs.

Run it through `make loadtest` (scripts/loadtest.py), which prepares a throw-away database,
starts gunicorn on 127.0.0.1 and checks afterwards that no acknowledged edit was lost.
Environment: LOADTEST_SCENARIO (the file of prepare_load_test), LOADTEST_LEDGER (where the
acknowledged saves and the latencies are written at the end), LOADTEST_MAX_REQUESTS (the
run stops after that many requests, whatever its time limit), LOADTEST_PACE (think times).
"""

import itertools
import json
import os
import random
import re
import statistics
import time
import uuid
from pathlib import Path

import gevent
from locust import HttpUser, between, events, task

SCENARIO = json.loads(Path(os.environ["LOADTEST_SCENARIO"]).read_text(encoding="utf-8"))
MAX_REQUESTS = int(os.environ.get("LOADTEST_MAX_REQUESTS", "100000"))
# Think time between two requests of one person, as in a workshop: reading a page or a PDF
# takes 5 to 15 s, typing a statement live 3 to 10 s. LOADTEST_PACE scales them (0.2 gives
# the 1 to 3 s of a stress run).
PACE = float(os.environ.get("LOADTEST_PACE", "1"))
OWN_STATEMENTS = 5  # a facilitator's row stops growing there; later saves are edits

ledger = {"added": {}, "edited": {}, "shared": {}, "edits": 0, "conflicts": 0}
# Every response: (when, kind, milliseconds, failed). Logging in is slow on purpose (PBKDF2):
# it is counted apart from the pages.
samples = []
# The ramp-up ends once every user is spawned and logged in: the figures are given for the
# whole run and for the steady state after it (50 people logging in within seconds is a
# burst of password hashing that a working day does not see).
run = {"environment": None, "started": None, "requests": 0, "spawned": False}
run.update(members=0, logged_in=0)
rows = itertools.cycle(SCENARIO["rows"])
VERSION = re.compile(r'name="version" value="(\d+)"')


@events.init.add_listener
def remember_environment(environment, **kwargs):
    run["environment"] = environment


@events.test_start.add_listener
def start_clock(**kwargs):
    run["started"] = time.monotonic()


@events.spawning_complete.add_listener
def spawned(**kwargs):
    run["spawned"] = True
    steady_if_ready()


def steady_if_ready():
    if run["spawned"] and run["logged_in"] == run["members"] and "steady" not in run:
        run["steady"] = time.monotonic()


@events.request.add_listener
def record(name, response_time, exception, **kwargs):
    kind = "pdf" if name == "PDF" else "login" if name == "connexion" else "page"
    samples.append((time.monotonic(), kind, response_time, exception is not None))
    run["requests"] += 1
    if run["requests"] == MAX_REQUESTS and run["environment"].runner is not None:
        gevent.spawn(run["environment"].runner.quit)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else None


def summary(since):
    """Per kind of request: how many, failures, rate, p50 / p95 / max, from `since` on."""
    elapsed = time.monotonic() - since
    stats = {"seconds": round(elapsed, 1)}
    for kind in ("page", "pdf", "login"):
        taken = [(ms, failed) for when, k, ms, failed in samples if k == kind and when >= since]
        values = [ms for ms, _ in taken]
        stats[kind] = {
            "requests": len(values),
            "failures": sum(failed for _, failed in taken),
            "per_second": round(len(values) / elapsed, 1) if elapsed else None,
            "p50_ms": round(statistics.median(values)) if values else None,
            "p95_ms": round(percentile(values, 0.95)) if values else None,
            "max_ms": round(max(values)) if values else None,
        }
    return stats


@events.quitting.add_listener
def write_ledger(environment, **kwargs):
    now = time.monotonic()
    ledger["stats"] = summary(run["started"] or now)
    ledger["steady_stats"] = summary(run.get("steady", now))
    Path(os.environ["LOADTEST_LEDGER"]).write_text(
        json.dumps(ledger, ensure_ascii=False, indent=2), encoding="utf-8"
    )


class Member(HttpUser):
    """A logged-in user; every POST carries the CSRF token as htmx sends it."""

    abstract = True
    account = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        run["members"] += 1

    def on_start(self):
        try:
            self.log_in()
        finally:
            run["logged_in"] += 1
            steady_if_ready()

    def log_in(self):
        login = SCENARIO["login"]
        self.client.get(login, name="connexion")
        credentials = SCENARIO["accounts"][self.account]
        with self.client.post(
            login,
            data={**credentials, "csrfmiddlewaretoken": self.client.cookies.get("csrftoken")},
            headers={"Referer": self.host + login},
            name="connexion",
            catch_response=True,
        ) as response:
            if "sessionid" not in self.client.cookies:
                response.failure("connexion refusée")

    def post(self, url, data, name, **kwargs):
        headers = {
            "HX-Request": "true",
            "X-CSRFToken": self.client.cookies.get("csrftoken", ""),
            "Referer": self.host + url,
        }
        return self.client.post(url, data=data, headers=headers, name=name, **kwargs)


class Reader(HttpUser):
    """Anyone reading the published syntheses, without an account."""

    weight = 5
    wait_time = between(5 * PACE, 15 * PACE)

    @task
    def read(self):
        url = random.choice(SCENARIO["reading"])
        self.client.get(url, name="lecture " + url.rstrip("/").rsplit("/", 1)[-1])


class Referent(Member):
    """A departmental referent reading syntheses and downloading their PDFs."""

    weight = 2
    wait_time = between(5 * PACE, 15 * PACE)
    account = "referent"

    @task
    def read(self):
        self.client.get(random.choice(SCENARIO["reading"][1:]), name="lecture (référent)")

    @task(2)
    def download(self):
        with self.client.get(
            random.choice(SCENARIO["pdfs"]), name="PDF", catch_response=True
        ) as response:
            if response.ok and not response.content.startswith(b"%PDF"):
                response.failure("pas un PDF")


class Facilitator(Member):
    """A DANE facilitator typing the workshop's results live on a board."""

    weight = 3
    wait_time = between(3 * PACE, 10 * PACE)
    account = "facilitator"

    def on_start(self):
        super().on_start()
        self.row = next(rows)
        self.own = {}  # statement pk -> version, as acknowledged
        self.client.get(self.row["board"], name="tableau")

    @task
    def view_board(self):
        self.client.get(self.row["board"], name="tableau")

    @task(3)
    def write(self):
        if len(self.own) < OWN_STATEMENTS:
            self._add()
        else:
            self._edit_own()

    @task(2)
    def edit_shared(self):
        statement = random.choice(SCENARIO["shared"])
        form = self.client.get(statement["edit"], headers={"HX-Request": "true"}, name="édition")
        found = VERSION.search(form.text)
        if not found:
            return
        text = f"Partagé {uuid.uuid4().hex[:8]}"
        with self.post(
            statement["edit"],
            {"text": text, "version": found.group(1)},
            name="modification (partagée)",
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                key = str(statement["id"])
                ledger["shared"][key] = ledger["shared"].get(key, 0) + 1
            elif response.status_code == 409:
                ledger["conflicts"] += 1
                response.success()  # both texts were shown: nothing lost

    def _add(self):
        text = f"Ajout {uuid.uuid4().hex}"
        with self.post(
            self.row["add"], {"text": text}, name="ajout", catch_response=True
        ) as response:
            if response.status_code != 200:
                return
            found = re.search(
                r'<li id="irritants-(\d+)"[^>]*>\s*<span[^>]*>' + re.escape(text), response.text
            )
            if found is None:
                ledger["added"][f"?{text}"] = text
                response.failure("énoncé ajouté absent de la réponse")
                return
            ledger["added"][found.group(1)] = text
            self.own[int(found.group(1))] = 1

    def _edit_own(self):
        pk, version = random.choice(list(self.own.items()))
        text = f"Modifié {uuid.uuid4().hex}"
        with self.post(
            f"{self.row['edit']}{pk}/modifier/",
            {"text": text, "version": version},
            name="modification",
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                self.own[pk] = version + 1
                ledger["edited"][str(pk)] = text
                ledger["edits"] += 1
            elif response.status_code == 409:
                response.failure("conflit sur un énoncé que personne d'autre ne modifie")
