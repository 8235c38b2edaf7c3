"""Reference data, syntheses and the first two workshop stages (RETEX/diagnostic, projections).

A synthesis is split into thematic sections; every table row of the national template
belongs to one section and every cell of a row is an ordered list of statements.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from .historical import ContentHistory, place_of, record
from .text import safe_href

STATEMENT_MAX_LENGTH = 2000
# The longer free texts (a RETEX sheet's text, a proposal's summary...): checked by the
# forms (workshops.forms.TextFieldsMixin) and by the import, not by the database.
TEXT_MAX_LENGTH = 10_000


# Reference data ---------------------------------------------------------------------------


class NumberedManager(models.Manager):
    def get_by_natural_key(self, number):
        return self.get(number=number)


class CodedManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Thematic(models.Model):
    """One of the five national thematics, under its canonical number."""

    number = models.PositiveSmallIntegerField(
        "numéro", unique=True, validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    title = models.CharField("intitulé", max_length=200)
    short_title = models.CharField("intitulé court", max_length=100)

    objects = NumberedManager()

    class Meta:
        verbose_name = "thématique"
        verbose_name_plural = "thématiques"
        ordering = ["number"]

    def __str__(self):
        return f"({self.number}) {self.title}"

    def natural_key(self):
        return (self.number,)


class Region(models.Model):
    """An academic region (région académique)."""

    code = models.SlugField("code", max_length=50, unique=True)
    name = models.CharField("nom", max_length=100)

    objects = CodedManager()

    class Meta:
        verbose_name = "région académique"
        verbose_name_plural = "régions académiques"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)


class Department(models.Model):
    code = models.CharField("code", max_length=3, unique=True, help_text="Par exemple 44 ou 2A.")
    name = models.CharField("nom", max_length=100)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="departments",
        verbose_name="région académique",
    )

    objects = CodedManager()

    class Meta:
        verbose_name = "département"
        verbose_name_plural = "départements"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def natural_key(self):
        return (self.code,)

    natural_key.dependencies = ["workshops.region"]


class ParticipantCategory(models.Model):
    """One of the nine participant categories of the introduction block."""

    number = models.PositiveSmallIntegerField("numéro", unique=True)
    label = models.CharField("intitulé", max_length=200)
    counts_establishments = models.BooleanField(
        "compte les établissements représentés", default=False
    )

    objects = NumberedManager()

    class Meta:
        verbose_name = "catégorie de participants"
        verbose_name_plural = "catégories de participants"
        ordering = ["number"]

    def __str__(self):
        return self.label

    def natural_key(self):
        return (self.number,)


# Concurrent edits --------------------------------------------------------------------------


class StaleEditError(Exception):
    """Someone saved the object since the editor loaded it: their change must not be lost."""

    def __init__(self, current):
        super().__init__("L'énoncé a été modifié entre-temps.")
        self.current = current  # the object as saved by the other person, or None if deleted


class Versioned(models.Model):
    """Optimistic locking: every save bumps `version`; an edit names the version it started from."""

    version = models.PositiveIntegerField("version", default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.version = (self.version or 0) + 1
        super().save(*args, **kwargs)

    def save_if_unchanged(self, expected_version, fields):
        """Writes `fields` only if the stored version is still `expected_version`."""
        manager = type(self)._default_manager
        with transaction.atomic():
            updated = manager.filter(pk=self.pk, version=expected_version).update(
                version=F("version") + 1, **{field: getattr(self, field) for field in fields}
            )
            if not updated:
                raise StaleEditError(manager.filter(pk=self.pk).first())
            # An update sends no signal: record the change, as stored (its position may
            # have moved since it was loaded), where this copy's loaded parents say it is.
            stored = manager.get(pk=self.pk)
            stored._history_place = place_of(self)
            record([stored])
        self.version = expected_version + 1


# Ordering helpers ---------------------------------------------------------------------------


class Positioned(models.Model):
    """An item of an ordered list; `position_scope` names the foreign key the list hangs on.

    A blank position means "at the end", so curators may leave it empty when adding.
    """

    position_scope = None

    position = models.PositiveIntegerField("position", blank=True)

    class Meta:
        abstract = True
        ordering = ["position"]

    def save(self, *args, **kwargs):
        if self.position is None:
            siblings = type(self)._default_manager.filter(
                **{f"{self.position_scope}_id": getattr(self, f"{self.position_scope}_id")}
            )
            self.position = (siblings.aggregate(last=Max("position"))["last"] or 0) + 1
        super().save(*args, **kwargs)


def unique_position(scope):
    return models.UniqueConstraint(
        fields=[scope, "position"], name="%(app_label)s_%(class)s_unique_position"
    )


class Statement(Versioned, Positioned):
    """One ▶ bullet of a table cell."""

    position_scope = "row"

    text = models.TextField("texte", validators=[MaxLengthValidator(STATEMENT_MAX_LENGTH)])
    emphasised = models.BooleanField(
        "mis en avant",
        default=False,
        help_text="En gras et en vert : particulièrement souligné dans les échanges.",
    )

    # Each concrete statement model gets its own historical model (workshops/historical.py).
    history = ContentHistory(inherit=True)

    class Meta(Versioned.Meta, Positioned.Meta):
        abstract = True
        constraints = [unique_position("row")]

    def __str__(self):
        return self.display_text

    @property
    def display_text(self):
        return self.text


class LinkedStatement(Statement):
    """A statement that may point to a statement of an earlier stage of the same section.

    `text` keeps the words as the facilitators wrote them (they often retyped the earlier
    statement); once linked, the platform shows the linked statement, so both stages stay
    one chain. Subclasses define `source` (the foreign key) and `source_model_label`.
    """

    text = models.TextField(
        "texte tel qu'écrit",
        blank=True,
        validators=[MaxLengthValidator(STATEMENT_MAX_LENGTH)],
        help_text="Facultatif quand l'énoncé est relié : c'est alors lui qui s'affiche.",
    )

    class Meta(Statement.Meta):
        abstract = True
        constraints = [
            unique_position("row"),
            models.CheckConstraint(
                condition=Q(source__isnull=False) | ~Q(text=""),
                name="%(app_label)s_%(class)s_source_or_text",
                violation_error_message="Choisissez un énoncé existant ou saisissez un texte.",
            ),
        ]

    @property
    def display_text(self):
        return self.source.text if self.source_id else self.text

    def clean(self):
        super().clean()
        if not self.source_id and not self.text.strip():
            raise ValidationError(
                {"text": f"Saisissez un texte ou choisissez un {self.source_model_label}."}
            )
        if self.source_id and self.row_id and self.source.row.section_id != self.row.section_id:
            raise ValidationError(
                {
                    "source": f"Ce {self.source_model_label} appartient à une autre "
                    "synthèse ou à une autre thématique."
                }
            )


# Syntheses ---------------------------------------------------------------------------------


class ArchiveRefused(Exception):
    """Archiving or unarchiving a synthesis is refused; the message says why, in French."""


class SynthesisArchived(PermissionDenied):
    """The synthesis was archived while a change to it was being written: nothing is kept."""

    def __init__(self):
        super().__init__(
            "Cette synthèse vient d’être archivée\u00a0: elle ne peut plus être modifiée. Rien "
            "n’a été enregistré."
        )


class SynthesisQuerySet(models.QuerySet):
    """Who may read and change which synthesis, and the archive (soft delete) states.

    An archived synthesis is hidden from everyone but the users who may manage it (staff, the
    facilitators of its region), who still read it and may unarchive it; nobody edits it.
    Lists of syntheses to read (dashboard, annexes of a report) take `active()` ones only.
    """

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def published(self):
        return self.filter(status=Synthesis.Status.PUBLISHED)

    def regional(self):
        return self.filter(department__isnull=True)

    def active(self):
        return self.filter(archived_at__isnull=True)

    def archived(self):
        return self.filter(archived_at__isnull=False)

    def visible_to(self, user):
        """Published syntheses for everyone; drafts for the members of their territory.

        A facilitator sees the syntheses of the region and of its departments; a departmental
        referent those of the department and the regional synthesis above it; the national team
        every active synthesis (it reads them all to write the national proposals). Archived
        syntheses: only those the user may manage (`manageable_by`).
        """
        if not user.is_authenticated:
            return self.published().active()
        if user.is_staff or user.is_superuser:
            return self.all()
        memberships = user.memberships.all()
        national = memberships.filter(role=Membership.Role.NATIONAL)
        facilitated = memberships.filter(role=Membership.Role.FACILITATOR)
        referred = memberships.filter(role=Membership.Role.REFERENT)
        return self.filter(
            Q(region__in=facilitated.values("region"))
            | (
                Q(archived_at__isnull=True)
                & (
                    Q(status=Synthesis.Status.PUBLISHED)
                    | Q(models.Exists(national))
                    | Q(department__in=referred.values("department"))
                    | Q(
                        department__isnull=True,
                        region__departments__in=referred.values("department"),
                    )
                )
            )
        ).distinct()

    def manageable_by(self, user):
        """Administrators manage everything; facilitators the syntheses of their region.

        Managing is editing an active synthesis, and archiving or unarchiving it.
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_staff or user.is_superuser:
            return self.all()
        return self.filter(
            region__in=user.memberships.filter(role=Membership.Role.FACILITATOR).values("region")
        )

    def editable_by(self, user):
        """The active syntheses this user manages: an archived synthesis is read-only."""
        return self.manageable_by(user).active()


class Synthesis(Versioned):
    """The synthesis of a region or of one of its departments (an annex of the regional one)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Brouillon"
        PUBLISHED = "published", "Publiée"

    slug = models.SlugField("identifiant", max_length=100, unique=True)
    title = models.CharField("titre", max_length=300)
    year = models.PositiveSmallIntegerField(
        "année", validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.DRAFT)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="syntheses",
        verbose_name="région académique",
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="syntheses",
        null=True,
        blank=True,
        verbose_name="département",
        help_text="Vide pour une synthèse régionale.",
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="annexes",
        null=True,
        blank=True,
        verbose_name="synthèse régionale",
        help_text="La synthèse régionale dont cette synthèse départementale est une annexe.",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    archived_at = models.DateTimeField(
        "archivée le",
        null=True,
        blank=True,
        help_text="Une synthèse archivée n'est plus proposée ; seul un administrateur la supprime.",
    )
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="archivée par",
    )

    objects = SynthesisQuerySet.as_manager()
    history = ContentHistory()
    history_root = True  # what every historical record of its content points to

    class Meta:
        verbose_name = "synthèse"
        verbose_name_plural = "synthèses"
        ordering = ["-year", "region__name", "department__code"]

    def __str__(self):
        return f"{self.title} ({self.year})"

    def natural_key(self):
        return (self.slug,)

    @property
    def is_departmental(self):
        return self.department_id is not None

    @property
    def is_archived(self):
        return self.archived_at is not None

    def archive(self, user):
        """Archives this synthesis (soft delete): nothing is deleted, it only leaves the lists.

        Refused for a regional synthesis that still has active annexes: archiving it would
        hide them, and their readers, without a word; they are archived one by one first.
        Does not move `updated_at`, which dates the last change of the content.
        """
        with transaction.atomic():
            self.lock()
            self.refresh_from_db(fields=["archived_at", "archived_by", "version"])
            if self.is_archived:
                raise ArchiveRefused(f"La synthèse «\u00a0{self.title}\u00a0» est déjà archivée.")
            annexes = list(self.annexes.active().select_related("department"))
            if annexes:
                names = ", ".join(
                    f"«\u00a0{annex.title}\u00a0» ({annex.department})" for annex in annexes
                )
                raise ArchiveRefused(
                    "Cette synthèse régionale a encore des annexes départementales "
                    f"actives\u00a0: {names}. Archivez-les d’abord."
                )
            self.archived_at = timezone.now()
            self.archived_by = user if user is not None and user.is_authenticated else None
            self.save(update_fields=["archived_at", "archived_by", "version"])

    def unarchive(self, user=None):
        """Brings an archived synthesis back; refused while its regional synthesis is archived."""
        with transaction.atomic():
            self.lock()
            self.refresh_from_db(fields=["archived_at", "archived_by", "version", "parent"])
            if not self.is_archived:
                raise ArchiveRefused(f"La synthèse «\u00a0{self.title}\u00a0» n’est pas archivée.")
            parent = Synthesis.objects.archived().filter(pk=self.parent_id).first()
            if parent is not None:
                raise ArchiveRefused(
                    f"Sa synthèse régionale, «\u00a0{parent.title}\u00a0», est archivée\u00a0: "
                    "restaurez-la d’abord."
                )
            self.archived_at = None
            self.archived_by = None
            self.save(update_fields=["archived_at", "archived_by", "version"])

    def lock(self):
        """Holds this synthesis's row until the transaction ends, so appends to it take turns.

        Only its own row: its ordering joins the nullable department, which PostgreSQL
        cannot lock.
        """
        Synthesis.objects.select_for_update(of=("self",)).filter(pk=self.pk).order_by(
            "pk"
        ).values_list("pk").first()

    def touch(self):
        """Records that its content changed (the "last change" users see).

        Not in the history (an update, on purpose): a timestamp, not a change of content; the
        change that moved it is recorded itself.

        Every change calls it in its transaction, last: if the synthesis was archived since the
        rights were checked (a concurrent « Archiver »), it raises SynthesisArchived and the
        change is rolled back. The update waits for an archiving in progress to end.
        """
        self.updated_at = timezone.now()
        touched = Synthesis.objects.filter(pk=self.pk, archived_at__isnull=True).update(
            updated_at=self.updated_at
        )
        if not touched:
            raise SynthesisArchived()

    def clean(self):
        super().clean()
        errors = {}
        if self.department_id and self.region_id and self.department.region_id != self.region_id:
            errors["department"] = "Ce département n'appartient pas à la région choisie."
        if self.parent_id:
            if not self.department_id:
                errors["parent"] = (
                    "Seule une synthèse départementale peut être l'annexe d'une synthèse régionale."
                )
            elif self.parent.department_id is not None:
                errors["parent"] = "La synthèse parente doit être une synthèse régionale."
            elif self.parent.region_id != self.region_id:
                errors["parent"] = "La synthèse parente appartient à une autre région."
            elif self.parent_id == self.pk:
                errors["parent"] = "Une synthèse ne peut pas être sa propre annexe."
            elif self.parent.is_archived and not self.is_archived:
                errors["parent"] = (
                    "Cette synthèse régionale est archivée\u00a0: une annexe active ne peut pas "
                    "en dépendre. Restaurez-la d’abord."
                )
        if errors:
            raise ValidationError(errors)

    def own_history_place(self):
        return self.pk, None


class Membership(models.Model):
    """A user's role on a territory: facilitator of a region, referent of a department, or
    member of the national team (the whole country: no region, no department)."""

    class Role(models.TextChoices):
        FACILITATOR = "facilitator", "Animateur ou animatrice DANE"
        REFERENT = "referent", "Référent départemental"
        NATIONAL = "national", "Équipe nationale"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name="utilisateur",
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="memberships",
        null=True,
        blank=True,
        verbose_name="région académique",
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="memberships",
        null=True,
        blank=True,
        verbose_name="département",
    )

    class Meta:
        verbose_name = "rôle sur un territoire"
        verbose_name_plural = "rôles sur un territoire"
        ordering = ["user__username", "role"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role="facilitator", region__isnull=False, department__isnull=True)
                    | Q(role="referent", region__isnull=True, department__isnull=False)
                    | Q(role="national", region__isnull=True, department__isnull=True)
                ),
                name="workshops_membership_territory_matches_role",
                violation_error_message="Un animateur est rattaché à une région, un référent "
                "à un département, l’équipe nationale à aucun territoire.",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(role="national"),
                name="workshops_membership_unique_national",
                violation_error_message="Cette personne fait déjà partie de l’équipe nationale.",
            ),
            models.UniqueConstraint(
                fields=["user", "region"],
                condition=Q(role="facilitator"),
                name="workshops_membership_unique_facilitator",
                violation_error_message="Cette personne anime déjà cette région.",
            ),
            models.UniqueConstraint(
                fields=["user", "department"],
                condition=Q(role="referent"),
                name="workshops_membership_unique_referent",
                violation_error_message="Cette personne est déjà référente de ce département.",
            ),
        ]

    def __str__(self):
        territory = self.region or self.department or "France entière"
        return f"{self.user} · {self.get_role_display()} · {territory}"


class ThematicSection(Positioned):
    """A thematic as one synthesis treats it, at its place in that synthesis."""

    position_scope = "synthesis"

    synthesis = models.ForeignKey(
        Synthesis, on_delete=models.CASCADE, related_name="sections", verbose_name="synthèse"
    )
    thematic = models.ForeignKey(
        Thematic, on_delete=models.PROTECT, related_name="sections", verbose_name="thématique"
    )
    title = models.CharField(
        "intitulé dans la synthèse",
        max_length=200,
        blank=True,
        help_text="Tel que la synthèse l'écrit, par exemple « Gouvernance et anticipation ». "
        "Vide : l'intitulé de la thématique.",
    )

    history = ContentHistory()
    history_place_columns = ("synthesis_id", "thematic_id")

    class Meta(Positioned.Meta):
        verbose_name = "section thématique"
        verbose_name_plural = "sections thématiques"
        constraints = [
            unique_position("synthesis"),
            models.UniqueConstraint(
                fields=["synthesis", "thematic"], name="workshops_section_unique_thematic"
            ),
        ]

    def __str__(self):
        return f"{self.synthesis.title} · N°{self.thematic.number} {self.display_title}"

    @property
    def display_title(self):
        return self.title or self.thematic.title

    def own_history_place(self):
        return self.synthesis_id, self.thematic_id


# Introduction block -------------------------------------------------------------------------


class Session(Versioned, Positioned):
    """An introduction block: one series of workshop sessions (academic or departmental)."""

    position_scope = "synthesis"

    class Format(models.TextChoices):
        ON_SITE = "presentiel", "Présentiel"
        REMOTE = "distanciel", "Distanciel"
        BOTH = "both", "Les 2"

    synthesis = models.ForeignKey(
        Synthesis, on_delete=models.CASCADE, related_name="sessions", verbose_name="synthèse"
    )
    title = models.CharField(
        "intitulé",
        max_length=200,
        help_text="Par exemple « Pays de la Loire – rencontres départementales ».",
    )
    dates_places = models.TextField(
        "date(s) et lieu(x)",
        blank=True,
        help_text="Texte libre ; une ligne par département si besoin.",
    )
    format = models.CharField(
        "format de la session", max_length=10, choices=Format.choices, blank=True
    )
    facilitators_note = models.CharField(
        "note sur les animateurs",
        max_length=300,
        blank=True,
        help_text="Par exemple « Voir les annexes départementales ».",
    )

    history = ContentHistory()
    history_place_columns = ("synthesis_id",)  # the introduction belongs to no thematic

    class Meta(Positioned.Meta):
        verbose_name = "session d'ateliers"
        verbose_name_plural = "sessions d'ateliers"
        constraints = [unique_position("synthesis")]

    def __str__(self):
        return self.title


class Facilitator(Versioned, Positioned):
    position_scope = "session"

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="facilitators", verbose_name="session"
    )
    name = models.CharField("nom", max_length=200)
    role = models.CharField("fonction", max_length=200, blank=True)
    note = models.CharField(
        "précision", max_length=200, blank=True, help_text="Par exemple « pour le lundi 12/10 »."
    )

    history = ContentHistory()

    class Meta(Positioned.Meta):
        verbose_name = "animateur ou animatrice"
        verbose_name_plural = "animateurs et animatrices"
        constraints = [unique_position("session")]

    def __str__(self):
        return f"{self.name}, {self.role}" if self.role else self.name


class Participation(Versioned):
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="participations", verbose_name="session"
    )
    category = models.ForeignKey(
        ParticipantCategory,
        on_delete=models.PROTECT,
        related_name="participations",
        verbose_name="catégorie",
    )
    ticked = models.BooleanField("case cochée", default=False)
    participants = models.PositiveIntegerField("nombre de participants", null=True, blank=True)
    establishments = models.PositiveIntegerField(
        "nombre d'établissements représentés", null=True, blank=True
    )
    note = models.CharField(
        "précision",
        max_length=500,
        blank=True,
        help_text="Par exemple « dont une vingtaine d'étudiants ».",
    )

    history = ContentHistory()

    class Meta:
        verbose_name = "participation"
        verbose_name_plural = "participations"
        ordering = ["category__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "category"],
                name="workshops_participation_unique_category",
                violation_error_message="Cette catégorie est déjà renseignée pour cette session.",
            )
        ]

    def __str__(self):
        count = "—" if self.participants is None else self.participants
        return f"{self.category} : {count}"

    def clean(self):
        super().clean()
        if (
            self.establishments is not None
            and self.category_id
            and not self.category.counts_establishments
        ):
            raise ValidationError(
                {
                    "establishments": "Le nombre d'établissements ne se renseigne que pour les "
                    "équipes du premier et du second degré."
                }
            )


# Stage 1: experience reports and diagnostic -------------------------------------------------


class RetexSheet(Versioned):
    """An experience report (fiche RETEX) presented at the workshop.

    Most belong to one thematic section; a departmental workshop may present sheets that
    serve every thematic, which then have no section.
    """

    synthesis = models.ForeignKey(
        Synthesis, on_delete=models.CASCADE, related_name="retex_sheets", verbose_name="synthèse"
    )
    section = models.ForeignKey(
        ThematicSection,
        on_delete=models.CASCADE,
        related_name="retex_sheets",
        null=True,
        blank=True,
        verbose_name="section thématique",
        help_text="Vide : fiche commune à toutes les thématiques de la synthèse.",
    )
    number = models.PositiveSmallIntegerField("numéro", validators=[MinValueValidator(1)])
    origin = models.CharField(
        "origine", max_length=100, blank=True, help_text="Académie, Loire-Atlantique, Vendée…"
    )
    title = models.CharField("titre ou témoin", max_length=500, blank=True)
    text = models.TextField("texte", blank=True)

    history = ContentHistory()
    history_place_columns = ("synthesis_id", "section__thematic_id")

    class Meta:
        verbose_name = "fiche RETEX"
        verbose_name_plural = "fiches RETEX"
        ordering = ["synthesis", "section__position", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["synthesis", "section", "number"],
                name="workshops_retex_unique_number_in_section",
                violation_error_message="Ce numéro de RETEX existe déjà dans cette section.",
            ),
            models.UniqueConstraint(
                fields=["synthesis", "number"],
                condition=Q(section__isnull=True),
                name="workshops_retex_unique_number_in_synthesis",
                violation_error_message="Ce numéro de RETEX existe déjà dans cette synthèse.",
            ),
        ]

    def __str__(self):
        label = f"RETEX {self.number}"
        if self.origin:
            label += f" ({self.origin})"
        if self.title:
            label += f" – {self.title}"
        return label

    def save(self, *args, **kwargs):
        if self.section_id and not self.synthesis_id:
            self.synthesis_id = self.section.synthesis_id
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.section_id and not self.synthesis_id:
            self.synthesis_id = self.section.synthesis_id
        if self.section_id and self.synthesis_id and self.section.synthesis_id != self.synthesis_id:
            raise ValidationError({"section": "Cette section appartient à une autre synthèse."})

    def own_history_place(self):
        """A sheet shared by every section has no thematic; the others, their section's."""
        return (self.synthesis_id, None) if self.section_id is None else None


class RetexLink(Positioned):
    position_scope = "sheet"

    sheet = models.ForeignKey(
        RetexSheet, on_delete=models.CASCADE, related_name="links", verbose_name="fiche RETEX"
    )
    url = models.URLField("adresse", max_length=1000)
    label = models.CharField("libellé", max_length=300, blank=True)

    history = ContentHistory()

    class Meta(Positioned.Meta):
        verbose_name = "lien"
        verbose_name_plural = "liens"
        constraints = [unique_position("sheet")]

    def __str__(self):
        return self.label or self.url

    @property
    def href(self):
        """Where the link leads on the board and in the PDF ("" if it must stay text)."""
        return safe_href(self.url)


class DiagnosticRow(Versioned, Positioned):
    """A row of « Diagnostic des points forts et irritants »."""

    position_scope = "section"

    section = models.ForeignKey(
        ThematicSection,
        on_delete=models.CASCADE,
        related_name="diagnostic_rows",
        verbose_name="section thématique",
    )
    thematic_label = models.CharField(
        "thématique telle qu'écrite",
        max_length=200,
        blank=True,
        help_text="Vide : l'intitulé de la section.",
    )
    retex_sheets = models.ManyToManyField(
        RetexSheet,
        through="RetexReference",
        related_name="diagnostic_rows",
        blank=True,
        verbose_name="fiches RETEX",
    )
    retex_label = models.TextField(
        "RETEX (texte libre)",
        blank=True,
        help_text="Pour un témoignage sans fiche numérotée ; une ligne par témoignage.",
    )

    history = ContentHistory()

    class Meta(Positioned.Meta):
        verbose_name = "ligne de diagnostic"
        verbose_name_plural = "lignes de diagnostic"
        constraints = [unique_position("section")]

    def __str__(self):
        return f"{self.section} · diagnostic {self.position}"


class RetexReference(models.Model):
    """A diagnostic row cites a RETEX sheet of its own synthesis."""

    row = models.ForeignKey(
        DiagnosticRow,
        on_delete=models.CASCADE,
        related_name="retex_references",
        verbose_name="ligne de diagnostic",
    )
    sheet = models.ForeignKey(
        RetexSheet,
        on_delete=models.CASCADE,
        related_name="references",
        verbose_name="fiche RETEX",
    )

    history = ContentHistory()

    class Meta:
        verbose_name = "référence RETEX"
        verbose_name_plural = "références RETEX"
        ordering = ["sheet__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["row", "sheet"],
                name="workshops_retexreference_unique",
                violation_error_message="Cette fiche RETEX est déjà citée sur cette ligne.",
            )
        ]

    def __str__(self):
        return f"RETEX {self.sheet.number}"

    def clean(self):
        super().clean()
        if not (self.row_id and self.sheet_id):
            return
        section = self.row.section
        if self.sheet.synthesis_id != section.synthesis_id or self.sheet.section_id not in (
            None,
            section.pk,
        ):
            raise ValidationError(
                {"sheet": "Cette fiche RETEX appartient à une autre synthèse ou thématique."}
            )


class Irritant(Statement):
    row = models.ForeignKey(
        DiagnosticRow,
        on_delete=models.CASCADE,
        related_name="irritants",
        verbose_name="ligne de diagnostic",
    )

    class Meta(Statement.Meta):
        verbose_name = "irritant"
        verbose_name_plural = "irritants"


class Strength(Statement):
    row = models.ForeignKey(
        DiagnosticRow,
        on_delete=models.CASCADE,
        related_name="strengths",
        verbose_name="ligne de diagnostic",
    )

    class Meta(Statement.Meta):
        verbose_name = "point fort"
        verbose_name_plural = "points forts"


# Stage 2: projections -----------------------------------------------------------------------


class ProjectionRow(Versioned, Positioned):
    """A row of « Synthèse des besoins & axes d'amélioration »."""

    position_scope = "section"

    section = models.ForeignKey(
        ThematicSection,
        on_delete=models.CASCADE,
        related_name="projection_rows",
        verbose_name="section thématique",
    )
    thematic_label = models.CharField(
        "thématique telle qu'écrite",
        max_length=200,
        blank=True,
        help_text="Vide : l'intitulé de la section.",
    )

    history = ContentHistory()

    class Meta(Positioned.Meta):
        verbose_name = "ligne de projection"
        verbose_name_plural = "lignes de projection"
        constraints = [unique_position("section")]

    def __str__(self):
        return f"{self.section} · projection {self.position}"


class MainIrritant(LinkedStatement):
    """An « irritant principal »: a diagnostic irritant of the same section, or retyped text."""

    source_model_label = "irritant du diagnostic"

    row = models.ForeignKey(
        ProjectionRow,
        on_delete=models.CASCADE,
        related_name="main_irritants",
        verbose_name="ligne de projection",
    )
    source = models.ForeignKey(
        Irritant,
        on_delete=models.RESTRICT,
        related_name="projections",
        null=True,
        blank=True,
        verbose_name="irritant du diagnostic",
    )

    class Meta(LinkedStatement.Meta):
        verbose_name = "irritant principal"
        verbose_name_plural = "irritants principaux"


class Need(Statement):
    row = models.ForeignKey(
        ProjectionRow,
        on_delete=models.CASCADE,
        related_name="needs",
        verbose_name="ligne de projection",
    )

    class Meta(Statement.Meta):
        verbose_name = "besoin"
        verbose_name_plural = "besoins"


class Lever(Statement):
    """An « axe d'amélioration ou levier »."""

    row = models.ForeignKey(
        ProjectionRow,
        on_delete=models.CASCADE,
        related_name="levers",
        verbose_name="ligne de projection",
    )

    class Meta(Statement.Meta):
        verbose_name = "levier"
        verbose_name_plural = "axes d'amélioration ou leviers"


# Published versions -------------------------------------------------------------------------


class PublishedVersionQuerySet(models.QuerySet):
    def latest_of(self, syntheses):
        """{synthesis id: its last version} (documents deferred), in one query."""
        ids = [synthesis.pk for synthesis in syntheses]
        if not ids:
            return {}
        last = (
            PublishedVersion.objects.filter(synthesis=models.OuterRef("synthesis"))
            .order_by("-number")
            .values("pk")[:1]
        )
        versions = self.filter(synthesis__in=ids, pk=models.Subquery(last)).defer("document")
        return {version.synthesis_id: version for version in versions}


class PublishedVersion(models.Model):
    """A published state of a synthesis: what its readers see until the next publication.

    While the facilitators work on the next version, readers who may not change the
    synthesis read the last of these. `document` is the synthesis as a backup holds it
    (`{"synthesis": {...}, "content": {...}}`, written by the feature that publishes:
    etatsgeneraux.publishing); a version is never changed once written.
    """

    synthesis = models.ForeignKey(
        Synthesis,
        on_delete=models.CASCADE,
        related_name="published_versions",
        verbose_name="synthèse",
    )
    number = models.PositiveIntegerField("numéro", validators=[MinValueValidator(1)])
    published_at = models.DateTimeField("publiée le", default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="publiée par",
    )
    document = models.JSONField("document publié")
    summary = models.JSONField("ce qui a changé", default=dict, blank=True)

    objects = PublishedVersionQuerySet.as_manager()

    class Meta:
        verbose_name = "version publiée"
        verbose_name_plural = "versions publiées"
        ordering = ["synthesis", "-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(
                fields=["synthesis", "number"],
                name="workshops_publishedversion_unique_number",
                violation_error_message="Cette synthèse a déjà une version de ce numéro.",
            )
        ]

    def __str__(self):
        return f"{self.synthesis} · version {self.number}"
