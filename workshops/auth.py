"""Logins: demo accounts refused in production; lockout after repeated failures (django-axes)."""

import ipaddress

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.shortcuts import render
from django.utils import timezone

DEMO_GROUP = "Comptes de démonstration"


class DemoAccountsOnlyInDebugBackend(ModelBackend):
    """Refuses the demo accounts (published in the README) whenever DEBUG is off.

    They may linger in a database that moved from a development machine to production.
    """

    def user_can_authenticate(self, user):
        if not settings.DEBUG and user.groups.filter(name=DEMO_GROUP).exists():
            return False
        return super().user_can_authenticate(user)


def client_ip_address(request):
    """The client's address, for counting failed logins (AXES_CLIENT_IP_CALLABLE).

    Behind `TRUSTED_PROXIES` reverse proxies, each of them appends the address it received
    the request from to X-Forwarded-For: the client's is the n-th from the right. Whatever
    stands further left was sent by the client and may be forged, so it is never read; nor is
    a value that is not an IP address. Without proxies, or failing that: REMOTE_ADDR.
    """
    count = settings.TRUSTED_PROXIES
    if count > 0:
        forwarded = [
            item.strip()
            for item in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if item.strip()
        ]
        if len(forwarded) >= count:
            try:
                return str(ipaddress.ip_address(forwarded[-count]))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None):
    """The page shown to a locked-out login (AXES_LOCKOUT_CALLABLE): French, HTTP 429.

    Each attempt made while locked out starts the cool-off again
    (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so the login is refused until the
    cool-off has passed from now.
    """
    cool_off = get_cool_off(request)
    minutes = round(cool_off.total_seconds() / 60)
    retry_at = timezone.localtime(timezone.now() + cool_off)
    response = render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "retry_at": retry_at},
        status=429,
    )
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
