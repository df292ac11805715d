"""Tests for accounts: passwords set by the person or an operator, one answer to every wrong login, the rate limit."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import DEFINITIONS, FORMS, Sop, copy_definitions

from engine import Engine, LoginError
from engine.common.errors import RoleError, ValidationError
from engine.common.identity import os_login
from engine.definitions.roles import load_roles

SHIPPED = load_roles(DEFINITIONS / "roles.yaml")
GOOD = "kopi-pagi-2026"
ME = os_login()


class Clock:
    """A settable clock: ISO times the store writes, moved forward by the test (minutes, and seconds within)."""

    def __init__(self) -> None:
        self.minute = 0
        self.second = 0

    def __call__(self) -> str:
        return f"2026-12-01T{1 + self.minute // 60:02d}:{self.minute % 60:02d}:{self.second:02d}.000Z"


@pytest.fixture
def clock() -> Clock:
    """A clock at 2026-12-01 01:00 UTC."""
    return Clock()


@pytest.fixture
def engine_as(tmp_path: Path, clock: Clock) -> Callable[[str], Engine]:
    """Engines on one store whose roles are the shipped file, pinned by the clerk, as if `login` ran them."""
    def make(login: str) -> Engine:
        return Engine(
            str(tmp_path / "sop.db"),
            definitions_dir=DEFINITIONS,
            forms_dir=FORMS,
            clock=clock,
            operator=login,
            roles=SHIPPED,
        )

    make("tu.umum").people.apply_roles()
    return make


def test_a_person_sets_their_own_password_and_signs_in(engine_as: Callable[[str], Engine], tmp_path: Path) -> None:
    """kadis sets a password, then signs in with it: the store holds an Argon2id hash, never the password."""
    engine_as("kadis").people.set_password("kadis", GOOD)
    person = engine_as("web").people.check_login("kadis", GOOD, address="10.0.0.7")
    assert person.login == "kadis" and person.name.startswith("Ir. Asmawi")
    rows = sqlite3.connect(tmp_path / "sop.db").execute("SELECT login, password_hash, set_by FROM accounts").fetchall()
    assert rows[0][0] == "kadis" and rows[0][1].startswith("$argon2id$") and rows[0][2] == "kadis"
    assert GOOD not in rows[0][1]


def test_an_operator_sets_anyones_password_and_others_may_not(engine_as: Callable[[str], Engine]) -> None:
    """The clerk (an operator) sets kadis's password; kabid.egov may not, naming who may; nothing changes."""
    engine_as("tu.umum").people.set_password("kadis", GOOD)
    with pytest.raises(RoleError, match=r"'kabid.egov' may not set the password of 'kadis': only 'kadis' or an "
                                        r"operator .*tu.umum"):
        engine_as("kabid.egov").people.set_password("kadis", "lain-sekali-123")
    assert engine_as("x").people.check_login("kadis", GOOD, address="").login == "kadis"


@pytest.mark.parametrize("password", ["pendek", "kadis", "KADIS     ", "Ir. Asmawi Alie, MT", "a" * 2000,
                                      "baris\nbaru-12345"])
def test_a_weak_password_is_refused_saying_the_rule(engine_as: Callable[[str], Engine], password: str) -> None:
    """Short, the login, the name, absurdly long or holding a line break: refused saying what a password must be."""
    with pytest.raises(ValidationError, match=r"The new password of 'kadis' is refused: .*nothing was changed"):
        engine_as("kadis").people.set_password("kadis", password)
    assert engine_as("kadis").context.store().account("kadis") is None


@pytest.mark.parametrize("password", ["1234567890", "password123", "kadis12345", "qwertyuiop", "asmawi2026",
                                      "aaaaaaaaaaaa", "12-12-2026xx"])
def test_a_guessable_password_is_refused_whatever_its_length(engine_as: Callable[[str], Engine],
                                                             password: str) -> None:
    """A common password, a keyboard run, a repeat, a date or one built from the login or the name is refused (in
    Indonesian too), though it is long enough; three unrelated words pass."""
    with pytest.raises(ValidationError, match=r"is refused: it is too easy to guess"):
        engine_as("kadis").people.set_password("kadis", password)
    assert engine_as("kadis").context.store().account("kadis") is None
    engine_as("kadis").people.set_password("kadis", "kopi-hujan-meja-72")
    assert engine_as("kadis").context.store().account("kadis") is not None


def test_a_guessable_password_is_refused_in_indonesian(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`sop passwd` says why in the reader's language."""
    sop = people_sop(tmp_path, {"name": "Penguji", "lanes": ["OPD"]})
    monkeypatch.setenv("SOP_LANG", "id")
    refused = sop("passwd", ME, "--password-stdin", input="1234567890\n")
    assert refused.exit_code == 1 and "terlalu mudah ditebak" in refused.stderr, refused.stderr


def test_passwords_need_roles_in_force_and_a_person_in_them(tmp_path: Path) -> None:
    """With no roles pinned, set_password says to run `sop roles apply`; an unknown login is named."""
    engine = Engine(
        str(tmp_path / "sop.db"), definitions_dir=DEFINITIONS, forms_dir=FORMS, operator="tu.umum", roles=SHIPPED
    )
    engine.context.store(create=True)
    with pytest.raises(RoleError, match=r"No roles are in force .*`sop roles apply`"):
        engine.people.set_password("kadis", GOOD)
    engine.people.apply_roles()
    with pytest.raises(RoleError, match=r"'budi' is not in .*`sop roles apply`"):
        engine.people.set_password("budi", GOOD)


def test_every_wrong_login_gets_the_same_answer(engine_as: Callable[[str], Engine]) -> None:
    """A wrong password, an unknown login and a login without a password all read alike."""
    engine_as("kadis").people.set_password("kadis", GOOD)
    web = engine_as("web")
    answers = set()
    for login, password in (("kadis", "salah-sekali-1"), ("tidak.ada", GOOD), ("sekretaris", GOOD)):
        with pytest.raises(LoginError) as refused:
            web.people.check_login(login, password, address=f"10.0.0.{len(answers) + 1}")
        answers.add(str(refused.value))
    assert len(answers) == 1 and "wrong" in answers.pop()


def test_failures_from_one_address_slow_that_address_never_the_owner_elsewhere(
        engine_as: Callable[[str], Engine], clock: Clock) -> None:
    """Three failures for kadis from one address cost nothing; the fourth attempt from there must wait 30 s, the
    fifth 60 s (the right password too, and a refused attempt is not counted); kadis at his own desk signs in at
    once, and so does anyone else from the guessing address."""
    engine_as("kadis").people.set_password("kadis", GOOD)
    engine_as("kabid.egov").people.set_password("kabid.egov", GOOD)
    web = engine_as("web")
    for _ in range(3):
        with pytest.raises(LoginError, match=r"wrong"):
            web.people.check_login("kadis", "salah-sekali-1", address="192.0.2.9")
    with pytest.raises(LoginError, match=r"Too many failed sign-ins for this login; try again in 30 seconds"):
        web.people.check_login("kadis", GOOD, address="192.0.2.9")
    assert web.people.check_login("kabid.egov", GOOD, address="192.0.2.9").login == "kabid.egov"
    clock.second = 30
    with pytest.raises(LoginError, match=r"wrong"):
        web.people.check_login("kadis", "salah-sekali-1", address="192.0.2.9")
    clock.second = 59
    with pytest.raises(LoginError, match=r"try again in 31 seconds"):  # 60 s after the fourth failure
        web.people.check_login("kadis", GOOD, address="192.0.2.9")
    assert web.people.check_login("kadis", GOOD, address="10.0.0.1").login == "kadis"
    clock.minute, clock.second = 1, 31
    assert web.people.check_login("kadis", GOOD, address="192.0.2.9").login == "kadis"


def test_a_spray_from_many_addresses_slows_the_login_by_a_minute_at_most(
        engine_as: Callable[[str], Engine], clock: Clock) -> None:
    """Ten failures for kadis from ten addresses cost nothing; then every attempt waits (5 s doubling, a minute at
    most), the owner's too, but never longer: after the wait the right password signs in."""
    engine_as("kadis").people.set_password("kadis", GOOD)
    web = engine_as("web")
    for n in range(10):
        with pytest.raises(LoginError, match=r"wrong"):
            web.people.check_login("kadis", "salah-sekali-1", address=f"198.51.100.{n}")
    with pytest.raises(LoginError, match=r"try again in 5 seconds"):
        web.people.check_login("kadis", GOOD, address="10.0.0.1")
    for n in range(6):
        clock.second = 0
        clock.minute += 1
        with pytest.raises(LoginError, match=r"wrong"):
            web.people.check_login("kadis", "salah-sekali-1", address=f"203.0.113.{n}")
    with pytest.raises(LoginError, match=r"try again in 60 seconds"):  # capped
        web.people.check_login("kadis", GOOD, address="10.0.0.1")
    clock.minute += 1
    assert web.people.check_login("kadis", GOOD, address="10.0.0.1").login == "kadis"


def test_parallel_guesses_get_no_more_checks_than_the_throttle_allows(
        engine_as: Callable[[str], Engine]) -> None:
    """30 guesses at once from one address: only the three free ones reach the password check, the others are
    told to wait (the attempt is counted under the login's lock before the check)."""
    import threading

    engine_as("kadis").people.set_password("kadis", GOOD)
    answers: list[str] = []

    def guess() -> None:
        try:
            engine_as("web").people.check_login("kadis", "salah-sekali-1", address="192.0.2.77")
        except LoginError as exc:
            answers.append(str(exc))

    threads = [threading.Thread(target=guess) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(answers) == 30
    assert sum("wrong" in a for a in answers) == 3 and sum("try again in" in a for a in answers) == 27


def test_person_is_the_entry_of_the_roles_in_force(engine_as: Callable[[str], Engine], tmp_path: Path) -> None:
    """person() answers from the roles pinned in the store; a login not in them is None, as is any without roles."""
    assert engine_as("web").people.person("kasi.infra") == SHIPPED.people["kasi.infra"]
    assert engine_as("web").people.person("budi") is None
    assert (
        Engine(str(tmp_path / "other.db"), definitions_dir=DEFINITIONS, forms_dir=FORMS).people.person("kasi.infra")
        is None
    )


def people_sop(tmp_path: Path, me: dict[str, object], apply: bool = True) -> Sop:
    """A CLI on the real definitions whose roles file adds this OS account, pinned in the store unless not asked."""
    definitions, forms = copy_definitions(tmp_path, roles=True)
    people = yaml.safe_load((definitions / "roles.yaml").read_text(encoding="utf-8"))
    people[ME] = me
    (definitions / "roles.yaml").write_text(yaml.safe_dump(people, allow_unicode=True), encoding="utf-8")
    sop = Sop(tmp_path / "sop.db", definitions, forms)
    if apply:  # by the shipped file's operator: this OS account may be none (apply refuses a file without its applier)
        Engine(str(sop.db), definitions_dir=definitions, forms_dir=forms, operator="tu.umum",
               roles=definitions / "roles.yaml").people.apply_roles()
    return sop


def test_sop_passwd_sets_ones_own_password_from_stdin(tmp_path: Path) -> None:
    """`sop passwd ME --password-stdin` sets it (never printed); someone else's is refused for a non-operator."""
    sop = people_sop(tmp_path, {"name": "Penguji", "lanes": ["OPD"]})
    result = sop("passwd", ME, "--password-stdin", input=GOOD + "\n")
    assert result.exit_code == 0 and f"The password of '{ME}' is set" in result.stderr
    assert GOOD not in result.output
    assert (
        Engine(str(sop.db), definitions_dir=sop.definitions, forms_dir=FORMS)
        .people.check_login(ME, GOOD, address="")
        .login
        == ME
    )
    refused = sop("passwd", "kadis", "--password-stdin", input=GOOD + "\n")
    assert refused.exit_code == 1 and f"'{ME}' may not set the password of 'kadis'" in refused.stderr
    assert sop("passwd", ME, "--password-stdin", input="\n").exit_code == 2


def test_sop_passwd_prompts_twice_hidden(tmp_path: Path) -> None:
    """Without --password-stdin an operator is asked twice (input hidden) and may set anyone's password; a weak
    one is refused saying the rule."""
    sop = people_sop(tmp_path, {"name": "Penguji", "lanes": ["OPD"], "operator": True})
    result = sop("passwd", "kadis", input=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0 and GOOD not in result.output
    assert "New password for kadis" in result.output and "Repeat the password" in result.output
    weak = sop("passwd", "kadis", input="pendek\npendek\n")
    assert weak.exit_code == 1 and "at least 10 characters" in weak.stderr


def test_sop_passwd_without_roles_in_force_says_to_apply_them(tmp_path: Path) -> None:
    """Before `sop roles apply`, `sop passwd` refuses (exit 1) and says how to fix it."""
    sop = people_sop(tmp_path, {"name": "Penguji", "lanes": ["OPD"]}, apply=False)
    sop.start()
    result = sop("passwd", ME, "--password-stdin", input=GOOD + "\n")
    assert result.exit_code == 1 and "`sop roles apply`" in result.stderr


def test_db_copy_takes_the_passwords_along(engine_as: Callable[[str], Engine], tmp_path: Path, pg_url: str) -> None:
    """`sop db copy` to PostgreSQL copies accounts (and drafts): kadis signs in on the copy with the same password."""
    from engine import copy_store

    engine_as("kadis").people.set_password("kadis", GOOD)
    engine_as("tu.umum").instances.start("interkoneksi_data_baru", actor="opd.dinkes")
    engine_as("opd.dinkes").instance(1).save_draft("AjukanPermohonan", {"perihal": "x"})
    copied = copy_store(str(tmp_path / "sop.db"), pg_url)
    assert copied.problems == () and copied.rows["accounts"] == 1 and copied.rows["drafts"] == 1
    copy = Engine(pg_url, definitions_dir=DEFINITIONS, forms_dir=FORMS, operator="opd.dinkes")
    assert copy.people.check_login("kadis", GOOD, address="10.0.0.1").login == "kadis"
    assert copy.instance(1).draft("AjukanPermohonan") == {"perihal": "x"}


def test_passwords_and_the_rate_limit_on_postgresql(pg_url: str, clock: Clock) -> None:
    """On PostgreSQL too: a password set signs in, three failures from one address make the next attempt from
    there wait, the owner elsewhere signs in, and 30 parallel guesses get only the free checks."""
    import threading

    def make(login: str) -> Engine:
        return Engine(pg_url, definitions_dir=DEFINITIONS, forms_dir=FORMS, clock=clock, operator=login, roles=SHIPPED)

    make("tu.umum").people.apply_roles()
    make("tu.umum").people.set_password("kasi.infra", GOOD)
    web = make("web")
    assert web.people.check_login("kasi.infra", GOOD, address="10.1.1.1").login == "kasi.infra"
    for _ in range(3):
        with pytest.raises(LoginError, match="wrong"):
            web.people.check_login("kasi.infra", "salah-sekali-1", address="10.1.1.1")
    with pytest.raises(LoginError, match="try again in 30 seconds"):
        web.people.check_login("kasi.infra", GOOD, address="10.1.1.1")
    assert web.people.check_login("kasi.infra", GOOD, address="10.1.1.2").login == "kasi.infra"
    answers: list[str] = []

    def guess() -> None:
        engine = make("web")
        try:
            engine.people.check_login("kasi.infra", "salah-sekali-1", address="10.9.9.9")
        except LoginError as exc:
            answers.append(str(exc))
        finally:
            engine.close()

    threads = [threading.Thread(target=guess) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum("wrong" in a for a in answers) == 3 and sum("try again in" in a for a in answers) == 27
