"""Babel extractor for sop: every message people read, as a catalog entry.

Found: the text arguments of errors (`...Error(...)`), of `N_`, `message`, `say`, `click.echo`, lint findings
and click's `help=`; table headers; and the docstrings of click commands (their help). An error or a fragment
written as a template with its values, `NoInstanceError("No instance {instance} in store '{db}'; ...",
instance=n, db=path)` or `N_("{count} rows", count=n)`, gives its template: the entry
`engine.common.i18n.translate` looks up for it. A text still written as an f-string,
`f"No instance {instance} in store '{self.db}'"`, gives `No instance {instance} in store '{self.db}'` (its
fields as in the source), which `translate` matches against the printed text (tools/errors_codemod.py turns
those into templates). The web pages' Jinja templates give their words as `_("My tasks")` or
`_("Instance {number}", number=...)`: `extract_templates` finds those.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from typing import IO, Any

# Calls whose text arguments are messages for people.
CALLS = {"message", "say", "echo", "_refuse", "Finding", "UsageError", "BadParameter", "ClickException", "N_", "_",
         "translate", "fixed_text", "add", "finding", "warn_at", "error_at",
         "table", "_aligned", "warn", "note", "fail", "refuse_with", "problem"}
SKIP_KEYWORDS = {"param_hint", "err", "nl", "fg", "file"}


def extract(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any) -> Iterator[tuple[int, str, str,
                                                                                                    list[str]]]:
    """Babel's extractor protocol: (line, function, message, comments) for each message of one source file."""
    source = fileobj.read().decode("utf-8")
    tree = ast.parse(source)
    seen: set[str] = set()
    for lineno, text in _messages(tree, source):
        if text in seen or not _worth(text):
            continue
        seen.add(text)
        yield lineno, "", text, []


def _messages(tree: ast.AST, source: str) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in CALLS or (name.endswith("Error") and name[:1].isupper()):
                for arg in node.args:
                    yield from _texts(arg, source)
                for keyword in node.keywords:
                    if keyword.arg not in SKIP_KEYWORDS:
                        yield from _texts(keyword.value, source)
            else:
                for keyword in node.keywords:
                    if keyword.arg == "help":
                        yield from _texts(keyword.value, source)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_command(node):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                yield node.lineno, inspect.cleandoc(doc)


def _is_command(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if _name(target) in ("command", "group"):
            return True
    return False


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _texts(node: ast.AST, source: str) -> Iterator[tuple[int, str]]:
    """The message texts an expression can produce: literals, f-strings as templates, each side of + and of if."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.lineno, node.value
    elif isinstance(node, ast.JoinedStr):
        yield node.lineno, template(node, source)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        yield from _texts(node.left, source)
        yield from _texts(node.right, source)
    elif isinstance(node, ast.IfExp):
        yield from _texts(node.body, source)
        yield from _texts(node.orelse, source)
    elif isinstance(node, (ast.List, ast.Tuple)):
        for item in node.elts:
            yield from _texts(item, source)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _texts(value, source)
    elif isinstance(node, ast.Call) and _name(node.func) == "N_":
        for arg in node.args:
            yield from _texts(arg, source)


def template(node: ast.JoinedStr, source: str) -> str:
    """An f-string as its catalog entry: fixed text kept, each field written `{expression}` as in the source."""
    out = []
    for part in node.values:
        if isinstance(part, ast.Constant):
            out.append(str(part.value))
        elif isinstance(part, ast.FormattedValue):
            expression = ast.get_source_segment(source, part.value) or "value"
            out.append("{" + " ".join(expression.split()).replace("{", "(").replace("}", ")") + "}")
    return "".join(out)


def _worth(text: str) -> bool:
    """A text with words in it (not a separator, a format or a bare field)."""
    import re

    bare = re.sub(r"\{[^{}]*\}", "", text)
    if text.startswith(("%-", "%s", "SELECT", "INSERT", "CREATE")):
        return False
    # words, or the frame of a composed message (`{title} ({path}): {sentence}`): its parts are translated in turn
    return sum(c.isalpha() for c in bare) >= 2 or (bare != text and len(bare.strip()) >= 1)


def extract_templates(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
                      options: Any) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel's extractor protocol for the web's Jinja templates: the text of every `_("...")` call."""
    from jinja2 import Environment

    source = fileobj.read().decode("utf-8")
    seen: set[str] = set()
    environment = Environment(extensions=["jinja2.ext.i18n"])  # noqa: S701  # reads templates, renders none
    for lineno, _function, text in environment.extract_translations(
            source, gettext_functions=("_",)):
        if isinstance(text, tuple):  # `_("Instance {number}", number=n)`: the text, then None for each value
            text = text[0]
        if isinstance(text, str) and text not in seen and _worth(text):
            seen.add(text)
            yield lineno, "", text, []
