"""Tests that every command, lint included, reads the roles file with one loader and refuses the same mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA, DEFINITIONS, Sop

ROLES_MISTAKES = [
    ("- root\n", ":1: a roles file maps login names to people"),
    ("root: {name: x, lanes: [OPD], operator: true}\nroot: {name: y, lanes: [Kepala Dinas]}\n",
     ":2: login 'root' is written twice (lines 1 and 2); keep one entry per person"),
]


@pytest.mark.parametrize(("text", "message"), ROLES_MISTAKES)
def test_a_malformed_roles_file_is_refused_by_roles_and_complete(tmp_path: Path, text: str, message: str) -> None:
    """`sop roles` and `sop complete` exit 1 naming the file and line, never an internal error, changing nothing."""
    path = tmp_path / "orang.yaml"
    path.write_text(text, encoding="utf-8")
    sop = Sop(tmp_path / "sop.db")
    sop.start()
    before = sop.dump()
    for args in (("roles",), ("complete", "1", "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"))):
        result = sop("--roles", str(path), *args)
        assert result.exit_code == 1
        assert f"{path}{message}" in result.stderr
        assert "internal error" not in result.output
    assert sop.dump() == before


def test_a_folder_given_as_roles_file_is_called_a_folder(sop: Sop, tmp_path: Path) -> None:
    """--roles DIR says the path is a folder, not that it does not exist."""
    result = sop("--roles", str(tmp_path), "roles")
    assert result.exit_code == 1
    assert f"Roles file '{tmp_path}' is a folder; give the roles YAML file itself" in result.stderr


@pytest.mark.parametrize(("text", "message"), ROLES_MISTAKES)
def test_lint_reports_a_malformed_roles_file(sop: Sop, tmp_path: Path, text: str, message: str) -> None:
    """lint --roles FILE with a broken file is an error with the file and line (exit 1)."""
    path = tmp_path / "orang.yaml"
    path.write_text(text, encoding="utf-8")
    result = sop("lint", "--roles", str(path), str(DEFINITIONS))
    assert result.exit_code == 1
    line, _, rest = message[1:].partition(": ")
    assert f"{path}:{line}: error [roles-invalid] {rest}" in result.output


def test_lint_reports_a_missing_roles_file(sop: Sop, tmp_path: Path) -> None:
    """lint --roles with a file that does not exist is an error, not 'No problems found'."""
    result = sop("lint", "--roles", str(tmp_path / "tidak.yaml"), str(DEFINITIONS))
    assert result.exit_code == 1
    assert f"error [roles-invalid] Roles file '{tmp_path / 'tidak.yaml'}' does not exist" in result.output


def test_lint_matches_lanes_as_the_roles_file_does(sop: Sop, tmp_path: Path) -> None:
    """A roles file writing 'kepala  DINAS' covers lane 'Kepala Dinas' for lint as it does for complete."""
    path = tmp_path / "orang.yaml"
    path.write_text("a: {name: A, lanes: [OPD, kepala  DINAS, Kepala Bidang, Kepala Seksi, Tim Teknis Jaringan, "
                    "Sekretaris]}\n", encoding="utf-8")
    result = sop("lint", "--roles", str(path), str(DEFINITIONS))
    assert result.exit_code == 0, result.output
    assert "lane-unknown-role" not in result.output
