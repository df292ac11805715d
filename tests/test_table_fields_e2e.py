"""A new SOP written as a table with Kelengkapan fields and no hand-written JSON (examples/permohonan_subdomain):
compiled, linted clean, run on both paths (Setuju; Perbaiki back to the OPD, then Setuju) with the parallel parafs,
shown, its history read and its SOP AP sheet printed, all through the `sop` CLI."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, Sop

EXAMPLE = ROOT / "examples" / "permohonan_subdomain"
TABLE = EXAMPLE / "permohonan_subdomain.sop.yaml"
PROCESS = "permohonan_subdomain"
PDF = EXAMPLE / "berkas" / "surat-permohonan-subdomain.pdf"

STEPS: dict[str, tuple[str, dict[str, Any], list[str]]] = {  # step -> (who, data, --attach pairs)
    "AjukanPermohonan": ("opd.dinkes", {
        "nomor_surat": "440/512/DINKES/2026", "tanggal_surat": "2026-12-03", "nama_subdomain": "dinkes",
        "kegunaan": "Situs layanan kesehatan masyarakat", "jumlah_pengguna": 12, "nip": "198001172005012011",
        "e_mail_pengelola": "data@dinkes.bangka.go.id", "telepon_pengelola": "0812 3456 7890"},
        [f"pindaian_surat={PDF}"]),
    "DisposisiKadis": ("kadis", {"isi_disposisi": "Mohon diverifikasi dan diproses", "sifat": "segera",
                                 "tanggal_disposisi": "2026-12-03"}, []),
    "PerbaikiPermohonan": ("opd.dinkes", {"nama_subdomain": "dinkes-layanan",
                                          "uraian_perbaikan": "Nama disesuaikan"}, []),
    "BuatSubdomain": ("kasi.infra", {
        "nama_subdomain": "dinkes", "alamat_server": "10.10.1.20", "tanggal_aktif": "2026-12-04",
        "jam_aktif": "09:30", "nomor_surat_pemberitahuan": "555/77/DISKOMINFO/2026"}, []),
    "ParafKabid": ("kabid.egov", {"nip": "197806112003121006", "setuju": True}, []),
    "ParafSekretaris": ("sekretaris", {"nip": "197003151995031004", "setuju": True, "catatan": "Lanjut"}, []),
    "TandaTangan": ("kadis", {"nomor_surat": "555/77/DISKOMINFO/2026", "tanggal_surat": "2026-12-04",
                              "tembusan": ["Sekretaris Daerah"]}, []),
    "TerimaSurat": ("opd.dinkes", {"nama_penerima": "Siti Aminah", "nik_penerima": "1901015701800002",
                                   "tanggal_terima": "2026-12-05"}, []),
}


@pytest.fixture
def compiled(tmp_path: Path, make_sop: Callable[..., Sop]) -> Sop:
    """The example compiled into a fresh definitions folder (no roles file: single-user) and forms folder."""
    definitions, forms = tmp_path / "definitions", tmp_path / "forms"
    definitions.mkdir()
    forms.mkdir()
    shutil.copy(ROOT / "definitions" / "calendar.yaml", definitions)
    cli = make_sop(definitions, forms)
    result = cli("compile", str(TABLE), "-o", str(definitions / f"{PROCESS}.bpmn"))
    assert result.exit_code == 0, result.output
    assert f"Wrote process {PROCESS} (9 steps in 5 lanes)" in result.stderr
    return cli


def _complete(cli: Sop, instance: int, step: str, data: dict[str, Any] | None = None) -> list[str]:
    who, default, attach = STEPS[step]
    files = [arg for pair in attach for arg in ("--attach", pair)]
    result = cli("complete", str(instance), step, "--data", "-", "--as", who, *files, "--json",
                 input=json.dumps(default if data is None else data))
    assert result.exit_code == 0, result.output
    return sorted(t["task"] for t in json.loads(result.stdout)["tasks"])


def _verify(cli: Sop, instance: int, keputusan: str) -> list[str]:
    result = cli("complete", str(instance), "Verifikasi", "--set", f"keputusan={keputusan}", "--set",
                 "catatan=Nama subdomain sudah dipakai" if keputusan == "Perbaiki" else "catatan=Lengkap",
                 "--as", "kasi.infra", "--json")
    assert result.exit_code == 0, result.output
    return sorted(t["task"] for t in json.loads(result.stdout)["tasks"])


def _after_verification(cli: Sop, instance: int) -> None:
    assert _complete(cli, instance, "BuatSubdomain") == ["ParafKabid", "ParafSekretaris"]  # the parallel pair
    assert _complete(cli, instance, "ParafSekretaris") == ["ParafKabid"]
    assert _complete(cli, instance, "ParafKabid") == ["TandaTangan"]
    assert _complete(cli, instance, "TandaTangan") == ["TerimaSurat"]
    assert _complete(cli, instance, "TerimaSurat") == []


def test_the_table_compiles_to_forms_and_a_diagram_that_lint_clean_and_no_json_is_hand_written(
        compiled: Sop) -> None:
    """The example folder holds no JSON; compile wrote one form and UI schema per step; lint finds nothing; the
    compiled version does not change when the unchanged table is compiled again."""
    assert not list(EXAMPLE.rglob("*.json"))
    forms = sorted(p.name for p in compiled.forms.iterdir())
    assert len(forms) == 18 and f"{PROCESS}.ParafKabid.schema.json" in forms
    assert f"{PROCESS}.ParafSekretaris.uischema.json" in forms
    lint = compiled("lint", str(compiled.definitions))
    assert lint.exit_code == 0 and lint.stderr == "No problems found.\n", lint.output
    version = compiled.json("processes")[0]["version"]
    again = compiled("compile", str(TABLE), "-o", str(compiled.definitions / f"{PROCESS}.bpmn"))
    assert again.exit_code == 0 and "form file" not in again.stderr
    assert compiled.json("processes")[0]["version"] == version


def test_the_table_itself_lints_clean_beside_its_forms_made_in_memory(tmp_path: Path,
                                                                       make_sop: Callable[..., Sop]) -> None:
    """The .sop.yaml dropped into a definitions folder lints clean with an empty forms folder and runs."""
    definitions, forms = tmp_path / "defs", tmp_path / "empty-forms"
    definitions.mkdir()
    forms.mkdir()
    shutil.copy(TABLE, definitions)
    cli = make_sop(definitions, forms)
    lint = cli("lint", str(definitions))
    assert lint.exit_code == 0 and lint.stderr == "No problems found.\n", lint.output
    instance = cli.start(PROCESS)
    assert _complete(cli, instance, "AjukanPermohonan") == ["DisposisiKadis"]
    assert list(forms.iterdir()) == []


def test_setuju_path_runs_every_step_once_and_the_parafs_in_parallel(compiled: Sop) -> None:
    """Setuju at the verification goes on to the subdomain, both parafs at once, the signature and the receipt."""
    instance = compiled.start(PROCESS)
    assert _complete(compiled, instance, "AjukanPermohonan") == ["DisposisiKadis"]
    assert _complete(compiled, instance, "DisposisiKadis") == ["Verifikasi"]
    assert _verify(compiled, instance, "Setuju") == ["BuatSubdomain"]
    _after_verification(compiled, instance)
    shown = compiled.json("show", str(instance))
    assert shown["status"] == "completed" and shown["tasks"] == []
    assert "PerbaikiPermohonan" not in shown["data"]
    assert shown["data"]["AjukanPermohonan"]["nip"] == "198001172005012011"
    assert shown["data"]["AjukanPermohonan"]["pindaian_surat"]["media_type"] == "application/pdf"
    assert shown["data"]["TandaTangan"]["tembusan"] == ["Sekretaris Daerah"]
    words = compiled("show", str(instance)).stdout
    assert "Permohonan Subdomain" in words and "NIP penanggung jawab" in words and "nip" not in words.split()


def test_perbaiki_loops_back_to_the_opd_then_setuju_finishes(compiled: Sop) -> None:
    """Perbaiki sends the request back to the OPD, whose correction returns to the verification; Setuju then
    finishes; the history lists the verification twice, in words."""
    instance = compiled.start(PROCESS)
    _complete(compiled, instance, "AjukanPermohonan")
    _complete(compiled, instance, "DisposisiKadis")
    assert _verify(compiled, instance, "Perbaiki") == ["PerbaikiPermohonan"]
    tasks = compiled.json("tasks", "--instance", str(instance))
    assert [(t["task"], t["lane"]) for t in tasks] == [("PerbaikiPermohonan", "OPD")]
    assert _complete(compiled, instance, "PerbaikiPermohonan") == ["Verifikasi"]
    assert _verify(compiled, instance, "Setuju") == ["BuatSubdomain"]
    _after_verification(compiled, instance)
    shown = compiled.json("show", str(instance))
    assert shown["status"] == "completed"
    assert shown["data"]["PerbaikiPermohonan"]["nama_subdomain"] == "dinkes-layanan"
    assert shown["data"]["Verifikasi"]["keputusan"] == "Setuju"  # the latest verification
    history = compiled("history", str(instance))
    assert history.exit_code == 0, history.output
    assert history.stdout.count("Verifikasi permohonan dan ketersediaan nama") == 2
    assert "Perbaiki permohonan" in history.stdout and "Paraf draf surat" in history.stdout
    events = compiled.json("history", str(instance))
    assert [e["task"] for e in events if e.get("task") == "Verifikasi"] == ["Verifikasi", "Verifikasi"]


def test_a_refused_value_says_what_is_expected_in_words_and_saves_nothing(
        compiled: Sop, monkeypatch: pytest.MonkeyPatch) -> None:
    """An NIP of 10 digits and a telephone of letters are refused in Indonesian words, never the regex; the
    instance is where it was."""
    monkeypatch.setenv("SOP_LANG", "id")
    instance = compiled.start(PROCESS)
    before = compiled.dump()
    bad = {**STEPS["AjukanPermohonan"][1], "nip": "1980011720", "telepon_pengelola": "kantor"}
    result = compiled("complete", str(instance), "AjukanPermohonan", "--data", "-", "--attach", f"pindaian_surat={PDF}",
                      input=json.dumps(bad))
    assert result.exit_code == 1
    assert 'NIP penanggung jawab (nip): harus terdiri dari 18 angka; diberikan "1980011720"' in result.stderr
    assert "Telepon pengelola (telepon_pengelola): harus terdiri dari angka, spasi atau -" in result.stderr
    assert "[0-9]" not in result.stderr and "^" not in result.stderr
    assert compiled.dump() == before
    template = compiled("form", str(instance), "AjukanPermohonan", "--template")
    assert "# NIP penanggung jawab - terdiri dari 18 angka - wajib diisi" in template.stdout
    assert "[0-9]" not in template.stdout


def test_the_sop_ap_sheet_prints_with_every_step_and_kelengkapan(compiled: Sop) -> None:
    """`sop sheet` prints the SOP AP document of the compiled table: its name, actors, steps and Kelengkapan."""
    result = compiled("sheet", PROCESS)
    assert result.exit_code == 0, result.output
    page = result.stdout
    assert "Permohonan Subdomain" in page
    for words in ("Kepala Seksi", "Sekretaris", "Verifikasi permohonan", "Paraf draf surat", "Hasil Verifikasi",
                  "Surat Pemberitahuan", "Tanda Terima"):  # (long names wrap onto several lines of a box)
        assert words in page, words


NEW_ROW = """  - id: UjiSubdomain
    kegiatan: Uji subdomain yang dibuat
    pelaksana: Kepala Seksi
    kelengkapan:
      nama: Hasil Uji
      isian:
        - {judul: Hasil uji, jenis: "pilihan: Berhasil / Gagal"}
    waktu: 30 menit
    output: Laporan uji
"""


def test_republished_with_one_more_step_while_a_request_runs(compiled: Sop, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The process owner adds a step (a row with no number, after row 5) while a request waits at Verifikasi:
    recompiled in place, linted with no error, the plan reads in words, the request moves and then walks through the
    new step; the history records the move, verify passes and the sheet prints the new row."""
    monkeypatch.setenv("SOP_LANG", "id")
    instance = compiled.json("start", PROCESS)["instance"]
    _complete(compiled, instance, "AjukanPermohonan")
    assert _complete(compiled, instance, "DisposisiKadis") == ["Verifikasi"]
    text = TABLE.read_text(encoding="utf-8")
    changed = tmp_path / f"{PROCESS}.sop.yaml"
    changed.write_text(text.replace("  - nomor: 6\n", NEW_ROW + "  - nomor: 6\n", 1), encoding="utf-8")
    bpmn = compiled.definitions / f"{PROCESS}.bpmn"
    result = compiled("compile", str(changed), "-o", str(bpmn))
    assert result.exit_code == 0, result.output
    assert [p for p in compiled.json("lint", str(compiled.definitions)) if p["severity"] == "error"] == []
    plan = compiled("migrate", str(instance), "--dry-run")
    assert plan.exit_code == 0, plan.output
    assert "'Uji subdomain yang dibuat'" in plan.stdout and "ditambahkan" in plan.stdout, plan.stdout
    assert "schema.json" not in plan.stdout and "extensions" not in plan.stdout
    moved = compiled("migrate", str(instance))
    assert moved.exit_code == 0, moved.output
    assert _verify(compiled, instance, "Setuju") == ["BuatSubdomain"]
    assert _complete(compiled, instance, "BuatSubdomain") == ["UjiSubdomain"]
    done = compiled("complete", str(instance), "UjiSubdomain", "--set", "hasil_uji=Berhasil", "--as", "kasi.infra",
                    "--json")
    assert done.exit_code == 0, done.output
    assert sorted(t["task"] for t in json.loads(done.stdout)["tasks"]) == ["ParafKabid", "ParafSekretaris"]
    assert _complete(compiled, instance, "ParafKabid") == ["ParafSekretaris"]
    assert _complete(compiled, instance, "ParafSekretaris") == ["TandaTangan"]
    assert _complete(compiled, instance, "TandaTangan") == ["TerimaSurat"]
    assert _complete(compiled, instance, "TerimaSurat") == []
    history = compiled("history", str(instance))
    assert history.exit_code == 0 and "Uji subdomain yang dibuat" in history.stdout, history.output
    events = [e["type"] for e in compiled.json("history", str(instance))]
    assert "instance-migrated" in events
    assert compiled("verify", str(instance)).exit_code == 0
    sheet = compiled("sheet", PROCESS)
    assert sheet.exit_code == 0 and "Uji subdomain yang dibuat" in sheet.stdout
