"""What data people enter may hold: JSON values only, finite numbers of bounded size, valid text, bounded nesting.

Start data, a step's artefact and --set values pass `check_data` before anything else reads them, so odd data is
refused with the field it sits in, never met later as an internal error by the store, the serializer or a hash.
"""

from __future__ import annotations

import math
import re
from typing import Any

from engine.common.errors import ValidationError

MAX_DEPTH = 32  # nested lists and objects; the deepest form in use needs 4
MAX_INT_DIGITS = 100  # decimal digits of an integer; a longer run of digits is text and must be quoted
_INT_BOUND = 10**MAX_INT_DIGITS
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


class NumberTooLongError(ValueError):
    """An integer literal with more digits than MAX_INT_DIGITS (raised while parsing, before int() runs)."""

    def __init__(self, digits: int) -> None:
        super().__init__(f"a number with {digits} digits; numbers may have at most {MAX_INT_DIGITS}: quote it if "
                         "it is text")


def parse_json_int(text: str) -> int:
    """json.loads's parse_int: refuse an integer literal too long to be a number before converting it."""
    digits = len(text.lstrip("+-"))
    if digits > MAX_INT_DIGITS:
        raise NumberTooLongError(digits)
    return int(text)


def refuse_json_constant(name: str) -> float:
    """json.loads's parse_constant: NaN, Infinity and -Infinity are not JSON, whatever Python's json accepts."""
    raise ValueError(f"{name} is not a JSON number; write a number")


def _where(path: str) -> str:
    return f"field '{path}'" if path else "the data"


def _text_problem(text: str) -> str | None:
    found = _BAD_TEXT.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "holds the character U+0000 (NUL), which stores cannot keep in text; remove it"
    return f"holds U+{ord(found.group()):04X}, half of a surrogate pair, which is not valid Unicode text; fix the text"


def _value_problem(value: Any) -> str | None:
    """What is wrong with one leaf value, or None for a JSON value sop can store."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return _text_problem(value)
    if isinstance(value, int):
        return None if -_INT_BOUND < value < _INT_BOUND else (
            f"is an integer with more than {MAX_INT_DIGITS} digits; quote it if it is text")
    if isinstance(value, float):
        if math.isfinite(value):
            return None
        kind = "NaN" if math.isnan(value) else "an infinity"
        return f"is {kind}, which is not a number JSON can store; write a number, or quote it as text"
    kind = type(value).__name__
    return f"is a {kind} value (from a YAML tag such as !!binary, !!set or !!timestamp); write it as plain text"


def check_data(data: Any, what: str) -> None:
    """Refuse data that is not plain JSON sop can store, naming the field; walks without recursion."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                raise ValidationError("{what}: {where} is nested deeper than {max_depth} levels of lists "
                                      "and objects; flatten it", what=what, where=_where(path), max_depth=MAX_DEPTH)
            if isinstance(value, list):
                stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
                continue
            for key, item in value.items():
                if not isinstance(key, str):
                    raise ValidationError("{what}: {where} has the key {key!r}, which is not text; field "
                                          "names are text (quote the key)", what=what, where=_where(path), key=key)
                problem = _text_problem(key)
                if problem is not None:
                    raise ValidationError("{what}: {where} has a key that {problem}",
                                          what=what, where=_where(path), problem=problem)
                stack.append((item, f"{path}.{key}" if path else key, depth + 1))
            continue
        problem = _value_problem(value)
        if problem is not None:
            raise ValidationError("{what}: {where} {problem}", what=what, where=_where(path), problem=problem)
