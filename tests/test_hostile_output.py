"""Output cannot forge lines: control characters print escaped, CSV cells cannot start formulas, logins with control
characters are refused; CSV is whole (never cut) and booleans read true/false."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from conftest import DATA, Sop, copy_definitions

EVIL = "=HYPERLINK(\"http://x\")\x1b[2J\rOK\x07"


def _submitted(sop: Sop) -> int:
    instance = sop.start()
    result = sop("complete", str(instance), "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"),
                 "--set", f"alamat_lokasi={EVIL}")
    assert result.exit_code == 0, result.output
    return instance


def test_control_characters_in_data_print_escaped_in_tables(sop: Sop) -> None:
    """An artefact holding ESC, CR and BEL shows them as escapes in `history --audit` and in `show`'s documents;
    the JSON keeps the exact value."""
    instance = _submitted(sop)
    for table in (sop("history", str(instance), "--audit").stdout, sop("show", str(instance)).stdout):
        assert "\x1b" not in table and "\r" not in table and "\x07" not in table
        assert "\\x1b[2J" in table and "OK\\x07" in table  # a document's field keeps to its line: CR reads " / "
    [event] = [e for e in sop.json("history", str(instance)) if e["task"] == "AjukanPermohonan"]
    assert event["data"]["alamat_lokasi"] == EVIL


def test_csv_neutralises_formulas_and_is_never_cut(sop: Sop) -> None:
    """`history --csv` prefixes a cell that would start a formula with a quote, writes the whole artefact, and
    booleans as true/false."""
    instance = _submitted(sop)
    rows = list(csv.DictReader(io.StringIO(sop("history", str(instance), "--csv").stdout)))
    [row] = [r for r in rows if r["task"] == "AjukanPermohonan"]
    summary = row["summary"]
    assert "…" not in summary and len(summary) > 60
    assert "alamat_lokasi==HYPERLINK" in summary and "\x1b" not in summary
    instance = sop.start()
    sop("complete", str(instance), "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"),
        "--as", "=SUM(1,2)")  # single-user mode: --as names anyone, here a would-be formula
    rows = list(csv.DictReader(io.StringIO(sop("history", str(instance), "--csv").stdout)))
    [row] = [r for r in rows if r["task"] == "AjukanPermohonan"]
    assert row["actor"] == "'=SUM(1,2)"


def test_csv_cell_quotes_formula_text_only() -> None:
    """A text cell starting with = + - @ gets a leading quote; numbers and plain text do not."""
    from runner.render import csv_cell

    assert csv_cell("=1+1") == "'=1+1" and csv_cell("-2") == "'-2" and csv_cell("@x") == "'@x"
    assert csv_cell("Budi") == "Budi" and csv_cell(-2) == -2 and csv_cell("a\x1bb") == "a\\x1bb"


def test_a_login_with_control_characters_is_refused(sop: Sop) -> None:
    """`--as` with an escape sequence is refused before anything is written."""
    sop.start()
    before = sop.dump()
    refused = sop("complete", "1", "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"),
                  "--as", "kadis\x1b[2K")
    assert refused.exit_code == 1
    assert "--as 'kadis\\x1b[2K': a login is a name such as kasi.infra" in refused.stderr
    assert "\x1b" not in refused.stderr
    assert sop.dump() == before


def test_a_roles_file_login_with_control_characters_is_refused(tmp_path: Path) -> None:
    """A roles file naming a login with a control character is an error with its line."""
    definitions, forms = copy_definitions(tmp_path)
    (definitions / "roles.yaml").write_text('"tu\\x1b[31m": {name: X, nip: "1", lanes: [OPD]}\n', encoding="utf-8")
    sop = Sop(tmp_path / "s.db", definitions, forms)
    refused = sop("start", "interkoneksi_data_baru")
    assert refused.exit_code == 1
    assert "roles.yaml:1: login 'tu\\x1b[31m': a login is a name such as kasi.infra" in refused.stderr
    assert "fix the roles file" in refused.stderr
    assert not sop.db.exists()
