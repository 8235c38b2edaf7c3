"""Runs a command (the web server) beside background job workers, as one command.

    python scripts/with_workers.py [--workers N] -- COMMAND...

Starts COMMAND and N `manage.py db_worker` processes (every queue); Ctrl+C, SIGTERM or the
end of any one of them stops them all. Used by `make run` and `make serve` (README,
« Travaux en arrière-plan »).
"""

import argparse
import os
import signal
import subprocess
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=int(os.environ.get("JOB_WORKERS", "1")))
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = [part for part in args.command if part != "--"] if args.command else []
    if not command:
        parser.error("une commande à lancer est attendue après --")
    worker = [
        sys.executable,
        "manage.py",
        "db_worker",
        "--queue-name",
        "*",
        "--no-reload",
    ]
    processes = [subprocess.Popen(command, start_new_session=True)]
    processes += [
        subprocess.Popen(worker, start_new_session=True) for _ in range(max(0, args.workers))
    ]
    print(f"Processus de travail lancés à côté du serveur\u00a0: {args.workers}.", flush=True)

    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping and all(process.poll() is None for process in processes):
            time.sleep(0.5)
    finally:
        for process in processes:
            # Each in a process group of its own: runserver's reloader child stops too.
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    codes = [process.returncode for process in processes]
    return 0 if stopping else next((code for code in codes if code), 0)


if __name__ == "__main__":
    sys.exit(main())
