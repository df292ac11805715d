"""Every `sop` command, and its refusals, read Indonesian under SOP_LANG=id: the commands are enumerated from the
click group (a new command fails this test until it is added to RUNS), each is run as it succeeds and as it is
refused, and no printed line holds a common English word or a line the catalog would still change."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import DATA, EXAMPLES, FORMS, copy_definitions
from language_words import english_in

from engine.common.i18n import catalog
from engine.common.identity import os_login
from runner.cli import cli

ME = os_login()
GOOD = "Kopi-Tubruk-2026!"
LETTER = str(DATA / "01_surat_permohonan.yaml")
SCAN = str(EXAMPLES / "berkas" / "surat-permohonan-dinkes.pdf")

# Each command (its words as typed) and the runs that show it: (arguments after the command, stdin). Placeholders:
# {tmp} a scratch folder, {defs} the definitions folder, {bpmn} its diagram, {empty} a store that has no roles.
RUNS: dict[tuple[str, ...], list[tuple[tuple[str, ...], str | None]]] = {
    ("accounts",): [((), None), (("nosuch",), None)],
    ("accounts", "sessions"): [(("kadis",), None), (("kadis", "--end"), None), (("orang.lain", "--end"), None)],
    ("accounts", "throttles"): [((), None), (("--clear", "kadis"), None)],
    ("attachment",): [(("1",), None), (("1", "AjukanPermohonan", "pindaian_surat", "-o", "{tmp}/scan.pdf"), None),
                      (("1", "Tidak"), None), (("99",), None)],
    ("claim",): [(("1", "DisposisiKadis", "--as", "kadis"), None), (("1", "DisposisiKadis"), None),
                 (("1", "Tidak"), None)],
    ("comment",): [(("1", "--text", "Mohon dicek"), None), (("1", "DisposisiKadis", "--text", "Kurang paraf"), None),
                   (("1", "--text", " "), None), (("1", "Tidak", "--text", "x"), None), (("99", "--text", "x"), None),
                   (("1",), None)],
    ("compile",): [((str(EXAMPLES / "tabel" / "interkoneksi_data_baru.sop.yaml"), "-o", "{tmp}/t.bpmn"), None),
                   (("{tmp}/tidak-ada.sop.yaml", "-o", "{tmp}/u.bpmn"), None)],
    ("complete",): [(("1", "AjukanPermohonan", "--data", LETTER), None),
                    (("1", "DisposisiKadis", "--set", "sifat=kilat", "--as", "kadis"), None),
                    (("1", "DisposisiKadis", "--data", "{tmp}/rusak.yaml", "--as", "kadis"), None),
                    (("1", "DisposisiKadis", "--set", "x"), None),
                    (("1", "DisposisiKadis", "--as", "kabid.egov"), None),
                    (("99", "AjukanPermohonan"), None)],
    ("db",): [((), None)],
    ("import",): [(("{bpmn}", "-o", "{tmp}/impor", "--forms", "{tmp}/impor-formulir"), None),
                  (("{bpmn}", "-o", "{tmp}/impor", "--forms", "{tmp}/impor-formulir"), None),
                  (("{tmp}/tidak-ada.bpmn",), None)],
    ("delegate",): [(("kadis", "sekretaris", "--from", "2099-01-01", "--until", "2099-01-02"), None),
                    (("--list",), None), (("kadis", "kadis", "--from", "2099-01-01", "--until", "2099-01-02"), None),
                    (("--end", "999"), None), (("kadis",), None)],
    ("db", "copy"): [(("--from", "{db}", "--to", "{tmp}/salinan.db"), None),
                     (("--from", "{db}", "--to", "{tmp}/salinan.db"), None)],
    ("db", "gc"): [(("--dry-run",), None), ((), None)],
    ("decompile",): [(("{bpmn}", "-o", "{tmp}/t.sop.yaml"), None), (("{tmp}/tidak-ada.bpmn",), None)],
    ("demo",): [(("--examples", str(EXAMPLES.parent)), None), (("--examples", "{tmp}/tidak-ada"), None)],
    ("diagram",): [(("1", "-o", "{tmp}/1.svg"), None), (("99", "-o", "{tmp}/99.svg"), None),
                   (("--process", "interkoneksi_data_baru", "--heat", "-o", "{tmp}/panas.svg"), None),
                   (("1", "--heat"), None)],
    ("events",): [((), None), (("--consumer", "uji", "--ack", "2"), None), (("--since", "kemarin"), None)],
    ("export",): [(("1", "-o", "{tmp}/b.json"), None), (("99", "-o", "{tmp}/c.json"), None),
                  (("--xes", "{tmp}/log.xes"), None), (("--xes", "{tmp}/log.xes", "--process", "tidak_ada"), None),
                  (("--xes", "{tmp}/log.xes", "--since", "2026-12-02", "--until", "2026-12-01"), None),
                  (("--xes", "{tmp}/tidak-ada/log.xes"), None), ((), None), (("1",), None),
                  (("--ocel", "{tmp}/log.json"), None), (("--xes", "{tmp}/a.xes", "--ocel", "{tmp}/a.json"), None)],
    ("form",): [(("1", "DisposisiKadis", "--template"), None), (("1", "Tidak"), None)],
    ("history",): [(("1",), None), (("1", "--csv"), None), (("99",), None), (("1", "--json", "--csv"), None)],
    ("instances",): [((), None), (("--status", "selesai"), None), (("--process", "tidak_ada"), None)],
    ("lint",): [(("{defs}",), None), (("{tmp}/broken",), None), (("{tmp}/tidak-ada",), None)],
    ("migrate",): [(("1", "--dry-run"), None), (("99", "--dry-run"), None), (("1", "--to", "abc"), None)],
    ("notices",): [((), None), (("--failed",), None)],
    ("notify",): [((), None), (("--limit", "0"), None)],
    ("passwd",): [(("kadis", "--password-stdin"), GOOD + "\n"), (("kadis", "--password-stdin"), "pendek\n"),
                  (("budi", "--password-stdin"), GOOD + "\n"), (("kadis", "--password-stdin"), "\n")],
    ("processes",): [((), None), (("--versions",), None)],
    ("release",): [(("1", "DisposisiKadis"), None), (("1", "DisposisiKadis"), None)],
    ("replay",): [(("1",), None), (("1", "--until", "2"), None), (("99",), None)],
    ("report",): [((), None)],
    ("report", "sla"): [((), None), (("--since", "2026-13-40"), None), (("--json", "--csv"), None)],
    ("report", "summary"): [((), None), (("--process", "tidak_ada"), None)],
    ("return",): [(("1", "DisposisiKadis"), None),
                  (("1", "DisposisiKadis", "--to", "Tidak", "--reason", "salah", "--as", "kadis"), None),
                  (("1", "DisposisiKadis", "--to", "X"), None)],
    ("roles",): [((), None), (("--roles", "{tmp}/peran-rusak.yaml"), None),
                 (("--roles", "{tmp}/peran-lain.yaml"), None),
                 (("--db", "{empty}", "--roles", "{tmp}/peran-tanpa-saya.yaml"), None)],
    ("roles", "apply"): [((), None), (("--roles", "{tmp}/peran-tanpa-saya.yaml"), None),
                         (("--recover", "--roles", "{tmp}/peran-lain.yaml"), None)],
    ("serve",): [(("--db", "{empty}"), None), (("--port", "0"), None)],
    ("setup",): [(("--password-stdin",), GOOD + "\n"), (("--db", "{empty}", "--password-stdin",
                                                         "--roles", "{tmp}/peran-tanpa-saya.yaml"), GOOD + "\n")],
    ("sheet",): [(("interkoneksi_data_baru", "-o", "{tmp}/s.html"), None), (("tidak_ada", "-o", "{tmp}/s.html"), None)],
    ("monev",): [(("--process", "interkoneksi_data_baru", "--semester", "2026-2", "-o", "{tmp}/m.html"), None),
                 (("--process", "interkoneksi_data_baru", "--semester", "2026-3"), None),
                 (("--process", "interkoneksi_data_baru", "--semester", "2026-2", "--evaluate"), None)],
    ("show",): [(("1",), None), (("99",), None), (("x",), None), ((), None)],
    ("start",): [(("interkoneksi_data_baru",), None), (("tidak_ada",), None), (("interkoneksi_data_baru", "--bogus"),
                                                                                None)],
    ("tasks",): [((), None), (("--overdue",), None), (("--lane", "Kabid"), None), (("--instance", "99"), None)],
    ("tick",): [((), None)],
    ("verify",): [((), None), (("--bundle", "{tmp}/tidak-ada.json"), None), (("99",), None)],
}

# Global options are typed before the command; these runs put them there.
_GLOBAL = {"--db", "--roles", "--definitions", "--forms"}


def _commands(group: click.Group, ctx: click.Context, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _commands(command, ctx, (*prefix, name))


def test_every_command_is_in_the_list_of_runs() -> None:
    """The list of runs names exactly the commands the CLI has: a new command must be shown in Indonesian too."""
    found = set(_commands(cli, click.Context(cli)))
    assert found - set(RUNS) == set(), "commands with no Indonesian run: add them to RUNS"
    assert set(RUNS) - found == set(), "RUNS names commands the CLI no longer has"


def _prose(line: str) -> str:
    """A printed line without what is not prose: commands in backticks, quoted values, options, placeholders in
    capitals, JSON keys, comment lines that show a command, and the program's name in a usage line."""
    line = re.sub(r"^Penggunaan: cli( [a-z-]+)*", " ", line)  # the program and the command, as typed
    line = re.sub(r"^[a-z_]+: \d+ baris$", " ", line)  # `sop db copy`'s table names are identifiers
    line = re.sub(r"\[[a-z-]+\]|\b[0-9a-f]{7,}\b", " ", line)  # lint's rule names; hashes
    line = re.sub(r"`[^`]*`", " ", line)
    line = re.sub(r"'[^']*'|\"[^\"]*\"|‘[^’]*’", " ", line)
    line = re.sub(r"(?<![\w-])--?[a-z][a-z-]*", " ", line)
    line = re.sub(r"\b[A-Z][A-Z0-9_|.]+\b", " ", line)
    return re.sub(r"^\s*#\s*sop .*$", " ", line)


def _setup(tmp: Path) -> dict[str, str]:
    """A store with the roles pinned (this OS account an operator in lane OPD), one instance whose first step is
    done with a scan attached, and the files the refusals name."""
    definitions, _ = copy_definitions(tmp, roles=True)
    roles = definitions / "roles.yaml"
    shipped = roles.read_text(encoding="utf-8")
    roles.write_text(shipped + f"{ME}: {{name: Petugas Uji, lanes: [OPD], operator: true}}\n", encoding="utf-8")
    (tmp / "peran-tanpa-saya.yaml").write_text(shipped, encoding="utf-8")
    (tmp / "peran-lain.yaml").write_text(shipped + f"{ME}: {{name: Petugas Lain, lanes: [], operator: true}}\n",
                                         encoding="utf-8")
    (tmp / "peran-rusak.yaml").write_text("kadis: {name: [\n", encoding="utf-8")
    (tmp / "rusak.yaml").write_text("sifat: segera\n  catatan: - x\n", encoding="utf-8")
    broken = tmp / "broken"
    shutil.copytree(definitions, broken)
    bpmn = broken / "interkoneksi_data_baru.bpmn"
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace('value="PT1H"', 'value="satu jam"'), encoding="utf-8")
    return {"tmp": str(tmp), "defs": str(definitions), "bpmn": str(definitions / "interkoneksi_data_baru.bpmn"),
            "db": str(tmp / "sop.db"), "empty": str(tmp / "kosong.db")}


def _argv(command: tuple[str, ...], args: tuple[str, ...], where: dict[str, str]) -> list[str]:
    filled = [a.format(**where) for a in args]
    front = ["--db", where["db"], "--definitions", where["defs"], "--forms", str(FORMS)]
    rest: list[str] = []
    index = 0
    while index < len(filled):
        if filled[index] in _GLOBAL and index + 1 < len(filled):
            front += filled[index:index + 2]
            index += 2
        else:
            rest.append(filled[index])
            index += 1
    return [*front, *command, *rest]


@pytest.fixture
def indonesian(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI run as a user who reads Indonesian (the default for the Dinas's people)."""
    monkeypatch.setenv("SOP_LANG", "id")
    monkeypatch.setenv("COLUMNS", "200")


def test_every_command_and_its_refusals_read_indonesian(tmp_path: Path, indonesian: None) -> None:
    """Each run of RUNS, success and refusal, prints no common English word outside commands, options, quoted
    values and placeholders, and no line the Indonesian catalog would still change."""
    where = _setup(tmp_path)
    runner = CliRunner()

    def run(command: tuple[str, ...], args: tuple[str, ...], stdin: str | None = None) -> str:
        result = runner.invoke(cli, _argv(command, args, where), input=stdin, catch_exceptions=False)
        assert result.exit_code in (0, 1, 2), (command, args, result.output)
        return result.stdout + result.stderr

    for command, args, stdin in ((("roles", "apply"), (), None),
                                 (("start",), ("interkoneksi_data_baru",), None),
                                 (("complete",), ("1", "AjukanPermohonan", "--data", LETTER, "--attach",
                                                  f"pindaian_surat={SCAN}"), None)):
        assert runner.invoke(cli, _argv(command, args, where), input=stdin).exit_code == 0
    speak = catalog("id")
    problems: list[str] = []
    read = 0
    for command, runs in RUNS.items():
        for args, stdin in runs:
            printed = run(command, args, stdin)
            read += len(printed.splitlines())
            for line in printed.splitlines():
                english = english_in(_prose(line))
                data = re.match(r"^\s{2,}[a-z_]+:( |$)|^[a-z_]+: \d+ baris$", line)  # a field's key, a table name
                if english or (line.strip() and not data and speak.translate(line) != line):
                    problems.append(f"sop {' '.join(command)} {' '.join(args)}: {english} in {line!r}")
    assert read > 300  # every run printed what it prints (a run that prints nothing checks nothing)
    assert problems == [], "\n".join(problems)


def test_click_usage_lines_are_indonesian(tmp_path: Path, indonesian: None) -> None:
    """A usage error shows click's usage line in Indonesian ([OPSI], PERINTAH), its error and its hint."""
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "s.db"), "roles", "--bogus"])
    assert result.exit_code == 2
    assert "Penggunaan: cli roles [OPSI]" in result.stderr and "[OPTIONS]" not in result.stderr
    group = CliRunner().invoke(cli, ["--db", str(tmp_path / "s.db"), "db"])
    assert "PERINTAH [ARGUMEN]..." in group.output and "COMMAND" not in group.output
    wrong = CliRunner().invoke(cli, ["show", "x"])
    assert "bukan rentang bilangan bulat yang valid" in wrong.stderr and "integer" not in wrong.stderr
    os.environ["SOP_LANG"] = "en"
    english = CliRunner().invoke(cli, ["show", "x"])
    assert "is not a valid integer range" in english.stderr and "Usage: cli show [OPTIONS] INSTANCE" in english.stderr
