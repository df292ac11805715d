"""`sop history` as an auditor reads it, at the edges the older tests left open (the mutants of engine/audit/records.py
that survived them, `make mutants`): the time between steps in words at each unit's boundary, each artefact's
summary, and the files an altered snapshot names."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import EXAMPLES, FORMS, Sop, single_user_definitions

from engine import Engine, load_scenarios
from engine.common.canonical import canonical_json, sha256_hex
from engine.common.identity import os_login
from engine.common.work_calendar import format_time

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
# Seconds from each step to the next, and how `sop history --audit` says each (rounded to the second; minutes from
# 60 s, hours from 60 min, days from 24 h).
GAPS = [(45.0, "45s"), (59.4, "59s"), (59.6, "1m 00s"), (61.0, "1m 01s"), (750.0, "12m 30s"), (3599.0, "59m 59s"),
        (3600.0, "1h 00m"), (7500.0, "2h 05m"), (86399.0, "23h 59m"), (86400.0, "1d 0h"), (273600.0, "3d 4h"),
        (0.4, "0s")]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> str:
        return format_time(self.now)


@pytest.fixture
def spaced(tmp_path: Path) -> tuple[Sop, int]:
    """An instance of the Interkoneksi SOP (the pasang scenario) whose steps are GAPS apart."""
    scenario = next(s for s in load_scenarios(EXAMPLES) if s.file.endswith("pasang.scenario.yaml"))
    clock = Clock()
    engine = Engine(str(tmp_path / "sop.db"), definitions_dir=single_user_definitions(), forms_dir=FORMS,
                    clock=clock, operator=os_login())
    instance = engine.instances.start("interkoneksi_data_baru").instance
    for step, (gap, _) in zip(scenario.steps, GAPS, strict=False):
        clock.now += timedelta(seconds=gap)
        engine.instance(instance).complete(step["task"], step["data"], attach=step["attach"] or None)
    engine.close()
    return Sop(tmp_path / "sop.db"), instance


def test_history_says_the_time_between_steps_in_the_largest_units(spaced: tuple[Sop, int]) -> None:
    """Each step's "after" in `sop history --audit` is the time since the step before, rounded to the second, in
    seconds under a minute, minutes and seconds under an hour, hours and minutes under a day, else days and hours;
    the first event has none; `--json` gives the exact seconds."""
    sop, instance = spaced
    result = sop("history", str(instance), "--audit")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert re.split(r"\s{2,}", lines[0])[:8] == ["#", "TIME", "STEP", "LANE", "ACTOR", "OPERATOR", "AFTER", "SUMMARY"]
    after = [re.split(r"\s{2,}", line)[6] for line in lines[1:1 + len(GAPS) + 1]]
    assert after == ["-", *[words for _, words in GAPS]]
    seconds = [row["after_seconds"] for row in sop.json("history", str(instance))][:len(GAPS) + 1]
    assert seconds == [None, *[pytest.approx(gap, abs=0.001) for gap, _ in GAPS]]


def _csv(sop: Sop, instance: int) -> dict[str, str]:
    """Each event's whole summary in `sop history --csv`, by task (the instance's own events by their type)."""
    rows = csv.DictReader(io.StringIO(sop("history", str(instance), "--csv").stdout))
    return {row["task"] or row["type"]: row["summary"] for row in rows}


def test_history_summarises_each_artefact_files_first_nested_keys_dotted(spaced: tuple[Sop, int]) -> None:
    """`sop history --csv` gives each artefact whole as `key=value, ...`: an attached file first, by its name, size
    and short hash; nested fields by their dotted key; lists by their length; booleans as true/false.
    `--audit` cuts each summary longer than 60 characters to its first 59 and an ellipsis."""
    sop, instance = spaced
    summaries = _csv(sop, instance)
    assert summaries["DraftTopologi"] == ("gambar_topologi=topologi-dinkes.png (130 B, 75c3a5f3e31a), "
                                          "jenis_topologi=star, nomor_dokumen=TOPO/017/IT/2026, tanggal=2026-11-07, "
                                          "titik_koneksi=[2]")
    assert summaries["AjukanPermohonan"].startswith(
        "pindaian_surat=surat-permohonan-dinkes.pdf (629 B, a7e72b63eddc), alamat_lokasi=Jl. Ahmad Yani No. 12, ")
    assert summaries["ParafKabid"] == ("diparaf=true, pemaraf.jabatan=Kepala Bidang E-Government, "
                                       "pemaraf.nama=Rudi Hartono, S.Kom, pemaraf.nip=19780611 200312 1 006, "
                                       "tanggal=2026-11-14")
    assert summaries["AnalisaKabid"].startswith("disposisi.isi=Lakukan survey teknis")
    assert summaries["AnalisaKabid"].endswith(", program_kerja.kegiatan=[2]")
    lines = sop("history", str(instance), "--audit").stdout.splitlines()[1:]
    shown = [re.split(r"\s{2,}", line, maxsplit=7)[7] for line in lines]
    whole = list(summaries.values())
    assert len(shown) == len(whole) == len(GAPS) + 1 and (shown[0], whole[0]) == ("-", "")
    for cut, text in zip(shown[1:], whole[1:], strict=True):
        assert len(text) > 60 and cut == text[:59] + "…", (cut, text)


def test_history_names_an_unreadable_artefact_and_verify_names_the_altered_snapshots_files(
        spaced: tuple[Sop, int]) -> None:
    """An event's data garbled by SQL reads "(unreadable)" in `sop history --csv`; the pinned diagram edited by SQL
    fails verify naming the snapshot, the hash its content has now, its BPMN file and its forms."""
    sop, instance = spaced
    conn = sqlite3.connect(sop.db)
    conn.execute("DROP TRIGGER IF EXISTS events_no_update")
    conn.execute("UPDATE events SET data = 'not json' WHERE instance_id = ? AND task = 'ParafKabid'", (instance,))
    version, text = conn.execute("SELECT version, bundle FROM definition_versions").fetchone()
    bundle = json.loads(text)
    bundle["bpmn"]["text"] = bundle["bpmn"]["text"].replace('name="Paraf surat oleh Sekretaris"',
                                                            'name="Paraf surat oleh Sekda"')
    conn.execute("UPDATE definition_versions SET bundle = ? WHERE version = ?", (canonical_json(bundle), version))
    conn.commit()
    conn.close()
    assert _csv(sop, instance)["ParafKabid"] == "(unreadable)"
    problems = [p["problem"] for v in json.loads(sop("verify", "--json").stdout) for p in v["problems"]]
    files = f"BPMN {bundle['bpmn']['file']}, forms {', '.join(sorted(bundle['forms']))}"
    assert files.startswith("BPMN interkoneksi_data_baru.bpmn, forms ") and "disposisi.schema.json" in files
    assert (f"the pinned definition snapshot {version[:12]} was altered: its content now hashes to "
            f"{sha256_hex(canonical_json(bundle))[:12]} ({files})") in problems


def _one_step(tmp_path: Path, data: str) -> Sop:
    """A request whose first step was completed, its recorded data then replaced by SQL with this JSON text."""
    tmp_path.mkdir(exist_ok=True)
    sop = Sop(tmp_path / "sop.db")
    instance = sop.start()
    done = sop("complete", str(instance), "AjukanPermohonan", "--data",
               str(EXAMPLES / "data" / "01_surat_permohonan.yaml"))
    assert done.exit_code == 0, done.output
    conn = sqlite3.connect(sop.db)
    conn.execute("DROP TRIGGER IF EXISTS events_no_update")
    conn.execute("UPDATE events SET data = ? WHERE task = 'AjukanPermohonan'", (data,))
    conn.commit()
    conn.close()
    return sop


def _audit_summary(sop: Sop) -> str:
    """The summary column of the completed step's line in `sop history --audit`."""
    line = next(line for line in sop("history", "1", "--audit").stdout.splitlines() if line.startswith("2 "))
    return re.split(r"\s{2,}", line, maxsplit=7)[7]


def test_a_list_of_files_is_summarised_file_by_file(tmp_path: Path) -> None:
    """An artefact whose field holds several files reads each by its dotted position, name, size and short hash
    (kills _flatten mutants 15-22, which summarised the list by its length or lost its items)."""
    files = [{"name": f"lampiran-{i}.pdf", "media_type": "application/pdf", "size": 1000 * i + 24,
              "sha256": f"{i}" * 64} for i in (1, 2)]
    sop = _one_step(tmp_path, json.dumps({"lampiran": files, "catatan": "ok"}))
    assert _csv(sop, 1)["AjukanPermohonan"] == ("lampiran.0=lampiran-1.pdf (1.0 KB, 111111111111), "
                                                "lampiran.1=lampiran-2.pdf (2.0 KB, 222222222222), catatan=ok")


@pytest.mark.parametrize(("data", "whole"), [('"hanya teks"', "'=hanya teks"), ("[1, 2]", "'=[2]")])
def test_an_artefact_that_is_no_object_is_summarised_without_a_name(tmp_path: Path, data: str, whole: str) -> None:
    """An event's data changed by SQL into a bare text or list is summarised as it is, with no field name before
    it (the CSV quotes its leading "=" as a formula's; kills artefact_summary mutant 12, which named it "None")."""
    assert _csv(_one_step(tmp_path, data), 1)["AjukanPermohonan"] == whole


def test_a_summary_of_exactly_the_width_is_not_cut(tmp_path: Path) -> None:
    """`sop history --audit` shows a 60-character summary whole and cuts a 61-character one to 59 and an
    ellipsis (kills artefact_summary mutant 26, `<=` to `<`)."""
    assert _audit_summary(_one_step(tmp_path / "a", json.dumps({"a": "x" * 58}))) == "a=" + "x" * 58
    assert _audit_summary(_one_step(tmp_path / "b", json.dumps({"a": "x" * 59}))) == "a=" + "x" * 57 + "…"
