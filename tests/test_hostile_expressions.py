"""Hostile expressions and data: every value an expression builds is bounded, load and run time share one grammar,
reserved names cannot be redefined, and counts from data are capped before any work is done."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.common.errors import ExpressionError
from engine.common.expressions import MAX_DEPTH, evaluate, parse_expression
from tests.conftest import CUTI, ROOT, Sop

BERULANG = ROOT / "tests" / "data" / "berulang"
BENIGN = 'Telaah["keputusan"] == "setuju" and AjukanCuti["hari"] <= 12'
AJUKAN = ("--set", "nama=Ani", "--set", "jenis=tahunan", "--set", "mulai=2026-12-01", "--set", "hari=3")
BIG = {"teks": "x" * 50_000, "daftar": ["y" * 1_000] * 100, "angka": int("9" * 1_000)}


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("str([teks] * 100000)", "builds a value larger than 100000 items"),
        ("str(daftar * 1000)", "builds a value larger than 100000 items"),
        ("teks + teks + teks", "builds a value larger than 100000 items"),
        ("'9' * 60000 + '9' * 60000", "builds a value larger than 100000 items"),
        ("int('9' * 5000)", "converts text of 5000 characters to a number"),
        ("len(str(int(str(angka) + str(angka))))", "converts text of 2000 characters"),
        ("angka * angka * angka * angka * angka", "builds a number over 4096 bits"),
        ("str(angka * angka * angka * angka * angka)", "builds a number over 4096 bits"),
        ("round(1, -1000000000)", "rounds to -1000000000 digits"),
        ("sorted(teks * 3)", "builds a value larger than 100000 items"),
    ],
)
def test_every_value_an_expression_builds_is_bounded(expression: str, reason: str) -> None:
    """Text, lists, concatenation, repetition, conversions and huge-digit numbers are refused before being built."""
    start = time.perf_counter()
    with pytest.raises(ExpressionError, match=re.escape(reason)):
        evaluate(expression, BIG)
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("b'rahasia' == b'rahasia'", "bytes literal"),
        ("10**10**8", "uses Pow"),
        ("f'{teks}' * 9", "uses JoinedStr"),
        ("'{0:>1000000000}'.format(1)", "calls something other than"),
        ("1j == 1j", "literal of type complex"),
        ("... == ...", "literal of type ellipsis"),
        ("len()", "calls len() with 0 arguments"),
        ("int('9', 10)", "calls int() with 2 arguments"),
        ("{**x}", "unpacks a dict"),
        ("[" * (MAX_DEPTH + 5) + "1" + "]" * (MAX_DEPTH + 5), "nested more than"),
        ("not " * (MAX_DEPTH + 5) + "x", "nested more than"),
        (" + ".join(["1"] * 200), "nested more than"),
    ],
)
def test_the_grammar_refuses_at_parse(expression: str, reason: str) -> None:
    """What the evaluator could not run safely is refused by the one grammar check, before any evaluation."""
    with pytest.raises(ExpressionError, match=re.escape(reason)):
        parse_expression(expression)


def test_what_the_grammar_accepts_evaluates() -> None:
    """Slices, nesting up to the limit and odd dict keys evaluate (or fail as ExpressionError), never crash."""
    assert evaluate("teks[:3] + teks[-2:]", {"teks": "abcdef"}) == "abcef"
    assert evaluate("daftar[1:][0]", {"daftar": [1, 2, 3]}) == 2
    nested = "[" * (MAX_DEPTH - 4) + "1" + "]" * (MAX_DEPTH - 4)
    assert evaluate(f"not not {nested}", {}) is True
    assert evaluate("not " * (MAX_DEPTH - 2) + "x", {"x": True}) is True
    with pytest.raises(ExpressionError, match="failed"):
        evaluate("{[1]: 2}", {})
    with pytest.raises(ExpressionError, match="slice bounds must be whole numbers"):
        evaluate("teks['a':]", {"teks": "abc"})


def test_data_cannot_redefine_constants() -> None:
    """true, false and null mean themselves whatever the data holds."""
    assert evaluate("true and not false and null is None", {"true": False, "false": True, "null": 1}) is True


def _cuti(tmp_path: Path, condition: str | None = None) -> Sop:
    definitions, forms = tmp_path / "definitions", tmp_path / "forms"
    shutil.copytree(CUTI / "definitions", definitions)
    shutil.copytree(CUTI / "forms", forms)
    if condition is not None:
        path = definitions / "permohonan_cuti.bpmn"
        path.write_text(path.read_text().replace(escape(BENIGN), escape(condition)))
    return Sop(tmp_path / "s.db", definitions, forms)


def test_a_condition_lint_accepts_runs_at_the_gateway(tmp_path: Path) -> None:
    """A slice in a gateway condition passes lint and load, and the gateway evaluates it: no instance is stuck."""
    sop = _cuti(tmp_path, 'Telaah["keputusan"][:3] == "set" and AjukanCuti["nama"][0:1] == "A"')
    assert sop("lint").exit_code == 0
    instance = str(sop.start("permohonan_cuti"))
    assert sop("complete", instance, "AjukanCuti", *AJUKAN).exit_code == 0
    done = sop("complete", instance, "Telaah", "--set", "keputusan=setuju")
    assert done.exit_code == 0, done.output
    assert {t["task"] for t in sop.json("tasks", "--instance", instance)} == {"ParafAtasan", "CatatCuti"}


def test_a_condition_nested_too_deeply_is_refused_by_lint_and_load(tmp_path: Path) -> None:
    """Nesting the gateway would refuse is refused by lint and load alike, with the same rule."""
    deep = "not " * (MAX_DEPTH + 2) + 'Telaah["keputusan"] == "setuju"'
    sop = _cuti(tmp_path, deep)
    linted = sop("lint", "--json")
    assert linted.exit_code == 1
    assert [p["rule"] for p in json.loads(linted.stdout)] == ["condition-invalid"]
    started = sop("start", "permohonan_cuti")
    assert started.exit_code == 1 and "rule condition-invalid" in started.stderr
    assert not sop.db.exists()


@pytest.mark.parametrize("key", ["true", "null", "None", "len", "str"])
def test_start_data_with_a_reserved_name_is_refused(tmp_path: Path, key: str) -> None:
    """Start data keys that conditions read as constants or functions are refused, naming the key."""
    sop = _cuti(tmp_path)
    sop.start("permohonan_cuti")
    before = sop.dump()
    data = tmp_path / "awal.json"
    data.write_text(json.dumps({key: 1}))
    result = sop("start", "permohonan_cuti", "--data", str(data))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: Start data key '{key}' is a name conditions read")
    assert sop.dump() == before


def test_a_form_field_with_a_reserved_name_is_a_lint_error(tmp_path: Path) -> None:
    """A form field named like a constant is refused by lint and load with rule form-field-reserved."""
    sop = _cuti(tmp_path)
    path = sop.forms / "cuti.schema.json"
    form = json.loads(path.read_text())
    form["properties"]["null"] = {"type": "string"}
    path.write_text(json.dumps(form))
    linted = sop("lint", "--json")
    assert linted.exit_code == 1 and [p["rule"] for p in json.loads(linted.stdout)] == ["form-field-reserved"]
    assert "rule form-field-reserved" in sop("start", "permohonan_cuti").stderr


def _berulang(tmp_path: Path, page: str | None = None) -> Sop:
    definitions, forms = tmp_path / "definitions", tmp_path / "forms"
    shutil.copytree(BERULANG / "definitions", definitions)
    shutil.copytree(BERULANG / "forms", forms)
    if page is not None:
        (definitions / "ulang_periksa.yaml").write_text(f"process: ulang_periksa\n{page}\n")
    return Sop(tmp_path / "s.db", definitions, forms)


def test_a_count_from_data_over_the_limit_is_refused_before_any_work(tmp_path: Path) -> None:
    """A loop cardinality of 10**8 from an operator's data is refused at once, the store unchanged byte for byte."""
    sop = _berulang(tmp_path)
    instance = str(sop.start("ulang_periksa"))
    before = sop.db.read_bytes()
    start = time.perf_counter()
    for count in ("1001", "100000000"):
        result = sop("complete", instance, "Isi", "--set", f"jumlah={count}")
        assert result.exit_code == 1
        assert result.stderr.startswith(f"Error: Step 'Periksa' would repeat {count} times")
        assert "limit of 1000" in result.stderr and "batas_pengulangan" in result.stderr
        assert "internal error" not in result.output
    assert time.perf_counter() - start < 5
    assert sop.db.read_bytes() == before
    assert sop("complete", instance, "Isi", "--set", "jumlah=1000").exit_code == 0


def test_the_count_limit_is_set_in_the_process_page(tmp_path: Path) -> None:
    """batas_pengulangan in the YAML page sets the limit; replay and verify use the pinned page's limit."""
    sop = _berulang(tmp_path, "batas_pengulangan: 5")
    instance = str(sop.start("ulang_periksa"))
    refused = sop("complete", instance, "Isi", "--set", "jumlah=6")
    assert refused.exit_code == 1 and "limit of 5" in refused.stderr
    assert sop("complete", instance, "Isi", "--set", "jumlah=5").exit_code == 0
    assert len(sop.json("tasks", "--instance", instance)) == 5
    assert sop("verify").exit_code == 0
    conn = sqlite3.connect(sop.db)
    conn.execute("UPDATE definition_versions SET spec = replace(spec, '\"count_limit\": 5', '\"count_limit\": 50')")
    conn.commit()
    conn.close()
    assert sop("verify").exit_code == 1  # the limit is part of the pinned spec: an edit is caught


def test_a_collection_from_data_over_the_limit_is_refused(tmp_path: Path) -> None:
    """A multi-instance step over a data list of 1,001 items is refused when reached, the store unchanged."""
    sop = _berulang(tmp_path)
    path = sop.definitions / "ulang_periksa.bpmn"
    path.write_text(path.read_text().replace('<bpmn:loopCardinality>Isi["jumlah"]</bpmn:loopCardinality>',
                                             '<bpmn:loopDataInputRef>daftar</bpmn:loopDataInputRef>'
                                             '<bpmn:inputDataItem id="butir" name="butir" />')
                    .replace('isExecutable="true">', 'isExecutable="true"><bpmn:extensionElements>'
                             '<spiffworkflow:properties><spiffworkflow:property name="startData" value="daftar" />'
                             '</spiffworkflow:properties></bpmn:extensionElements>'))
    data = tmp_path / "awal.json"
    data.write_text(json.dumps({"daftar": list(range(1001))}))
    instance = str(sop.json("start", "ulang_periksa", "--data", str(data))["instance"])
    before = sop.db.read_bytes()
    result = sop("complete", instance, "Isi", "--set", "jumlah=1")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Step 'Periksa' would repeat 1001 times (one per item of 'daftar')")
    assert sop.db.read_bytes() == before


@pytest.mark.parametrize("value", ["banyak", "0", "1000001", "true"])
def test_a_bad_count_limit_is_refused_by_lint_and_load(tmp_path: Path, value: str) -> None:
    """A limit that is not a whole number in range is a page-invalid error for lint and a refusal at load."""
    sop = _berulang(tmp_path, f"batas_pengulangan: {value}")
    linted = sop("lint", "--json")
    assert linted.exit_code == 1
    assert "page-invalid" in [p["rule"] for p in json.loads(linted.stdout)]
    started = sop("start", "ulang_periksa")
    assert started.exit_code == 1 and "batas_pengulangan" in started.stderr
    assert not sop.db.exists()


# -- properties: random expressions, --set values and data files never crash and never change a refused store ----

NAMES = ("teks", "daftar", "angka", "x", "true", "null", "Telaah", "len")
_leaf = st.one_of(
    st.sampled_from(NAMES),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["100000", "99999999", "'9'", "'ab'", "[0]", "[teks]", "{}", "()", "1.5", "b'x'", "..."]),
    st.text(alphabet="ab'\"\\ {}", max_size=6).map(repr),
)
_OPS = ["+", "-", "*", "/", "//", "%", "==", "<", "in", "and", "or", "if 1 else", "**", "<<"]
_FUNCS = ["len", "str", "int", "float", "sorted", "round", "max", "abs", "any", "open", "format"]


def _grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(lambda a, op, b: f"({a} {op} {b})", inner, st.sampled_from(_OPS), inner),
        st.builds(lambda f, a: f"{f}({a})", st.sampled_from(_FUNCS), inner),
        st.builds(lambda a, b: f"{a}[{b}]", inner, inner),
        st.builds(lambda a, b: f"{a}[{b}:]", inner, inner),
        st.builds(lambda a, b: f"[{a}, {b}]", inner, inner),
        st.builds(lambda a: f"not {a}", inner),
    )


EXPRESSIONS = st.one_of(st.recursive(_leaf, _grow, max_leaves=12), st.text(max_size=40))
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(EXPRESSIONS)
def test_random_expressions_evaluate_or_refuse(expression: str) -> None:
    """Any expression gives a value or an ExpressionError, quickly; what parses also evaluates without a crash."""
    start = time.perf_counter()
    try:
        evaluate(expression, {**BIG, "x": 3, "Telaah": {"keputusan": "setuju"}})
    except ExpressionError:
        pass
    assert time.perf_counter() - start < 1.0


_TEMPLATES: dict[str, Path] = {}


def _pristine(tmp: Path) -> Sop:
    """A cuti store with one instance at AjukanCuti, copied from one made once per test run."""
    if "cuti" not in _TEMPLATES:
        base = Path(tempfile.mkdtemp(prefix="sop-hostile-"))
        sop = _cuti(base)
        sop.start("permohonan_cuti")
        _TEMPLATES["cuti"] = base
    base = _TEMPLATES["cuti"]
    shutil.copy(base / "s.db", tmp / "s.db")
    return Sop(tmp / "s.db", base / "definitions", base / "forms")


def _check_cli(sop: Sop, *args: str) -> None:
    before = sop.db.read_bytes()
    result = sop(*args)
    assert result.exit_code in (0, 1, 2), result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    if result.exit_code != 0:
        assert result.stderr.startswith(("Error:", "Usage:")), result.output
        assert sop.db.read_bytes() == before


_KEYS = st.one_of(st.sampled_from(["nama", "jenis", "mulai", "hari", "hari.0", "nama.x", "true", "_x", ""]),
                  st.text(alphabet="abz._0=", max_size=8))
_VALUES = st.one_of(st.text(max_size=30), st.sampled_from(["9" * 5000, "1e999", "NaN", "-Infinity", "null", "[]",
                                                           "{}", "true", '"x"', "3", "2026-12-01", "tahunan"]))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(_KEYS, _VALUES), min_size=1, max_size=5))
def test_random_set_values_never_crash(pairs: list[tuple[str, str]]) -> None:
    """Random --set KEY=VALUE pairs complete the step or are refused with an Error line, the store unchanged."""
    with tempfile.TemporaryDirectory() as tmp:
        sop = _pristine(Path(tmp))
        args = [a for key, value in pairs for a in ("--set", f"{key}={value}")]
        _check_cli(sop, "complete", "1", "AjukanCuti", *args)


_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10),
              st.sampled_from(["HUGE", "x" * 1000])),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=10,
)


@settings(max_examples=25, deadline=None)
@given(st.dictionaries(_KEYS, _JSON, max_size=5), st.sampled_from(["start", "complete"]))
def test_random_data_files_never_crash(data: dict[str, object], command: str) -> None:
    """Random data files for start and complete give a result or an Error line, the store unchanged on refusal."""
    with tempfile.TemporaryDirectory() as tmp:
        sop = _pristine(Path(tmp))
        path = Path(tmp) / "data.json"
        path.write_text(json.dumps(data).replace('"HUGE"', "9" * 5000))  # an integer of 5,000 digits
        where = ["start", "permohonan_cuti"] if command == "start" else ["complete", "1", "AjukanCuti"]
        _check_cli(sop, *where, "--data", str(path))
