"""The horizons of an action plan row (the template's « Quand »), and the due date each one
proposes to the follow-up."""

from django.db import models


class Horizon(models.TextChoices):
    SHORT = "court", "Court terme"
    MEDIUM = "moyen", "Moyen terme"
    LONG = "long", "Long terme"


# « Court, moyen, long terme » as a proposed due date: years after the start.
HORIZON_YEARS = {Horizon.SHORT: 1, Horizon.MEDIUM: 3, Horizon.LONG: 5}
