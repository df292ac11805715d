"""An artefact as a document people read, drawn through its form: field titles in the form's order (the UI
schema's `ui:order`, else the schema's), objects and lists as labelled blocks, choices by their titles, Ya/Tidak,
dates as "3 November 2026", date-times in the office's zone, files by name, type in words and size. The same
plain values feed the web page and the CLI's text; keys, hashes and logins stay for the audit view."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any, NamedTuple

from engine.common.i18n import N_, fixed_text, language

MONTHS = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"), N_("July"),
          N_("August"), N_("September"), N_("October"), N_("November"), N_("December"))
# The type of a stored file in words, by its media type (detected from its content when it was attached).
MEDIA_TYPE_WORDS = {
    "application/pdf": N_("PDF"),
    "image/png": N_("PNG image"),
    "image/jpeg": N_("JPEG image"),
    "image/gif": N_("GIF image"),
    "image/webp": N_("WebP image"),
    "image/tiff": N_("TIFF image"),
    "image/svg+xml": N_("SVG drawing"),
    "application/msword": N_("Word document"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": N_("Word document"),
    "application/vnd.ms-excel": N_("Excel spreadsheet"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": N_("Excel spreadsheet"),
    "application/vnd.ms-powerpoint": N_("PowerPoint presentation"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": N_("PowerPoint presentation"),
    "application/vnd.oasis.opendocument.text": N_("OpenDocument text"),
    "application/vnd.oasis.opendocument.spreadsheet": N_("OpenDocument spreadsheet"),
    "application/vnd.oasis.opendocument.presentation": N_("OpenDocument presentation"),
    "application/zip": N_("ZIP archive"),
    "text/plain": N_("Text file"),
    "text/csv": N_("CSV table"),
}
_LONG_TEXT = 500  # a string field allowing this many characters reads as a paragraph


class FileLink(NamedTuple):
    """A stored file an artefact names: what people read (name, type in words, size) and where it is downloaded
    (the completion's event seq, the field and the position in a list of files); media type and hash for the
    audit view."""

    name: str
    type_words: str
    size_words: str
    seq: int
    field: str
    position: int
    media_type: str
    sha256: str


class DocumentField(NamedTuple):
    """One field of a document: its title and value in words; a block (object, list) holds its parts as children.
    kind: text, long (a paragraph), group (an object), list (rows), files. key: the field's path (audit only)."""

    key: str
    title: str
    kind: str
    text: str = ""
    children: tuple[DocumentField, ...] = ()
    files: tuple[FileLink, ...] = ()


class WordsOf:
    """How values read in the reader's language: dates with the catalog's month names, times in the office's zone,
    decimal commas in Indonesian."""

    def __init__(self, zone: tzinfo | None = None) -> None:
        self.zone = zone
        self.decimal_comma = language() == "id"  # read once: a long history has thousands of values
        self._yes_no: tuple[str, str] | None = None

    def date(self, value: date) -> str:
        """3 November 2026."""
        return f"{value.day} {fixed_text(MONTHS[value.month - 1])} {value.year}"

    def moment(self, text: str) -> str:
        """An ISO date-time in the office's zone: 3 November 2026 08:30 WIB (as written when it is none)."""
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
        if moment.tzinfo is not None and self.zone is not None:
            moment = moment.astimezone(self.zone)
        zone = f" {moment.tzname()}" if moment.tzinfo is not None else ""
        return f"{self.date(moment.date())} {moment:%H:%M}{zone}"

    def day(self, text: str) -> str:
        """An ISO date as 3 November 2026 (as written when it is none)."""
        try:
            return self.date(date.fromisoformat(text))
        except ValueError:
            return text

    def number(self, value: float) -> str:
        """A number as written in the reader's language (1,5 in Indonesian)."""
        text = str(value)
        return text.replace(".", ",") if self.decimal_comma and isinstance(value, float) else text

    def boolean(self, value: bool) -> str:
        """Ya / Tidak (Yes / No)."""
        if self._yes_no is None:
            self._yes_no = (fixed_text("Yes"), fixed_text("No"))
        return self._yes_no[0] if value else self._yes_no[1]

    def size(self, size: int) -> str:
        """629 B, 1,2 MB (powers of 1000, as file managers show them)."""
        from engine.common.sizes import size_text

        text = size_text(size)
        return text.replace(".", ",") if self.decimal_comma else text


def media_type_words(media_type: str) -> str:
    """A file's type in words: PDF, Gambar PNG, Dokumen Word; "Berkas lain" for a type without a name."""
    found = MEDIA_TYPE_WORDS.get(media_type.split(";")[0].strip().lower())
    if found is not None:
        return fixed_text(found)
    if media_type.startswith("image/"):
        return fixed_text("Image")
    return fixed_text("Other file")


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def form_order(properties: dict[str, Any], ui: dict[str, Any]) -> list[str]:
    """The property names in the UI schema's `ui:order` (`*` standing for the others), else the form's order."""
    names = list(properties)
    order = ui.get("ui:order")
    if not isinstance(order, list):
        return names
    order = [n for n in order if isinstance(n, str)]
    listed = [n for n in order if n in properties]
    rest = [n for n in names if n not in listed]
    at = order.index("*") if "*" in order else len(order)
    return [n for n in order[:at] if n in properties] + rest + [n for n in order[at + 1:] if n in properties]


class ArtefactReader:
    """Draws artefacts of one form (its schema, UI schema and the forms pinned with it, for `$ref`s)."""

    def __init__(self, schema: dict[str, Any], ui: dict[str, Any] | None = None, *,
                 forms: dict[str, Any] | None = None, words: WordsOf | None = None) -> None:
        self.schema = schema
        self.ui = ui or {}
        self.forms = forms or {}
        self.words = words or WordsOf()

    def fields(self, data: Any, *, seq: int = 0) -> tuple[DocumentField, ...]:
        """The artefact's fields as a document (fields left empty are left out)."""
        self._seq = seq
        return self._object(self._resolved(self.schema), self.ui, _as_dict(data), "")

    def _resolved(self, schema: Any, depth: int = 0) -> dict[str, Any]:
        """A schema with its `$ref` followed (within the form, or to a pinned form), at most 8 deep."""
        node = _as_dict(schema)
        ref = node.get("$ref")
        if not isinstance(ref, str) or depth > 8:
            return node
        target_name, _, pointer = ref.partition("#")
        target: Any = self.forms.get(target_name) if target_name else self.schema
        for part in [p for p in pointer.split("/") if p]:
            target = _as_dict(target).get(part.replace("~1", "/").replace("~0", "~"))
        merged = {**self._resolved(target, depth + 1), **{k: v for k, v in node.items() if k != "$ref"}}
        return merged

    def _object(self, schema: dict[str, Any], ui: dict[str, Any], data: dict[str, Any],
                prefix: str) -> tuple[DocumentField, ...]:
        properties = _as_dict(schema.get("properties"))
        out = []
        for name in form_order(properties, ui):
            if name not in data or data[name] is None or data[name] in ("", [], {}):
                continue
            prop, prop_ui = self._resolved(properties[name]), _as_dict(ui.get(name))
            title = " ".join(str(prop_ui.get("ui:title") or prop.get("title") or name).split())
            out.append(self._field(prop, prop_ui, data[name], f"{prefix}{name}", title, top=not prefix))
        return tuple(out)

    def _field(self, schema: dict[str, Any], ui: dict[str, Any], value: Any, key: str, title: str, *,
               top: bool) -> DocumentField:
        from engine.definitions.form_files import is_file_value

        if top and (is_file_value(value) or (isinstance(value, list) and value and all(map(is_file_value, value)))):
            items = value if isinstance(value, list) else [value]
            links = tuple(self._file(item, key, i if isinstance(value, list) else 0) for i, item in enumerate(items))
            return DocumentField(key, title, "files", files=links)
        if isinstance(value, dict):
            return DocumentField(key, title, "group", children=self._object(schema, ui, value, key + "."))
        if isinstance(value, list):
            return self._rows(schema, ui, value, key, title)
        return DocumentField(key, title, self._kind(schema, ui), self.scalar(schema, ui, value))

    def _rows(self, schema: dict[str, Any], ui: dict[str, Any], value: list[Any], key: str,
              title: str) -> DocumentField:
        items, items_ui = self._resolved(schema.get("items")), _as_dict(ui.get("items"))
        label = " ".join(str(items_ui.get("ui:title") or items.get("title") or title).split())
        rows = []
        for i, item in enumerate(value):
            row_title = f"{label} {i + 1}"
            if isinstance(item, dict):
                rows.append(DocumentField(f"{key}.{i}", row_title, "group",
                                          children=self._object(items, items_ui, item, f"{key}.{i}.")))
            else:
                rows.append(DocumentField(f"{key}.{i}", row_title, self._kind(items, items_ui),
                                          self.scalar(items, items_ui, item)))
        return DocumentField(key, title, "list", children=tuple(rows))

    @staticmethod
    def _kind(schema: dict[str, Any], ui: dict[str, Any]) -> str:
        longest = schema.get("maxLength")
        long = ui.get("ui:widget") == "textarea" or (isinstance(longest, int) and longest >= _LONG_TEXT)
        return "long" if long else "text"

    def scalar(self, schema: dict[str, Any], ui: dict[str, Any], value: Any) -> str:
        """A single value in words: a choice by its title, Ya/Tidak, a date, a date-time, a number, a text."""
        chosen = self._choice_title(schema, ui, value)
        if chosen is not None:
            return chosen
        if isinstance(value, bool):
            return self.words.boolean(value)
        if isinstance(value, int | float):
            return self.words.number(value)
        if not isinstance(value, str):
            import json

            return json.dumps(value, ensure_ascii=False)
        form = schema.get("format")
        if form == "date" or ui.get("ui:widget") == "date":
            return self.words.day(value)
        if form == "date-time":
            return self.words.moment(value)
        return value

    def _choice_title(self, schema: dict[str, Any], ui: dict[str, Any], value: Any) -> str | None:
        """The title of the chosen option: `oneOf`/`anyOf` of const + title, or the UI schema's `ui:enumNames`."""
        for keyword in ("oneOf", "anyOf"):
            options = schema.get(keyword)
            for option in options if isinstance(options, list) else []:
                option = self._resolved(option)
                if "const" in option and option["const"] == value and type(option["const"]) is type(value) \
                        and isinstance(option.get("title"), str):
                    return str(option["title"])
        names, values = ui.get("ui:enumNames"), schema.get("enum")
        if isinstance(names, list) and isinstance(values, list):
            at = next((i for i, v in enumerate(values) if v == value and type(v) is type(value)), None)
            if at is not None and at < len(names) and isinstance(names[at], str):
                return str(names[at])
        return None

    def _file(self, item: dict[str, Any], field: str, position: int) -> FileLink:
        media_type = str(item.get("media_type", ""))
        size = int(item.get("size", 0))
        return FileLink(str(item.get("name", "")), media_type_words(media_type), self.words.size(size), self._seq,
                        field, position, media_type, str(item.get("sha256", "")))


def first_fields(fields: tuple[DocumentField, ...], count: int = 2, width: int = 60) -> list[tuple[str, str]]:
    """The first fields with a value in words (a file by its name), in form order: what a history line shows."""
    found: list[tuple[str, str]] = []
    for item in fields:
        if item.kind in ("text", "long"):
            text = " ".join(item.text.split())
        elif item.kind == "files":
            text = ", ".join(f.name for f in item.files)
        else:
            continue
        found.append((item.title, text if len(text) <= width else text[: width - 1] + "…"))
        if len(found) == count:
            break
    return found



# Each unit's words: (one, several) on a wall clock, and (one, several) counted in working time.
_UNITS = {
    "weeks": (N_("{count} week"), N_("{count} weeks"), N_("{count} working week"), N_("{count} working weeks")),
    "days": (N_("{count} day"), N_("{count} days"), N_("{count} working day"), N_("{count} working days")),
    "hours": (N_("{count} hour"), N_("{count} hours"), N_("{count} working hour"), N_("{count} working hours")),
    "minutes": (N_("{count} minute"), N_("{count} minutes"), N_("{count} minute"), N_("{count} minutes")),
    "seconds": (N_("{count} second"), N_("{count} seconds"), N_("{count} second"), N_("{count} seconds")),
}


def duration_words(text: str | None, *, working: bool = False) -> str:
    """An ISO-8601 duration in words: PT30M "30 menit", PT3H "3 jam kerja", P2D "2 hari kerja" (working: counted
    on the office's working calendar); "-" for none, the text itself when it is no duration."""
    from engine.common.durations import duration_parts
    from engine.common.i18n import translate

    if not text:
        return "-"
    try:
        parts = duration_parts(text)
    except ValueError:
        return text
    said = []
    for unit, templates in _UNITS.items():
        count = parts.get(unit)
        if count:
            template = templates[(2 if working else 0) + (count != 1)]
            said.append(translate(N_(template, count=count)))
    return " ".join(said) or "-"
