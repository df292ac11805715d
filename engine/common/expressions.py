"""A restricted evaluator for diagram expressions: data in, a value out, no code from the diagram runs."""

from __future__ import annotations

import ast
import functools
import operator
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from engine.common.errors import ExpressionError

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len, "min": min, "max": max, "abs": abs, "str": str, "int": int, "float": float,
    "bool": bool, "round": round, "sorted": sorted, "any": any, "all": all,
}
_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_, ast.IsNot: operator.is_not,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos}
_CONSTANTS = {"True": True, "False": False, "None": None, "true": True, "false": False, "null": None}
_MAX_TEXT = 100_000
MAX_EXPRESSION = 2_000  # characters; a diagram condition is a line, not a program
# Items one evaluation may build by repeating sequences ('a' * n, [0] * n), all repetitions together.
_budget: ContextVar[int] = ContextVar("expression_budget", default=_MAX_TEXT)


def parse_expression(text: str) -> ast.expr:
    """Parse and check an expression; refuse anything outside the allowed subset, naming the construct."""
    if len(text) > MAX_EXPRESSION:
        raise ExpressionError(f"expression {text[:40]!r}... is {len(text)} characters; the limit is {MAX_EXPRESSION}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"expression {text!r} is not valid: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"expression {text[:40]!r}... is nested too deeply") from None
    for node in ast.walk(tree):
        _check_node(node, text)
    return tree.body


def _check_node(node: ast.AST, text: str) -> None:
    allowed = (
        ast.Expression, ast.Constant, ast.Name, ast.Load, ast.Subscript, ast.Compare, ast.BoolOp, ast.And,
        ast.Or, ast.UnaryOp, ast.BinOp, ast.Call, ast.List, ast.Tuple, ast.Dict, ast.IfExp, ast.Slice,
        *_BINARY, *_COMPARE, *_UNARY,
    )
    if not isinstance(node, allowed):
        raise ExpressionError(f"expression {text!r} uses {type(node).__name__}, which diagrams may not use")
    if isinstance(node, ast.Name) and node.id.startswith("_"):
        raise ExpressionError(f"expression {text!r} reads '{node.id}'; names starting with '_' are not allowed")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords:
            raise ExpressionError(
                f"expression {text!r} calls something other than {', '.join(sorted(FUNCTIONS))} (positional only)"
            )


_parsed = functools.lru_cache(maxsize=1024)(parse_expression)  # a diagram's few conditions, parsed once


def evaluate(text: str, names: dict[str, Any]) -> Any:
    """Evaluate an expression over the given names with the restricted subset."""
    token = _budget.set(_MAX_TEXT)
    try:
        return _eval(_parsed(text), names, text)
    except (RecursionError, MemoryError):
        raise ExpressionError(f"expression {text[:40]!r} is too large to evaluate") from None
    finally:
        _budget.reset(token)


def _eval(node: ast.expr, names: dict[str, Any], text: str) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in names:
            return names[node.id]
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        raise ExpressionError(f"expression {text!r} reads '{node.id}', which is not set yet")
    if isinstance(node, ast.Subscript):
        container = _eval(node.value, names, text)
        if isinstance(node.slice, ast.Slice):
            raise ExpressionError(f"expression {text!r}: slices are not allowed")
        key = _eval(node.slice, names, text)
        try:
            return container[key]
        except (KeyError, IndexError, TypeError) as exc:
            raise ExpressionError(f"expression {text!r}: no {key!r} in {type(container).__name__} ({exc})") from None
    if isinstance(node, ast.BoolOp):
        result: Any = isinstance(node.op, ast.And)
        for value in node.values:
            result = _eval(value, names, text)
            if isinstance(node.op, ast.And) and not result:
                return result
            if isinstance(node.op, ast.Or) and result:
                return result
        return result
    if isinstance(node, ast.Compare):
        left = _eval(node.left, names, text)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _eval(comparator, names, text)
            if not _apply(_COMPARE[type(op)], text, left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.UnaryOp):
        return _apply(_UNARY[type(node.op)], text, _eval(node.operand, names, text))
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, names, text), _eval(node.right, names, text)
        if isinstance(node.op, ast.Mod) and not isinstance(left, (int, float)):
            raise ExpressionError(f"expression {text!r}: % is only for numbers (no string formatting)")
        sequences = (str, list, tuple)
        if isinstance(node.op, ast.Mult) and (isinstance(left, sequences) or isinstance(right, sequences)):
            size = len(left) if isinstance(left, sequences) else len(right)
            other = right if isinstance(left, sequences) else left
            sequence = left if isinstance(left, sequences) else right
            if isinstance(sequence, (list, tuple)) and any(isinstance(i, (list, tuple, dict)) for i in sequence):
                raise ExpressionError(f"expression {text!r} repeats a list of lists, which diagrams may not do")
            if isinstance(other, int) and other > 0:
                left_over = _budget.get() - size * other
                if left_over < 0:
                    raise ExpressionError(f"expression {text!r} builds a value larger than {_MAX_TEXT} items")
                _budget.set(left_over)
        return _apply(_BINARY[type(node.op)], text, left, right)
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        args = [_eval(arg, names, text) for arg in node.args]
        return _apply(FUNCTIONS[node.func.id], text, *args)
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_eval(item, names, text) for item in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict):
        pairs = zip(node.keys, node.values, strict=True)
        return {_eval(k, names, text): _eval(v, names, text) for k, v in pairs if k is not None}
    if isinstance(node, ast.IfExp):
        test = _eval(node.test, names, text)
        return _eval(node.body if test else node.orelse, names, text)
    raise ExpressionError(f"expression {text!r} uses {type(node).__name__}, which diagrams may not use")


def _apply(func: Callable[..., Any], text: str, *args: Any) -> Any:
    try:
        return func(*args)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError) as exc:
        raise ExpressionError(f"expression {text!r} failed: {exc}") from None
