"""Tests that a table reads the same in compile, lint and the definitions folder: one YAML loader everywhere."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from conftest import FORMS, ROOT, Sop

from engine.common.yamlio import parse_yaml, parse_yaml_lines

TABLE = ROOT / "examples" / "interkoneksi_data_baru" / "tabel" / "interkoneksi_data_baru.sop.yaml"
BLOCK = '''    keputusan:
      pertanyaan: Dipasang?
      syarat: AnalisaTopologi["keputusan"] == "pasang"
      ya: 6
      tidak: 9          # ditunda: langsung ke laporan dan surat penundaan
      label_ya: Pasang
      label_tidak: Tunda
'''
FLOW = ("    keputusan: {pertanyaan: Dipasang?, syarat: 'AnalisaTopologi[\"keputusan\"] == \"pasang\"', ya: 6, "
        "tidak: 9, label_ya: Pasang, label_tidak: Tunda}\n")


def test_both_parsers_read_a_question_mark_in_a_flow_mapping() -> None:
    """parse_yaml and parse_yaml_lines give the same value for `{pertanyaan: Pasang?}` (YAML 1.2 typing kept)."""
    text = "k: {pertanyaan: Pasang?, ya: 3, tanggal: 2026-11-02, jawab: no}\n"
    expected = {"k": {"pertanyaan": "Pasang?", "ya": 3, "tanggal": "2026-11-02", "jawab": "no"}}
    assert parse_yaml(text, "t.yaml") == expected
    assert parse_yaml_lines(text, "t.yaml")[0] == expected


def test_a_flow_mapping_table_compiles_lints_and_runs(make_sop: Callable[..., Sop], tmp_path: Path) -> None:
    """A table whose keputusan is a flow mapping with `Dipasang?` compiles, lints clean and runs from definitions/."""
    text = TABLE.read_text(encoding="utf-8")
    assert BLOCK in text
    folder = tmp_path / "defs"
    folder.mkdir()
    table = folder / TABLE.name
    table.write_text(text.replace(BLOCK, FLOW, 1), encoding="utf-8")
    forms = tmp_path / "forms"
    shutil.copytree(FORMS, forms)
    sop = make_sop(folder, forms)
    compiled = sop("compile", str(table))
    assert compiled.exit_code == 0, compiled.output
    assert 'name="Dipasang?"' in compiled.stdout
    linted = sop("lint", str(folder))
    assert linted.exit_code == 0, linted.output
    assert [p["id"] for p in sop.json("processes")] == ["interkoneksi_data_baru"]
    assert sop.json("start", "interkoneksi_data_baru")["tasks"][0]["task"] == "AjukanPermohonan"
