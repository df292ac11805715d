"""Tests for the one duration rule: a step's sla, a table's waktu and a timer are at most 366 days long."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, Sop, copy_definitions

from engine.common.durations import MAX_DAYS, parse_duration
from engine.common.errors import EngineError
from engine.service.facade import Engine

TABLE = ROOT / "examples" / "interkoneksi_data_baru" / "tabel" / "interkoneksi_data_baru.sop.yaml"
TENGGAT = ROOT / "tests" / "data" / "tenggat"


def test_the_longest_duration_is_366_days() -> None:
    """P366D and PT8784H are accepted; one day more, or a number too big for a date, is refused saying why."""
    assert parse_duration("P366D").days == MAX_DAYS == 366
    assert parse_duration("PT8784H").days == 366
    for text in ("P367D", "P53W", "P99999999999D", "PT99999999H"):
        with pytest.raises(ValueError, match=f"'{text}' is longer than 366 days"):
            parse_duration(text)


@pytest.mark.parametrize("sla", ["P99999999999D", "P3000000D", "PT99999999H"])
def test_an_oversized_sla_is_refused_at_lint_and_load(make_sop: Callable[..., Sop], tmp_path: Path,
                                                       sla: str) -> None:
    """lint names the file, line, task and value; processes and start refuse the folder the same way."""
    definitions, forms = copy_definitions(tmp_path)
    bpmn = definitions / "interkoneksi_data_baru.bpmn"
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace('name="sla" value="PT30M"', f'name="sla" value="{sla}"',
                                                             1), encoding="utf-8")
    sop = make_sop(definitions, forms)
    lint = sop("lint", str(definitions))
    assert lint.exit_code == 1
    assert f"interkoneksi_data_baru.bpmn:41: error [sla-invalid] AjukanPermohonan: task 'AjukanPermohonan' has " \
           f"sla='{sla}', longer than 366 days" in lint.output
    for args in (("processes",), ("start", "interkoneksi_data_baru")):
        result = sop(*args)
        assert result.exit_code == 1
        assert f"task 'AjukanPermohonan' has sla='{sla}', longer than 366 days" in result.output
        assert "internal error" not in result.output
    assert sop.dump().get("instances", []) == []


def test_an_oversized_waktu_in_a_table_is_refused_with_its_line(sop: Sop, tmp_path: Path) -> None:
    """A waktu of 99999999999999999999 hari is refused by compile and lint with the table's line, not crashing."""
    table = tmp_path / "big.sop.yaml"
    table.write_text(TABLE.read_text(encoding="utf-8").replace("waktu: 1 jam", "waktu: 99999999999999999999 hari", 1),
                     encoding="utf-8")
    for args in (("compile", str(table)), ("lint", str(table))):
        result = sop(*args)
        assert result.exit_code == 1, result.output
        assert "big.sop.yaml:39:" in result.output
        assert "waktu '99999999999999999999 hari' (P99999999999999999999D), longer than 366 days" in result.output


START_DATA = ('<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="startData" '
              'value="tenggat" /></spiffworkflow:properties></bpmn:extensionElements>')


def test_a_timer_reading_an_oversized_duration_from_data_is_refused(tmp_path: Path) -> None:
    """A timer whose duration comes from the data as P99999999999D refuses the start naming timer and value."""
    definitions = tmp_path / "definitions"
    shutil.copytree(TENGGAT / "definitions", definitions)
    bpmn = definitions / "surat_tenggat.bpmn"
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace('<bpmn:timeDuration>"PT3H"</bpmn:timeDuration>',
                                                             "<bpmn:timeDuration>tenggat</bpmn:timeDuration>")
                    .replace('isExecutable="true">', 'isExecutable="true">' + START_DATA))
    eng = Engine(str(tmp_path / "t.db"), definitions_dir=definitions, forms_dir=TENGGAT / "forms", operator="penguji")
    with pytest.raises(EngineError, match=r"Instance 1: timer 'Tenggat_Konsep': 'P99999999999D' is longer than 366"):
        eng.instances.start("surat_tenggat", {"tenggat": "P99999999999D"})
    assert eng.instances.find() == []


def test_an_oversized_bare_timer_is_refused_at_load(make_sop: Callable[..., Sop], tmp_path: Path) -> None:
    """A bare timeDuration P99999999999D is refused by lint as too long, not as an unknown name."""
    definitions = tmp_path / "definitions"
    shutil.copytree(TENGGAT / "definitions", definitions)
    bpmn = definitions / "surat_tenggat.bpmn"
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace("<bpmn:timeDuration>PT1H</bpmn:timeDuration>",
                                                             "<bpmn:timeDuration>P99999999999D</bpmn:timeDuration>"))
    result = make_sop(definitions, TENGGAT / "forms")("lint", str(definitions))
    assert result.exit_code == 1
    assert "[timer-invalid] Pengingat_Teken: timer 'Pengingat_Teken': 'P99999999999D' is longer than 366 days" \
        in result.output
