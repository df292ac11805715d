"""An SOP table's problems in the author's terms: each at its row (nomor and id) and key, the schema's complaints in
words (a did-you-mean for a misspelt key, what an unquoted comma did), and the rows' numbers checked and rewritten.

The table's reader (sop_yaml) finds the problems; this module says where they are and what they mean, so that
`sop lint`, `sop compile` and the web's table page show the same sentences.
"""

from __future__ import annotations

import copy
import difflib
import re
from typing import Any, NamedTuple

from engine.common.i18n import N_

ERROR, WARNING = "error", "warning"
Path_ = tuple[str | int, ...]
FLOW_KEYS = frozenset({"keputusan", "lanjut", "selesai", "bersamaan", "id"})
JUMP_KEYS = ("ya", "tidak", "lanjut")
_TYPE_WORDS: dict[str, str] = {"string": N_("text"), "integer": N_("a whole number"), "number": N_("a number"),
               "boolean": N_("true or false"), "array": N_("a list"), "object": N_("a mapping of keys"),
               "null": N_("nothing")}


class TableProblem(NamedTuple):
    """One problem of a table: its line, the row (position, id) and key it is at, and what to do."""

    line: int
    message: str
    nomor: int | None = None  # the row's position in langkah (1-based), None for the sop/pelaksana parts
    row: str | None = None  # the row's id as the table names it (its own, or the default Langkah_N)
    key: str | None = None  # the key inside the row (`keputusan.syarat`, `bersamaan[2].waktu`) or the document
    severity: str = ERROR
    rule: str = "table-invalid"  # a diagram rule's name when the compiled diagram breaks it

    def text(self) -> str:
        """The message with its place: "row 3 (Periksa), keputusan.syarat: ..." (a Message, translated where shown)."""
        if self.nomor is not None and self.key:
            return N_("row {nomor} ({row}), {key}: {problem}", nomor=self.nomor, row=self.row, key=self.key,
                      problem=self.message)
        if self.nomor is not None:
            return N_("row {nomor} ({row}): {problem}", nomor=self.nomor, row=self.row, problem=self.message)
        if self.key:
            return N_("{key}: {problem}", key=self.key, problem=self.message)
        return self.message


def row_ids(doc: Any) -> list[str]:
    """Each entry's id as the reader gives it (its own, else Langkah_N or Bersamaan_N)."""
    entries = doc.get("langkah") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        return []
    out = []
    for i, entry in enumerate(entries):
        own = entry.get("id") if isinstance(entry, dict) else None
        default = f"Bersamaan_{i + 1}" if isinstance(entry, dict) and "bersamaan" in entry else f"Langkah_{i + 1}"
        out.append(str(own) if own else default)
    return out


def located(line: int, message: str, path: Path_, ids: list[str], severity: str = ERROR) -> TableProblem:
    """A problem at a document path: the row and key when the path is inside langkah."""
    if len(path) >= 2 and path[0] == "langkah" and isinstance(path[1], int) and path[1] < len(ids):
        return TableProblem(line, message, path[1] + 1, ids[path[1]], dotted(path[2:]) or None, severity)
    return TableProblem(line, message, None, None, dotted(path) or None, severity)


def at_line(line: int, message: str, lines: dict[Path_, int], ids: list[str], severity: str = ERROR) -> TableProblem:
    """A problem known only by its line: the deepest key written on that line tells the row and key."""
    paths = [p for p, n in lines.items() if n == line]
    row = next((p[:2] for p in paths if len(p) >= 2 and p[0] == "langkah" and lines.get(p[:2]) == line), None)
    keys = [p for p in paths if len(p) > 2]
    path = row if row is not None else min(keys, key=len) if keys else max(paths, key=len, default=())
    return located(line, message, path, ids, severity)


def dotted(path: Path_) -> str:
    """A path as the author reads it: keputusan.ya, bersamaan[2].waktu (lists counted from 1)."""
    out = ""
    for part in path:
        out += f"[{part + 1}]" if isinstance(part, int) else (("." if out else "") + str(part))
    return out


def did_you_mean(key: str, known: list[str] | set[str]) -> str | None:
    """The known key a misspelt one is closest to, if any is close."""
    found = difflib.get_close_matches(key.casefold(), sorted(known), n=1, cutoff=0.7)
    return found[0] if found else None


def unknown_key_words(key: str, value: Any, known: set[str]) -> str:
    """What an unknown key is: a misspelling (with the key meant), text split at an unquoted comma, or unknown."""
    close = did_you_mean(key, known)
    if close:
        return N_("unknown key '{key}'; did you mean '{close}'?", key=key, close=close)
    if value is None:
        return N_("'{key}' is read as a key of its own because an unquoted comma inside {{ }} ends the text "
                  "before it; put the whole text in quotes (\"..., {key}\") or write the entry on its own lines",
                  key=key)
    return N_("unknown key '{key}'; the keys here are {known}", key=key, known=", ".join(sorted(known)))


def schema_words(error: Any) -> list[tuple[Path_, str]]:
    """A JSON Schema error of the table as sentences, each at the path it is about."""
    path: Path_ = tuple(error.absolute_path)
    validator = error.validator
    if validator == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        return [((*path, key), unknown_key_words(str(key), error.instance[key], known))
                for key in sorted(k for k in error.instance if k not in known)]
    if validator in ("oneOf", "anyOf"):
        fitting = [e for e in error.context or () if e.validator != "type"]
        if fitting and isinstance(error.instance, dict | list):
            return [w for e in fitting for w in schema_words(e)]
        return [(path, N_("this is {found}; write {wanted}", found=_kind_of(error.instance),
                          wanted=_wanted(error.schema)))]
    if validator == "type":
        return [(path, N_("this is {found}; write {wanted}", found=_kind_of(error.instance),
                          wanted=_wanted(error.schema)))]
    if validator == "required":
        missing = [k for k in error.validator_value if not isinstance(error.instance, dict) or k not in error.instance]
        return [(path, N_("'{key}' is missing; add it", key=", ".join(missing)))]
    if validator in ("minLength", "minItems", "minProperties"):
        return [(path, N_("this is empty; write something or remove the key"))]
    if validator == "minimum":
        return [(path, N_("{value} is too small; the least is {least}", value=error.instance,
                          least=error.validator_value))]
    if validator == "pattern":
        return [(path, N_("'{value}' is not an identifier; use letters, digits and _ only, not starting with a "
                          "digit (for example DraftSurat)", value=error.instance))]
    if validator == "enum":
        choices = list(dict.fromkeys(str(v).lower() for v in error.validator_value if not isinstance(v, bool)))
        return [(path, N_("'{value}' is not one of {choices}; write one of them", value=str(error.instance)[:60],
                          choices=" / ".join(choices)))]
    return [(path, N_("this value does not fit here ({value}); see the table's format",
                      value=str(error.instance)[:60]))]


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return _TYPE_WORDS["boolean"]
    if isinstance(value, int):
        return _TYPE_WORDS["integer"]
    if isinstance(value, float):
        return _TYPE_WORDS["number"]
    if isinstance(value, str):
        return _TYPE_WORDS["string"]
    if isinstance(value, list):
        return _TYPE_WORDS["array"]
    if isinstance(value, dict):
        return _TYPE_WORDS["object"]
    return _TYPE_WORDS["null"]


def _wanted(schema: Any) -> str:
    kinds: list[str] = []
    for option in [schema, *(schema.get("oneOf") or []), *(schema.get("anyOf") or [])] if isinstance(schema, dict) \
            else []:
        if "$ref" in option and option["$ref"].endswith("/tujuan"):
            kinds += ["integer", "string"]
        found = option.get("type")
        kinds += found if isinstance(found, list) else [found] if found else []
    words = [_TYPE_WORDS[k] for k in dict.fromkeys(kinds) if k in _TYPE_WORDS]
    if not words:
        return N_("another value")
    said = words[0]
    for word in words[1:]:  # each part stays a Message, so each is translated
        said = N_("{first} or {second}", first=said, second=word)
    return said


def without_errors(doc: dict[str, Any], paths: list[Path_]) -> tuple[dict[str, Any] | None, bool]:
    """The document with every key the schema refused taken out, so its meaning can still be read; None when the
    table's frame (sop, pelaksana, langkah) is itself wrong. The flag says whether a key of the flow was taken."""
    clean = copy.deepcopy(doc)
    flow = False
    for path in sorted(paths, key=len, reverse=True):
        if len(path) <= 1 or (len(path) == 2 and path[0] == "langkah"):
            if len(path) == 2 and isinstance(clean.get("langkah"), list) and isinstance(path[1], int):
                return None, True  # a row that is no mapping at all
            if not path or path[0] in ("sop", "pelaksana", "langkah"):
                return None, True
            clean.pop(str(path[0]), None)
            continue
        parent: Any = clean
        for part in path[:-1]:
            try:
                parent = parent[part]
            except (KeyError, IndexError, TypeError):
                parent = None
                break
        if path[0] == "sop":
            return None, True  # the process id and name are read before anything else
        if isinstance(parent, dict) and path[-1] in parent:
            del parent[path[-1]]
            flow = flow or bool(set(map(str, path[2:])) & FLOW_KEYS)
            if len(path) >= 2 and path[-2] in ("keputusan", "periksa"):  # read whole or not at all
                _drop(clean, path[:-1])
        elif isinstance(parent, list):
            return None, True
    return clean, flow


def _drop(doc: Any, path: Path_) -> None:
    parent: Any = doc
    for part in path[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return
    if isinstance(parent, dict):
        parent.pop(path[-1], None)


def numbering_warning(doc: dict[str, Any], lines: dict[Path_, int], ids: list[str]) -> TableProblem | None:
    """A warning when a row's written number is not its place (1, 2, 3... in order); rows without one are fine."""
    entries = doc.get("langkah") or []
    written = [_written(entry) for entry in entries]
    wrong = [i for i, n in enumerate(written) if n is not None and n != i + 1]
    if not wrong:
        return None
    first = wrong[0]
    shown = ", ".join("-" if n is None else str(n) for n in written)
    return located(lines.get(("langkah", first, "nomor"), lines.get(("langkah", first), 1)),
                   N_("the rows are numbered {written}, not 1 to {count} in order; a jump by number goes to the row "
                      "that carries that number. Renumber them (compile with --renumber rewrites the numbers and "
                      "every jump by number so each still goes to the same step), or leave nomor out",
                      written=shown, count=len(entries)),
                   ("langkah", first, "nomor"), ids, WARNING)._replace(rule="table-numbering")


def _written(entry: Any) -> int | None:
    nomor = entry.get("nomor") if isinstance(entry, dict) else None
    return nomor if isinstance(nomor, int) and not isinstance(nomor, bool) else None


def labels_of(entries: list[Any]) -> dict[int, list[int]]:
    """Each row number a jump may name and the positions (0-based) of the rows carrying it: the written numbers
    when the table writes any (a row without one is then reached by its id), else the rows' places."""
    written = [_written(entry) for entry in entries]
    numbered = any(n is not None for n in written)
    out: dict[int, list[int]] = {}
    for i, n in enumerate(written):
        label = n if numbered else i + 1
        if label is not None:
            out.setdefault(label, []).append(i)
    return out


def renumbered_text(text: str, doc: dict[str, Any], lines: dict[Path_, int]) -> str:
    """The table's text with the rows numbered 1, 2, 3... in order and every jump by number rewritten to the new
    number of the row it went to; comments, quoting and layout are kept. Unchanged when already in order."""
    entries = doc.get("langkah") or []
    labels = labels_of(entries)
    edits: list[tuple[int, str, int, int]] = []  # (line, key, old, new)
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("nomor"), int) and entry["nomor"] != i + 1:
            edits.append((lines[("langkah", i, "nomor")], "nomor", entry["nomor"], i + 1))
        jumps: list[tuple[Path_, Any]] = [(("langkah", i, "lanjut"), entry.get("lanjut"))]
        decision = entry.get("keputusan")
        if isinstance(decision, dict):
            jumps += [(("langkah", i, "keputusan", key), decision.get(key)) for key in ("ya", "tidak")]
        for path, value in jumps:
            if isinstance(value, int) and not isinstance(value, bool) and len(labels.get(value, [])) == 1:
                target = labels[value][0] + 1
                if target != value:
                    edits.append((lines[path], str(path[-1]), value, target))
    out = text.split("\n")
    for line, key, old, new in edits:
        pattern = re.compile(rf"(?<![\w-])({key}\s*:\s*){old}(?!\d)")
        out[line - 1] = pattern.sub(rf"\g<1>{new}", out[line - 1], count=1)
    return "\n".join(out)
