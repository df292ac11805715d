"""The manual builds with no warning, and its CLI reference holds every command and option `sop --help` shows."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest
from conftest import ROOT
from missing_tool import missing

SOP = Path(sys.executable).parent / "sop"  # the `sop` installed next to the interpreter running the tests
ENGLISH = {**os.environ, "SOP_LANG": "en", "COLUMNS": "200"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The manual built as `make docs` builds it (warnings as errors, references checked), and what Sphinx said."""
    if not all(find_spec(name) for name in ("sphinx", "myst_parser", "sphinx_click", "furo")):
        missing("the docs extra (Sphinx, MyST, sphinx-click, furo) is not installed; `make test` installs it")
    out = tmp_path_factory.mktemp("docs")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-q", "-b", "html", str(ROOT / "docs"),
         str(out)], capture_output=True, text=True, env=ENGLISH, cwd=ROOT, timeout=300,
    )
    assert result.returncode == 0, f"the manual does not build:\n{result.stdout}\n{result.stderr}"
    return out, result.stdout + result.stderr


def _help(path: list[str]) -> str:
    return subprocess.run([str(SOP), *path, "--help"], capture_output=True, text=True, env=ENGLISH, check=True,
                          timeout=60).stdout


def _section(text: str, title: str) -> list[str]:
    """The lines of one section of click's help (`Options:`, `Commands:`), up to the next section."""
    lines: list[str] = []
    inside = False
    for line in text.splitlines():
        if re.match(r"^\S.*:$", line):
            inside = line == title
        elif inside:
            lines.append(line)
    return lines


def _commands(path: list[str]) -> dict[tuple[str, ...], list[str]]:
    """Every command under `sop PATH`, as `sop ... --help` lists them, each with its long and short options."""
    text = _help(path)
    options = []
    for line in _section(text, "Options:"):
        match = re.match(r"^  (-[\w-]+(?:, -[\w-]+)*)", line)
        if match:
            options += [name for name in match.group(1).split(", ") if name not in ("-h", "--help")]
    found = {tuple(path): options}
    for line in _section(text, "Commands:"):
        match = re.match(r"^  (\S+)\s", line)
        if match:
            found.update(_commands([*path, match.group(1)]))
    return found


def test_the_manual_builds_without_a_warning(built: tuple[Path, str]) -> None:
    """`make docs`'s build says nothing: no warning, no broken reference, no page left out of the contents."""
    out, said = built
    assert not re.search(r"WARNING|ERROR", said), said
    for page in ("index", "process-owners", "officials", "operators", "auditors", "security", "developers",
                 "measured", "cli"):
        assert (out / f"{page}.html").is_file(), page


def test_the_cli_reference_holds_every_command_and_option_of_sop_help(built: tuple[Path, str]) -> None:
    """Each command `sop --help` lists (and each subcommand of a group) has its section in the reference, and each
    of its options its entry: the reference is generated from the commands, so it cannot drift from them."""
    out, _ = built
    reference = (out / "cli.html").read_text(encoding="utf-8")
    commands = _commands([])
    assert len(commands) > 25 and ("db", "copy") in commands and ("form",) in commands
    absent = []
    for path, options in commands.items():
        program = "-".join(("sop", *path))
        if f'<section id="{program}">' not in reference:
            absent.append(" ".join(("sop", *path)))
        absent += [f"{' '.join(('sop', *path))} {option}" for option in options
                   if f'id="cmdoption-{program}-{option.lstrip("-")}"' not in reference]
    assert not absent, f"not in the CLI reference: {absent}"


def test_the_cli_reference_is_english_with_its_examples_filled_in(built: tuple[Path, str]) -> None:
    """The reference reads as `sop --help` reads in this repository: English help, the shipped SOP in examples."""
    out, _ = built
    reference = (out / "cli.html").read_text(encoding="utf-8")
    assert "Run Standard Operating Procedures defined as BPMN diagrams." in reference
    assert "sop start interkoneksi_data_baru" in reference
    assert "sop form 1 AjukanPermohonan --template" in reference  # options as typed: no en dash for `--`
    assert not re.search(r"\{(process|task|next_task|definitions)\}", reference), "an example left unfilled"
