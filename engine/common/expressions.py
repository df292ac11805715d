"""A restricted evaluator for diagram expressions: data in, a value out, no code from the diagram runs."""

from __future__ import annotations

import ast
import functools
import operator
import re
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from engine.common.errors import ExpressionError
from engine.common.i18n import N_

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len, "min": min, "max": max, "abs": abs, "str": str, "int": int, "float": float,
    "bool": bool, "round": round, "sorted": sorted, "any": any, "all": all,
}
# How many positional arguments each function takes (lowest, highest): checked when the expression is parsed.
_ARITY = {"len": (1, 1), "min": (1, 20), "max": (1, 20), "abs": (1, 1), "str": (1, 1), "int": (1, 1),
          "float": (1, 1), "bool": (1, 1), "round": (1, 2), "sorted": (1, 1), "any": (1, 1), "all": (1, 1)}
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
# Names data may not use (start data keys, form fields, task ids): the evaluator's constants and functions.
RESERVED_NAMES = frozenset(_CONSTANTS) | frozenset(FUNCTIONS)
_ALLOWED = (
    ast.Expression, ast.Constant, ast.Name, ast.Load, ast.Subscript, ast.Compare, ast.BoolOp, ast.And,
    ast.Or, ast.UnaryOp, ast.BinOp, ast.Call, ast.List, ast.Tuple, ast.Dict, ast.IfExp, ast.Slice,
    *_BINARY, *_COMPARE, *_UNARY,
)
_MAX_TEXT = 100_000  # characters or items one evaluation may build, all values together
MAX_EXPRESSION = 2_000  # characters; a diagram condition is a line, not a program
MAX_DEPTH = 40  # levels of the expression's syntax tree; deeper would exhaust the interpreter's stack at run time
MAX_INT_BITS = 4_096  # about 1,233 decimal digits: no count, amount or date needs more
_MAX_ROUND_DIGITS = 400
_budget: ContextVar[int] = ContextVar("expression_budget", default=_MAX_TEXT)


def python_says(said: str) -> str:
    """Python's reason for a syntax error, in the reader's language where it is a common one (else as Python says
    it)."""
    if said == "invalid syntax":
        return N_("invalid syntax")
    if said == "invalid syntax. Perhaps you forgot a comma?":
        return N_("invalid syntax. Perhaps you forgot a comma?")
    found = re.fullmatch(r"'(.)' was never closed", said)
    if found:
        return N_("'{bracket}' was never closed", bracket=found.group(1))
    found = re.fullmatch(r"unmatched '(.)'", said)
    if found:
        return N_("unmatched '{bracket}'", bracket=found.group(1))
    found = re.fullmatch(r"unterminated string literal \(detected at line (\d+)\)", said)
    if found:
        return N_("unterminated string literal (detected at line {line})", line=found.group(1))
    found = re.fullmatch(r"closing parenthesis '(.)' does not match opening parenthesis '(.)'", said)
    if found:
        return N_("closing parenthesis '{closing}' does not match opening parenthesis '{opening}'",
                  closing=found.group(1), opening=found.group(2))
    return said


def parse_expression(text: str) -> ast.expr:
    """Parse and check an expression; refuse anything outside the allowed subset, naming the construct.

    This is the one grammar: load, lint and run time all call it, so what it accepts the evaluator can run.
    """
    if not isinstance(text, str):
        raise ExpressionError("expression {text!r} is not text", text=text)
    if len(text) > MAX_EXPRESSION:
        raise ExpressionError("expression {text!r}... is {text_count} characters; the limit is {max_expression}",
                              text=text[:40], text_count=len(text), max_expression=MAX_EXPRESSION)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError("expression {text!r} is not valid: {msg}", text=text, msg=python_says(exc.msg)) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("expression {text!r}... is nested too deeply", text=text[:40]) from None
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError("expression {text!r} is nested more than {max_depth} levels deep; split it",
                                  text=text[:40], max_depth=MAX_DEPTH)
        _check_node(node, text)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return tree.body


def _check_node(node: ast.AST, text: str) -> None:
    if not isinstance(node, _ALLOWED):
        raise ExpressionError("expression {text!r} uses {node_type}, which diagrams may not use",
                              text=text, node_type=type(node).__name__)
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bytes):
            raise ExpressionError("expression {text!r} has a bytes literal (b'...'); diagrams compare text, "
                                  "write it without the b", text=text)
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise ExpressionError("expression {text!r} has a literal of type {value_type}; use text or "
                                  "numbers", text=text, value_type=type(value).__name__)
        if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            raise ExpressionError("expression {text!r} has a number over {max_int_bits} bits",
                                  text=text[:40], max_int_bits=MAX_INT_BITS)
    if isinstance(node, ast.Name) and node.id.startswith("_"):
        raise ExpressionError("expression {text!r} reads '{node_id}'; names starting with '_' are not allowed",
                              text=text, node_id=node.id)
    if isinstance(node, ast.Dict) and any(key is None for key in node.keys):
        raise ExpressionError("expression {text!r} unpacks a dict (**); diagrams may not use it", text=text)
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords:
            raise ExpressionError(
                "expression {text!r} calls something other than {functions} (positional only)",
                text=text, functions=', '.join(sorted(FUNCTIONS))
            )
        low, high = _ARITY[node.func.id]
        if not low <= len(node.args) <= high:
            count = f"{low}" if low == high else f"{low} to {high}"
            raise ExpressionError("expression {text!r} calls {func_id}() with {args_count} arguments; "
                                  "it takes {count}",
                                  text=text, func_id=node.func.id, args_count=len(node.args), count=count)


_parsed = functools.lru_cache(maxsize=1024)(parse_expression)  # a diagram's few conditions, parsed once


def evaluate(text: str, names: dict[str, Any]) -> Any:
    """Evaluate an expression over the given names with the restricted subset, within its size budget."""
    token = _budget.set(_MAX_TEXT)
    try:
        return _eval(_parsed(text), names, text)
    except (RecursionError, MemoryError):
        raise ExpressionError("expression {text!r} is too large to evaluate", text=text[:40]) from None
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:  # an operation on odd data values
        raise ExpressionError("expression {text!r} failed: {exc}", text=text, exc=exc) from None
    finally:
        _budget.reset(token)


def _charge(size: int, text: str) -> None:
    """Count size (characters or items) against the evaluation's budget before the value is built."""
    left_over = _budget.get() - size
    if left_over < 0:
        raise ExpressionError("expression {text!r} builds a value larger than {max_text} items",
                              text=text, max_text=_MAX_TEXT)
    _budget.set(left_over)


def _too_big(text: str) -> str:
    return f"expression {text[:40]!r} builds a number over {MAX_INT_BITS} bits (about {MAX_INT_BITS * 3 // 10} digits)"


def _int_result(value: Any, text: str) -> Any:
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise ExpressionError(_too_big(text))
    return value


def text_size(value: Any, limit: int) -> int:
    """Characters str(value) would have, counted without building it; stops once over limit."""
    if isinstance(value, str):
        return len(value) + 2
    if isinstance(value, bool) or value is None:
        return 5
    if isinstance(value, int):
        return value.bit_length() * 3 // 10 + 2
    if isinstance(value, float):
        return 24
    if isinstance(value, (list, tuple, dict)):
        total = 2
        items = value.items() if isinstance(value, dict) else ((v, None) for v in value)
        for item, other in items:
            total += text_size(item, limit) + (text_size(other, limit) if other is not None else 0) + 4
            if total > limit:
                return total
        return total
    return limit + 1  # nothing else comes from data; refuse rather than guess


def _eval(node: ast.expr, names: dict[str, Any], text: str) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return _name(node, names, text)
    if isinstance(node, ast.Subscript):
        return _subscript(node, names, text)
    if isinstance(node, ast.BoolOp):
        return _bool_op(node, names, text)
    if isinstance(node, ast.Compare):
        return _compare(node, names, text)
    if isinstance(node, ast.UnaryOp):
        return _apply(_UNARY[type(node.op)], text, _eval(node.operand, names, text))
    if isinstance(node, ast.BinOp):
        return _binary(node, _eval(node.left, names, text), _eval(node.right, names, text), text)
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        args = [_eval(arg, names, text) for arg in node.args]
        return _call(node.func.id, args, text)
    if isinstance(node, (ast.List, ast.Tuple)):  # a display's items are bounded by the expression's length
        items = [_eval(item, names, text) for item in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict):
        pairs = [(_eval(k, names, text), _eval(v, names, text)) for k, v in zip(node.keys, node.values, strict=True)
                 if k is not None]
        return _apply(dict, text, pairs)
    if isinstance(node, ast.IfExp):
        test = _eval(node.test, names, text)
        return _eval(node.body if test else node.orelse, names, text)
    raise ExpressionError("expression {text!r} uses {node_type}, which diagrams may not use",
                          text=text, node_type=type(node).__name__)


def _name(node: ast.Name, names: dict[str, Any], text: str) -> Any:
    if node.id in _CONSTANTS:  # data cannot redefine true, false or null
        return _CONSTANTS[node.id]
    if node.id in names:
        return names[node.id]
    raise ExpressionError("expression {text!r} reads '{node_id}', which is not set yet", text=text, node_id=node.id)


def _subscript(node: ast.Subscript, names: dict[str, Any], text: str) -> Any:
    container = _eval(node.value, names, text)
    if isinstance(node.slice, ast.Slice):
        return _sliced(container, node.slice, names, text)
    key = _eval(node.slice, names, text)
    try:
        return container[key]
    except (KeyError, IndexError, TypeError) as exc:
        raise ExpressionError("expression {text!r}: no {key!r} in {container_type} ({exc})",
                              text=text, key=key, container_type=type(container).__name__, exc=exc) from None


def _bool_op(node: ast.BoolOp, names: dict[str, Any], text: str) -> Any:
    """`and` / `or` as Python evaluates them: the first value that decides, else the last."""
    result: Any = isinstance(node.op, ast.And)
    for value in node.values:
        result = _eval(value, names, text)
        if isinstance(node.op, ast.And) and not result:
            return result
        if isinstance(node.op, ast.Or) and result:
            return result
    return result


def _compare(node: ast.Compare, names: dict[str, Any], text: str) -> bool:
    """A chain of comparisons (`a < b <= c`), each operand evaluated once."""
    left = _eval(node.left, names, text)
    for op, comparator in zip(node.ops, node.comparators, strict=True):
        right = _eval(comparator, names, text)
        if not _apply(_COMPARE[type(op)], text, left, right):
            return False
        left = right
    return True


def _sliced(container: Any, part: ast.Slice, names: dict[str, Any], text: str) -> Any:
    bounds = [None if b is None else _eval(b, names, text) for b in (part.lower, part.upper, part.step)]
    if not isinstance(container, (str, list, tuple)):
        raise ExpressionError("expression {text!r}: only text and lists can be sliced, not "
                              "{container_type}", text=text, container_type=type(container).__name__)
    if any(b is not None and (not isinstance(b, int) or isinstance(b, bool)) for b in bounds):
        raise ExpressionError("expression {text!r}: slice bounds must be whole numbers", text=text)
    result = _apply(lambda: container[slice(*bounds)], text)
    _charge(len(result), text)
    return result


_SEQUENCES = (str, list, tuple)


def _binary(node: ast.BinOp, left: Any, right: Any, text: str) -> Any:
    """A binary operation, its result's size checked before it is built."""
    if isinstance(node.op, ast.Mod) and not isinstance(left, (int, float)):
        raise ExpressionError("expression {text!r}: % is only for numbers (no string formatting)", text=text)
    if isinstance(node.op, ast.Mult):
        if isinstance(left, _SEQUENCES) or isinstance(right, _SEQUENCES):
            sequence, other = (left, right) if isinstance(left, _SEQUENCES) else (right, left)
            if isinstance(sequence, (list, tuple)) and any(isinstance(i, (list, tuple, dict)) for i in sequence):
                raise ExpressionError("expression {text!r} repeats a list of lists, which diagrams may not do",
                                      text=text)
            if isinstance(other, int) and other > 0:
                _charge(len(sequence) * other, text)
        elif isinstance(left, int) and isinstance(right, int) and (
                left.bit_length() + right.bit_length() > MAX_INT_BITS + 1):
            raise ExpressionError(_too_big(text))
    if isinstance(node.op, ast.Add) and isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        _charge(len(left) + len(right), text)
    return _int_result(_apply(_BINARY[type(node.op)], text, left, right), text)


def _call(name: str, args: list[Any], text: str) -> Any:
    """A whitelisted function, with what it would build counted first."""
    if name == "str":
        _charge(text_size(args[0], _budget.get()), text)
    elif name == "sorted":
        _charge(len(args[0]) if isinstance(args[0], (str, list, tuple, dict)) else 0, text)
    elif name == "int" and isinstance(args[0], str) and len(args[0].strip()) > MAX_INT_BITS * 3 // 10 + 1:
        raise ExpressionError("expression {text!r} converts text of {args_count} characters to a number; "
                              "the limit is about {value1} digits",
                              text=text[:40], args_count=len(args[0]), value1=MAX_INT_BITS * 3 // 10)
    elif name == "float" and isinstance(args[0], str) and len(args[0]) > 400:
        raise ExpressionError("expression {text!r} converts text of {args_count} characters to a number",
                              text=text[:40], args_count=len(args[0]))
    elif name == "round" and len(args) == 2 and isinstance(args[1], int) and abs(args[1]) > _MAX_ROUND_DIGITS:
        raise ExpressionError("expression {text!r} rounds to {args_value} digits; the limit is {max_round_digits}",
                              text=text, args_value=args[1], max_round_digits=_MAX_ROUND_DIGITS)
    return _int_result(_apply(FUNCTIONS[name], text, *args), text)


def _apply(func: Callable[..., Any], text: str, *args: Any) -> Any:
    try:
        return func(*args)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, IndexError, KeyError) as exc:
        raise ExpressionError("expression {text!r} failed: {exc}", text=text, exc=exc) from None
