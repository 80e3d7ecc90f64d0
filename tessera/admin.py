from django.contrib import admin

from tessera.models import PeriodicSchedule, WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["worker_id", "hostname", "pid", "started_at", "last_seen_at"]
    readonly_fields = ["worker_id", "hostname", "pid", "started_at", "last_seen_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PeriodicSchedule)
class PeriodicScheduleAdmin(admin.ModelAdmin):
    list_display = ["task_path", "interval_seconds", "next_run_at", "last_enqueued_at"]
    readonly_fields = ["task_path", "interval_seconds", "last_enqueued_at"]

    def has_add_permission(self, request) -> bool:
        return False
