"""Rewrite errors and `N_` fragments from f-strings to templates with named values, and migrate the catalog.

    python tools/errors_codemod.py FILE... [--po PATH] [--dry-run]

In each FILE, every call `SomeError(f"...")` (an EngineError class: defined in engine/, or in FILE, and imported
from engine) and every `N_(f"...")` gets a str.format template and keyword values instead of its f-string:

    raise NotFoundError(f"No instance {instance} in store '{self.db}'; ...")
    ->  raise NoInstanceError("No instance {instance} in store '{db}'; ...", instance=instance, db=self.db)

- Placeholder names come from the expressions: a name keeps its name (`SCHEMA_VERSION` -> `schema_version`);
  an attribute its last part with `self.` dropped (`self.db` -> `db`, `last.task` -> `task`), or with its owner
  when the part says little (`node.id` -> `node_id`); `len(x)` -> `x_count`; `', '.join(sorted(x))`, `str(x)`,
  `x[:12]`, `x or 'none'` -> the name of x; `_where(path)` -> `where`; anything else `value1`, `value2`...
  IDIOMS maps the house's own idioms (`row.id` is an instance number). A name is never one of EngineError's
  own attributes (RESERVED, for an error) nor a keyword the call already has; two expressions never share a
  name. The same expression twice is one value. Conversions and format specs stay: `{x!r}`, `{n:,}`.
- The template keeps the f-string's pieces and lines (each piece becomes a plain literal, braces doubled), and
  the values go after the call's last argument, on the same line when it fits in 120 columns, else on lines of
  their own aligned with the first argument.
- RETYPE switches a refusal callers tell apart to its subclass (`NotFoundError("No instance {instance}...")` ->
  NoInstanceError), adding the class to the import that brought the old one (and dropping the old one when the
  file no longer uses it).
- The catalog (engine/locale/id/LC_MESSAGES/sop.po, or --po): for each rewritten f-string whose old entry (its
  msgid as tools/i18n_extract.py wrote it, `{self.db}` and all) has a translation, an entry for the new template
  is added with the translation's placeholders renamed the same way (literal braces doubled). Old entries stay,
  since other files may still print them: run `make i18n` afterwards, which drops the entries no code gives any
  more and compiles the .mo.

What it leaves, saying where (stderr): a text built by an expression (`f"..." + x`, `f"...".strip()`), a format
spec with values in it, a file that does not parse. It is idempotent (a template is no f-string) and works on any
subset of files. `N_` must take values where it is called: engine.common.i18n.N_ does; a module with its own N_
(runner/words.py, web/words.py) must return engine's `N_(template, **fields)` before its files are rewritten
(the tool warns when a file's N_ does not come from the engine).
"""

from __future__ import annotations

import argparse
import ast
import io
import keyword
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "engine" / "locale" / "id" / "LC_MESSAGES" / "sop.po"
WIDTH = 120

# Names a value may not take: EngineError's own attributes and parameters, Exception's, Message's.
RESERVED = {"args", "problems", "message", "template", "fields", "with_traceback", "add_note", "findings",
            "process_ids", "result", "table_problems", "self"}
# Attribute parts too vague alone: they keep their owner (`node.id` -> `node_id`).
VAGUE = {"id", "name", "message", "value", "type", "text", "data", "key", "kind", "line"}
# The house's idioms: an expression whose meaning its words do not say.
IDIOMS = {"row.id": "instance", "target.id": "task_uuid"}
# Calls that only dress a value: the value's name is theirs.
DRESSING = {"join", "sorted", "str", "repr", "list", "tuple", "set", "first_line", "lower", "upper", "strip",
            "shown", "dumps", "abs", "int", "float", "round", "reversed"}
# Refusals callers tell apart: (class, template pattern, subclass).
RETYPE = [
    ("NotFoundError", r"No instance \{instance\} in store", "NoInstanceError"),
    ("NotFoundError", r"No process '", "NoProcessError"),
    ("NotFoundError", r"Process \{[a-z_]+\} has no (task|step) '", "NoTaskError"),
    ("TaskStateError", r"Task '\{[a-z_]+\}' of instance \{[a-z_]+\} is not ready yet", "NoReadyTaskError"),
    ("TaskStateError", r"Instance \{[a-z_]+\} is \{status\}; it(s tasks cannot be completed| has no ready task)",
     "InstanceNotRunningError"),
    ("TaskStateError", r"Task '\{[a-z_]+\}' of instance \{[a-z_]+\} was already completed", "CompletedMeanwhileError"),
    ("TaskStateError", r"\{what\} is claimed by ", "ClaimedByOtherError"),
    ("RoleError", r"\{what\} is in lane '\{lane\}'", "WrongLaneError"),
    ("RoleError", r"\{[a-z_]+\} \(\{[a-z_]+\}\) may not start process ", "WrongLaneError"),
    ("RoleError", r"'\{login\}' is not in \{", "NotInRolesError"),
    ("RoleError", r"'\{operator\}' may not act on behalf of ", "NotOperatorError"),
]


@dataclass
class Rename:
    """One rewritten f-string: its old catalog id, its new template, and how placeholders were renamed."""

    old: str
    new: str
    placeholders: list[tuple[str, str]]  # (old `{self.db}`, new `{db}`) in the f-string's order


@dataclass
class Outcome:
    """What rewriting one file did."""

    source: str
    converted: int = 0
    retyped: int = 0
    renames: list[Rename] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def error_classes(root: Path = ROOT / "engine") -> set[str]:
    """The names of EngineError and every class below it defined in the engine."""
    bases: dict[str, set[str]] = {}
    for tree in (_parsed(p) for p in sorted(root.rglob("*.py"))):
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(_callee(b) for b in node.bases)
    known = {"EngineError"}
    while True:
        more = {name for name, parents in bases.items() if parents & known} - known
        if not more:
            return known
        known |= more


def _subclasses(tree: ast.Module, known: set[str]) -> set[str]:
    """The classes a module defines below the known errors."""
    found = set(known)
    classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    while True:
        more = {c.name for c in classes if {_callee(b) for b in c.bases} & found} - found
        if not more:
            return found - known
        found |= more


def _parsed(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError):
        return None


def _callee(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


# ---------------------------------------------------------------------------------------------------- names


def _words(expr: ast.expr) -> str | None:
    """A readable name for an expression, or None."""
    if isinstance(expr, ast.Name):
        return expr.id.lower() if expr.id.isupper() else expr.id
    if isinstance(expr, ast.Attribute):
        text = ast.unparse(expr)
        if text in IDIOMS:
            return IDIOMS[text]
        if expr.attr == "__name__" and isinstance(expr.value, ast.Call) and _callee(expr.value.func) == "type":
            inner = _words(expr.value.args[0]) if expr.value.args else None
            return f"{inner}_type" if inner else "type_name"
        owner = expr.value
        if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
            return expr.attr
        if expr.attr in VAGUE:
            base = _words(owner)
            return f"{base}_{expr.attr}" if base else expr.attr
        return expr.attr
    if isinstance(expr, ast.Subscript):
        key = expr.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value.isidentifier():
            return key.value
        return _words(expr.value)
    if isinstance(expr, ast.BoolOp):
        return _words(expr.values[0])
    if isinstance(expr, ast.Call):
        name = _callee(expr.func)
        if name == "len" and expr.args:
            inner = _words(expr.args[0])
            return f"{inner}_count" if inner else "count"
        if name in DRESSING:
            if expr.args:
                return _words(expr.args[0])
            if isinstance(expr.func, ast.Attribute):
                return _words(expr.func.value)
            return None
        if name == "get" and expr.args and isinstance(expr.args[0], ast.Constant):
            key = expr.args[0].value
            return key if isinstance(key, str) and key.isidentifier() else None
        if name and name not in ("getattr", "ord", "chr", "format", "get"):
            return name.lstrip("_") or None
    return None


def _owner(expr: ast.expr) -> str | None:
    """The name of what an attribute belongs to, under any dressing (`target.version[:12]` -> `target`)."""
    while True:
        if isinstance(expr, ast.Subscript):
            expr = expr.value
        elif isinstance(expr, ast.BoolOp):
            expr = expr.values[0]
        elif isinstance(expr, ast.Call) and _callee(expr.func) in DRESSING and expr.args:
            expr = expr.args[0]
        elif isinstance(expr, ast.Call) and _callee(expr.func) == "get" and isinstance(expr.func, ast.Attribute):
            expr = expr.func.value
        else:
            break
    if isinstance(expr, ast.Attribute):
        owner = _words(expr.value) if not (isinstance(expr.value, ast.Name) and expr.value.id in ("self", "cls")) \
            else None
        return owner
    return None


class Names:
    """The placeholder names of one call: one per distinct expression, none reserved or taken twice."""

    def __init__(self, taken: set[str], reserved: set[str]) -> None:
        self.by_expression: dict[str, str] = {}
        self.reserved = reserved
        self.taken = set(taken) | reserved
        self.counter = 0

    def of(self, expr: ast.expr) -> str:
        text = ast.unparse(expr)
        if text in self.by_expression:
            return self.by_expression[text]
        name = self._fit(_words(expr), expr)
        self.by_expression[text] = name
        self.taken.add(name)
        return name

    def _fit(self, name: str | None, expr: ast.expr) -> str:
        if name is not None:
            name = re.sub(r"\W", "_", name).strip("_").lower() if not name.isidentifier() else name.lstrip("_")
        base = _owner(expr)
        if name and (name in self.reserved or keyword.iskeyword(name)):
            name = f"{base}_{name}" if base and f"{base}_{name}".isidentifier() else f"{name}_value"
        if name and name.isidentifier() and name not in self.taken:
            return name
        if name and name.isidentifier():
            if base and f"{base}_{name}" not in self.taken and f"{base}_{name}".isidentifier():
                return f"{base}_{name}"
            for n in range(2, 100):
                if f"{name}{n}" not in self.taken:
                    return f"{name}{n}"
        while True:
            self.counter += 1
            if f"value{self.counter}" not in self.taken:
                return f"value{self.counter}"


# ---------------------------------------------------------------------------------------------------- pieces


@dataclass
class Piece:
    """One string literal of an (implicitly concatenated) f-string: where it is and what it holds."""

    start: int
    end: int
    node: ast.expr  # Constant or JoinedStr
    quote: str


_PREFIX = re.compile(r"[rRbBuUfF]{0,2}")


def _pieces(text: str, start: int, end: int) -> list[Piece] | None:
    """The literals between start and end (whitespace, comments and line continuations between them)."""
    out: list[Piece] = []
    i = start
    while i < end:
        ch = text[i]
        if ch in " \t\r\n\f":
            i += 1
            continue
        if ch == "\\" and text[i + 1:i + 2] == "\n":
            i += 2
            continue
        if ch == "#":
            i = text.index("\n", i) if "\n" in text[i:end] else end
            continue
        prefix = _PREFIX.match(text, i)
        j = prefix.end() if prefix else i
        quote = text[j:j + 3] if text[j:j + 3] in ('"""', "'''") else text[j:j + 1]
        if quote not in ('"', "'", '"""', "'''"):
            return None
        found = _literal_end(text, i, j + len(quote), quote, end)
        if found is None:
            return None
        literal, stop = found
        out.append(Piece(i, stop, literal, quote[0]))
        i = stop
    return out


def _literal_end(text: str, begin: int, i: int, quote: str, end: int) -> tuple[ast.expr, int] | None:
    """The literal starting at begin: the first closing quote after which the text parses as one literal."""
    while i < end:
        k = text.find(quote, i)
        if k < 0 or k + len(quote) > end:
            return None
        backslashes = 0
        while text[k - 1 - backslashes] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            try:
                node = ast.parse(text[begin:k + len(quote)], mode="eval").body
            except SyntaxError:
                node = None
            if isinstance(node, ast.Constant | ast.JoinedStr):
                return node, k + len(quote)
        i = k + 1
    return None


def _literal(value: str, text: str, piece: Piece) -> str:
    """A string literal for a piece's new text, split at spaces onto lines aligned with it when it would pass
    WIDTH (what follows the piece on its line counted)."""
    line_start = text.rfind("\n", 0, piece.start) + 1
    column = piece.start - line_start
    line_end = text.find("\n", piece.end)
    tail = len(text[piece.end:len(text) if line_end < 0 else line_end])
    quote = _quote(value)
    chunks: list[str] = []
    rest = value
    while True:
        whole = f"{quote}{_escaped(rest, quote)}{quote}"
        cut = None if column + len(whole) + tail <= WIDTH else _cut(rest, quote, WIDTH - column - 2)
        if cut is None:
            chunks.append(whole)
            return ("\n" + " " * column).join(chunks)
        chunks.append(f"{quote}{_escaped(rest[:cut], quote)}{quote}")
        rest = rest[cut:]


def _cut(value: str, quote: str, room: int) -> int | None:
    """Where to split a template so its first part (escaped) fits in room: after a space, outside placeholders."""
    inside = set()
    for found in re.finditer(r"(?<!\{)\{[^{}]*\}", value):
        inside.update(range(found.start() + 1, found.end()))
    best = None
    for i in range(1, len(value)):
        if value[i - 1] == " " and i not in inside and len(_escaped(value[:i], quote)) <= room:
            best = i
    return best


def _quote(text: str) -> str:
    """Double quotes, as the house writes them, unless the text holds one and no single quote."""
    return "'" if '"' in text and "'" not in text else '"'


def _escaped(value: str, quote: str) -> str:
    out = value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    out = "".join(c if c.isprintable() or c == " " else f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}"
                  for c in out)
    return out.replace(quote, "\\" + quote)


def _spec(node: ast.FormattedValue) -> str | None:
    """`!r:,` for a field (None when the format spec holds values of its own)."""
    text = {-1: "", 115: "!s", 114: "!r", 97: "!a"}[node.conversion]
    if node.format_spec is not None:
        parts = node.format_spec.values if isinstance(node.format_spec, ast.JoinedStr) else [node.format_spec]
        if not all(isinstance(p, ast.Constant) for p in parts):
            return None
        text += ":" + "".join(str(p.value) for p in parts if isinstance(p, ast.Constant))
    return text


def _old_placeholder(part: ast.FormattedValue, source: str) -> str:
    """A field as tools/i18n_extract.py writes it in the catalog: `{expression}`, as in the source."""
    expression = ast.get_source_segment(source, part.value) or "value"
    return "{" + " ".join(expression.split()).replace("{", "(").replace("}", ")") + "}"


# ---------------------------------------------------------------------------------------------------- rewrite


@dataclass
class Site:
    call: ast.Call
    kind: str  # "N_" or the error class's name


def _sites(tree: ast.Module, errors: set[str]) -> list[Site]:
    bound = _imports(tree)
    local = {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _callee(node.func)
        if name == "N_" and isinstance(node.func, ast.Name):
            out.append(Site(node, "N_"))
        elif name in errors and (name in local or bound.get(name, "").startswith(("engine", "."))):
            out.append(Site(node, name))
    return out


def _imports(tree: ast.Module) -> dict[str, str]:
    """Each imported name and the module it comes from (`.` first for a relative import)."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                out[alias.asname or alias.name] = "." * node.level + (node.module or "")
    return out


class Offsets:
    """Character offsets in a text from the AST's positions (lines from 1, columns in UTF-8 bytes)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def column(self, lineno: int, col: int) -> int:
        """The column in characters."""
        line = self.lines[lineno - 1] if lineno <= len(self.lines) else ""
        return len(line.encode("utf-8")[:col].decode("utf-8", "ignore"))

    def __call__(self, lineno: int | None, col: int | None) -> int:
        return self.starts[(lineno or 1) - 1] + self.column(lineno or 1, col or 0)


def rewrite(source: str, errors: set[str], where: str = "<source>") -> Outcome:
    """The file with its f-string errors and fragments rewritten (see the module's docstring)."""
    outcome = Outcome(source)
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        outcome.notes.append(f"{where}: not rewritten, it does not parse ({exc.msg}, line {exc.lineno})")
        return outcome
    errors = errors | _subclasses(tree, errors)
    fragments = [s for s in _sites(tree, errors)
                 if s.kind == "N_" and s.call.args and isinstance(s.call.args[0], ast.JoinedStr)]
    if fragments and _imports(tree).get("N_", "engine") not in ("engine", "engine.common.i18n"):
        outcome.notes.append(f"{where}: its N_ comes from {_imports(tree)['N_']}: it must take values "
                             "(return engine's N_(template, **fields)) before this file runs")
    cursor = len(source) + 1
    added: dict[str, str] = {}  # new class -> old class
    while True:
        tree = ast.parse(outcome.source)
        starts = Offsets(outcome.source)
        candidates = [(starts(s.call.lineno, s.call.col_offset), s) for s in _sites(tree, errors)]
        candidates = [c for c in candidates if c[0] < cursor]
        if not candidates:
            break
        cursor, site = max(candidates, key=lambda c: c[0])
        _one(outcome, site, starts, where, added)
    if added:
        _fix_imports(outcome, added)
    return outcome


def _one(outcome: Outcome, site: Site, starts: Offsets, where: str, added: dict[str, str]) -> None:
    """Rewrite one call (and switch its class when RETYPE says so)."""
    call, text = site.call, outcome.source
    if not call.args:
        return
    first = call.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        _retype(outcome, site, first.value, starts, added)
        return
    if not isinstance(first, ast.JoinedStr):
        if any(isinstance(n, ast.JoinedStr) for n in ast.walk(first)):
            outcome.notes.append(f"{where}:{call.lineno}: left as it is: the text is built by an expression "
                                 f"({ast.unparse(first)[:60]}...); rewrite it by hand")
        return
    begin = starts(first.lineno, first.col_offset)
    stop = starts(first.end_lineno, first.end_col_offset)
    pieces = _pieces(text, begin, stop)
    if pieces is None:
        outcome.notes.append(f"{where}:{call.lineno}: left as it is: its literals could not be read")
        return
    names = Names({k.arg for k in call.keywords if k.arg}, RESERVED if site.kind != "N_" else set())
    values: dict[str, str] = {}
    placeholders: list[tuple[str, str]] = []
    old_fields = [v for v in first.values if isinstance(v, ast.FormattedValue)]
    for bare in old_fields:  # a bare name keeps its name: attributes that would take it get their owner's
        if isinstance(bare.value, ast.Name):
            names.of(bare.value)
    logical: list[str] = []  # each piece's text as it will be (a template, or the plain text when no field)
    for piece in pieces:
        parts = piece.node.values if isinstance(piece.node, ast.JoinedStr) else [piece.node]
        body = ""
        for part in parts:
            if isinstance(part, ast.Constant):
                body += str(part.value).replace("{", "{{").replace("}", "}}")
            elif isinstance(part, ast.FormattedValue):
                spec = _spec(part)
                if spec is None or "{" in spec:
                    outcome.notes.append(f"{where}:{call.lineno}: left as it is: a format spec with values")
                    return
                name = names.of(part.value)
                values[name] = ast.unparse(part.value)
                body += "{" + name + spec + "}"
                placeholders.append(("", "{" + name + spec + "}"))
            else:
                return
        logical.append(body)
    if len(placeholders) != len(old_fields):
        outcome.notes.append(f"{where}:{call.lineno}: left as it is: its fields could not be matched")
        return
    old_source = outcome.source
    placeholders = [(_old_placeholder(f, old_source), new) for f, (_, new) in zip(old_fields, placeholders,
                                                                                    strict=True)]
    if not values:  # an f-string without fields: the plain text
        logical = [_plain(p.node) for p in pieces]
    template = "".join(logical)
    rewritten = [_literal(body, text, piece) for body, piece in zip(logical, pieces, strict=True)]
    for piece, replacement in sorted(zip(pieces, rewritten, strict=True), key=lambda e: e[0].start, reverse=True):
        text = text[:piece.start] + replacement + text[piece.end:]
    fresh = _call_at(text, call.lineno, call.col_offset)
    if values and fresh is not None:
        at, inserted = _values_edit(text, fresh, values)
        text = text[:at] + inserted + text[at:]
    outcome.source = text
    outcome.converted += 1
    outcome.renames.append(Rename(_old_template(first, old_source), template, placeholders))
    if site.kind != "N_":
        fresh = _call_at(outcome.source, call.lineno, call.col_offset)
        if fresh is not None:
            _retype(outcome, Site(fresh, site.kind), template, Offsets(outcome.source), added)


def _plain(node: ast.expr) -> str:
    if isinstance(node, ast.Constant):
        return str(node.value)
    return "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))  # type: ignore[attr-defined]


def _old_template(node: ast.JoinedStr, source: str) -> str:
    """The f-string's catalog id as tools/i18n_extract.py writes it."""
    sys.path.insert(0, str(ROOT))
    try:
        from tools.i18n_extract import template
    finally:
        sys.path.remove(str(ROOT))
    return template(node, source)


def _call_at(source: str, lineno: int, col: int) -> ast.Call | None:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and node.lineno == lineno and node.col_offset == col:
            return node
    return None


def _values_edit(text: str, call: ast.Call, values: dict[str, str]) -> tuple[int, str]:
    """Where the keyword values go (after the call's last argument) and how: on its line when it fits, else on
    lines of their own aligned with the first argument."""
    starts = Offsets(text)
    last = max([*call.args, *call.keywords], key=lambda n: (n.end_lineno or 0, n.end_col_offset or 0))
    at = starts(last.end_lineno, last.end_col_offset)
    pairs = [f"{name}={expression}" for name, expression in values.items()]
    line_end = text.find("\n", at)
    before = text[text.rfind("\n", 0, at) + 1:at]
    after = text[at:len(text) if line_end < 0 else line_end]
    inline = ", " + ", ".join(pairs)
    if len(before) + len(inline) + len(after) <= WIDTH:
        return at, inline
    indent = " " * starts.column(call.args[0].lineno, call.args[0].col_offset)
    lines: list[str] = []
    current = ""
    for i, pair in enumerate(pairs):
        piece = pair + ("," if i < len(pairs) - 1 else "")
        tail = after if i == len(pairs) - 1 else ""
        if current and len(indent) + len(current) + 1 + len(piece) + len(tail) > WIDTH:
            lines.append(current)
            current = piece
        else:
            current = f"{current} {piece}" if current else piece
    lines.append(current)
    return at, ",\n" + "\n".join(indent + line for line in lines)


def _retype(outcome: Outcome, site: Site, template: str, starts: Offsets, added: dict[str, str]) -> None:
    """Switch the class of a refusal callers tell apart (RETYPE) and note the import it needs."""
    func = site.call.func
    if not isinstance(func, ast.Name):
        return
    for old, pattern, new in RETYPE:
        if func.id == old and re.match(pattern, template):
            begin = starts(func.lineno, func.col_offset)
            first = site.call.args[0]
            column = starts.column(first.lineno, first.col_offset) if first.lineno == func.lineno else -1
            text = outcome.source
            outcome.source = text[:begin] + new + text[begin + len(old):]
            outcome.retyped += 1
            added[new] = old
            _realign(outcome, site.call, column, len(new) - len(old))
            return


def _realign(outcome: Outcome, call: ast.Call, column: int, shift: int) -> None:
    """Lines of the call aligned under its first argument (at column, on the call's line) move with it when the
    class name changes length."""
    if shift == 0 or column < 0:
        return
    lines = outcome.source.split("\n")
    for index in range(call.lineno, (call.end_lineno or call.lineno)):
        line = lines[index]
        if len(line) - len(line.lstrip(" ")) == column:
            lines[index] = (" " * shift + line) if shift > 0 else line[-shift:]
    outcome.source = "\n".join(lines)


def _fix_imports(outcome: Outcome, added: dict[str, str]) -> None:
    """Add each new class to the import that brings its old one; drop an old one the file no longer uses."""
    tree = ast.parse(outcome.source)
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    statements = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    changes: list[tuple[ast.ImportFrom, list[str]]] = []
    for statement in statements:
        names = [a.name if a.asname is None else f"{a.name} as {a.asname}" for a in statement.names]
        plain = {a.name for a in statement.names if a.asname is None}
        wanted = list(names)
        for new, old in added.items():
            if old in plain and new not in plain:
                wanted.append(new)
        wanted = [n for n in wanted if " as " in n or n in used or n not in added.values()]
        if sorted(wanted) != sorted(names):
            changes.append((statement, sorted(set(wanted), key=_import_order)))
    starts = Offsets(outcome.source)
    text = outcome.source
    for statement, names in sorted(changes, key=lambda c: c[0].lineno, reverse=True):
        begin = starts(statement.lineno, statement.col_offset)
        end = starts(statement.end_lineno, statement.end_col_offset)
        head = f"from {'.' * statement.level}{statement.module or ''} import "
        one = head + ", ".join(names)
        indent = " " * statement.col_offset
        if len(indent) + len(one) <= WIDTH:
            replacement = one
        else:
            replacement = head + "(\n" + "".join(f"{indent}    {n},\n" for n in names) + indent + ")"
        text = text[:begin] + replacement + text[end:]
    outcome.source = text


def _import_order(name: str) -> tuple[int, str]:
    """isort's order by type: CONSTANTS, Classes, then the rest; case-insensitive within."""
    bare = name.split(" as ")[0]
    kind = 0 if bare.isupper() and len(bare) > 1 else 1 if bare[:1].isupper() else 2
    return kind, bare.lower()


# ---------------------------------------------------------------------------------------------------- catalog


def migrated(msgstr: str, rename: Rename) -> str:
    """A translation of the old entry with its placeholders renamed as the template's (literal braces doubled)."""
    queues: dict[str, list[str]] = {}
    for old, new in rename.placeholders:
        queues.setdefault(old, []).append(new)
    if not queues:
        return msgstr.replace("{", "{{").replace("}", "}}") if "{{" in rename.new else msgstr
    pattern = re.compile("|".join(re.escape(k) for k in sorted(queues, key=len, reverse=True)))
    out, position = [], 0
    for found in pattern.finditer(msgstr):
        out.append(msgstr[position:found.start()].replace("{", "{{").replace("}", "}}"))
        queue = queues[found.group()]
        out.append(queue.pop(0) if len(queue) > 1 else queue[0])
        position = found.end()
    out.append(msgstr[position:].replace("{", "{{").replace("}", "}}"))
    return "".join(out)


def migrate_po(path: Path, renames: list[Rename], dry_run: bool = False) -> int:
    """Add the new templates' entries to a .po, translated from the old entries; the number added."""
    from babel.messages.catalog import Message
    from babel.messages.pofile import read_po, write_po

    with path.open("rb") as file:
        catalog = read_po(file)
    added = 0
    for rename in renames:
        old = catalog.get(rename.old)
        if old is None or not old.string or rename.new == rename.old or catalog.get(rename.new) is not None:
            continue
        catalog[rename.new] = Message(rename.new, migrated(str(old.string), rename), flags=set(old.flags))
        added += 1
    if added and not dry_run:
        out = io.BytesIO()
        write_po(out, catalog, width=76)
        path.write_bytes(out.getvalue())
    return added


# ---------------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("files", nargs="+", type=Path, help="Python files (or folders of them) to rewrite")
    parser.add_argument("--po", type=Path, default=PO, help="the catalog to migrate (default: Indonesian)")
    parser.add_argument("--dry-run", action="store_true", help="say what would change; write nothing")
    options = parser.parse_args(argv)
    errors = error_classes()
    renames: list[Rename] = []
    converted = retyped = 0
    for path in _all(options.files):
        source = path.read_text(encoding="utf-8")
        outcome = rewrite(source, errors, str(path))
        for note in outcome.notes:
            print(note, file=sys.stderr)
        if outcome.source != source:
            print(f"{path}: {outcome.converted} rewritten, {outcome.retyped} retyped")
            if not options.dry_run:
                path.write_text(outcome.source, encoding="utf-8")
        converted += outcome.converted
        retyped += outcome.retyped
        renames.extend(outcome.renames)
    added = migrate_po(options.po, renames, options.dry_run) if options.po.exists() and renames else 0
    print(f"{converted} call(s) rewritten, {retyped} retyped, {added} catalog entr(ies) added to {options.po.name}"
          + ("; run `make i18n` next" if added else ""))
    return 0


def _all(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


if __name__ == "__main__":
    raise SystemExit(main())
