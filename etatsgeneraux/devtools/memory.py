"""The resident memory of this process and of the processes it started, summed, sampled while
a piece of work runs: a PDF is typeset in child processes (reports/typst_process.py), which
the process's own peak would not count."""

import os
import threading
import time
from contextlib import contextmanager, suppress
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


def _children(pid):
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _resident(pid):
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0  # ended meanwhile


def tree_resident(pid=None):
    """Bytes resident in this process and all its descendants, now."""
    pending, total = [pid or os.getpid()], 0
    while pending:
        current = pending.pop()
        total += _resident(current)
        pending += _children(current)
    return total


@contextmanager
def tree_peak(interval=0.005):
    """Yields a dict whose "bytes" is, once the block has run, the largest sum seen."""
    result = {"bytes": tree_resident()}
    done = threading.Event()

    def sample():
        while not done.is_set():
            result["bytes"] = max(result["bytes"], tree_resident())
            time.sleep(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield result
    finally:
        done.set()
        sampler.join()
