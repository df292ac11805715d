"""Passwords, sessions and sign-in throttles as an operator and an official meet them: each refusal in full, what
changes and what does not (the mutants of engine/service/people_service.py that survived the older tests,
`make mutants`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import DEFINITIONS, FORMS, Sop

from engine.common.errors import EngineError
from engine.common.i18n import translate
from engine.common.work_calendar import format_time
from engine.definitions.roles import load_roles
from engine.service.facade import Engine

SHIPPED = load_roles(DEFINITIONS / "roles.yaml")
GOOD = "kopi-pagi-di-sungailiat-2026"
NOW = format_time(datetime.now(UTC))  # the CLI lists the failures of the last hour by the machine's clock


@pytest.fixture
def engine_as(tmp_path: Path) -> Iterator[Callable[[str], Engine]]:
    """Engines on one store whose roles are the shipped file, pinned by the clerk, as if `login` ran them."""
    made: list[Engine] = []

    def make(login: str) -> Engine:
        engine = Engine(str(tmp_path / "sop.db"), definitions_dir=DEFINITIONS, forms_dir=FORMS, clock=lambda: NOW,
                        operator=login, roles=SHIPPED)
        made.append(engine)
        return engine

    make("tu.umum").people.apply_roles()
    yield make
    for engine in made:
        engine.close()


def _refusal(call: Callable[[], object]) -> str:
    with pytest.raises(EngineError) as refused:
        call()
    return translate(refused.value)


def test_a_password_is_refused_in_full_for_a_bad_login_an_unknown_one_and_another_persons(
        engine_as: Callable[[str], Engine]) -> None:
    """A login with a control character, one not in the roles, another person's set by a non-operator: each
    refused in full, no password set (kills set_password's message mutants)."""
    kabid = engine_as("kabid.egov").people
    assert _refusal(lambda: kabid.set_password("a\tb", GOOD)) == (
        "LOGIN 'a\\tb': a login is a name such as kasi.infra (no control characters, at most 200 characters); "
        "nothing was changed")
    assert _refusal(lambda: kabid.set_password("budi", GOOD)) == (
        f"'budi' is not in {kabid.roles.described}; add them to the roles file and run `sop roles apply`, then "  # type: ignore[union-attr]
        "set the password; nothing was changed")
    assert _refusal(lambda: kabid.set_password("kadis", GOOD)) == (
        f"'kabid.egov' may not set the password of 'kadis': only 'kadis' or an operator of "
        f"{kabid.roles.described} (tu.umum) may; nothing was changed")  # type: ignore[union-attr]
    with pytest.raises(EngineError):
        engine_as("web").people.check_login("kadis", GOOD, address="10.0.0.7")


def test_a_password_without_roles_in_force_is_refused_in_full(tmp_path: Path) -> None:
    """No roles pinned yet: setting a password says to pin them first, naming the store (kills the mutants of
    that message)."""
    db = tmp_path / "sop.db"
    engine = Engine(str(db), definitions_dir=DEFINITIONS, forms_dir=FORMS, operator="tu.umum", roles=SHIPPED)
    engine.context.store(create=True)
    assert _refusal(lambda: engine.people.set_password("kadis", GOOD)) == (
        f"No roles are in force in store '{db}', so no login can have a password; pin the roles file first with "
        "`sop roles apply`; nothing was changed")
    engine.close()


def test_sessions_are_ended_by_their_person_or_an_operator_only(engine_as: Callable[[str], Engine]) -> None:
    """The Kepala Bidang may not end the head's sessions, nor may the clerk end them in his name; the head ends
    his own, the clerk anyone's (kills end_sessions's mutants: the roles check, who acts, the message)."""
    said = ("'kabid.egov' may not end the sessions of 'kadis': only 'kadis' or an operator may; nothing was "
            "changed")
    assert _refusal(lambda: engine_as("kabid.egov").people.end_sessions("kadis")) == said
    assert _refusal(lambda: engine_as("tu.umum").people.end_sessions("kadis", actor="kabid.egov")) == said
    assert engine_as("web").people.sessions_ended("kadis") is None
    assert engine_as("kadis").people.end_sessions("kadis") == NOW
    assert engine_as("tu.umum").people.end_sessions("kabid.egov") == NOW
    assert engine_as("web").people.sessions_ended("kadis") == NOW
    assert engine_as("web").people.sessions_ended("kabid.egov") == NOW
    assert engine_as("web").people.sessions_ended("kasi.infra") is None


def test_throttles_are_listed_and_cleared_by_an_operator_only(engine_as: Callable[[str], Engine],
                                                              tmp_path: Path) -> None:
    """Three wrong passwords for the head from one address: `sop accounts throttles --json` lists the login from
    that address and from everywhere; the head may not clear them, the clerk does, and the list is empty (kills
    the mutants of throttles and clear_throttles)."""
    engine_as("tu.umum").people.set_password("kadis", GOOD)
    web = engine_as("web").people
    for _ in range(3):
        with pytest.raises(EngineError):
            web.check_login("kadis", "salah-sekali-123", address="10.0.0.7")
    listed = web.throttles()
    assert sorted(listed) == [("kadis", "", 3, NOW), ("kadis", "10.0.0.7", 3, NOW)]
    sop = Sop(tmp_path / "sop.db", DEFINITIONS)
    assert sorted(json.loads(sop("accounts", "throttles", "--json").stdout), key=lambda t: t["address"]) == [
        {"login": "kadis", "address": "", "failures": 3, "last": NOW},
        {"login": "kadis", "address": "10.0.0.7", "failures": 3, "last": NOW}]
    assert _refusal(lambda: engine_as("kadis").people.clear_throttles("kadis")) == (
        "'kadis' may not clear the sign-in throttle of 'kadis': only an operator may; nothing was changed")
    assert sorted(web.throttles()) == sorted(listed)
    assert engine_as("tu.umum").people.clear_throttles("kadis") > 0
    assert web.throttles() == []


def test_without_roles_in_force_anyone_ends_sessions_and_clears_throttles(tmp_path: Path) -> None:
    """Before any roles are pinned, the account running the command ends a login's sessions and clears its
    throttle, and says when (kills the mutants of end_sessions's and clear_throttles's no-roles branch)."""
    db = tmp_path / "sop.db"
    engine = Engine(str(db), definitions_dir=DEFINITIONS, forms_dir=FORMS, clock=lambda: NOW, operator="tu.umum",
                    roles=SHIPPED)
    engine.context.store(create=True)
    assert engine.people.end_sessions("kadis") == NOW
    assert engine.people.sessions_ended("kadis") == NOW
    assert engine.people.clear_throttles("kadis") == 0
    engine.close()


def test_a_store_not_made_yet_has_no_throttles_nor_ended_sessions_and_is_not_made(tmp_path: Path) -> None:
    """`sop accounts throttles` and `sop accounts sessions` on a store that does not exist yet: nothing slowed,
    never ended, and no store file is made (kills the `optional=True` mutants)."""
    sop = Sop(tmp_path / "sop.db", DEFINITIONS)
    listed = sop("accounts", "throttles")
    assert (listed.exit_code, listed.stderr) == (0, "No sign-in is slowed: no failed attempt in the last hour.\n")
    ended = sop("accounts", "sessions", "kadis", "--json")
    assert (ended.exit_code, json.loads(ended.stdout)) == (0, {"login": "kadis", "ended_at": None})
    assert not (tmp_path / "sop.db").exists()


def test_my_lanes_are_the_lanes_of_ready_steps_a_person_holds(engine_as: Callable[[str], Engine]) -> None:
    """A request waiting at the OPD's step: the OPD's lanes are ("OPD",), the head's none, the clerk asking for the
    OPD gets the OPD's; the clerk records for another with `acting` (kills my_lanes's and acting's mutants)."""
    clerk = engine_as("tu.umum")
    clerk.instances.start("interkoneksi_data_baru", actor="opd.dinkes")
    assert engine_as("opd.dinkes").people.my_lanes() == ("OPD",)
    assert engine_as("kadis").people.my_lanes() == ()
    assert clerk.people.my_lanes("opd.dinkes") == ("OPD",)
    assert clerk.people.acting("kadis") == "kadis"


def test_a_throttle_from_an_ipv6_address_names_that_address(engine_as: Callable[[str], Engine]) -> None:
    """Failures from an IPv6 address (colons in it) list the login and the whole address (kills throttles mutant
    12, which split the stored key at its last colon)."""
    web = engine_as("web").people
    with pytest.raises(EngineError):
        web.check_login("kadis", "salah-sekali-123", address="2001:db8::7")
    assert sorted(web.throttles()) == [("kadis", "", 1, NOW), ("kadis", "2001:db8::7", 1, NOW)]


def test_roles_on_a_store_not_made_yet_lists_the_people_and_makes_no_store(tmp_path: Path) -> None:
    """`sop roles` before any store exists lists the file's people and makes no store file (kills the recoveries
    mutants that opened the store as required)."""
    result = Sop(tmp_path / "sop.db", DEFINITIONS)("roles")
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.stdout.splitlines()[1:]] == sorted(SHIPPED.people)
    assert not (tmp_path / "sop.db").exists()
