"""gunicorn's settings for the platform: `gunicorn -c etatsgeneraux/gunicorn.conf.py ...`.

The address to listen on is given on the command line (--bind); see README, « Mise en
production ».
"""

import multiprocessing
import os

# Synchronous workers, one request at a time each. A PDF takes a worker's CPU for 2 to 15 s
# (WeasyPrint holds the GIL: threads would not help), so there are more workers than cores,
# leaving some free for the pages and the board meanwhile. WEB_CONCURRENCY overrides.
workers = int(os.environ.get("WEB_CONCURRENCY", "0")) or multiprocessing.cpu_count() * 2 + 1

# Long enough for the first rendering of a large synthesis on a loaded machine.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30

# A worker is replaced after about a thousand requests: the memory WeasyPrint leaves behind
# goes back to the system.
max_requests = 1000
max_requests_jitter = 100

# Access and error logs on the standard output and error, for the service manager.
accesslog = "-"
errorlog = "-"
