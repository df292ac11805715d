"""Another modeler's gateway conditions (JUEL `${approved == true}`, FEEL-ish `approved = true`) in sop's condition
language: comparisons, and/or/not, literals and names; a bare name read as a field of the step that writes it."""

from __future__ import annotations

import ast
import json
import re
from typing import NamedTuple

_WRAPPED = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.DOTALL)
_FEEL_WRAPPED = re.compile(r"^\s*=\s*(.*)$", re.DOTALL)  # Camunda 8 writes a FEEL expression as `= a > 1`
# JUEL's word operators and JavaScript-like symbols, in Python spelling (strings are left as they are).
_WORDS = {"eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=", "and": "and", "or": "or",
          "not": "not", "true": "True", "false": "False", "null": "None"}
_TOKEN = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(&&|\|\||!=|!|==|<=|>=|=|<|>)|([A-Za-z_][A-Za-z0-9_]*)""")
_SYMBOLS = {"&&": " and ", "||": " or ", "!": " not ", "=": "=="}
_LITERAL_TYPES = {bool: "boolean", int: "number", float: "number", str: "string"}


class TranslatedCondition(NamedTuple):
    """A condition in sop's language, the names it reads (each with the JSON type it implies), or why not."""

    text: str | None
    names: dict[str, str]
    reason: str | None


def _python_spelling(body: str) -> str:
    """JUEL/FEEL operators and literals written as Python's; quoted strings kept."""

    def one(found: re.Match[str]) -> str:
        quoted, symbol, word = found.groups()
        if quoted is not None:
            return quoted
        if symbol is not None:
            return _SYMBOLS.get(symbol, symbol)
        return _WORDS.get(word, word)

    return _TOKEN.sub(one, body)


def _unwrapped(text: str) -> str:
    found = _WRAPPED.match(text) or _FEEL_WRAPPED.match(text)
    text = found.group(1) if found else text
    found = _RETURN.match(text)  # jBPM's Java/MVEL `return x == "First";`
    return found.group(1) if found else text


_RETURN = re.compile(r"^\s*return\s+(.*?);?\s*$", re.DOTALL)


def _implied(node: ast.expr, parent: ast.AST | None) -> str:
    """The JSON type a name's use implies: compared with a literal, that literal's type (a text: the choice of the
    texts it is compared with, `enum:["a"]`); else a yes/no."""
    if isinstance(parent, ast.Compare):
        for other in (parent.left, *parent.comparators):
            if isinstance(other, ast.Name) and other.id in ("true", "false", "True", "False"):
                return "boolean"
            if isinstance(other, ast.Constant) and other.value is not None and other is not node:
                kind = _LITERAL_TYPES.get(type(other.value), "string")
                return "enum:" + json.dumps([other.value]) if kind == "string" else kind
        return "string"
    return "boolean"


def merged_type(old: str | None, new: str) -> str:
    """Two uses of one name: choices joined (`enum:["a"]` and `enum:["b"]` -> `enum:["a", "b"]`), else the first."""
    if old and old.startswith("enum:") and new.startswith("enum:"):
        values = json.loads(old[5:])
        values += [v for v in json.loads(new[5:]) if v not in values]
        return "enum:" + json.dumps(values, ensure_ascii=False)
    return old or new


class _Reader(ast.NodeVisitor):
    """Collects the names a condition reads and refuses what is more than comparisons, and/or/not and literals."""

    allowed = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.Compare, ast.Eq,
               ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Constant, ast.Name, ast.Load)

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.refused: str | None = None
        self._parent: list[ast.AST | None] = [None]

    def generic_visit(self, node: ast.AST) -> None:
        if not isinstance(node, self.allowed):
            self.refused = self.refused or type(node).__name__
            return
        if isinstance(node, ast.Name) and node.id not in ("True", "False", "None"):
            self.names.setdefault(node.id, _implied(node, self._parent[-1]))
        self._parent.append(node)
        super().generic_visit(node)
        self._parent.pop()


class _Qualify(ast.NodeTransformer):
    """Each bare name made `Step["name"]`."""

    def __init__(self, step_of: dict[str, str]) -> None:
        self.step_of = step_of

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.step_of:
            return ast.Subscript(value=ast.Name(id=self.step_of[node.id], ctx=ast.Load()),
                                 slice=ast.Constant(value=node.id), ctx=ast.Load())
        return node


def read_condition(text: str) -> TranslatedCondition:
    """The condition's Python spelling parsed: the names it reads and their implied types (no step yet)."""
    body = _python_spelling(" ".join(_unwrapped(text).split()))
    try:
        tree = ast.parse(body.strip(), mode="eval")
    except SyntaxError:
        return TranslatedCondition(None, {}, "syntax")
    reader = _Reader()
    reader.visit(tree)
    if reader.refused:
        return TranslatedCondition(None, {}, reader.refused)
    return TranslatedCondition(ast.unparse(tree), reader.names, None)


def qualified(text: str, step_of: dict[str, str]) -> str:
    """A read condition with each bare name it reads as the field of its step (`approved` -> `Review["approved"]`)."""
    tree = _Qualify(step_of).visit(ast.parse(text, mode="eval"))
    out = ast.unparse(tree)
    return out.replace("'", '"') if '"' not in out else out


def is_sop_condition(text: str, step_ids: set[str]) -> bool:
    """Whether a condition already reads only steps' fields (`Step["field"]`), as sop's conditions do."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return False
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - {"True", "False", "None", "true", "false",
                                                                          "null"}
    return names <= step_ids


def step_fields(text: str) -> dict[str, dict[str, str]]:
    """The fields an sop condition reads (`Step["field"]`), by step, each with the JSON type its use implies."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return {}
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: dict[str, dict[str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and \
                isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
            fields = found.setdefault(node.value.id, {})
            fields[node.slice.value] = merged_type(fields.get(node.slice.value), _implied(node, parents.get(node)))
    return found
