"""The PDF cache through Django's Redis backend, against the real redis-server."""

import socket
import uuid

import pytest
from django.core.cache import caches

from etatsgeneraux.reports import pdf as reports


def redis_reachable():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not redis_reachable(), reason="pas de redis-server sur 127.0.0.1:6379")
def test_a_pdf_cached_by_one_server_is_found_by_another_through_redis(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": f"etatsgeneraux-test-runner-{uuid.uuid4().hex}",
        }
    }
    key = "pdf:test:" + uuid.uuid4().hex
    try:
        caches["default"].set(key, {"pdf": b"%PDF-1.7 test", "pages": 3})
        del caches["default"]  # a new connection, as another process would open
        found = reports.cached_pdf(key)
        assert found is not None and found.pdf == b"%PDF-1.7 test" and found.pages == 3
    finally:
        caches["default"].delete(key)
