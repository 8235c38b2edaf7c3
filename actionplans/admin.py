from django.contrib import admin

from workshops import admin as workshops_admin
from workshops.admin import SECTION_FILTERS, HistoryAdmin, StatementAdmin, StatementInline
from workshops.models import Synthesis, ThematicSection

from .followup import ActionProgress, FollowUpSettings, IndicatorTarget, JournalEntry, Measurement
from .models import Action, ActionPlanRow, Actor, Axis, FlagshipProposal, Indicator, Timing


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
    search_fields = ["text", "key"]


@admin.register(Indicator)
class IndicatorAdmin(StatementAdmin):
    search_fields = ["text", "key"]


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


# The follow-up of the action plans ------------------------------------------------------------


@admin.register(ActionProgress)
class ActionProgressAdmin(HistoryAdmin):
    list_display = ["action", "status", "progress", "pilot_name", "due_date", "weight"]
    list_filter = ["status", *(f"action__row__{name}" for name in SECTION_FILTERS)]
    search_fields = ["action__text", "action__key", "pilot_name"]
    autocomplete_fields = ["action", "pilot_user"]
    list_select_related = ["action"]


class ReadOnlyFollowUpAdmin(HistoryAdmin):
    """Journal entries and measurements are never edited: a correction is a new entry, made
    from the follow-up pages (etatsgeneraux/followup)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyFollowUpAdmin):
    list_display = ["action", "created_at", "author_name", "status", "progress"]
    list_filter = ["status", *(f"action__row__{name}" for name in SECTION_FILTERS)]
    search_fields = ["action__text", "action__key", "comment", "author_name"]
    list_select_related = ["action"]


@admin.register(IndicatorTarget)
class IndicatorTargetAdmin(HistoryAdmin):
    list_display = ["indicator", "unit", "initial_value", "target_value", "qualitative"]
    list_filter = ["qualitative", *(f"indicator__row__{name}" for name in SECTION_FILTERS)]
    search_fields = ["indicator__text", "indicator__key"]
    autocomplete_fields = ["indicator"]
    list_select_related = ["indicator"]


@admin.register(Measurement)
class MeasurementAdmin(ReadOnlyFollowUpAdmin):
    list_display = ["indicator", "date", "value", "recorded_at"]
    list_filter = [*(f"indicator__row__{name}" for name in SECTION_FILTERS)]
    search_fields = ["indicator__text", "indicator__key", "note"]
    list_select_related = ["indicator"]


@admin.register(FollowUpSettings)
class FollowUpSettingsAdmin(HistoryAdmin):
    list_display = ["synthesis", "weight", "stale_days"]
    search_fields = ["synthesis__title", "synthesis__slug"]
    autocomplete_fields = ["synthesis"]
