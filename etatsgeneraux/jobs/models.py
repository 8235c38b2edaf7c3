"""A piece of background work, as its requester sees it: state, progress, result."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from workshops.models import Synthesis

STALE_MESSAGE = (
    "Le traitement a été interrompu (le processus qui s’en chargeait s’est arrêté). "
    "Relancez-le\u00a0: il reprendra depuis le début."
)


def stale_after():
    """How long a RUNNING job may go without reporting before it counts as interrupted."""
    return timedelta(seconds=getattr(settings, "JOBS_STALE_AFTER", 900))


class JobQuerySet(models.QuerySet):
    def pending(self):
        """Jobs still to finish: queued, or running and reporting (not stale)."""
        fresh = timezone.now() - stale_after()
        return self.filter(
            models.Q(status=Job.Status.QUEUED)
            | models.Q(status=Job.Status.RUNNING, updated_at__gte=fresh)
        )

    def visible_to(self, user):
        """Staff see all jobs; others their own and those of the syntheses they read."""
        if user.is_staff:
            return self
        readable = Synthesis.objects.visible_to(user).values("pk")
        mine = models.Q(requested_by=user) if user.is_authenticated else models.Q(pk__in=[])
        return self.filter(mine | models.Q(synthesis__in=readable))


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "En attente"
        RUNNING = "running", "En cours"
        DONE = "done", "Terminé"
        FAILED = "failed", "Échec"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.SlugField("type", max_length=40)
    status = models.CharField("état", max_length=10, choices=Status, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField("avancement (%)", default=0)
    message = models.CharField("étape en cours", max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    synthesis = models.ForeignKey(
        Synthesis,
        verbose_name="synthèse",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="jobs",
    )
    # Identifies the work for joining a pending job instead of starting a duplicate (e.g.
    # "pdf:<variant>:<fingerprint>"); empty when joining makes no sense.
    key = models.CharField("clé", max_length=200, blank=True, db_index=True)
    result = models.JSONField("résultat", default=dict, blank=True)
    error = models.TextField("erreur", blank=True)
    created_at = models.DateTimeField("demandé le", auto_now_add=True)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    # Last sign of life (every report): a RUNNING job silent for too long is stale.
    updated_at = models.DateTimeField("dernier signe de vie", auto_now=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = "travail en arrière-plan"
        verbose_name_plural = "travaux en arrière-plan"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self):
        return f"{self.kind} {self.pk} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("jobs:detail", args=[self.pk])

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def is_stale(self):
        return (
            self.status == self.Status.RUNNING
            and self.updated_at is not None
            and self.updated_at < timezone.now() - stale_after()
        )

    def report(self, progress, message=""):
        """Records progress (0–100) and what is being done, cheaply (one UPDATE)."""
        self.progress = max(0, min(100, int(progress)))
        self.message = str(message)[:300]
        self.save(update_fields=["progress", "message", "updated_at"])

    def fail_if_stale(self):
        """Marks an interrupted job FAILED (README, « Travaux en arrière-plan »)."""
        if not self.is_stale:
            return False
        self.status = self.Status.FAILED
        self.error = STALE_MESSAGE
        self.finished_at = timezone.now()
        self.save(update_fields=["status", "error", "finished_at", "updated_at"])
        return True
