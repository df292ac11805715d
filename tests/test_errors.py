"""Errors with fields: a refusal keeps its template and values, reads in Indonesian from its catalog entry (not by
matching English), keeps the CLI's exit code and the web's status of its kind, and the codemod that made them."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner
from conftest import DATA, ROOT, Sop

from engine.common import errors
from engine.common.errors import (
    CompletedMeanwhileError,
    EngineError,
    NoInstanceError,
    NoReadyTaskError,
    NotFoundError,
    ValidationError,
)
from engine.common.i18n import N_, MessageCatalog, catalog
from engine.common.messages import Message

NO_INSTANCE = "No instance {instance} in store '{db}'; list them with `sop instances`"

# Every error class and what the CLI (`--json` code) and the web (HTTP status) make of it, by its kind.
KINDS = {"EngineError": ("refused", 400), "DefinitionError": ("definition", 400),
         "ValidationError": ("invalid-data", 422), "NotFoundError": ("not-found", 404),
         "TaskStateError": ("task-state", 409), "DataFileError": ("data-file", 422), "StoreError": ("store", 503),
         "ExpressionError": ("expression", 400), "RoleError": ("role", 403), "LoginError": ("login", 400)}
CLASSES = sorted(name for name, value in vars(errors).items()
                 if isinstance(value, type) and issubclass(value, EngineError))


def _kind(name: str) -> tuple[str, int]:
    """The code and status of the nearest kind above a class."""
    return next(KINDS[k.__name__] for k in getattr(errors, name).__mro__ if k.__name__ in KINDS)


def test_a_refusal_keeps_its_values_readable_and_its_english_text() -> None:
    """The values a message names read as attributes; `str` is the English text, which remembers its template."""
    err = NoInstanceError(NO_INSTANCE, instance=12, db="sop.db")
    assert (err.instance, err.db) == (12, "sop.db")
    assert str(err) == "No instance 12 in store 'sop.db'; list them with `sop instances`"
    assert err.template == NO_INSTANCE and dict(err.fields) == {"instance": 12, "db": "sop.db"}
    assert isinstance(err, NotFoundError) and isinstance(str(err), Message)
    with pytest.raises(AttributeError):
        _ = err.task
    again = pickle.loads(pickle.dumps(err.message))
    assert again == str(err) and again.fields == err.fields


def test_the_engines_refusals_carry_the_values_they_name(sop: Sop) -> None:
    """A step not ready yet and a step done already are told apart by class, with the instance and task as values."""
    from engine import Engine

    instance = sop.start()
    engine = Engine(str(sop.db), definitions_dir=sop.definitions, forms_dir=sop.forms)
    with pytest.raises(NoReadyTaskError) as early:
        engine.instance(instance).complete("DisposisiKadis", {})
    assert (early.value.instance, early.value.ref) == (instance, "DisposisiKadis")
    done = sop("complete", str(instance), "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"))
    assert done.exit_code == 0, done.output
    with pytest.raises(CompletedMeanwhileError) as late:
        engine.instance(instance).complete("AjukanPermohonan", {})
    assert (late.value.instance, late.value.task, late.value.seq) == (instance, "AjukanPermohonan", 2)


def test_the_indonesian_text_is_built_from_the_template_not_by_matching_english(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The catalog's entry for the template gives the text; the English is never matched back to an entry."""
    speak = MessageCatalog({NO_INSTANCE: "Instans {instance} tidak ada di '{db}'"})
    seen: list[str] = []
    matched = MessageCatalog._readings

    def readings(self: MessageCatalog, text: str, depth: int) -> Any:  # the English matched against the entries
        seen.append(text)
        return matched(self, text, depth)

    monkeypatch.setattr(MessageCatalog, "_readings", readings)
    err = NoInstanceError(NO_INSTANCE, instance=12, db="sop.db")
    assert speak.translate(err) == "Instans 12 tidak ada di 'sop.db'"
    assert str(err) not in seen
    assert speak.translate(N_(NO_INSTANCE, instance=7, db="x.db")) == "Instans 7 tidak ada di 'x.db'"
    plain = "No instance 5 in store 'y.db'; list them with `sop instances`"  # text from outside: matched as before
    assert speak.translate(plain) == "Instans 5 tidak ada di 'y.db'" and plain in seen


def test_values_people_typed_are_never_translated(sop: Sop, monkeypatch: pytest.MonkeyPatch) -> None:
    """A login, a task name or a file name inside an Indonesian refusal reads as typed, even when it is also a word
    the catalog knows ('none', 'task'); a word the engine chose itself ('none' for an empty list) is translated."""
    speak = MessageCatalog({"Roles file '{path}' does not exist": "Berkas peran '{path}' tidak ada",
                            "none": "tidak ada", "task": "tugas", "Lanes: {lanes}": "Lajur: {lanes}"})
    assert speak.translate(N_("Roles file '{path}' does not exist", path="none")) == "Berkas peran 'none' tidak ada"
    assert speak.translate(N_("Lanes: {lanes}", lanes=N_("none"))) == "Lajur: tidak ada"
    monkeypatch.setenv("SOP_LANG", "id")
    instance = sop.start()
    for typed in ("task", "none"):
        refused = sop("complete", str(instance), typed, "--set", "perihal=x")
        assert refused.exit_code == 1 and f"'{typed}'" in refused.stderr, refused.stderr
        assert "'tugas'" not in refused.stderr and "'tidak ada'" not in refused.stderr


def test_a_message_inside_another_is_translated_in_turn() -> None:
    """A value that is itself a Message reads in the same language, and each problem of a refusal too."""
    speak = MessageCatalog({"Instance {instance} task '{task}'": "Instans {instance} tugas '{task}'",
                     "{what}: the data does not satisfy the form": "{what}: data tidak memenuhi formulir",
                     "{path}: {sentence}": "{path}: {sentence}", "is required; fill it in": "wajib diisi"})
    what = N_("Instance {instance} task '{task}'", instance=3, task="Telaah")
    problem = N_("{path}: {sentence}", path="nomor", sentence=N_("is required; fill it in"))
    err = ValidationError("{what}: the data does not satisfy the form", [problem], what=what)
    assert str(err) == ("Instance 3 task 'Telaah': the data does not satisfy the form\n"
                        "  - nomor: is required; fill it in")
    assert speak.translate(err) == "Instans 3 tugas 'Telaah': data tidak memenuhi formulir\n  - nomor: wajib diisi"


def test_the_shipped_catalog_speaks_a_real_refusal() -> None:
    """The Indonesian catalog has the templates the engine raises, with the values filled in."""
    err = NoReadyTaskError("Task '{ref}' of instance {instance} is not ready yet; ready: {listing}", ref="Telaah",
                           instance=4, listing="'DrafSurat' (0796ed34)")
    said = catalog("id").translate(err)
    assert said.startswith("Tugas 'Telaah' pada instans 4 ") and "'DrafSurat' (0796ed34)" in said


@pytest.mark.parametrize("name", CLASSES)
def test_the_cli_maps_each_class_to_its_kinds_exit_and_code(name: str) -> None:
    """Exit 1 and the `--json` code of the class's kind, for the kinds and for every subclass below them."""
    from runner.cli import cli

    @click.command("raise-for-test")
    @click.option("--json", "as_json", is_flag=True)
    def raiser(as_json: bool) -> None:
        raise getattr(errors, name)("Refused {thing}", thing="x")

    cli.add_command(raiser)
    try:
        result = CliRunner().invoke(cli, ["raise-for-test", "--json"], catch_exceptions=False)
        human = CliRunner().invoke(cli, ["raise-for-test"], catch_exceptions=False)
    finally:
        cli.commands.pop("raise-for-test")
    assert result.exit_code == human.exit_code == 1
    assert json.loads(result.stderr) == {"error": "Refused x", "code": _kind(name)[0], "exit": 1, "refusal": name,
                                         "fields": {"thing": "x"}}
    assert human.stderr == "Error: Refused x\n"


@pytest.mark.parametrize("name", CLASSES)
def test_the_web_maps_each_class_to_its_kinds_status(name: str) -> None:
    """The web's status of a refusal is its kind's: 404, 403, 409, 422, 503 (400 for the others)."""
    from web.access import status_of

    assert status_of(getattr(errors, name)("Refused")) == _kind(name)[1]


SAMPLE = '''"""A module the codemod has not seen."""

from engine.common.errors import NotFoundError, ValidationError
from engine.common.i18n import N_


class Store:
    """A store."""

    db = "sop.db"

    def row(self, instance: int, names: list[str], n: int, where: str) -> None:
        """Refuse."""
        what = N_(f"Instance {instance} task '{names[0]}'")
        if n > 1000:
            raise ValidationError(f"{what}: {len(names)} names, {n:,} rows; give at most 1,000 ({names!r})")
        if not names:
            raise ValidationError(f"{where}: write it as {{key: value}}")
        raise NotFoundError(f"No instance {instance} in store '{self.db}'; list them with `sop instances`")
'''

REWRITTEN = '''"""A module the codemod has not seen."""

from engine.common.errors import NoInstanceError, ValidationError
from engine.common.i18n import N_


class Store:
    """A store."""

    db = "sop.db"

    def row(self, instance: int, names: list[str], n: int, where: str) -> None:
        """Refuse."""
        what = N_("Instance {instance} task '{names}'", instance=instance, names=names[0])
        if n > 1000:
            raise ValidationError("{what}: {names_count} names, {n:,} rows; give at most 1,000 ({names!r})",
                                  what=what, names_count=len(names), n=n, names=names)
        if not names:
            raise ValidationError("{where}: write it as {{key: value}}", where=where)
        raise NoInstanceError("No instance {instance} in store '{db}'; list them with `sop instances`",
                              instance=instance, db=self.db)
'''

OLD_PO = '''msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"

msgid "Instance {instance} task '{names[0]}'"
msgstr "Instans {instance} tugas '{names[0]}'"

msgid "{what}: {len(names)} names, {n} rows; give at most 1,000 ({names})"
msgstr "{what}: {len(names)} nama, {n} baris; paling banyak 1.000 ({names})"

msgid "{where}: write it as {key: value}"
msgstr "{where}: tulis sebagai {key: value}"

msgid "No instance {instance} in store '{self.db}'; list them with `sop instances`"
msgstr "Tidak ada instans {instance} di penyimpanan '{self.db}'; lihat daftarnya dengan `sop instances`"
'''


def test_the_codemod_rewrites_a_module_and_its_catalog_once(tmp_path: Path) -> None:
    """f-strings become templates with named values (a refusal callers tell apart its subclass, imported); each
    translation gets an entry under the new template with its placeholders renamed; a second run changes nothing."""
    source, po = tmp_path / "sample.py", tmp_path / "sop.po"
    source.write_text(SAMPLE)
    po.write_text(OLD_PO)
    run = [sys.executable, str(ROOT / "tools" / "errors_codemod.py"), str(source), "--po", str(po)]
    first = subprocess.run(run, capture_output=True, text=True, check=True, timeout=120)
    assert source.read_text() == REWRITTEN, first.stderr
    entries = {m.id: m.string for m in read_po(po.open("rb")) if m.id}
    assert entries["Instance {instance} task '{names}'"] == "Instans {instance} tugas '{names}'"
    assert entries["{what}: {names_count} names, {n:,} rows; give at most 1,000 ({names!r})"] == \
        "{what}: {names_count} nama, {n:,} baris; paling banyak 1.000 ({names!r})"
    assert entries["{where}: write it as {{key: value}}"] == "{where}: tulis sebagai {{key: value}}"
    assert entries[NO_INSTANCE] == \
        "Tidak ada instans {instance} di penyimpanan '{db}'; lihat daftarnya dengan `sop instances`"
    written = po.read_bytes()
    again = subprocess.run(run, capture_output=True, text=True, check=True, timeout=120)
    assert source.read_text() == REWRITTEN and po.read_bytes() == written
    assert "0 call(s) rewritten" in again.stdout
