"""The shortcuts OperatorFilterSet takes on django-filter (one form class per FilterSet class,
filters copied shallowly, one form field for every form) keep each request's filters apart. If an
upgrade of django-filter changes where forms and copies come from, these fail first."""

from django.http import QueryDict

from orders.api.filters import OrderFilters
from orders.models import Order


def filterset(query: str) -> OrderFilters:
    return OrderFilters(QueryDict(query), queryset=Order.objects.none())


def test_two_requests_share_the_form_class_and_fields_but_not_their_values_or_errors():
    first, second = filterset("status=PENDING"), filterset("status=like:x&totalAmount=lt:5")

    assert first.form.__class__ is second.form.__class__
    assert first.form.fields["status"] is second.form.fields["status"]
    assert first.is_valid()
    assert not second.is_valid()
    assert [term.values for term in first.form.cleaned_data["status"]] == [("PENDING",)]
    assert list(second.errors) == ["status"]
    assert [term.values for term in second.form.cleaned_data["totalAmount"]] == [(5,)]


def test_each_request_has_its_own_filters_and_the_class_keeps_its_own():
    first, second = filterset(""), filterset("")

    assert first.filters["status"] is not second.filters["status"]
    assert first.filters["status"].parent is first
    assert second.filters["status"].parent is second
    assert not hasattr(OrderFilters.base_filters["status"], "parent")
    assert first.filters["status"].operators is OrderFilters.base_filters["status"].operators
