"""A worker's tasks in the logs and the metrics: every line a task logs carries its id, and each
finished task is counted and timed by name and outcome."""

from django.tasks import TaskResultStatus

from tessera import log_context, metrics


def on_task_started(sender, task_result, **kwargs) -> None:
    log_context.bind(task_id=task_result.id)


def on_task_finished(sender, task_result, **kwargs) -> None:
    name = task_result.task.module_path
    outcome = "successful" if task_result.status == TaskResultStatus.SUCCESSFUL else "failed"
    metrics.TASKS_FINISHED.labels(name, outcome).inc()
    if task_result.started_at and task_result.finished_at:
        seconds = (task_result.finished_at - task_result.started_at).total_seconds()
        metrics.TASK_DURATION.labels(name).observe(seconds)
    log_context.bind(task_id=None)
