"""Runs the load scenario against gunicorn on 127.0.0.1 and prints the figures.

For each number of users: a fresh throw-away PostgreSQL database (its name contains
« charge »), the production settings (DEBUG off, WhiteNoise, plain http on 127.0.0.1),
gunicorn, the PDF cache warmed once, locust headless bounded in time and in requests, then
the count of lost edits (manage.py check_load_test). Usage: make loadtest, or
    .venv/bin/python scripts/loadtest.py --users 10 50 --run-time 60

--tempete runs the PDF storm instead: gunicorn and two job workers as `make serve` starts
them, five cold PDFs of a 2 000-statement synthesis asked at once by a referent, and five
readers loading pages meanwhile; it prints the pages' p50/p95, the 5xx and timeouts, how
long the PDF requests took to answer, and how each render ended.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
OUT = ROOT / "var" / "loadtest"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--run-time", type=int, default=60, help="secondes par palier")
    parser.add_argument("--max-requests", type=int, default=50_000)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument(
        "--pace", type=float, default=1.0, help="facteur des temps de réflexion (0.2 : stress)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="workers de gunicorn (par défaut : WEB_CONCURRENCY ou 2 × cœurs + 1)",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--tempete", action="store_true", help="la tempête de PDF (voir plus haut)")
    parser.add_argument("--job-workers", type=int, default=2)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "LOADTEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/etatsgeneraux_charge"
        ),
    )
    return parser.parse_args()


def recreate_database(url):
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "charge" not in name:
        sys.exit(f"Base refusée : « {name} » ne contient pas « charge ».")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def wait_until_up(url, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=10).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    sys.exit(f"gunicorn ne répond pas sur {url}.")


def logged_in(base, scenario):
    """A session logged in as the scenario's referent."""
    session = requests.Session()
    session.get(base + scenario["login"])
    session.post(
        base + scenario["login"],
        data={
            **scenario["accounts"]["referent"],
            "csrfmiddlewaretoken": session.cookies.get("csrftoken"),
        },
        headers={"Referer": base + scenario["login"]},
    )
    return session


def warm_up(base, scenario):
    """Each PDF is rendered once before the run, so referents download cached copies, and
    every worker serves each page a few times (a server in use is not freshly started)."""
    session = logged_in(base, scenario)
    for url in scenario["pdfs"]:
        response = session.get(base + url, timeout=300)
        if response.status_code != 200 or not response.content.startswith(b"%PDF"):
            sys.exit(f"PDF non servi pendant la préparation : {url} ({response.status_code}).")
    pages = [*scenario["reading"], *{row["board"] for row in scenario["rows"]}]
    for _ in range(10):
        for url in pages:
            session.get(base + url, timeout=60)


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0


STORM_READERS = 5
STORM_LIMIT_SECONDS = 600


def storm(base, scenario):
    """Five cold PDFs asked at once while five readers load pages, until every render has
    ended (or STORM_LIMIT_SECONDS): nothing may time out, pages keep a p95 under a second."""
    ended = threading.Event()
    pages, errors, timeouts = [], [], []

    def timed_get(session, url, times, **options):
        """The answer (None after a timeout), its time added to `times`, a 5xx to `errors`."""
        started = time.monotonic()
        try:
            response = session.get(base + url, timeout=30, **options)
        except requests.Timeout:
            timeouts.append(url)
            return None
        times.append(time.monotonic() - started)
        if response.status_code >= 500:
            errors.append((url, response.status_code))
        return response

    def read():
        session = logged_in(base, scenario)
        while not ended.is_set():
            for url in scenario["reading"]:
                timed_get(session, url, pages)

    pdf_answers, jobs = [], []

    def ask(url):
        session = logged_in(base, scenario)
        response = timed_get(session, url, pdf_answers, allow_redirects=False)
        if response is not None and response.status_code == 302:
            jobs.append((session, response.headers["Location"], time.monotonic()))

    readers = [threading.Thread(target=read) for _ in range(STORM_READERS)]
    for reader in readers:
        reader.start()
    time.sleep(3)  # the readers' pace before the storm
    askers = [threading.Thread(target=ask, args=(url,)) for url in scenario["storm_pdfs"]]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join()
    outcomes = {}
    deadline = time.monotonic() + STORM_LIMIT_SECONDS
    while len(outcomes) < len(jobs) and time.monotonic() < deadline:
        for session, location, asked in jobs:
            if location in outcomes:
                continue
            page = session.get(base + location, timeout=30)
            if page.status_code >= 500:
                errors.append((location, page.status_code))
            if "job--finished" in page.text:
                failed = "fr-alert--error" in page.text or "Échec" in page.text
                outcomes[location] = ("échec" if failed else "fait", time.monotonic() - asked)
        time.sleep(2)
    ended.set()
    for reader in readers:
        reader.join()
    print(f"\nTempête de PDF : {len(scenario['storm_pdfs'])} PDF froids, {STORM_READERS} lecteurs")
    print(
        f"- pages : {len(pages)} requêtes, p50 {percentile(pages, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(pages, 0.95) * 1000:.0f} ms"
    )
    print(
        "- demandes de PDF : réponse (page d’avancement) en "
        + ", ".join(f"{seconds * 1000:.0f}" for seconds in sorted(pdf_answers))
        + " ms"
    )
    for location, (state, seconds) in sorted(outcomes.items()):
        print(f"- rendu {location} : {state} en {seconds:.0f} s")
    unfinished = len(jobs) - len(outcomes)
    print(f"- rendus non terminés après {STORM_LIMIT_SECONDS} s : {unfinished}")
    print(f"- erreurs 5xx : {len(errors)} ; délais dépassés : {len(timeouts)}")
    ok = not errors and not timeouts and percentile(pages, 0.95) < 1.0 and not unfinished
    return {"storm": True, "ok": ok}


def one_run(args, users):
    recreate_database(args.database_url)
    run_dir = OUT / f"{users}-utilisateurs"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    env = {
        **os.environ,
        "DEBUG": "",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": args.database_url,
        "CACHE_LOCATION": str(run_dir / "cache"),
    }
    manage(env, "migrate", "--noinput", "-v0")
    scenario_file = run_dir / "scenario.json"
    manage(env, "prepare_load_test", "--output", str(scenario_file))
    scenario = json.loads(scenario_file.read_text(encoding="utf-8"))
    base = f"http://127.0.0.1:{args.port}"
    log = open(run_dir / "gunicorn.log", "w")  # noqa: SIM115 (closed after the server stops)
    server = subprocess.Popen(
        [
            PYTHON,
            str(ROOT / "scripts" / "with_workers.py"),
            "--workers",
            str(args.job_workers),
            "--",
            str(BIN / "gunicorn"),
            "--config",
            str(ROOT / "etatsgeneraux" / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{args.port}",
            *(["--workers", str(args.workers)] if args.workers else []),
            "etatsgeneraux.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(base + "/")
        warm_up(base, scenario)
        if args.tempete:
            return storm(base, scenario)
        ledger = run_dir / "ledger.json"
        locust = subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(ROOT / "loadtest" / "locustfile.py"),
                "--headless",
                "--host",
                base,
                "--users",
                str(users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                f"{args.run_time}s",
                "--stop-timeout",
                "10",
                "--only-summary",
                "--csv",
                str(run_dir / "locust"),
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "LOADTEST_SCENARIO": str(scenario_file),
                "LOADTEST_LEDGER": str(ledger),
                "LOADTEST_MAX_REQUESTS": str(args.max_requests),
                "LOADTEST_PACE": str(args.pace),
            },
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    check = subprocess.run(
        [PYTHON, "manage.py", "check_load_test", str(scenario_file), str(ledger)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    print(check.stdout + check.stderr)
    recorded = json.loads(ledger.read_text(encoding="utf-8"))
    lost = check.stdout.rsplit("Modifications perdues : ", 1)[-1].rstrip(".\n")
    return {
        "users": users,
        "stats": recorded["stats"],
        "steady": recorded["steady_stats"],
        "lost": lost,
        "ok": locust.returncode == 0,
    }


def main():
    args = parse_args()
    # The production static files (hashed names), as `make serve` gathers them.
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "", "SECRET_KEY": "collectstatic-only", "HTTPS": "0"},
        check=True,
    )
    if args.tempete:
        sys.exit(0 if one_run(args, args.users[0])["ok"] else 1)
    results = [one_run(args, users) for users in args.users]
    print(
        "\n| utilisateurs | mesure | durée (s) | requêtes/s | pages p50 / p95 (ms) "
        "| PDF p50 / p95 (ms) | connexions p50 / p95 (ms) | erreurs | modifications perdues |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for result in results:
        for label, stats in (
            ("toute la durée", result["stats"]),
            ("après la montée", result["steady"]),
        ):
            kinds = [stats[kind] for kind in ("page", "pdf", "login")]
            rate = sum(kind["per_second"] or 0 for kind in kinds)
            errors = sum(kind["failures"] for kind in kinds)
            timings = " | ".join(
                f"{kind['p50_ms']} / {kind['p95_ms']}" if kind["requests"] else "–"
                for kind in kinds
            )
            print(
                f"| {result['users']} | {label} | {stats['seconds']} | {rate:.1f} | {timings} "
                f"| {errors} | {result['lost']} |"
            )
    print(f"\nDétails (CSV de locust, journaux de gunicorn, registres) : {OUT}")
    if not all(result["ok"] and result["lost"] == "0" for result in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
