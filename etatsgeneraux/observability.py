"""Errors that leave a trace: a request id in every log line, in the response's X-Request-ID
header and on the French 500 page (so that a user can quote it), and Sentry when configured.

The id is the incoming X-Request-ID when it is sane (set by the reverse proxy, it then ties
the proxy's log to the platform's), otherwise a new one.
"""

import contextvars
import logging
import re
import sys
import uuid

from django.http import HttpResponseServerError
from django.template import loader
from django.utils.html import escape
from django.views.decorators.csrf import requires_csrf_token

_request_id = contextvars.ContextVar("request_id", default="-")
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")


def current_request_id():
    return _request_id.get()


class RequestIdMiddleware:
    """First of the middleware: every log line of the request carries its id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SANE_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        if "sentry_sdk" in sys.modules:  # imported by the settings only with a SENTRY_DSN
            sys.modules["sentry_sdk"].set_tag("request_id", request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Gives each log record the id of the request being served (« - » outside one)."""

    def filter(self, record):
        record.request_id = _request_id.get()
        return True


@requires_csrf_token
def server_error(request, template_name="500.html"):
    """The French 500 page with the request's id; rendered with no request context, so that
    it needs neither the database nor the session (which may be what failed)."""
    request_id = getattr(request, "request_id", None) or current_request_id()
    try:
        page = loader.get_template(template_name).render({"request_id": request_id})
    except Exception:  # the page must not fail in turn (a missing static file...)
        logging.getLogger(__name__).exception("La page d’erreur 500 n’a pas pu être rendue.")
        page = (
            '<!DOCTYPE html><html lang="fr"><title>Erreur du serveur</title>'
            "<h1>Erreur inattendue</h1><p>Le serveur a rencontré un problème. Référence de "
            f"la demande\u00a0: <code>{escape(request_id)}</code></p></html>"
        )
    return HttpResponseServerError(page)
