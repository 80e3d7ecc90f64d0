"""Looking into the task queue from tests that run a step themselves."""

from django_tasks_db.models import DBTaskResult

from orders.queue import BOOKING_TASKS
from suppliers.models import SandboxBooking


def queued(task_name: str, line_id: int | None = None):
    """READY rows of ``orders.tasks.<task_name>`` in the task queue (due now or later)."""
    rows = DBTaskResult.objects.filter(status="READY", task_path=f"orders.tasks.{task_name}")
    if line_id is not None:
        rows = rows.filter(args_kwargs__kwargs__line_id=line_id)
    return rows


def take_queued(task_name: str) -> None:
    """Take a step's tasks off the queue: the test runs that step itself, by calling the service."""
    queued(task_name).delete()


def booking_of(line) -> SandboxBooking:
    return SandboxBooking.objects.get(line_key=f"line:{line.pk}")


def queued_line_ids(task_name: str) -> list[int]:
    """Line ids queued for ``orders.tasks.<task_name>``, directly, in a booking task (reserve,
    issue) or inside a fan-out task."""
    ids = []
    booking_task = BOOKING_TASKS.get(task_name, task_name)
    for row in DBTaskResult.objects.filter(
        task_path__in=[f"orders.tasks.{task_name}", f"orders.tasks.{booking_task}", "orders.tasks.fan_out"]
    ):
        kwargs = row.args_kwargs["kwargs"]
        if row.task_path.endswith(f".{booking_task}") and booking_task != task_name:
            ids.extend(kwargs["line_ids"])
        elif row.task_path.endswith(".fan_out"):
            if kwargs["task_name"] == task_name:
                ids.extend(kwargs["line_ids"])
        else:
            ids.append(kwargs["line_id"])
    return ids
