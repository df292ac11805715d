"""Odd data and odd stores are refused with an Error: line naming the problem, and leave the store as it was."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import DATA, Sop
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.common.data_limits import MAX_DEPTH, MAX_INT_DIGITS
from engine.common.yamlio import parse_yaml
from engine.definitions.forms import coerce_assignments
from runner.cli import cli

PROCESS = "interkoneksi_data_baru"
SURAT = (DATA / "01_surat_permohonan.yaml").read_text(encoding="utf-8")
BIG = "9" * 5000
LAUGHS = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
          "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n")
TEXT_BOMB = 'a: &a "' + "x" * 1000 + '"\nb: [' + ",".join(["*a"] * 5000) + "]\n"
# name -> (file name, its text, what the Error: line says)
ODD_DATA: dict[str, tuple[str, str, str]] = {
    "json-nan": ("d.json", '{"catatan": NaN}', "field 'catatan' is NaN"),
    "json-infinity": ("d.json", '{"catatan": Infinity}', "field 'catatan' is an infinity"),
    "json-minus-infinity": ("d.json", '{"catatan": -Infinity}', "is an infinity"),
    "json-overflowing-float": ("d.json", '{"catatan": 1e999}', "is an infinity"),
    "yaml-nan": ("d.yaml", "catatan: .nan\n", "field 'catatan' is NaN"),
    "yaml-infinity": ("d.yaml", "catatan: -.inf\n", "is an infinity"),
    "json-5000-digits": ("d.json", f'{{"catatan": {BIG}}}', "a number with 5000 digits"),
    "yaml-5000-digits": ("d.yaml", f"catatan: {BIG}\n", "a number with 5000 digits"),
    "json-150-digits": ("d.json", f'{{"catatan": {"7" * 150}}}', "a number with 150 digits"),
    "yaml-integer-key": ("d.yaml", "catatan:\n  1: satu\n", "has the key 1, which is not text"),
    "yaml-null-key": ("d.yaml", "catatan:\n  ~: kosong\n", "has the key None, which is not text"),
    "yaml-boolean-key": ("d.yaml", "catatan:\n  true: ya\n", "has the key True, which is not text"),
    "yaml-list-key": ("d.yaml", "? [a, b]\n: x\n", "not valid YAML"),
    "json-deep": ("d.json", '{"catatan": ' + "[" * 200 + "]" * 200 + "}", f"nested deeper than {MAX_DEPTH}"),
    "json-very-deep": ("d.json", '{"catatan": ' + "[" * 50000 + "]" * 50000 + "}", "nested too deeply"),
    "yaml-deep": ("d.yaml", "catatan: " + "[" * 200 + "]" * 200 + "\n", f"nested deeper than {MAX_DEPTH}"),
    "json-lone-surrogate": ("d.json", '{"catatan": "\\ud800"}', "U+D800, half of a surrogate pair"),
    "json-surrogate-key": ("d.json", '{"catatan": {"\\udc00": 1}}', "U+DC00, half of a surrogate pair"),
    "json-nul": ("d.json", '{"catatan": "a\\u0000b"}', "U+0000 (NUL)"),
    "yaml-binary": ("d.yaml", "catatan: !!binary aGVsbG8=\n", "the tag !!binary"),
    "yaml-set": ("d.yaml", "catatan: !!set {a, b}\n", "the tag !!set"),
    "yaml-timestamp": ("d.yaml", "catatan: !!timestamp 2026-11-02\n", "the tag !!timestamp"),
    "yaml-python-object": ("d.yaml", "catatan: !!python/object:os.system {}\n", "not valid YAML"),
    "yaml-billion-laughs": ("d.yaml", LAUGHS, "uses a YAML alias"),
    "yaml-text-alias-bomb": ("d.yaml", TEXT_BOMB, "expand it to more than"),
    "latin1-bytes": ("d.yaml", "", "it must be UTF-8"),
}


def _store_bytes(sop: Sop) -> dict[str, bytes]:
    """Every file of the store (the database and any -wal/-shm beside it), byte for byte."""
    return {p.name: p.read_bytes() for p in sop.db.parent.glob(sop.db.name + "*")}


def _refused(result: Result, says: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: "), result.stderr
    assert says in result.stderr, result.stderr
    assert "internal error" not in result.output and "Traceback" not in result.output


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    if text:
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    else:
        path.write_bytes("catatan: café\n".encode("latin-1"))
    return path


@pytest.fixture
def started(sop: Sop) -> Sop:
    """A store holding one instance waiting at its first step."""
    sop.start()
    return sop


@pytest.mark.parametrize("case", sorted(ODD_DATA))
def test_odd_start_data_is_refused(started: Sop, tmp_path: Path, case: str) -> None:
    """`sop start --data` with odd data names the problem and saves nothing."""
    name, text, says = ODD_DATA[case]
    path = _write(tmp_path, name, text)
    before = _store_bytes(started)
    _refused(started("start", PROCESS, "--data", str(path)), says)
    assert _store_bytes(started) == before


@pytest.mark.parametrize("case", sorted(ODD_DATA))
def test_odd_step_data_is_refused(started: Sop, tmp_path: Path, case: str) -> None:
    """`sop complete --data` with a real artefact plus one odd field names the problem and saves nothing."""
    name, text, says = ODD_DATA[case]
    if name.endswith(".yaml") and text and not text.startswith(("a:", "?")):
        text = SURAT + text
    path = _write(tmp_path, name, text)
    before = _store_bytes(started)
    _refused(started("complete", "1", "AjukanPermohonan", "--data", str(path)), says)
    assert _store_bytes(started) == before


@pytest.mark.parametrize(("value", "says"), [
    ("NaN", "field 'catatan' is NaN"), ("Infinity", "is an infinity"), ("-Infinity", "is an infinity"),
    ("1e999", "is an infinity"), (BIG, "--set catatan: a number with 5000 digits"),
    ("[" * 40 + "]" * 40, f"nested deeper than {MAX_DEPTH}"), ('"\\ud800"', "half of a surrogate pair"),
    ('"a\\u0000b"', "U+0000 (NUL)"),
])
def test_odd_set_values_are_refused(started: Sop, tmp_path: Path, value: str, says: str) -> None:
    """`sop complete --set` values typed as JSON get the same refusals as data files."""
    path = _write(tmp_path, "d.yaml", SURAT)
    before = _store_bytes(started)
    _refused(started("complete", "1", "AjukanPermohonan", "--data", str(path), "--set", f"catatan={value}"), says)
    assert _store_bytes(started) == before


def test_a_deeply_dotted_set_key_is_refused(started: Sop) -> None:
    """A --set key with more dots than the nesting limit is refused before the form or the store sees it."""
    before = _store_bytes(started)
    key = ".".join(["a"] * (MAX_DEPTH + 5))
    _refused(started("complete", "1", "AjukanPermohonan", "--set", f"{key}=1"), f"nested deeper than {MAX_DEPTH}")
    assert _store_bytes(started) == before


def test_a_list_index_with_thousands_of_digits_is_a_usage_problem() -> None:
    """--set LIST.<5000 digits>=x names the index it wanted, instead of failing to convert the digits."""
    schema = {"type": "object", "properties": {"daftar": {"type": "array", "items": {"type": "string"}}}}
    with pytest.raises(Exception, match="must be the index of an item of 'daftar'"):
        coerce_assignments(schema, [(f"daftar.{BIG}", "x")], {"daftar": []})
    with pytest.raises(Exception, match="must be the index"):
        coerce_assignments(schema, [("daftar.²", "x")], {"daftar": []})


def test_data_within_the_limits_is_accepted(started: Sop, tmp_path: Path) -> None:
    """The limits are far from real data: 100-digit integers and 30 levels of nesting start an instance."""
    deep = "[" * (MAX_DEPTH - 2) + "1" + "]" * (MAX_DEPTH - 2)
    path = _write(tmp_path, "d.json", f'{{"nomor": {"1" * MAX_INT_DIGITS}, "isi": {deep}, "x": 1.5e300}}')
    result = started("start", PROCESS, "--data", str(path))
    assert result.exit_code == 0, result.output


def test_yaml_merge_keys_and_short_aliases_still_read() -> None:
    """Aliases that merely repeat a short value, and merge keys, read as before (the limits are about size)."""
    value = parse_yaml("base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\nnama: &n Budi\nlagi: *n\n", "p.yaml")
    assert value["c"] == {"x": 1, "y": 2} and value["lagi"] == "Budi"


@pytest.mark.parametrize(("db", "says"), [
    ("/dev/null", "is not a regular file"), ("/dev/zero", "is not a regular file"),
    ("sqlite:///", "names no file"), (":memory:", "a store in memory"), ("sqlite:///:memory:", "a store in memory"),
])
def test_stores_that_cannot_keep_anything_are_refused(sop: Sop, db: str, says: str) -> None:
    """--db naming a device, no file at all, or memory is refused by reads and writes alike."""
    for args in (("tasks",), ("start", PROCESS), ("verify",), ("instances",)):
        argv = ["--db", db, "--definitions", str(sop.definitions), "--forms", str(sop.forms), *args]
        _refused(sop.runner.invoke(cli, argv, catch_exceptions=False), says)
    assert Path("/dev/null").is_char_device()


def _set_user_version(db: Path, version: int) -> None:
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()


@pytest.mark.parametrize(("version", "says"), [
    (-1, "has schema version -1, which no sop writes"),
    (-(2**31), f"has schema version {-(2**31)}, which no sop writes"),
    (1, "cannot be brought to schema version"), (2, "cannot be brought to schema version"),
    (99, "newer than this sop understands"),
])
def test_a_store_whose_user_version_lies_is_refused(started: Sop, version: int, says: str) -> None:
    """A user_version that is negative, newer, or older than the tables it has is named, and nothing changes."""
    _set_user_version(started.db, version)
    before = _store_bytes(started)
    for args in (("tasks",), ("start", PROCESS), ("verify",)):
        _refused(started(*args), says)
    assert _store_bytes(started) == before


def test_a_store_missing_a_table_its_version_has_is_refused(started: Sop) -> None:
    """A current user_version over a store that lost a table is named as damaged, not met as an internal error."""
    conn = sqlite3.connect(started.db)
    conn.execute("DROP TABLE instance_times")
    conn.commit()
    conn.close()
    before = _store_bytes(started)
    _refused(started("tasks"), "has no table instance_times")
    assert _store_bytes(started) == before


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 512 KB tmpfs almost filled, to run out of space while a store is created (needs root and mount)."""
    mount = shutil.which("mount")
    folder = tmp_path / "tiny"
    folder.mkdir()
    if mount is None or subprocess.run([mount, "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(folder)],
                                       capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root and mount) to fill a disk")
    try:
        (folder / "fill").write_bytes(b"\0" * 500 * 1024)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


def test_a_full_disk_while_creating_a_store_is_named_and_leaves_nothing(sop: Sop, tiny_disk: Path) -> None:
    """Running out of space while the first `sop start` creates its store names the store and removes the file."""
    full = Sop(tiny_disk / "sop.db", sop.definitions, sop.forms)
    result = full("start", PROCESS)
    _refused(result, f"Cannot create store '{tiny_disk / 'sop.db'}'")
    assert "nothing was created" in result.stderr
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["fill"]
    (tiny_disk / "fill").unlink()
    again = full("start", PROCESS)
    assert again.exit_code == 0, again.output  # with room again, the same path works


@pytest.mark.parametrize(("edit", "says"), [
    (lambda t: t.replace('"format"', '"x": NaN, "format"', 1), "NaN is not a JSON number"),
    (lambda t: t.replace('"format"', f'"x": {BIG}, "format"', 1), "a number with 5000 digits"),
    (lambda t: t.replace('"format"', '"x": ' + "[" * 100000 + "]" * 100000 + ', "format"', 1), "nested too deeply"),
    (lambda t: t.replace('"instance-started"', '"instance-\\ud800started"', 1), "U+D800, half of a surrogate pair"),
])
def test_odd_values_in_a_bundle_are_refused_by_verify(started: Sop, tmp_path: Path, edit: Any, says: str) -> None:
    """`sop verify --bundle` names NaN, huge numbers, deep nesting and invalid Unicode in a bundle file."""
    bundle = tmp_path / "b.json"
    assert started("export", "1", "-o", str(bundle)).exit_code == 0
    bundle.write_text(edit(bundle.read_text(encoding="utf-8")), encoding="utf-8")
    _refused(started("verify", "--bundle", str(bundle)), says)


_LEAVES = (st.none() | st.booleans() | st.integers() | st.integers(min_value=-(10**300), max_value=10**300)
           | st.floats() | st.text(st.characters(codec=None), max_size=8))
_VALUES = st.recursive(_LEAVES, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.text(max_size=5), inner, max_size=3), max_leaves=12)
_FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _safe_or_clean_refusal(sop: Sop, before: dict[str, bytes], result: Result) -> None:
    assert result.exit_code in (0, 1), result.output
    assert "internal error" not in result.output and "Traceback" not in result.output, result.output
    if result.exit_code == 1:
        assert result.stderr.startswith("Error: ") and _store_bytes(sop) == before


@_FUZZ
@given(value=_VALUES, as_yaml=st.booleans())
def test_random_data_files_never_crash(started: Sop, tmp_path: Path, value: Any, as_yaml: bool) -> None:
    """Random JSON (or the same as YAML flow text) as start data and as an artefact: accepted or refused cleanly."""
    text = json.dumps({"catatan": value, "isi": [value]}, allow_nan=True)
    path = tmp_path / ("d.yaml" if as_yaml else "d.json")
    path.write_text(("---\n" if as_yaml else "") + text, encoding="utf-8")
    before = _store_bytes(started)
    _safe_or_clean_refusal(started, before, started("start", PROCESS, "--data", str(path)))
    before = _store_bytes(started)
    _safe_or_clean_refusal(started, before, started("complete", "1", "AjukanPermohonan", "--data", str(path)))


@_FUZZ
@given(key=st.text(st.characters(codec="utf-8", exclude_characters="="), min_size=1, max_size=12),
       value=st.text(st.characters(codec="utf-8"), max_size=30) | _VALUES.map(json.dumps))
def test_random_set_values_never_crash(started: Sop, key: str, value: str) -> None:
    """Random --set KEY=VALUE pairs on a real step: accepted or refused cleanly, the store unchanged on refusal."""
    before = _store_bytes(started)
    _safe_or_clean_refusal(started, before, started("complete", "1", "AjukanPermohonan", "--set", f"{key}={value}"))
