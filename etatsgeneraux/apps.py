"""Application settings of the third-party apps the platform names in French."""

from axes.apps import AppConfig as AxesAppConfig


class AxesConfig(AxesAppConfig):
    """django-axes (failed logins and lockouts), under a French name in the administration:
    its own, « Axes », stood next to « Axes d'amélioration » and said nothing."""

    verbose_name = "Connexions et blocages"
