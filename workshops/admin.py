from django.contrib import admin
from django.db import models

from actionplans.models import ActionPlanRow, FlagshipProposal

from .models import (
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


@admin.register(Synthesis)
class SynthesisAdmin(admin.ModelAdmin):
    list_display = ["title", "year", "region", "department", "status", "updated_at"]
    list_filter = ["status", "region", "department", "year"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["parent"]
    list_select_related = ["region", "department"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [SessionInline, ThematicSectionInline, FlagshipProposalInline]


class FacilitatorInline(admin.TabularInline):
    model = Facilitator
    fields = ["position", "name", "role", "note"]
    extra = 0


class ParticipationInline(admin.TabularInline):
    model = Participation
    fields = ["category", "ticked", "participants", "establishments", "note"]
    extra = 0


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
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
class ThematicSectionAdmin(admin.ModelAdmin):
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
class RetexSheetAdmin(admin.ModelAdmin):
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
class DiagnosticRowAdmin(admin.ModelAdmin):
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
class ProjectionRowAdmin(admin.ModelAdmin):
    list_display = ["__str__"]
    list_filter = SECTION_FILTERS
    search_fields = ["main_irritants__text", "needs__text", "levers__text"]
    autocomplete_fields = ["section"]
    list_select_related = ["section__synthesis", "section__thematic"]
    inlines = [MainIrritantInline, NeedInline, LeverInline]


# Statements, searchable on their own (and the targets of autocomplete links) ---------------


class StatementAdmin(admin.ModelAdmin):
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
