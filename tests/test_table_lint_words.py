"""`sop lint` of an SOP table under SOP_LANG=id: the compiled diagram's findings (an unknown step, a bare name, a
field the form lacks, a step read before it runs, a row nobody reaches) are said in Indonesian, each at its row."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner, Result
from conftest import ROOT

from runner.cli import cli

EXAMPLE = ROOT / "examples" / "permohonan_subdomain" / "permohonan_subdomain.sop.yaml"
# Words an English message would have; none of them may be read outside a quoted name or expression.
ENGLISH = ("the", "is", "which", "reads", "step", "expression", "use", "of", "this", "row", "error", "field", "form",
           "condition", "never", "comes", "before", "cannot", "reached", "start", "event", "userTask")


def _mistaken(text: str) -> str:
    """The example table with five mistakes the compiled diagram shows."""
    edits = [
        # row 2 checks the signed letter before it is signed
        ("    waktu: 30 menit\n    output: Disposisi\n",
         "    waktu: 30 menit\n    output: Disposisi\n"
         "    periksa:\n      syarat: TandaTangan[\"nomor_surat\"] != \"\"\n"),
        # row 3's syarat reads a step that does not exist; its tidak skips row 4, which nothing reaches then
        ('syarat: Verifikasi["keputusan"] == "Setuju"', 'syarat: Verifikas["keputusan"] == "Setuju"'),
        ("      ya: 5\n      tidak: 4\n", "      ya: 5\n      tidak: 6\n"),
        # row 5 reads a field by its bare name
        ("    waktu: 2 jam\n    output: Draf Surat Pemberitahuan\n",
         "    waktu: 2 jam\n    output: Draf Surat Pemberitahuan\n"
         "    periksa:\n      syarat: nama_subdomain != \"\"\n"),
        # row 7 reads a field its form does not have
        ("    waktu: 30 menit\n    output: Surat Pemberitahuan\n",
         "    waktu: 30 menit\n    output: Surat Pemberitahuan\n"
         "    periksa:\n      syarat: TandaTangan[\"nomor\"] != \"\"\n"),
    ]
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def _lint(tmp_path: Path, lang: str) -> tuple[Result, Path, str]:
    table = tmp_path / "permohonan_subdomain.sop.yaml"
    text = _mistaken(EXAMPLE.read_text(encoding="utf-8"))
    table.write_text(text, encoding="utf-8")
    forms = tmp_path / "forms"
    forms.mkdir()
    result = CliRunner(env={"SOP_LANG": lang}).invoke(
        cli, ["--db", str(tmp_path / "sop.db"), "--definitions", str(tmp_path), "--forms", str(forms), "lint",
              str(table)], catch_exceptions=False)
    return result, table, text


def test_table_lint_says_the_diagrams_findings_in_indonesian(tmp_path: Path) -> None:
    result, table, text = _lint(tmp_path, "id")
    assert result.exit_code == 1, result.output
    lines = [line.split(": ", 1)[1] for line in result.output.splitlines() if line.startswith(str(table))]
    assert len(lines) == 5, result.output
    assert ("galat [table-invalid] baris 3 (Verifikasi), keputusan.syarat: ekspresi "
            "'Verifikas[\"keputusan\"] == \"Setuju\"' membaca 'Verifikas', yang bukan langkah proses ini (langkahnya: "
            "AjukanPermohonan, BuatSubdomain, DisposisiKadis, ParafKabid, ParafSekretaris, PerbaikiPermohonan, "
            "TandaTangan, TerimaSurat, Verifikasi); pakai id tugas sebuah langkah") in lines
    assert ("galat [table-invalid] baris 4 (PerbaikiPermohonan): baris 4 ('PerbaikiPermohonan') tidak pernah "
            "tercapai: tidak ada baris yang menuju ke sana; arahkan lanjut, ya atau tidak ke baris itu, atau "
            "hapus") in lines
    assert ("galat [condition-unknown-step] baris 2 (DisposisiKadis), periksa.syarat: ekspresi "
            "'TandaTangan[\"nomor_surat\"] != \"\"' pada 'DisposisiKadis' membaca langkah 'TandaTangan', yang tidak "
            "pernah datang sebelumnya; baca langkah yang mendahuluinya") in lines
    assert any(line.startswith("galat [condition-unknown-name] baris 5 (BuatSubdomain), periksa.syarat: syarat ")
               for line in lines), lines
    assert any(line.startswith("galat [condition-unknown-field] baris 7 (TandaTangan), periksa.syarat: syarat ")
               for line in lines), lines
    assert result.output.rstrip().endswith("5 galat, 0 peringatan."), result.output
    # quoted names and expressions are the author's; a rule's name ([condition-unknown-step]) is an id
    words = re.sub(r"'[^']*'|\[[a-z-]+\]", "", result.output.replace(str(table), ""))
    english = [w for w in ENGLISH if re.search(rf"\b{w}\b", words, re.IGNORECASE)]
    assert english == [], (english, words)
    assert table.read_text(encoding="utf-8") == text  # lint changes nothing


def test_the_same_table_in_english_keeps_the_rules_wording(tmp_path: Path) -> None:
    result, _, _ = _lint(tmp_path, "en")
    assert result.exit_code == 1, result.output
    assert ("error [table-invalid] row 3 (Verifikasi), keputusan.syarat: expression "
            "'Verifikas[\"keputusan\"] == \"Setuju\"' reads 'Verifikas', which is no step of this process (steps: "
            "AjukanPermohonan, BuatSubdomain, DisposisiKadis, ParafKabid, ParafSekretaris, PerbaikiPermohonan, "
            "TandaTangan, TerimaSurat, Verifikasi); use a step's task id") in result.output
    assert ("error [condition-unknown-step] row 2 (DisposisiKadis), periksa.syarat: expression "
            "'TandaTangan[\"nomor_surat\"] != \"\"' of 'DisposisiKadis' reads step 'TandaTangan', which never comes "
            "before it; read a step upstream") in result.output
    assert "5 error(s), 0 warning(s)." in result.output


def test_a_syarat_python_cannot_read_is_said_in_indonesian(tmp_path: Path) -> None:
    """Python's own reason (an unclosed quote) is said in the reader's words too."""
    table = tmp_path / "permohonan_subdomain.sop.yaml"
    text = EXAMPLE.read_text(encoding="utf-8").replace('syarat: Verifikasi["keputusan"] == "Setuju"',
                                                       'syarat: Verifikasi["keputusan"] == "Setuju')
    table.write_text(text, encoding="utf-8")
    result = CliRunner(env={"SOP_LANG": "id"}).invoke(cli, ["--definitions", str(tmp_path), "lint", str(table)],
                                                      catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert ("galat [table-invalid] baris 3 (Verifikasi), keputusan.syarat: ekspresi "
            "'Verifikasi[\"keputusan\"] == \"Setuju' tidak valid: teks dalam tanda kutip tidak ditutup (terlihat pada "
            "baris 1); perbaiki ekspresinya") in result.output
    assert table.read_text(encoding="utf-8") == text
