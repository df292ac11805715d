"""JSON Schema 2020-12 forms: check a form, validate an artefact against it, print a fill-in template."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from engine.common.data_limits import NumberTooLongError, parse_json_int, refuse_json_constant
from engine.common.errors import DefinitionError, ValidationError
from engine.common.i18n import N_, _, translate
from engine.definitions.form_defaults import note

_FORMATS = FormatChecker(Draft202012Validator.FORMAT_CHECKER.checkers.keys())
for _name, (_func, _raises) in Draft202012Validator.FORMAT_CHECKER.checkers.items():
    _FORMATS.checks(_name, _raises)(_func)


_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$"
)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _is_email(value: object) -> bool:
    """name@domain.tld (jsonschema's own check only looks for an @)."""
    return not isinstance(value, str) or bool(_EMAIL.match(value))


def _is_date_time(value: object) -> bool:
    """RFC 3339 date-time with a time zone (jsonschema checks it only with an extra package)."""
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        return False
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.tzinfo is not None


_FORMATS.checks("date-time", raises=ValueError)(_is_date_time)
_FORMATS.checks("email")(_is_email)


def parse_form(text: str, source: str) -> dict[str, Any]:
    """Parse and check a form file: JSON, an object, and a valid JSON Schema 2020-12."""
    try:
        schema = json.loads(text, parse_int=parse_json_int, parse_constant=refuse_json_constant)
    except json.JSONDecodeError as exc:
        raise DefinitionError("Form {source}:{lineno}: not valid JSON ({msg}); fix the file",
                              source=source, lineno=exc.lineno, msg=exc.msg) from None
    except (ValueError, RecursionError) as exc:
        reason = str(exc) if isinstance(exc, ValueError) else "nested too deeply to read"
        raise DefinitionError("Form {source}: {reason}; fix the file", source=source, reason=reason) from None
    if not isinstance(schema, dict):
        raise DefinitionError("Form {source}: a JSON Schema must be an object; fix the file", source=source)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        path = "/".join(str(p) for p in exc.absolute_path) or "(top)"
        raise DefinitionError(
            "Form {source}: not a valid JSON Schema 2020-12 at '{path}': {exc_message}; fix the form",
            source=source, path=path, exc_message=exc.message
        ) from None
    from engine.definitions.form_defaults import default_problems
    from engine.definitions.form_files import file_field_problems

    for problem in [*default_problems(schema), *file_field_problems(schema)]:
        raise DefinitionError("Form {source}: {problem}; fix the form", source=source, problem=problem)
    return schema


class CompiledForm:
    """A checked form with its validator built once: validating many artefacts costs no re-parsing.

    The validator's registry holds only the pinned forms (pinned: file name -> text) and refuses every other URI,
    so no `$ref` reads a file or reaches the network.
    """

    def __init__(self, schema: dict[str, Any], pinned: dict[str, str] | None = None, source: str = "form") -> None:
        from engine.definitions.form_files import with_file_shapes
        from engine.definitions.form_refs import form_registry

        self.schema = schema
        self.source = source
        self.validator = Draft202012Validator(with_file_shapes(schema), format_checker=_FORMATS,
                                              registry=form_registry(pinned or {}))

    def problems(self, data: Any) -> list[str]:
        """Every violation, each prefixed by its field path, in a stable order."""
        from referencing.exceptions import Unresolvable

        try:
            return _problems(self.validator, data)
        except Unresolvable as exc:
            ref = getattr(exc, "ref", None) or str(exc)
            raise DefinitionError(
                "Form {source} has $ref {ref!r}, which is outside the pinned forms; nothing was fetched or "
                "saved. Fix the form (see `sop lint`)", source=self.source, ref=ref
            ) from None

    def validate(self, data: Any, what: str) -> None:
        """Raise ValidationError listing every violation at once; what names the step being checked."""
        problems = self.problems(data)
        if problems:
            count = N_("1 problem") if len(problems) == 1 else N_("{problems_count} problems",
                                                                  problems_count=len(problems))
            raise ValidationError(
                "{what}: the data does not satisfy the form ({count}); nothing was saved. "
                "Fix these fields and try again:",
                problems, what=what, count=count,
            )


def compile_form(text: str, source: str, pinned: dict[str, str] | None = None) -> CompiledForm:
    """Parse, check and compile a form file's text; its `$ref`s resolve among the pinned forms only."""
    return CompiledForm(parse_form(text, source), pinned, source)




def validation_problems(schema: dict[str, Any], data: Any) -> list[str]:
    """Every violation of the schema by data, each prefixed by its field path, in a stable order."""
    return CompiledForm(schema).problems(data)


def _problems(validator: Draft202012Validator, data: Any) -> list[str]:
    from engine.definitions.form_errors import describe

    lines = [pair for error in validator.iter_errors(data) for pair in describe(error)]
    return [line for _, line in sorted(lines)]


def validate(schema: dict[str, Any], data: Any, what: str) -> None:
    """Raise ValidationError listing every violation at once; what names the step being checked."""
    CompiledForm(schema).validate(data, what)


def fit_to_form(schema: dict[str, Any], data: Any) -> Any:
    """Plain JSON values typed by the form: a YAML number written for a text field keeps its text (0042)."""
    from engine.common.yamlio import YamlFloat, YamlInt

    if isinstance(data, dict):
        raw = schema.get("properties")
        props: dict[str, Any] = raw if isinstance(raw, dict) else {}
        return {k: fit_to_form(_sub_schema(props.get(k)), v) for k, v in data.items()}
    if isinstance(data, list):
        return [fit_to_form(_sub_schema(schema.get("items")), v) for v in data]
    if isinstance(data, (YamlInt, YamlFloat)):
        kind = schema.get("type")
        kinds = [kind] if isinstance(kind, str) else (kind or [])
        if "string" in kinds and not {"integer", "number"} & set(kinds):
            return data.text
        return int(data) if isinstance(data, YamlInt) else float(data)
    return data


def _sub_schema(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def coerce_assignments(schema: dict[str, Any], pairs: list[tuple[str, str]],
                       base: dict[str, Any] | None = None) -> dict[str, Any]:
    """Apply --set KEY=VALUE pairs onto base data (a copy; empty when None), typing each value by the schema.

    Dotted keys nest (pengirim.nama=...); a number after an array field is an item (peralatan.0.nama=...), so a
    file's list keeps its other items.
    """
    import copy

    data: dict[str, Any] = copy.deepcopy(base) if base else {}
    for key, raw in pairs:
        try:
            _assign(schema, data, key, raw)
        except NumberTooLongError as exc:
            raise ValidationError("--set {key}: {exc}", key=key, exc=exc) from None
    return data


def _assign(schema: dict[str, Any], data: dict[str, Any], key: str, raw: str) -> None:
    """One --set KEY=VALUE applied onto data in place."""
    parts = key.split(".")
    node_schema: dict[str, Any] = schema
    target: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(target, list):
            if not (part.isascii() and part.isdigit()) or len(part) > 9 or int(part) > len(target):
                raise ValidationError(
                    "--set {key}: '{part}' must be the index of an item of '{parts}' "
                    "(0 to {target_count}, counting from 0)",
                    key=key, part=part, parts='.'.join(parts[:i]), target_count=len(target)
                )
            index = int(part)
            node_schema = _sub_schema(node_schema.get("items"))
            if last:
                value = _typed(raw, node_schema)
                target[index:index + 1] = [value]
                break
            if index == len(target):
                target.append([] if node_schema.get("type") == "array" else {})
            target = target[index]
            continue
        node_schema = _sub_schema(_sub_schema(node_schema.get("properties")).get(part))
        if last:
            target[part] = _typed(raw, node_schema or None)
            break
        nxt = target.setdefault(part, [] if node_schema.get("type") == "array" else {})
        if not isinstance(nxt, (dict, list)):
            prefix = ".".join(parts[: i + 1])
            raise ValidationError("--set {key}: '{prefix}' is already a value, not an object", key=key, prefix=prefix)
        target = nxt


_YES_NO = {"ya": True, "tidak": False}


def _typed(raw: str, schema: dict[str, Any] | None) -> Any:
    """A --set value as the schema types it: text for string fields, JSON for the others."""
    kinds = (schema or {}).get("type")
    kinds = [kinds] if isinstance(kinds, str) else (kinds or [])
    if "string" in kinds:
        return None if raw == "null" and "null" in kinds else raw
    if not kinds and raw in (schema or {}).get("enum", []):
        return raw
    if "boolean" in kinds and raw.strip().lower() in _YES_NO:  # officials write ya/tidak; true/false still work
        return _YES_NO[raw.strip().lower()]
    try:
        return json.loads(raw, parse_int=parse_json_int)  # NaN or Infinity: refused by the data check, by field
    except json.JSONDecodeError:  # not JSON: the text as typed (a number too long to read is refused, not kept)
        return raw


def form_template(schema: dict[str, Any], ui: dict[str, Any] | None = None, *,
                  values: dict[str, Any] | None = None) -> str:
    """A YAML skeleton to fill in: one line per field, titles, descriptions and choices as comments; a UI schema
    (formUiSchemaFilename, RJSF conventions) orders the fields (`ui:order`) and adds `ui:help` and
    `ui:placeholder` to their comments; values (what the form starts with: InstanceHandle.form_defaults) fill
    their fields' lines."""
    if ui:
        schema = with_ui(schema, ui)
    lines: list[str] = []
    if schema.get("title"):
        lines.append(f"# {_one_line(schema['title'])}")
    if schema.get("description"):
        lines.append(f"# {_one_line(schema['description'])}")
    lines.append("# " + _("Fill in each value after its colon; fields marked 'required' must be filled, optional "
                          "ones may be deleted."))
    _object_lines(schema, 0, lines, values or {})
    return "\n".join(lines) + "\n"


def _comment(prop: dict[str, Any], required: bool) -> str:
    bits = []
    if prop.get("title"):
        bits.append(str(prop["title"]))
    if prop.get("description"):
        bits.append(str(prop["description"]))
    if "enum" in prop:
        choices = " | ".join(str(v) for v in prop["enum"])
        bits.append(translate(N_("choices: {choices}", choices=choices)))
    if prop.get("format"):
        bits.append(translate(N_("format: {format}", format=prop['format'])))
    if prop.get("pattern"):  # in words, never the regex; a pattern without words is told by its description
        from engine.definitions.form_errors import pattern_words

        said = pattern_words(prop)
        if said:
            bits.append(translate(N_("consists of {words}", words=said)))
        elif not prop.get("description"):
            bits.append(_("in the form's set format"))
    attach = _file_note(prop)
    if attach:
        bits.append(attach)
    source = note(prop)
    if source:
        bits.append(translate(N_("filled from your entry in the roles file ({source}) when left out", source=source)))
    bits.append(_("required") if required else _("optional"))
    return _one_line(" - ".join(bits))


def _file_note(prop: dict[str, Any]) -> str:
    """What a file field takes: its types and largest size (the template's line for it shows the --attach to use)."""
    from engine.definitions.form_files import file_fields

    field = file_fields({"properties": {"f": prop}}).get("f")
    if field is None:
        return ""
    kinds = ", ".join(field.accept)
    size = f"{field.max_size / 1e6:.1f} MB"
    if field.many:
        return translate(N_("files ({kinds}, each at most {size})", kinds=kinds, size=size))
    return translate(N_("a file ({kinds}, at most {size})", kinds=kinds, size=size))


def _one_line(text: object) -> str:
    """Text folded onto one line, so a comment cannot spill into the YAML."""
    return " ".join(str(text).split())


def _placeholder(prop: dict[str, Any]) -> str:
    if "default" in prop:
        return json.dumps(prop["default"], ensure_ascii=False)
    kind = prop.get("type")
    if prop.get("format") == "date":
        return '""  # YYYY-MM-DD'
    if kind in ("integer", "number"):
        return "0"
    if kind == "boolean":
        return "false"
    return '""'


def with_ui(schema: dict[str, Any], ui: dict[str, Any]) -> dict[str, Any]:
    """A copy of a form with a UI schema's field order, help and placeholders folded in (nested objects too)."""
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return schema
    order = ui.get("ui:order")
    names = list(properties)
    if isinstance(order, list):
        listed = [n for n in order if n in properties]
        rest = [n for n in names if n not in listed]
        at = order.index("*") if "*" in order else len(listed)
        names = [n for n in order[:at] if n in properties] + rest + [n for n in order[at + 1:] if n in properties]
    out: dict[str, Any] = {}
    for name in names:
        prop, field_ui = properties[name], ui.get(name)
        if isinstance(prop, dict) and isinstance(field_ui, dict):
            prop = with_ui(dict(prop), field_ui)
            notes = [str(field_ui[k]) for k in ("ui:help", "ui:placeholder") if isinstance(field_ui.get(k), str)]
            if notes:
                prop["description"] = " - ".join([*([prop["description"]] if prop.get("description") else []),
                                                  *notes])
        out[name] = prop
    return {**schema, "properties": out}


def _object_lines(schema: dict[str, Any], indent: int, lines: list[str], values: dict[str, Any]) -> None:
    required = set(schema.get("required", []))
    pad = "  " * indent
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        lines.append(f"{pad}# {_comment(prop, name in required)}")
        kind = prop.get("type")
        if _file_note(prop):  # filled by --attach, not in the data file
            index = ".0" if prop.get("type") == "array" else ""
            lines.append(f"{pad}# {name}: --attach {name}{index}=PATH")
        elif kind == "object" and prop.get("properties"):
            lines.append(f"{pad}{name}:")
            inner = values.get(name)
            _object_lines(prop, indent + 1, lines, inner if isinstance(inner, dict) else {})
        elif kind == "array":
            raw_items = prop.get("items")
            items: dict[str, Any] = raw_items if isinstance(raw_items, dict) else {}
            lines.append(f"{pad}{name}:")
            if items.get("type") == "object" and items.get("properties"):
                sub: list[str] = []
                _object_lines(items, indent + 2, sub, {})
                first = next((i for i, line in enumerate(sub) if not line.strip().startswith("#")), None)
                if first is None:
                    lines.extend(sub)
                    lines.append(f"{pad}  - {{}}")
                else:
                    sub[first] = f"{pad}  - " + sub[first].strip()
                    lines.extend(sub)
            else:
                lines.append(f"{pad}  - {_placeholder(items)}")
        elif name in values and not isinstance(values[name], dict | list):  # from the record: kept as it is
            lines.append(f"{pad}{name}: {json.dumps(values[name], ensure_ascii=False)}")
        else:
            # optional fields (and those filled from the roles file) start commented out: not sent as empty values
            hash_mark = "" if name in required and not note(prop) else "# "
            lines.append(f"{pad}{hash_mark}{name}: {_placeholder(prop)}")
