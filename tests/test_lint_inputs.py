"""Tests that `sop lint` never says "No problems found" when it found nothing to check."""

from __future__ import annotations

from pathlib import Path

from conftest import Sop

from engine.lint.lint_files import lint_paths


def test_an_empty_folder_is_nothing_to_lint(sop: Sop, tmp_path: Path) -> None:
    """An empty folder, and a folder named like a diagram, exit 1 with 'nothing to lint in PATH'."""
    empty, named = tmp_path / "kosong", tmp_path / "x.bpmn"
    empty.mkdir()
    named.mkdir()
    for folder in (empty, named):
        result = sop("lint", str(folder))
        assert result.exit_code == 1
        assert f"{folder}: error [nothing-to-lint] nothing to lint in {folder}" in result.output
        assert "No problems found" not in result.output


def test_a_path_that_does_not_exist_is_nothing_to_lint(tmp_path: Path) -> None:
    """The engine reports a missing path as an error rather than skipping it."""
    problems = lint_paths([tmp_path / "tidak.bpmn"], tmp_path)
    assert [(p.severity, p.rule) for p in problems] == [("error", "nothing-to-lint")]
