"""JSON parsing that answers 400, never 500, to hostile bodies (deep nesting, bad UTF-8, and text
PostgreSQL cannot store: U+0000 or a lone surrogate escaped as \\u0000 or \\ud800), and to a member
given twice in one object, which JSON parsers read differently (Python keeps the last)."""

import json

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def _depth(value, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode("utf-8")
            data = (
                json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_unique_members)
                if text.strip()
                else {}
            )
        except UnicodeDecodeError as exc:
            raise ParseError("The body is not UTF-8.") from exc
        except DuplicateMember as exc:
            raise ParseError(str(exc)) from exc
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"The body is not valid JSON: {exc}"[:200]) from exc
        if _depth(data) > MAX_DEPTH:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.")
        if not _storable(data):
            raise ParseError("The body holds U+0000 or a lone surrogate (\\ud800-\\udfff): not text.")
        return data


def _storable(value) -> bool:
    """Every key and string is text a database can keep (called after the depth check)."""
    if isinstance(value, dict):
        return all(_storable(key) and _storable(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
    return True


class DuplicateMember(ValueError):
    pass


def _unique_members(pairs: list[tuple[str, object]]) -> dict:
    members: dict = {}
    for name, value in pairs:
        if name in members:
            raise DuplicateMember(f"The member {name[:100]!r} appears twice in one object; send it once.")
        members[name] = value
    return members


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")
