"""Tests for engine.expressions: diagram conditions evaluate over data, and nothing else from a diagram runs."""

from __future__ import annotations

import time
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.util.task import TaskState

from engine.common.errors import DefinitionError, ExpressionError
from engine.common.expressions import evaluate, parse_expression
from engine.runtime.workflow import RestrictedEnvironment, build_spec, complete_task, new_workflow, ready_user_tasks

DATA = {
    "Telaah": {"keputusan": "setuju", "jumlah": 3, "petugas": ["Fajar", "Dedi"]},
    "AnalisaTopologi": {"keputusan": "pasang", "bandwidth_mbps": 100},
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('Telaah["keputusan"] == "setuju"', True),
        ('Telaah["keputusan"] != "setuju"', False),
        ('Telaah["keputusan"] == "setuju" and AnalisaTopologi["keputusan"] == "pasang"', True),
        ('Telaah["keputusan"] == "tolak" or AnalisaTopologi["bandwidth_mbps"] >= 100', True),
        ('not Telaah["keputusan"] == "tolak"', True),
        ('"Fajar" in Telaah["petugas"]', True),
        ('"Budi" not in Telaah["petugas"]', True),
        ('Telaah["keputusan"] in ["setuju", "pasang"]', True),
        ('Telaah["jumlah"] * 2 + 1 - 3', 4),
        ('AnalisaTopologi["bandwidth_mbps"] / 8', 12.5),
        ('AnalisaTopologi["bandwidth_mbps"] // 3 % 7', 5),
        ("1 < Telaah['jumlah'] <= 3", True),
        ('-Telaah["jumlah"]', -3),
        ('len(Telaah["petugas"]) == 2', True),
        ('max(Telaah["jumlah"], 10) - min(1, 2)', 9),
        ("abs(-2) + round(2.6) + int('4') + float('0.5')", 9.5),
        ('sorted(Telaah["petugas"])[0]', "Dedi"),
        ('any([False, Telaah["jumlah"] > 2]) and all([True, 1])', True),
        ('str(Telaah["jumlah"]) + "x"', "3x"),
        ('"ya" if Telaah["jumlah"] > 2 else "tidak"', "ya"),
        ('{"a": 1}["a"] + (1, 2)[1]', 3),
        ("true and not false and null is None", True),
        ("'ab' * 3", "ababab"),
    ],
)
def test_allowed_expressions_evaluate(expression: str, expected: object) -> None:
    """Ordinary gateway conditions (comparison, and/or/not, in, arithmetic, whitelisted calls) give their value."""
    assert evaluate(expression, DATA) == expected


def test_and_or_short_circuit_without_reading_unset_names() -> None:
    """and/or stop at the first deciding value, so a guard protects a later read of an unset name."""
    assert evaluate('False and Belum["x"] == 1', {}) is False
    assert evaluate('True or Belum["x"] == 1', {}) is True


def test_unset_name_is_reported_as_not_set() -> None:
    """Reading a step that has not run yet is an ExpressionError saying the name is not set."""
    with pytest.raises(ExpressionError) as info:
        evaluate('DraftSurat["nomor"] == "1"', DATA)
    assert str(info.value) == "expression 'DraftSurat[\"nomor\"] == \"1\"' reads 'DraftSurat', which is not set yet"


def test_missing_key_is_reported_with_the_key() -> None:
    """Reading a field the step's data does not have names the field."""
    with pytest.raises(ExpressionError, match=r"no 'alasan' in dict"):
        evaluate('Telaah["alasan"] == "x"', DATA)


def test_runtime_failure_is_an_expression_error() -> None:
    """A failing operation (division by zero, adding text to a number) is an ExpressionError naming the expression."""
    with pytest.raises(ExpressionError, match=r"^expression '1 / 0' failed: division by zero$"):
        evaluate("1 / 0", {})
    with pytest.raises(ExpressionError, match=r"^expression 'Telaah\[\"jumlah\"\] \+ \"a\"' failed"):
        evaluate('Telaah["jumlah"] + "a"', DATA)


def test_syntax_error_is_an_expression_error() -> None:
    """A condition that is not Python syntax is refused with the expression quoted."""
    with pytest.raises(ExpressionError, match=r"^expression 'Telaah\[\"keputusan\" ==' is not valid"):
        evaluate('Telaah["keputusan" ==', DATA)


def test_import_system_call_is_refused_and_never_runs(tmp_path: Path) -> None:
    """__import__('os').system(...) is refused as a call outside the whitelist and the command never runs."""
    marker = tmp_path / "dibobol"
    expression = f"__import__('os').system('touch {marker}')"
    with pytest.raises(ExpressionError) as info:
        evaluate(expression, {})
    assert str(info.value).startswith(f"expression {expression!r} ")
    assert not marker.exists()


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("().__class__.__base__.__subclasses__()", "calls something other than abs, all, any, bool"),
        ("Telaah.keputusan", "uses Attribute, which diagrams may not use"),
        ("x.y", "uses Attribute, which diagrams may not use"),
        ("10**10**10", "uses Pow, which diagrams may not use"),
        ("'a' * 10**9", "uses Pow, which diagrams may not use"),
        ("lambda: __import__('os')", "uses Lambda, which diagrams may not use"),
        ("(lambda: 1)()", "calls something other than abs, all, any, bool"),
        ("[x for x in Telaah]", "uses ListComp, which diagrams may not use"),
        ("{x: 1 for x in Telaah}", "uses DictComp, which diagrams may not use"),
        ("(x for x in [1])", "uses GeneratorExp, which diagrams may not use"),
        ("_rahasia == 1", "reads '_rahasia'; names starting with '_' are not allowed"),
        ("__builtins__", "reads '__builtins__'; names starting with '_' are not allowed"),
        ("open('/etc/passwd')", "calls something other than abs, all, any, bool"),
        ("eval('1')", "calls something other than abs, all, any, bool"),
        ("getattr(Telaah, 'keys')", "calls something other than abs, all, any, bool"),
        ("sorted(Telaah['petugas'], key=len)", "calls something other than abs, all, any, bool"),
        ("(x := 1)", "uses NamedExpr, which diagrams may not use"),
        ("f'{Telaah}'", "uses JoinedStr, which diagrams may not use"),
        ("1 << 100000000", "uses LShift, which diagrams may not use"),
        ("[*Telaah]", "uses Starred, which diagrams may not use"),
    ],
)
def test_malicious_expressions_are_refused(expression: str, reason: str) -> None:
    """Escapes, imports, attribute access, power, lambdas, comprehensions and private names are refused, naming why."""
    with pytest.raises(ExpressionError) as info:
        parse_expression(expression)
    message = str(info.value)
    assert message.startswith(f"expression {expression!r} ")
    assert reason in message


def test_refused_expression_is_not_evaluated_in_part() -> None:
    """A refused expression runs none of its parts: the check happens before any evaluation."""
    calls: list[str] = []

    class Spy(dict):  # type: ignore[type-arg]
        def __getitem__(self, key: str) -> object:
            calls.append(key)
            return super().__getitem__(key)

    with pytest.raises(ExpressionError):
        evaluate('Telaah["keputusan"] == "setuju" and Telaah.keputusan', {"Telaah": Spy(keputusan="setuju")})
    assert calls == []


def test_large_repetition_is_refused_by_size_limit() -> None:
    """'a' * 100000000 is refused before the value is built, on either side of the *, naming the limit."""
    start = time.perf_counter()
    for expression in ("'a' * 100000000", "100000000 * 'a'", "[0] * 100000000", "('a' * 1000) * 1000"):
        with pytest.raises(ExpressionError) as info:
            evaluate(expression, {})
        assert str(info.value) == f"expression {expression!r} builds a value larger than 100000 items"
    assert time.perf_counter() - start < 1.0


def test_large_value_through_string_formatting_is_refused() -> None:
    """'%010000000d' % 1 would build a 10 MB string through %-formatting; % on text is refused outright."""
    expression = "'%010000000d' % 1"
    with pytest.raises(ExpressionError, match="only for numbers"):
        evaluate(expression, {})


def test_deeply_nested_expression_is_an_expression_error() -> None:
    """A pathologically nested condition is refused as an ExpressionError, not a crash of the interpreter's parser."""
    expression = "not " * 5000 + "x"
    with pytest.raises(ExpressionError):
        evaluate(expression, {"x": True})


def test_restricted_environment_evaluates_with_task_data() -> None:
    """RestrictedEnvironment.evaluate reads the task data (over the external context) with the restricted evaluator."""
    env = RestrictedEnvironment()
    assert env.evaluate('Telaah["keputusan"] == "setuju"', DATA) is True
    assert env.evaluate("a + b", {"a": 2}, {"a": 100, "b": 1}) == 3
    with pytest.raises(ExpressionError, match="uses Attribute"):
        env.evaluate("Telaah.keys", DATA)


def test_restricted_environment_refuses_scripts_and_services() -> None:
    """RestrictedEnvironment refuses execute() and service calls with a message saying diagrams may not run code."""
    env = RestrictedEnvironment()
    context = {"x": 1}
    with pytest.raises(ExpressionError) as info:
        env.execute("x = 2", context)
    assert str(info.value) == "scripts are not allowed in diagrams; model the work as a user task"
    assert context == {"x": 1}
    with pytest.raises(ExpressionError, match="service calls are not allowed in diagrams"):
        env.call_service(context, operation_name="kirim")


GATEWAY_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" \
xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Definitions_Uji" \
targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="uji_gateway" name="Uji gateway" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Telaah" name="Telaah">
      <bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="Gateway_Keputusan" default="Flow_Tolak">
      <bpmn:incoming>Flow_2</bpmn:incoming>
      <bpmn:outgoing>Flow_Setuju</bpmn:outgoing><bpmn:outgoing>Flow_Tolak</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:endEvent id="EndEvent_Setuju"><bpmn:incoming>Flow_Setuju</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="EndEvent_Tolak"><bpmn:incoming>Flow_Tolak</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Telaah" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Telaah" targetRef="Gateway_Keputusan" />
    <bpmn:sequenceFlow id="Flow_Setuju" sourceRef="Gateway_Keputusan" targetRef="EndEvent_Setuju">
      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_Tolak" sourceRef="Gateway_Keputusan" targetRef="EndEvent_Tolak" />
  </bpmn:process>
</bpmn:definitions>
"""


def _run_gateway(condition: str, data: dict[str, object]) -> list[str]:
    """Complete Telaah with data and return the BPMN ids of the end events reached."""
    spec = build_spec(GATEWAY_BPMN.format(condition=escape(condition)), "uji_gateway", "uji_gateway.bpmn")
    workflow = new_workflow(spec)
    (task,) = ready_user_tasks(workflow)
    complete_task(workflow, task, data)
    done = workflow.get_tasks(state=TaskState.COMPLETED)
    return sorted(t.task_spec.bpmn_id for t in done if t.task_spec.bpmn_id in {"EndEvent_Setuju", "EndEvent_Tolak"})


def test_gateway_condition_runs_through_restricted_evaluator() -> None:
    """A diagram's gateway condition picks its branch by the step's data."""
    assert _run_gateway('Telaah["keputusan"] == "setuju"', {"keputusan": "setuju"}) == ["EndEvent_Setuju"]
    assert _run_gateway('Telaah["keputusan"] == "setuju"', {"keputusan": "tolak"}) == ["EndEvent_Tolak"]


def test_gateway_condition_cannot_run_code(tmp_path: Path) -> None:
    """A malicious gateway condition in a diagram is refused as a DefinitionError and the command never runs."""
    marker = tmp_path / "dibobol"
    with pytest.raises(DefinitionError) as info:
        _run_gateway(f"__import__('os').system('touch {marker}')", {"keputusan": "setuju"})
    assert "Gateway_Keputusan" in str(info.value)
    assert not marker.exists()


def test_gateway_condition_error_keeps_the_reason() -> None:
    """When a gateway condition reads an unset name, the operator's message says which name is not set."""
    with pytest.raises(DefinitionError) as info:
        _run_gateway('Lain["x"] == 1', {"keputusan": "setuju"})
    message = str(info.value)
    assert "Gateway_Keputusan" in message
    assert "'Lain', which is not set yet" in message


def test_repeated_nested_lists_and_summed_repetitions_are_refused() -> None:
    """str([[0]*100000]*100000) would build 10**10 items: repeating lists of lists is refused, and all repetitions
    of one evaluation share the 100,000-item budget."""
    start = time.perf_counter()
    with pytest.raises(ExpressionError, match="repeats a list of lists"):
        evaluate("str([[0]*100000]*100000)", {})
    with pytest.raises(ExpressionError, match="repeats a list of lists"):
        evaluate("sorted([[0]*1000]*1000)", {})
    with pytest.raises(ExpressionError, match="builds a value larger than 100000 items"):
        evaluate("len([0]*60000 + [0]*60000)", {})
    assert evaluate("len([0]*60000) + len('ab' * 3)", {}) == 60006
    assert time.perf_counter() - start < 1.0
