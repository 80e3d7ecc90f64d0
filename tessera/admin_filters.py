"""List filters shared by the back office's big lists."""

import datetime

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.utils import timezone


class DateRangeFilter(admin.FieldListFilter):
    """A datetime column between two days (UTC, both included): typed in, or one of the presets.

    The parameters are days (``created_at__from=2026-01-01&created_at__to=2026-01-31``), turned
    into a half-open range of aware datetimes, so an index on the column answers it.
    """

    template = "admin/filters/date_range.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.from_param = f"{field_path}__from"
        self.to_param = f"{field_path}__to"
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = f"{getattr(field, 'verbose_name', field_path)} (UTC days)"

    def expected_parameters(self) -> list[str]:
        return [self.from_param, self.to_param]

    def _day(self, param: str) -> datetime.date | None:
        values = self.used_parameters.get(param)
        if not values or not values[-1]:
            return None
        try:
            return datetime.date.fromisoformat(values[-1])
        except ValueError as exc:
            raise IncorrectLookupParameters(f"{param} is not a day (YYYY-MM-DD)") from exc

    def queryset(self, request, queryset):
        first, last = self._day(self.from_param), self._day(self.to_param)
        if first is not None:
            queryset = queryset.filter(**{f"{self.field_path}__gte": midnight(first)})
        if last is not None:
            queryset = queryset.filter(
                **{f"{self.field_path}__lt": midnight(last + datetime.timedelta(days=1))}
            )
        return queryset

    def presets(self) -> list[tuple[str, datetime.date | None, datetime.date | None]]:
        today = timezone.now().date()
        return [
            ("Any day", None, None),
            ("Today", today, today),
            ("Past 7 days", today - datetime.timedelta(days=6), today),
            ("This month", today.replace(day=1), today),
            ("This year", today.replace(month=1, day=1), today),
        ]

    def choices(self, changelist):
        self.form = self.form_context(changelist)  # read by the template after the choices
        chosen = (self._raw(self.from_param), self._raw(self.to_param))
        for label, first, last in self.presets():
            wanted = (first.isoformat() if first else "", last.isoformat() if last else "")
            params = {self.from_param: wanted[0] or None, self.to_param: wanted[1] or None}
            yield {
                "selected": chosen == wanted,
                "query_string": changelist.get_query_string(params),
                "display": label,
            }

    def _raw(self, param: str) -> str:
        values = self.used_parameters.get(param)
        return values[-1] if values else ""

    def form_context(self, changelist) -> dict:
        """What the template's from/to form needs: current days and every other parameter kept."""
        kept = [
            (name, value)
            for name, values in changelist.filter_params.items()
            if name not in (self.from_param, self.to_param)
            for value in values
        ]
        return {
            "from_param": self.from_param,
            "to_param": self.to_param,
            "from_value": self._raw(self.from_param),
            "to_value": self._raw(self.to_param),
            "kept": kept,
        }


def midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)
