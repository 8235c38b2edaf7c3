from django.contrib import admin

from workshops import admin as workshops_admin
from workshops.admin import SECTION_FILTERS, HistoryAdmin, StatementAdmin, StatementInline
from workshops.models import Synthesis, ThematicSection

from .models import (
    Action,
    ActionPlanRow,
    Actor,
    Axis,
    FlagshipProposal,
    Indicator,
    NationalProposal,
    StatementGroup,
    Timing,
)


class AxisInline(StatementInline):
    model = Axis
    fields = ["position", "source", "text", "emphasised"]
    autocomplete_fields = ["source"]


class ActionInline(StatementInline):
    model = Action


class ActorInline(StatementInline):
    model = Actor


class TimingInline(StatementInline):
    model = Timing


class IndicatorInline(StatementInline):
    model = Indicator


@admin.register(ActionPlanRow)
class ActionPlanRowAdmin(HistoryAdmin):
    list_display = ["__str__", "horizon"]
    list_filter = [*SECTION_FILTERS, "horizon"]
    search_fields = [
        "axes__text",
        "actions__text",
        "actors__text",
        "timings__text",
        "indicators__text",
    ]
    autocomplete_fields = ["section"]
    list_select_related = ["section__synthesis", "section__thematic"]
    inlines = [AxisInline, ActionInline, ActorInline, TimingInline, IndicatorInline]


@admin.register(Action)
class ActionAdmin(StatementAdmin):
    pass


@admin.register(Indicator)
class IndicatorAdmin(StatementAdmin):
    pass


@admin.register(FlagshipProposal)
class FlagshipProposalAdmin(HistoryAdmin):
    list_display = ["title", "synthesis", "effort", "time_needed"]
    list_filter = ["synthesis__region", "synthesis__department", "effort", "time_needed"]
    search_fields = ["title", "summary", "referent", "territory"]
    autocomplete_fields = ["synthesis"]
    list_select_related = ["synthesis"]
    fieldsets = [
        (None, {"fields": ["synthesis", "position", "title", "summary"]}),
        ("Impacts", {"fields": ["establishments", "pupils", "parents", "teachers"]}),
        ("Territoire et pilotage", {"fields": ["territory", "referent"]}),
        (
            "Modalités de mise en œuvre",
            {"fields": ["means_financial", "means_human", "means_legal"]},
        ),
        ("Difficultés et pérennisation", {"fields": ["difficulties", "sustainability_needs"]}),
        ("Effort et temporalité", {"fields": ["effort", "time_needed"]}),
    ]


# The synthesis and section admins of workshops, with their stage-3 inlines added here: the
# workshops app does not know about action plans.


class FlagshipProposalInline(admin.TabularInline):
    model = FlagshipProposal
    fields = ["position", "title", "effort", "time_needed"]
    extra = 0
    show_change_link = True


class ActionPlanRowInline(admin.TabularInline):
    model = ActionPlanRow
    fields = ["position", "thematic_label", "horizon"]
    extra = 0
    show_change_link = True


admin.site.unregister(Synthesis)


@admin.register(Synthesis)
class SynthesisAdmin(workshops_admin.SynthesisAdmin):
    inlines = [*workshops_admin.SynthesisAdmin.inlines, FlagshipProposalInline]


admin.site.unregister(ThematicSection)


@admin.register(ThematicSection)
class ThematicSectionAdmin(workshops_admin.ThematicSectionAdmin):
    inlines = [*workshops_admin.ThematicSectionAdmin.inlines, ActionPlanRowInline]


@admin.register(NationalProposal)
class NationalProposalAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "thematic", "status"]
    list_filter = ["thematic", "status"]
    search_fields = ["title", "text"]


@admin.register(StatementGroup)
class StatementGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "thematic", "proposal", "confirmed_by", "confirmed_at"]
    list_filter = ["thematic"]
    readonly_fields = ["confirmed_by", "confirmed_at"]
