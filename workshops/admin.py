from django.contrib import admin, messages
from django.contrib.admin import actions as admin_actions
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from simple_history.admin import SimpleHistoryAdmin

from .changes import changing, changing_synthesis_of
from .historical import place_of
from .models import (
    ArchiveRefused,
    Department,
    DiagnosticRow,
    Facilitator,
    Irritant,
    Lever,
    MainIrritant,
    Membership,
    Need,
    ParticipantCategory,
    Participation,
    ProjectionRow,
    PublishedVersion,
    Region,
    RetexLink,
    RetexReference,
    RetexSheet,
    Session,
    Strength,
    Synthesis,
    Thematic,
    ThematicSection,
)

# « Supprimer les … sélectionnés », agreed --------------------------------------------------

# The feminine nouns that start the plural names of the administration's models (this
# platform's, Django's and django-axes'); the others are masculine.
FEMININE_PLURALS = {
    "actions",
    "catégories",
    "configurations",
    "connexions",
    "fiches",
    "lignes",
    "propositions",
    "régions",
    "sections",
    "sessions",
    "synthèses",
    "tentatives",
    "thématiques",
}


class AgreedDeletion(str):
    """The description of the bulk deletion, agreed with the model's plural name.

    Django's French reads « Supprimer les %(verbose_name_plural)s sélectionnés » whatever the
    noun (« les synthèses sélectionnés »); the admin formats the description with the
    model's names, so the agreement is made there.
    """

    def __mod__(self, names):
        plural = str(names["verbose_name_plural"])
        head = plural.split(" ", 1)[0].lower()
        agreement = "es" if head in FEMININE_PLURALS else "s"
        return f"Supprimer les {plural} sélectionné{agreement}"


@admin.action(permissions=["delete"], description=AgreedDeletion("Supprimer la sélection"))
def delete_selected(modeladmin, request, queryset):
    """Django's own bulk deletion (confirmation page included), under an agreed name."""
    return admin_actions.delete_selected(modeladmin, request, queryset)


admin.site.add_action(delete_selected, "delete_selected")  # replaces Django's


# Filters shared by every admin of rows hanging on a thematic section.
SECTION_FILTERS = [
    "section__synthesis__region",
    "section__synthesis__department",
    "section__thematic",
    "section__synthesis__status",
]


class HistoryAdmin(SimpleHistoryAdmin):
    """« Historique » on each object: its changes, with who and when (django-simple-history).

    Reverting from it is off (SIMPLE_HISTORY_REVERT_DISABLED hides the button, and a posted
    form is refused): deleted content is restored from the history page of its synthesis,
    which puts it back at its place, with its links.
    """

    # Content edits follow the rule of every other write path (`workshops.changes`): they
    # record the synthesis's last change, and an archived synthesis's content is read-only
    # (its deletion refused, unless the whole synthesis is purged).

    def synthesis_is_archived(self, obj):
        if obj is None or obj.pk is None:
            return False
        synthesis_id, _ = place_of(obj)
        return Synthesis.objects.filter(pk=synthesis_id, archived_at__isnull=False).exists()

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self.synthesis_is_archived(obj)

    def save_model(self, request, obj, form, change):
        with changing_synthesis_of(obj):
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        with changing_synthesis_of(form.instance):
            super().save_related(request, form, formsets, change)

    def delete_model(self, request, obj):
        with changing_synthesis_of(obj):
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        """One object at a time, as from its own page: a row or a RETEX sheet deleted with
        « Supprimer la sélection » then comes back whole from the history (its statements,
        citations and links record what they were deleted with)."""
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("Restaurez depuis la page « Historique » de la synthèse.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class StatementInline(admin.TabularInline):
    fields = ["position", "text", "emphasised"]
    extra = 0


# Reference data ---------------------------------------------------------------------------


@admin.register(Thematic)
class ThematicAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "short_title"]
    search_fields = ["title", "short_title"]


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    inlines = [DepartmentInline]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region"]
    list_filter = ["region"]
    search_fields = ["name", "code"]


@admin.register(ParticipantCategory)
class ParticipantCategoryAdmin(admin.ModelAdmin):
    list_display = ["number", "label", "counts_establishments"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "region", "department"]
    list_filter = ["role", "region", "department"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    autocomplete_fields = ["user", "region", "department"]
    list_select_related = ["user", "region", "department"]


# Syntheses ---------------------------------------------------------------------------------


class ThematicSectionInline(admin.TabularInline):
    model = ThematicSection
    fields = ["position", "thematic", "title"]
    extra = 0
    show_change_link = True


class SessionInline(admin.TabularInline):
    model = Session
    fields = ["position", "title", "format"]
    extra = 0
    show_change_link = True


class ArchivedFilter(admin.SimpleListFilter):
    title = "archivée"
    parameter_name = "archivee"

    def lookups(self, request, model_admin):
        return [("non", "Non (active)"), ("oui", "Oui")]

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.archived()
        if self.value() == "non":
            return queryset.active()
        return queryset


@admin.register(Synthesis)
class SynthesisAdmin(HistoryAdmin):
    list_display = ["title", "year", "region", "department", "status", "updated_at", "archived_at"]
    list_filter = [ArchivedFilter, "status", "region", "department", "year"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["parent"]
    list_select_related = ["region", "department"]
    # Archived through the actions (or the synthesis page), which keep the rules; deleting a
    # synthesis (purge) stays the administrators' own, with Django's delete permission.
    readonly_fields = ["created_at", "updated_at", "archived_at", "archived_by"]
    inlines = [SessionInline, ThematicSectionInline]
    actions = ["archive_selected", "unarchive_selected"]

    def save_model(self, request, obj, form, change):
        if not change:
            super(HistoryAdmin, self).save_model(request, obj, form, change)
            return
        with changing(obj):
            super(HistoryAdmin, self).save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        super(HistoryAdmin, self).delete_model(request, obj)  # a purge, archived or not

    @admin.action(description="Archiver les synthèses sélectionnées", permissions=["change"])
    def archive_selected(self, request, queryset):
        # Annexes first, so that a regional synthesis selected with its annexes is archived.
        syntheses = sorted(queryset.active(), key=lambda synthesis: synthesis.department_id is None)
        self._apply(
            request, syntheses, lambda synthesis: synthesis.archive(request.user), "archivée"
        )

    @admin.action(description="Désarchiver les synthèses sélectionnées", permissions=["change"])
    def unarchive_selected(self, request, queryset):
        # Regional syntheses first, so that their annexes may follow.
        syntheses = sorted(
            queryset.archived(), key=lambda synthesis: synthesis.department_id is not None
        )
        self._apply(
            request, syntheses, lambda synthesis: synthesis.unarchive(request.user), "désarchivée"
        )

    def _apply(self, request, syntheses, change, done):
        changed = 0
        for synthesis in syntheses:
            try:
                change(synthesis)
            except ArchiveRefused as refusal:
                self.message_user(request, f"{synthesis.title}\u00a0: {refusal}", messages.ERROR)
            else:
                changed += 1
        if changed:
            plural = "s" if changed > 1 else ""
            self.message_user(
                request, f"{changed} synthèse{plural} {done}{plural}.", messages.SUCCESS
            )
        elif not syntheses:
            self.message_user(
                request, "Aucune synthèse sélectionnée n’était concernée.", messages.WARNING
            )


class FacilitatorInline(admin.TabularInline):
    model = Facilitator
    fields = ["position", "name", "role", "note"]
    extra = 0


class ParticipationInline(admin.TabularInline):
    model = Participation
    fields = ["category", "ticked", "participants", "establishments", "note"]
    extra = 0


@admin.register(Session)
class SessionAdmin(HistoryAdmin):
    list_display = ["title", "synthesis", "format"]
    list_filter = ["synthesis__region", "synthesis__department", "format"]
    search_fields = ["title", "dates_places", "facilitators__name"]
    list_select_related = ["synthesis"]
    inlines = [FacilitatorInline, ParticipationInline]


class RetexSheetInline(admin.TabularInline):
    model = RetexSheet
    fields = ["number", "origin", "title"]
    extra = 0
    show_change_link = True


class DiagnosticRowInline(admin.TabularInline):
    model = DiagnosticRow
    fields = ["position", "thematic_label", "retex_label"]
    extra = 0
    show_change_link = True


class ProjectionRowInline(admin.TabularInline):
    model = ProjectionRow
    fields = ["position", "thematic_label"]
    extra = 0
    show_change_link = True


@admin.register(ThematicSection)
class ThematicSectionAdmin(HistoryAdmin):
    list_display = ["__str__", "synthesis", "thematic", "position"]
    list_filter = ["synthesis__region", "synthesis__department", "thematic", "synthesis__status"]
    search_fields = ["title", "thematic__title", "synthesis__title"]
    list_select_related = ["synthesis", "thematic"]
    inlines = [RetexSheetInline, DiagnosticRowInline, ProjectionRowInline]


# Stage 1 ------------------------------------------------------------------------------------


class RetexLinkInline(admin.TabularInline):
    model = RetexLink
    fields = ["position", "url", "label"]
    extra = 0
    # An address typed without a scheme is https (Django 6's default, taken now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(RetexSheet)
class RetexSheetAdmin(HistoryAdmin):
    list_display = ["__str__", "synthesis", "section", "origin"]
    list_filter = [
        "synthesis__region",
        "synthesis__department",
        "section__thematic",
        "synthesis__status",
    ]
    search_fields = ["title", "text", "origin", "links__url"]
    autocomplete_fields = ["synthesis", "section"]
    list_select_related = ["synthesis", "section__thematic", "section__synthesis"]
    inlines = [RetexLinkInline]


class RetexReferenceInline(admin.TabularInline):
    model = RetexReference
    autocomplete_fields = ["sheet"]
    extra = 0


class IrritantInline(StatementInline):
    model = Irritant


class StrengthInline(StatementInline):
    model = Strength


@admin.register(DiagnosticRow)
class DiagnosticRowAdmin(HistoryAdmin):
    list_display = ["__str__", "retex_label"]
    list_filter = SECTION_FILTERS
    search_fields = ["irritants__text", "strengths__text", "retex_label"]
    autocomplete_fields = ["section"]
    list_select_related = ["section__synthesis", "section__thematic"]
    inlines = [RetexReferenceInline, IrritantInline, StrengthInline]


# Stage 2 ------------------------------------------------------------------------------------


class MainIrritantInline(StatementInline):
    model = MainIrritant
    fields = ["position", "source", "text", "emphasised"]
    autocomplete_fields = ["source"]


class NeedInline(StatementInline):
    model = Need


class LeverInline(StatementInline):
    model = Lever


@admin.register(ProjectionRow)
class ProjectionRowAdmin(HistoryAdmin):
    list_display = ["__str__"]
    list_filter = SECTION_FILTERS
    search_fields = ["main_irritants__text", "needs__text", "levers__text"]
    autocomplete_fields = ["section"]
    list_select_related = ["section__synthesis", "section__thematic"]
    inlines = [MainIrritantInline, NeedInline, LeverInline]


# Statements, searchable on their own (and the targets of autocomplete links) ---------------


class StatementAdmin(HistoryAdmin):
    list_display = ["text", "row", "emphasised"]
    list_filter = ["emphasised", *(f"row__{name}" for name in SECTION_FILTERS)]
    search_fields = ["text"]
    autocomplete_fields = ["row"]
    list_select_related = ["row__section__synthesis", "row__section__thematic"]


@admin.register(Irritant)
class IrritantAdmin(StatementAdmin):
    pass


@admin.register(Lever)
class LeverAdmin(StatementAdmin):
    pass


@admin.register(PublishedVersion)
class PublishedVersionAdmin(admin.ModelAdmin):
    """Published versions, to look at: a version is never changed once written (its readers
    read it as it was published), and goes only with its synthesis."""

    list_display = ["synthesis", "number", "published_at", "published_by"]
    list_filter = ["synthesis__region"]
    search_fields = ["synthesis__title", "synthesis__slug"]
    list_select_related = ["synthesis", "published_by"]
    fields = ["synthesis", "number", "published_at", "published_by", "summary"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
