"""What the live board keeps in the database: one change marker per thematic section."""

from django.db import models

from workshops.models import ThematicSection


class ChangeMarker(models.Model):
    """How many times the board changed a section: the pages open on it compare their number
    with this one (`live.current`), one query by primary key, and fetch the board again only
    when it moved. Not content: no history, not in backups, imports or fixtures; a section
    without a marker has never been changed from the board (version 0)."""

    section = models.OneToOneField(
        ThematicSection,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="change_marker",
        verbose_name="section thématique",
    )
    version = models.PositiveBigIntegerField("version", default=0)
    changed_at = models.DateTimeField("modifiée le", null=True, blank=True)

    class Meta:
        verbose_name = "marqueur de modification du tableau"
        verbose_name_plural = "marqueurs de modification du tableau"

    def __str__(self):
        return f"{self.section_id} : version {self.version}"
