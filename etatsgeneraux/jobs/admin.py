from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Read-only: jobs are written by the workers, looked at here to follow or debug them."""

    list_display = ["created_at", "kind", "status", "progress", "message", "synthesis"]
    list_filter = ["kind", "status"]
    list_select_related = ["synthesis"]
    readonly_fields = [field.name for field in Job._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
