"""YAML and JSON loading for people's files: dates and yes/no stay strings, errors name file and line."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from .errors import DataFileError


class _PlainLoader(yaml.SafeLoader):
    """SafeLoader where only true/false are booleans and dates/times stay text (YAML 1.2 behaviour)."""


_DROPPED = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int",
            "tag:yaml.org,2002:float")
_PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_PlainLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
# YAML 1.2 core schema numbers: no base-60 (10:30 stays text), no 0o/0x surprises beyond the core forms.
_PlainLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_PlainLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."),
)


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text; a syntax error becomes a DataFileError naming the source and line."""
    try:
        return yaml.load(text, Loader=_PlainLoader)  # noqa: S506 - _PlainLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        raise DataFileError(f"{where}: not valid YAML ({exc.problem}); fix the file and try again") from None
    except yaml.YAMLError as exc:
        raise DataFileError(f"{source}: not valid YAML ({exc}); fix the file and try again") from None


def parse_data(text: str, source: str) -> dict[str, Any]:
    """Parse a JSON or YAML document that must be an object (a mapping of field names to values)."""
    stripped = text.lstrip()
    if stripped.startswith("{") or stripped.startswith("["):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataFileError(
                f"{source}:{exc.lineno}: not valid JSON ({exc.msg}); fix the file or write it as YAML"
            ) from None
    else:
        value = parse_yaml(text, source)
    if not isinstance(value, dict):
        kind = "empty" if value is None else f"a {type(value).__name__}"
        raise DataFileError(
            f"{source}: the data must be an object of field: value pairs, but it is {kind}; "
            "see `sop form INSTANCE TASK --template` for the fields"
        )
    return value


def read_data_file(path: str, stdin_text: str | None = None) -> dict[str, Any]:
    """Read a JSON/YAML data file (or stdin when path is '-') as an object."""
    if path == "-":
        return parse_data(stdin_text or "", "<stdin>")
    file = Path(path)
    if not file.is_file():
        raise DataFileError(f"Data file '{path}' does not exist; give the path of a JSON or YAML file")
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"Data file '{path}' cannot be read ({exc}); it must be UTF-8 JSON or YAML") from None
    return parse_data(text, path)
