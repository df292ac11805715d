"""Tests that setting up cannot lock the administrator out: `sop roles apply` refuses a file that does not make the
applier an operator, `sop setup` makes a store ready for the web in one command, and the store file's owner can
always re-pin the roles with a recorded recovery."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEFINITIONS, FORMS, Sop, copy_definitions

from engine import Engine, LoginError
from engine.common.identity import os_login

ME = os_login()
GOOD = "Kopi-Tubruk-2026!"


def _sop(tmp_path: Path) -> Sop:
    """A CLI on a copy of the shipped definitions with their roles file (which does not name this OS account)."""
    definitions, forms = copy_definitions(tmp_path, roles=True)
    return Sop(tmp_path / "sop.db", definitions, forms)


def _signs_in(sop: Sop, login: str, password: str) -> bool:
    engine = Engine(str(sop.db), definitions_dir=sop.definitions, forms_dir=FORMS)
    try:
        return engine.people.check_login(login, password, address="").login == login
    except LoginError:
        return False
    finally:
        engine.close()


def test_apply_refuses_a_file_that_does_not_make_the_applier_an_operator(tmp_path: Path) -> None:
    """Applying the shipped file as an account it does not name is refused, saying what to add; nothing is pinned."""
    sop = _sop(tmp_path)
    refused = sop("roles", "apply")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("Error: ") and f"does not make '{ME}' an operator" in refused.stderr
    assert f"'{ME}: {{name: Petugas TU, lanes: [], operator: true}}'" in refused.stderr
    assert "nothing was changed" in refused.stderr and not sop.db.exists()
    roles = sop.definitions / "roles.yaml"
    roles.write_text(roles.read_text(encoding="utf-8") + f"{ME}: {{name: Penguji, lanes: [OPD]}}\n", encoding="utf-8")
    assert sop("roles", "apply").exit_code == 1 and not sop.db.exists()  # named, but no operator
    as_json = sop("roles", "apply", "--json")
    assert as_json.exit_code == 1 and '"refusal": "RoleError"' in as_json.stderr


def test_setup_from_an_empty_folder_lets_the_operator_and_then_an_official_sign_in(tmp_path: Path) -> None:
    """`sop setup --add-me NAME` adds this account to the roles file as an operator, creates the store, pins the
    roles and sets the password; `sop passwd kadis` then works, and the official signs in."""
    sop = _sop(tmp_path)
    done = sop("setup", "--add-me", "Petugas Uji", "--password-stdin", input=GOOD + "\n")
    assert done.exit_code == 0, done.output
    assert f"Added '{ME}' to" in done.stderr and "pinned as roles event 1" in done.stderr
    assert GOOD not in done.output
    assert f'{ME}: {{name: "Petugas Uji", lanes: [], operator: true}}' in \
        (sop.definitions / "roles.yaml").read_text(encoding="utf-8")
    assert _signs_in(sop, ME, GOOD)
    assert sop("passwd", "kadis", "--password-stdin", input="Teh-Manis-Hangat-9\n").exit_code == 0
    assert _signs_in(sop, "kadis", "Teh-Manis-Hangat-9")
    listed = sop("roles")
    assert "Warning" not in listed.stderr and "Enforced" in listed.stderr
    assert sop("verify").exit_code == 0


def test_setup_twice_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    """A second `sop setup` says the store is set up already and how to go on; store and file are unchanged."""
    sop = _sop(tmp_path)
    assert sop("setup", "--add-me", "Petugas Uji", "--password-stdin", input=GOOD + "\n").exit_code == 0
    before, text = sop.dump(), (sop.definitions / "roles.yaml").read_bytes()
    for args in (("setup", "--password-stdin"), ("setup", "--add-me", "Lagi", "--password-stdin")):
        again = sop(*args, input="Another-Password-1\n")
        assert again.exit_code == 1 and "is set up already: roles event 1" in again.stderr
        assert "`sop roles apply`" in again.stderr and "`sop passwd LOGIN`" in again.stderr
    assert sop.dump() == before and (sop.definitions / "roles.yaml").read_bytes() == text
    assert _signs_in(sop, ME, GOOD) and not _signs_in(sop, ME, "Another-Password-1")


@pytest.mark.parametrize(("args", "stdin", "expected"), [
    (("setup", "--password-stdin"), GOOD + "\n", f"does not make '{ME}' an operator"),
    (("setup", "--add-me", "Petugas Uji", "--password-stdin"), "pendek\n", "at least 10 characters"),
    (("setup", "--add-me", "  ", "--password-stdin"), GOOD + "\n", "Invalid value for --add-me"),
    (("setup", "--add-me", "Petugas Uji", "--password-stdin"), "\n", "read no password"),
])
def test_a_refused_setup_creates_no_store_and_leaves_the_roles_file(tmp_path: Path, args: tuple[str, ...],
                                                                    stdin: str, expected: str) -> None:
    """Without an operator, with a weak or missing password or an empty name: refused, no store, the file intact."""
    sop = _sop(tmp_path)
    text = (sop.definitions / "roles.yaml").read_bytes()
    refused = sop(*args, input=stdin)
    assert refused.exit_code in (1, 2) and expected in refused.stderr, refused.stderr
    assert not sop.db.exists() and (sop.definitions / "roles.yaml").read_bytes() == text


def test_setup_of_an_account_already_in_the_file_but_no_operator_says_to_make_it_one(tmp_path: Path) -> None:
    """--add-me does not add a second entry for a login the file has: it says to make that entry an operator."""
    sop = _sop(tmp_path)
    roles = sop.definitions / "roles.yaml"
    roles.write_text(roles.read_text(encoding="utf-8") + f"{ME}: {{name: Penguji, lanes: [OPD]}}\n", encoding="utf-8")
    refused = sop("setup", "--add-me", "Petugas", "--password-stdin", input=GOOD + "\n")
    assert refused.exit_code == 1 and "make that entry an operator (operator: true)" in refused.stderr
    assert not sop.db.exists()


def test_the_store_owner_recovers_roles_that_lock_everyone_out(tmp_path: Path) -> None:
    """Roles in force whose only operator is gone: an apply is refused, `--recover` by the store file's owner pins
    the corrected file as a chained recovery event that `sop roles`, `sop history` and `sop verify` name."""
    sop = _sop(tmp_path)
    Engine(str(sop.db), definitions_dir=sop.definitions, forms_dir=FORMS, operator="tu.umum",
           roles=sop.definitions / "roles.yaml").people.apply_roles()  # the clerk, since gone, set it up
    clerk = Engine(str(sop.db), definitions_dir=sop.definitions, forms_dir=FORMS, operator="tu.umum")
    instance = str(clerk.instances.start("interkoneksi_data_baru").instance)
    clerk.close()
    roles = sop.definitions / "roles.yaml"
    roles.write_text(roles.read_text(encoding="utf-8") + f"{ME}: {{name: Admin, lanes: [], operator: true}}\n",
                     encoding="utf-8")
    before = sop.dump()
    refused = sop("roles", "apply")
    assert refused.exit_code == 1 and f"'{ME}' may not change the roles in force" in refused.stderr
    assert sop.dump() == before
    recovered = sop.json("roles", "apply", "--recover")
    assert recovered["changed"] is True and recovered["seq"] == 2 and recovered["actor"] == ME
    assert recovered["source"] == f"recovery: {roles}"
    note = f"Note: roles event 2 was a recovery: {ME}, the owner of the store file, pinned {roles}"
    assert note in sop("roles").stderr
    assert note in sop("history", instance).stderr
    verified = sop("verify")
    assert verified.exit_code == 0 and note in verified.stderr
    assert sop("passwd", "kadis", "--password-stdin", input=GOOD + "\n").exit_code == 0  # no longer locked out


def test_recovery_is_refused_to_an_account_that_does_not_own_the_store_file(tmp_path: Path) -> None:
    """`--recover` on a store file owned by another account is refused, naming the file; nothing changes."""
    sop = _sop(tmp_path)
    roles = sop.definitions / "roles.yaml"
    roles.write_text(roles.read_text(encoding="utf-8") + f"{ME}: {{name: Admin, lanes: [], operator: true}}\n",
                     encoding="utf-8")
    assert sop("roles", "apply").exit_code == 0
    if os.geteuid() != 0:
        pytest.fail("this test changes the store file's owner: run it as root, as CI does")
    os.chown(sop.db, 65534, -1)
    before = sop.dump()
    refused = sop("roles", "apply", "--recover")
    assert refused.exit_code == 1 and "Only the OS account that owns the store file may recover" in refused.stderr
    assert sop.dump() == before


def test_the_installed_command_sets_up_from_a_fresh_folder(tmp_path: Path) -> None:
    """The README's web quick start through the installed `sop` in a fresh folder: setup, then an official's
    password; each command exits 0."""
    work = tmp_path / "work"
    work.mkdir()
    shutil.copytree(DEFINITIONS, work / "definitions")
    shutil.copytree(FORMS, work / "forms")
    sop = str(Path(sys.executable).with_name("sop"))
    env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "HOME": str(tmp_path)}
    for args, stdin in ((["setup", "--add-me", "Petugas TU", "--password-stdin"], GOOD + "\n"),
                        (["passwd", "kadis", "--password-stdin"], GOOD + "\n")):
        done = subprocess.run([sop, *args], cwd=work, input=stdin, capture_output=True, text=True, env=env,
                              timeout=120)
        assert done.returncode == 0, done.stderr
    assert (work / "sop.db").exists()
