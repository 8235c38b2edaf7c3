from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db import models, transaction
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from simple_history.admin import SimpleHistoryAdmin

from actionplans.models import ActionPlanRow, FlagshipProposal
from etatsgeneraux.exchange.importing import (
    MAX_DOCX_BYTES,
    MAX_FILE_BYTES,
    MAX_TEXT_BYTES,
    import_synthesis,
    megabytes,
)

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

    def delete_queryset(self, request, queryset):
        """One object at a time, as from its own page: a row or a RETEX sheet deleted with
        « Supprimer la sélection » then comes back whole from the history (its statements,
        citations and links record what they were deleted with)."""
        with transaction.atomic():
            for obj in queryset:
                obj.delete()

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


class FlagshipProposalInline(admin.TabularInline):
    model = FlagshipProposal
    fields = ["position", "title", "effort", "time_needed"]
    extra = 0
    show_change_link = True


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


class LimitedUploadHandler(FileUploadHandler):
    """Stops keeping an uploaded file past MAX_FILE_BYTES: it never fills memory or disk.

    The rest of the file is read and dropped (SkipFile), so the other fields, CSRF token
    included, still arrive and the form can say in French what happened.
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > MAX_FILE_BYTES:
            self.exceeded = True
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None


class ImportSynthesisForm(forms.Form):
    file = forms.FileField(
        label="Document",
        help_text=f"Document Word du modèle national (.docx, {megabytes(MAX_DOCX_BYTES)} au "
        f"plus) ou son export texte (UTF-8, {megabytes(MAX_TEXT_BYTES)} au plus).",
    )
    slug = forms.SlugField(
        label="Identifiant de la synthèse",
        max_length=100,
        help_text="Par exemple vendee-2020. Si cette synthèse existe, son contenu est remplacé "
        "par celui du document ; rien ne change si le document est identique.",
    )
    region = forms.ModelChoiceField(
        Region.objects.all(),
        required=False,
        label="Région académique",
        help_text="Vide : celle du département, celle que le document indique ou celle de la "
        "synthèse existante.",
    )
    department = forms.ModelChoiceField(
        Department.objects.all(),
        required=False,
        label="Département",
        help_text="Pour une synthèse départementale.",
    )
    parent = forms.ModelChoiceField(
        Synthesis.objects.regional().active(),
        required=False,
        label="Synthèse régionale parente",
        help_text="Pour une synthèse départementale, annexe d'une synthèse régionale.",
    )
    dry_run = forms.BooleanField(
        required=False,
        label="Simulation",
        help_text="Analyse le document et affiche le rapport sans rien enregistrer.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(self.too_large_message())
        return upload

    @staticmethod
    def too_large_message():
        return (
            f"Le fichier est trop volumineux : {megabytes(MAX_DOCX_BYTES)} au plus pour un "
            f"document Word, {megabytes(MAX_TEXT_BYTES)} pour un export texte."
        )

    def clean(self):
        cleaned = super().clean()
        region, department = cleaned.get("region"), cleaned.get("department")
        if region and department and department.region_id != region.pk:
            self.add_error("department", "Ce département n'appartient pas à la région choisie.")
        return cleaned


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
    inlines = [SessionInline, ThematicSectionInline, FlagshipProposalInline]
    actions = ["archive_selected", "unarchive_selected"]

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

    def get_urls(self):
        return [
            path(
                "importer/",
                self.admin_site.admin_view(self.import_view),
                name="workshops_synthesis_import",
            ),
            *super().get_urls(),
        ]

    # The upload handler must be in place before anything reads the request body, CSRF
    # middleware included; the CSRF check then runs inside, on the parsed form.
    @method_decorator(csrf_exempt)
    def import_view(self, request):
        handler = LimitedUploadHandler(request)
        request.upload_handlers.insert(0, handler)
        return self._import_view(request, handler)

    @method_decorator(csrf_protect)
    def _import_view(self, request, handler):
        if not self.has_add_permission(request):
            raise PermissionDenied
        report = None
        if request.method == "POST":
            form = ImportSynthesisForm(request.POST, request.FILES)
            valid = form.is_valid()
            if handler.exceeded:  # the file was dropped on the way: say why
                form.errors["file"] = form.error_class([form.too_large_message()])
                valid = False
            if valid:
                report = self._run_import(request, form)
        else:
            form = ImportSynthesisForm()
        written = report is not None and report.ok and not report.dry_run
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Importer une synthèse",
            "form": form,
            "report": report,
            "synthesis": (
                Synthesis.objects.filter(slug=form.cleaned_data["slug"]).first()
                if written
                else None
            ),
        }
        return TemplateResponse(request, "admin/workshops/synthesis/import_synthesis.html", context)

    def _run_import(self, request, form):
        data = form.cleaned_data
        report = import_synthesis(
            data["file"].read(MAX_FILE_BYTES + 1),
            filename=data["file"].name,
            slug=data["slug"],
            region=data["region"].code if data["region"] else None,
            department=data["department"].code if data["department"] else None,
            parent=data["parent"].slug if data["parent"] else None,
            dry_run=data["dry_run"],
        )
        if report.outcome == "refused":
            form.add_error("file", report.refusal)
        for issue in report.errors:
            if issue.field in form.fields:
                form.add_error(issue.field, issue.message)
        if report.ok and not report.dry_run:
            messages.success(request, f"{report.outcome_text} ({data['slug']})")
        return report


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


class ActionPlanRowInline(admin.TabularInline):
    model = ActionPlanRow
    fields = ["position", "thematic_label", "horizon"]
    extra = 0
    show_change_link = True


@admin.register(ThematicSection)
class ThematicSectionAdmin(HistoryAdmin):
    list_display = ["__str__", "synthesis", "thematic", "position"]
    list_filter = ["synthesis__region", "synthesis__department", "thematic", "synthesis__status"]
    search_fields = ["title", "thematic__title", "synthesis__title"]
    list_select_related = ["synthesis", "thematic"]
    inlines = [RetexSheetInline, DiagnosticRowInline, ProjectionRowInline, ActionPlanRowInline]


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
