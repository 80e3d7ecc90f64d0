"""JSON types as the OpenAPI document states them, enforced before DRF's own validation.

DRF is lenient on purpose: a CharField takes the number 120, an IntegerField takes "2", a
UUIDField takes an integer. A client written from the schema must not come to rely on that, so a
member whose JSON type is not the documented one is refused, named where it sits: an amount must
be a decimal string ("120.00"), a quantity a JSON integer (2), a flag true or false.
"""

from rest_framework import serializers

_STRING_FIELDS = (
    serializers.CharField,
    serializers.ChoiceField,
    serializers.UUIDField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.TimeField,
)


def json_type_errors(serializer: serializers.Serializer, data) -> dict:
    """``{member: [message]}`` for every member of ``data`` (at any depth) of the wrong JSON type."""
    if not isinstance(data, dict):
        return {}  # not an object: the serializer's own validation says so
    errors: dict = {}
    for name, field in serializer.fields.items():
        if name in data and not field.read_only:
            found = _errors_of(field, data[name])
            if found:
                errors[name] = found
    return errors


def _errors_of(field: serializers.Field, value):
    if value is None:
        return None  # DRF says whether the field may be null
    if isinstance(field, serializers.ListSerializer):
        return _items(value, lambda item: _errors_of(field.child, item))
    if isinstance(field, serializers.Serializer):
        if not isinstance(value, dict):
            return [_message("an object", value)]
        return json_type_errors(field, value) or None
    if isinstance(field, serializers.ListField):
        return _items(value, lambda item: _errors_of(field.child, item))
    if isinstance(field, serializers.JSONField):
        return None  # any JSON; its own validators decide
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else [_message("true or false", value)]
    if isinstance(field, serializers.IntegerField):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else [_message("an integer, such as 2", value)]
    if isinstance(field, _STRING_FIELDS):
        expected = getattr(field, "json_type_hint", "a string")
        return None if isinstance(value, str) else [_message(expected, value)]
    return None


def _items(value, check):
    if not isinstance(value, list):
        return [_message("an array", value)]
    found = {str(n): errors for n, item in enumerate(value) if (errors := check(item))}
    return found or None


def _message(expected: str, value) -> str:
    return f"Expected {expected}, not {_json_type(value)}."


def _json_type(value) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "null"
