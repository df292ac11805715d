"""Tests that a step id is held to one rule by compile, lint and load: a data key conditions can read."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, Sop

from engine.bpmn.diagram_checks import is_task_id

TABLE = ROOT / "examples" / "interkoneksi_data_baru" / "tabel" / "interkoneksi_data_baru.sop.yaml"


@pytest.mark.parametrize(("value", "ok"), [("DraftSurat", True), ("Telaah_2", True), ("len", False),
                                           ("class", False), ("None", False), ("_x", False), ("2Telaah", False),
                                           ("Ajukan-Cuti", False), ("Télaah", False)])
def test_the_task_id_rule(value: str, ok: bool) -> None:
    """Letters, digits and _, starting with a letter; no keyword and no condition function."""
    assert is_task_id(value) is ok


@pytest.mark.parametrize("step_id", ["len", "class", "_Telaah"])
def test_a_table_step_id_lint_refuses_is_refused_by_compile(sop: Sop, tmp_path: Path, step_id: str) -> None:
    """compile and lint of a table both refuse a step id such as len, naming its line."""
    text = TABLE.read_text(encoding="utf-8")
    first = text.index("    id: ", text.index("langkah:") if "langkah:" in text else 0)
    old = text[first:text.index("\n", first)]
    table = tmp_path / "kw.sop.yaml"
    table.write_text(text.replace(old, f"    id: {step_id}", 1), encoding="utf-8")
    line = text[:first].count("\n") + 1
    for args in (("compile", str(table)), ("lint", str(table))):
        result = sop(*args)
        assert result.exit_code == 1, (args, result.output)
        assert f"kw.sop.yaml:{line}:" in result.output
        assert f"id '{step_id}' is not a valid data key" in result.output
