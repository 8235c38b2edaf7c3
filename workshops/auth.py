from django.conf import settings
from django.contrib.auth.backends import ModelBackend

DEMO_GROUP = "Comptes de démonstration"


class DemoAccountsOnlyInDebugBackend(ModelBackend):
    """Refuses the demo accounts (published in the README) whenever DEBUG is off.

    They may linger in a database that moved from a development machine to production.
    """

    def user_can_authenticate(self, user):
        if not settings.DEBUG and user.groups.filter(name=DEMO_GROUP).exists():
            return False
        return super().user_can_authenticate(user)
