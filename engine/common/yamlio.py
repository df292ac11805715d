"""YAML and JSON loading for people's files: dates and yes/no stay strings, errors name file and line."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from engine.common.data_limits import MAX_DEPTH, MAX_INT_DIGITS, NumberTooLongError, parse_json_int
from engine.common.errors import DataFileError
from engine.common.i18n import N_


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


class YamlInt(int):
    """An integer read from YAML that remembers how it was written (0042 stays '0042' for a text field)."""

    text: str


class YamlFloat(float):
    """A number read from YAML that remembers how it was written."""

    text: str


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> YamlInt:
    text = str(loader.construct_scalar(node))
    digits = text.lstrip("+-")
    if len(digits) > MAX_INT_DIGITS:  # int() of thousands of digits is slow, and refused by Python past 4300
        raise yaml.constructor.ConstructorError(None, None, str(NumberTooLongError(len(digits))), node.start_mark)
    sign = -1 if text.startswith("-") else 1
    if digits[:2] in ("0o", "0O"):
        value = int(digits[2:], 8)
    elif digits[:2] in ("0x", "0X"):
        value = int(digits[2:], 16)
    else:
        value = int(digits, 10)  # YAML 1.2: 010 is ten, not octal eight
    number = YamlInt(sign * value)
    number.text = text
    return number


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> YamlFloat:
    text = str(loader.construct_scalar(node))
    number = YamlFloat(float(text.replace(".inf", "inf").replace(".Inf", "inf").replace(".INF", "inf")
                             .replace(".nan", "nan").replace(".NaN", "nan").replace(".NAN", "nan")))
    number.text = text
    return number


def _refuse_tag(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    tag = node.tag.rsplit(":", 1)[-1]
    raise yaml.constructor.ConstructorError(None, None, N_("the tag !!{tag} makes a value that is not plain data; "
                                                           "write it as plain text", tag=tag), node.start_mark)


_PlainLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_PlainLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
for _tag in ("binary", "set", "timestamp", "omap", "pairs"):
    _PlainLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag)


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text; a syntax error becomes a DataFileError naming the source and line. Every YAML file
    sop reads (data, pages, tables, roles, calendar) goes through the one loader of _fast_loader, so a file
    gets one answer whichever command reads it."""
    with _yaml_errors(source):
        return _refuse_shared(yaml.load(text, Loader=_fast_loader()), source, len(text))  # noqa: S506 - a SafeLoader


def parse_data(text: str, source: str) -> dict[str, Any]:
    """Parse a JSON or YAML document that must be an object (a mapping of field names to values)."""
    stripped = text.lstrip()
    if stripped.startswith("{") or stripped.startswith("["):
        try:
            value = _refuse_shared(json.loads(text, parse_int=parse_json_int), source)
        except RecursionError:
            raise DataFileError("{source}: nested too deeply to read; flatten the document", source=source) from None
        except NumberTooLongError as exc:
            raise DataFileError("{source}: {exc}", source=source, exc=exc) from None
        except json.JSONDecodeError as exc:
            raise DataFileError(
                "{source}:{lineno}: not valid JSON ({msg}); fix the file or write it as YAML",
                source=source, lineno=exc.lineno, msg=exc.msg
            ) from None
        except ValueError:  # an integer past the interpreter's digit limit (4,300)
            raise DataFileError("{source}: a number has more than 4300 digits; write it as text (in quotes)",
                                source=source) from None
    else:
        value = parse_yaml(text, source)
    if not isinstance(value, dict):
        plain = {YamlInt: "int", YamlFloat: "float"}.get(type(value), type(value).__name__)
        if value is None:
            raise DataFileError("{source}: the data is empty; write field: value pairs (see "
                                "`sop form INSTANCE TASK --template` for the fields)", source=source)
        kind = f"a {plain}"
        raise DataFileError(
            "{source}: the data must be an object of field: value pairs, but it is {kind}; "
            "see `sop form INSTANCE TASK --template` for the fields", source=source, kind=kind
        )
    return value


def read_data_file(path: str, stdin_text: str | None = None) -> dict[str, Any]:
    """Read a JSON/YAML data file (or stdin when path is '-') as an object."""
    if path == "-":
        return parse_data(stdin_text or "", "<stdin>")
    file = Path(path)
    if file.is_dir():
        raise DataFileError("Data file '{path}' is a folder; give the path of a JSON or YAML file", path=path)
    try:
        text = file.read_text(encoding="utf-8-sig")  # -sig: a byte-order mark from Windows editors is dropped
    except FileNotFoundError:
        raise DataFileError("Data file '{path}' does not exist; give the path of a JSON or YAML file",
                            path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError("Data file '{path}' cannot be read ({exc}); it must be UTF-8 JSON or YAML",
                            path=path, exc=exc) from None
    return parse_data(text, path)


Lines = dict[tuple[str | int, ...], int]


def parse_yaml_lines(text: str, source: str) -> tuple[Any, Lines]:
    """Parse YAML like parse_yaml and also return the 1-based line of every key and item, by its path.

    A key written twice in one mapping is refused (PyYAML would silently keep the last one).
    """
    with _yaml_errors(source):
        loader = _fast_loader()(text)
        try:
            node = loader.get_single_node()
            value = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    _refuse_shared(value, source, len(text))
    lines: Lines = {}
    if node is not None:
        _walk(node, (), lines, source)
    return value, lines


@contextmanager
def _yaml_errors(source: str) -> Iterator[None]:
    """A YAML syntax error, or nesting too deep to read, becomes a DataFileError naming the source and line."""
    try:
        yield
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        if mark is None:
            raise DataFileError("{source}: not valid YAML ({problem}); fix the file and try again", source=source,
                                problem=yaml_problem(exc.problem or "", exc.context or "")) from None
        where = f"{source}:{mark.line + 1}"
        raise DataFileError("{where}: not valid YAML at column {column} ({problem}); fix the file and try again",
                            where=where, column=mark.column + 1,
                            problem=yaml_problem(exc.problem or "", exc.context or "")) from None
    except yaml.YAMLError:
        raise DataFileError("{source}: not valid YAML; fix the file and try again", source=source) from None
    except RecursionError:
        raise DataFileError("{source}: nested too deeply to read; flatten the document", source=source) from None


# PyYAML's problems (English, from its scanner and parser) as sentences people read, in the catalog; the first
# pattern that matches wins, and any other problem reads as the last one.
_YAML_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"expected ',' or '\]'"), N_("a list in brackets [ ] is not closed")),
    (re.compile(r"expected ',' or '\}'"), N_("a mapping in curly brackets is not closed")),
    (re.compile(r"mapping values are not allowed"),
     N_("a colon where no field can start: put the value in quotes, or check the indentation")),
    (re.compile(r"found unexpected end of stream|found unknown escape character|expected ' ', but found"),
     N_("a quoted text is not closed or holds a character it cannot")),
    (re.compile(r"cannot start any token"),
     N_("a character that cannot start a value here: indent with spaces, not tabs, and put a value starting with @ "
        "or ` in quotes")),
    (re.compile(r"undefined alias"), N_("an alias (*name) that names nothing")),
    (re.compile(r"duplicate anchor|anchor"), N_("an anchor (&name) that cannot be read")),
    (re.compile(r"constructor for the tag"), N_("a tag (!!name) that makes a value that is not plain data: write the "
                                                "value as plain text")),
    (re.compile(r"found duplicate key|duplicate"), N_("a field written twice")),
    (re.compile(r"expected|did not find|could not find"),
     N_("a line that does not fit where it stands: check its indentation and its colon")),
)


def yaml_problem(problem: str, context: str = "") -> str:
    """A YAML reader's problem as a sentence of the catalog (PyYAML's words are English only); sop's own refusals
    (a tag, a number too long) as they are."""
    if "not plain data" in problem or "digits" in problem:
        return problem
    for pattern, sentence in _YAML_PROBLEMS:
        if pattern.search(problem) or pattern.search(context):
            return sentence
    return N_("text that is not YAML")


def _refuse_shared(value: Any, source: str, text_size: int | None = None) -> Any:
    """Refuse a document in which one list or mapping appears twice: YAML aliases (`*a`). A kilobyte of nested
    aliases stands for gigabytes once anything walks it, and people's files never need them. Refuse nesting
    deeper than MAX_DEPTH (every reader after this one may recurse), and text aliases (`*a` of a long string)
    that would expand the document far beyond the size of its file."""
    seen: set[int] = set()
    budget = None if text_size is None else 4 * text_size + 10_000
    size = 0
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            size += len(item)
        elif isinstance(item, (dict, list)):
            if id(item) in seen:
                raise DataFileError("{source}: uses a YAML alias (*name) for a list or mapping; write the value "
                                    "out in full", source=source)
            if depth >= MAX_DEPTH:
                raise DataFileError("{source}: nested deeper than {max_depth} levels of lists and mappings; "
                                    "flatten the document", source=source, max_depth=MAX_DEPTH)
            seen.add(id(item))
            size += len(item)
            if isinstance(item, dict):
                stack.extend((key, depth + 1) for key in item)
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
        if budget is not None and size > budget:
            raise DataFileError("{source}: its YAML aliases (*name) expand it to more than {budget} characters, far "
                                "beyond the {text_size} of the file; write the values out in full",
                                source=source, budget=budget, text_size=text_size)
    return value


def _fast_loader() -> type[yaml.SafeLoader]:
    """_PlainLoader's rules on libyaml's parser when PyYAML has it (a 100-row table: 40 ms instead of 500 ms);
    the one loader of parse_yaml and parse_yaml_lines (libyaml and PyYAML's pure parser disagree on a few
    plain scalars, e.g. `{pertanyaan: Pasang?}`, so mixing them would give one file two answers)."""
    global _FAST
    if _FAST is None:
        base = getattr(yaml, "CSafeLoader", None)
        if base is None:
            _FAST = _PlainLoader
        else:
            fast: Any = type("_FastPlainLoader", (base,), {})
            fast.yaml_implicit_resolvers = _PlainLoader.yaml_implicit_resolvers
            fast.yaml_constructors = _PlainLoader.yaml_constructors
            _FAST = fast
    return _FAST


_FAST: type[yaml.SafeLoader] | None = None


def _walk(node: yaml.Node, path: tuple[str | int, ...], lines: Lines, source: str) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise DataFileError("{source}:{line}: key '{key}' is written twice in one mapping (first on line "
                                    "{seen}); keep one", source=source, line=line, key=key, seen=seen[key])
            seen[key] = line
            _walk(value_node, (*path, key), lines, source)
            lines[(*path, key)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines, source)


def dump_yaml(value: Any, width: int = 110) -> str:
    """YAML for people: lists indented under their keys, keys in the given order, and every string that
    parse_yaml would read as something else (no, 0e0, 2026-11-02 under YAML 1.1 or 1.2) quoted."""

    class Dumper(yaml.SafeDumper):
        def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
            super().increase_indent(flow, False)

    resolvers = {k: list(v) for k, v in yaml.SafeDumper.yaml_implicit_resolvers.items()}
    for first, extra in _PlainLoader.yaml_implicit_resolvers.items():
        resolvers.setdefault(first, []).extend(extra)
    Dumper.yaml_implicit_resolvers = resolvers
    return yaml.dump(value, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=width,
                     default_flow_style=False)
