"""JSON parsing that answers 400, never 500, to hostile bodies (deep nesting, bad UTF-8)."""

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
            data = json.loads(text, parse_constant=_refuse_constant) if text.strip() else {}
        except UnicodeDecodeError as exc:
            raise ParseError("The body is not UTF-8.") from exc
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"The body is not valid JSON: {exc}"[:200]) from exc
        if _depth(data) > MAX_DEPTH:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.")
        return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")
