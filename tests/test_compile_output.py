"""Tests that `sop compile` and `sop decompile` never write their output over their input."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import DEFINITIONS, ROOT, Sop

TABLE = ROOT / "examples" / "interkoneksi_data_baru" / "tabel" / "interkoneksi_data_baru.sop.yaml"


def test_compile_refuses_to_write_over_the_table(sop: Sop, tmp_path: Path) -> None:
    """compile c.sop.yaml -o c.sop.yaml (also spelt ./c.sop.yaml) exits 1 and leaves the table as it was."""
    table = tmp_path / "c.sop.yaml"
    shutil.copy(TABLE, table)
    before = table.read_bytes()
    for output in (str(table), str(tmp_path / "." / "c.sop.yaml")):
        result = sop("compile", str(table), "-o", output)
        assert result.exit_code == 1
        assert f"-o '{output}' is the input file '{table}'; writing there would replace it" in result.stderr
        assert table.read_bytes() == before


def test_decompile_refuses_to_write_over_the_diagram(sop: Sop, tmp_path: Path) -> None:
    """decompile d.bpmn -o d.bpmn exits 1 and leaves the diagram as it was."""
    bpmn = tmp_path / "d.bpmn"
    shutil.copy(DEFINITIONS / "interkoneksi_data_baru.bpmn", bpmn)
    before = bpmn.read_bytes()
    result = sop("decompile", str(bpmn), "-o", str(bpmn))
    assert result.exit_code == 1
    assert "is the input file" in result.stderr
    assert bpmn.read_bytes() == before
