"""Sphinx settings of sop's manual: Markdown pages (MyST), the CLI reference generated from the click commands
(sphinx-click), the furo theme. Build it with `make docs` (warnings are errors, references checked)."""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["SOP_LANG"] = "en"  # the reference is English whatever the builder's locale says

project = "sop"
author = "Dinas Kominfo Kabupaten Bangka"
copyright = "Dinas Kominfo Kabupaten Bangka"
language = "en"

extensions = ["myst_parser", "sphinx_click"]
source_suffix = {".md": "markdown"}
root_doc = "index"
# Not pages: the script that redraws the pictures. The pictures themselves are read where a page shows them.
exclude_patterns = ["pictures.sh", "_build"]

myst_heading_anchors = 3  # `[text](page.md#a-heading)` links are checked like any other reference
nitpicky = True
smartquotes = False  # `--template` stays two hyphens, as typed, not an en dash

html_theme = "furo"
html_title = "sop"
html_static_path: list[str] = []


def _load_every_command() -> None:
    """Make the click group hold every command, with its help as `sop --help` shows it in this repository: `sop`
    imports most commands only when they run or help lists them, and sphinx-click lists only the commands a group
    holds. `sop --help` itself loads them all and fills their examples from the shipped SOP."""
    from click.testing import CliRunner

    from runner.cli import cli

    store = Path(tempfile.gettempdir()) / "sop-docs-no-such-folder" / "sop.db"  # help reads no store
    result = CliRunner().invoke(cli, ["--db", str(store), "--definitions", str(ROOT / "definitions"),
                                      "--forms", str(ROOT / "forms"), "--help"], prog_name="sop")
    if result.exit_code != 0:
        raise RuntimeError(f"`sop --help` failed: {result.output}")
    _escape_help(cli)


_BACKTICKED = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")


def _rst_text(text: str | None) -> str | None:
    """Help written for a terminal, as reStructuredText that reads the same: `code` as code, `*` as a star."""
    if not text:
        return text
    text = text.replace("\\", "\\\\").replace("*", "\\*").replace("|", "\\|")
    text = re.sub(r"(\w)_(?=\W|$)", r"\1\\_", text)
    return _BACKTICKED.sub(r"``\1``", text)


def _escape_help(command: Any) -> None:
    import click

    command.help = _rst_text(command.help)
    command.short_help = _rst_text(command.short_help)
    for param in command.params:
        if isinstance(param, click.Option):
            param.help = _rst_text(param.help)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _escape_help(sub)


def _drop_blank_arguments(app: Any, ctx: Any, lines: list[str]) -> None:
    """`sop form [INSTANCE] TASK` spells its two arguments in the first one's metavar and leaves the second's
    blank: the blank one is no argument a reader types, so it gets no entry."""
    kept: list[str] = []
    skipping = False
    for line in lines:
        if line.startswith(".. option::"):
            skipping = not line[len(".. option::"):].strip()
        if not skipping:
            kept.append(line)
    lines[:] = kept


def setup(app: Any) -> dict[str, Any]:
    _load_every_command()
    app.connect("sphinx-click-process-arguments", _drop_blank_arguments)
    return {"parallel_read_safe": True}
