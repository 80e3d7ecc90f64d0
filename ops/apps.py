from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Health, metrics and what an operator needs to watch: above orders, payments and
    suppliers, whose state it reads (never writes)."""

    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from django.tasks.signals import task_finished, task_started

        from ops import task_observation

        task_started.connect(task_observation.on_task_started, dispatch_uid="ops-task-started")
        task_finished.connect(task_observation.on_task_finished, dispatch_uid="ops-task-finished")
