"""The roles module's rules a person meets through notices and Plh./Plt.: quiet hours and waiting channels read from
the roles file as written (or refused in full words), and who may act in a lane under a delegation, at which moment
and for which process (the mutants of engine/definitions/roles.py that survived its first full run, `make
mutants`: `_quiet`, `Roles.delegation_for`, `Roles.check_lane`, `Roles.person`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.common.errors import RoleError, WrongLaneError
from engine.definitions.delegations import Delegation
from engine.definitions.roles import Roles, load_roles

BASE = "kadis: {name: Bu Kadis, lanes: [Kepala Dinas]}\nwakil: {name: Pak Wakil, lanes: [Sekretaris]}\n"


def roles_file(tmp_path: Path, extra: str) -> Roles:
    """The roles of a file holding the two people above and `extra` for kadis (a flow mapping's inner text)."""
    path = tmp_path / "roles.yaml"
    path.write_text(BASE.replace("lanes: [Kepala Dinas]}", f"lanes: [Kepala Dinas], {extra}}}", 1) if extra
                    else BASE, encoding="utf-8")
    return load_roles(path)


@pytest.mark.parametrize(("written", "read"), [
    ("jam_tenang: ' 8:05 - 6:00 '", "08:05-06:00"), ("jam_tenang: '20:00-06:00'", "20:00-06:00"),
    ("jam_tenang: '23:59-0:00'", "23:59-00:00"), ("", ""),
])
def test_quiet_hours_are_read_as_written(tmp_path: Path, written: str, read: str) -> None:
    """A person's jam_tenang is kept as from-until in two-digit hours and minutes; none written is none."""
    assert roles_file(tmp_path, written).people["kadis"].jam_tenang == read
    assert roles_file(tmp_path, written).people["wakil"].jam_tenang == ""


@pytest.mark.parametrize("written", ["'25:00-06:00'", "'08:00-08:00'", "'20:00'", "8", "'20.00-06.00'"])
def test_quiet_hours_that_are_no_span_are_refused_in_full(tmp_path: Path, written: str) -> None:
    """Not a span of hours (an hour past 23, from equal to until, one time, a number, dots): refused naming the
    person, the value and how to write it."""
    with pytest.raises(RoleError) as refused:
        roles_file(tmp_path, f"jam_tenang: {written}")
    value = repr(8) if written == "8" else repr(written.strip("'"))
    assert f": 'kadis' jam_tenang {value} is not a span of hours; write it like \"20:00-06:00\" (from, until, in " \
           "office time; in quotes) or remove it" in str(refused.value)


@pytest.mark.parametrize(("written", "read"), [
    ("tunggu_jam_kerja: [Email, ' whatsapp ', email]", ("email", "whatsapp")), ("tunggu_jam_kerja: []", ()),
    ("", None),
])
def test_waiting_channels_are_read_as_written(tmp_path: Path, written: str, read: tuple[str, ...] | None) -> None:
    """tunggu_jam_kerja lists the channels that wait, lower-cased, each once; an empty list is none; none written
    leaves it to the office (None)."""
    assert roles_file(tmp_path, written).people["kadis"].tunggu_jam_kerja == read


@pytest.mark.parametrize("written", ["tunggu_jam_kerja: [sms]", "tunggu_jam_kerja: email", "tunggu_jam_kerja: [3]"])
def test_waiting_channels_that_are_no_list_of_channels_are_refused(tmp_path: Path, written: str) -> None:
    """A channel sop has not, a bare word, a number: refused listing the channels there are."""
    with pytest.raises(RoleError) as refused:
        roles_file(tmp_path, written)
    assert ": 'kadis' tunggu_jam_kerja must be a list of channels from: email, whatsapp (the ones that wait for " \
           "office hours and their quiet hours), e.g. [email, whatsapp], or [] for none" in str(refused.value)


def test_a_login_in_no_roles_is_refused_naming_everyone_or_none(tmp_path: Path) -> None:
    """An unknown login names the people there are; a roles list with nobody says none."""
    with pytest.raises(RoleError, match=r"'tamu' is not in .*; ask the administrator to add them \(people: kadis, "
                                        r"wakil\)"):
        roles_file(tmp_path, "").person("tamu")
    with pytest.raises(RoleError, match=r"\(people: none\)$"):
        Roles("kosong.yaml", {}).person("tamu")


def delegated(tmp_path: Path, **limits: str) -> Roles:
    """Wakil stands in for Kadis from 1 December 08:00 to 5 December (recorded 30 November), within the limits."""
    given = Delegation(7, "kadis", "wakil", "2026-12-01T01:00:00.000Z", "2026-12-05T00:00:00.000Z",
                       limits.get("process", ""), limits.get("lane", ""), "plh", "kadis", "2026-11-30T09:00:00.000Z",
                       limits.get("ended", ""), "kadis" if limits.get("ended") else "")
    return roles_file(tmp_path, "")._replace(delegations=(given,))


DURING = "2026-12-02T03:00:00.000Z"


def test_a_stand_in_acts_in_the_givers_lane_only_while_the_delegation_is_in_force(tmp_path: Path) -> None:
    """From its start (inclusive) to its end (exclusive), for the taker, in a lane the giver holds; never for the
    giver's other lanes, another person, an unknown login, no lane, or someone holding the lane themself."""
    roles = delegated(tmp_path)
    assert roles.delegation_for("wakil", "Kepala Dinas", at=DURING) == roles.delegations[0]
    assert roles.delegation_for("wakil", " kepala  dinas ", at="2026-12-01T01:00:00.000Z") == roles.delegations[0]
    for login, lane, at in (("wakil", "Kepala Dinas", "2026-12-01T00:59:59.999Z"),
                            ("wakil", "Kepala Dinas", "2026-12-05T00:00:00.000Z"),
                            ("wakil", "Bendahara", DURING), ("kadis", "Sekretaris", DURING),
                            ("tamu", "Kepala Dinas", DURING), ("wakil", None, DURING),
                            ("kadis", "Kepala Dinas", DURING)):
        assert roles.delegation_for(login, lane, at=at) is None, (login, lane, at)


def test_a_delegation_is_not_in_force_before_it_was_recorded_or_after_it_was_ended(tmp_path: Path) -> None:
    """Ended early on 3 December: not in force from then; and never before the moment it was recorded."""
    ended = delegated(tmp_path, ended="2026-12-03T00:00:00.000Z")
    assert ended.delegation_for("wakil", "Kepala Dinas", at="2026-12-02T23:59:59.000Z") is not None
    assert ended.delegation_for("wakil", "Kepala Dinas", at="2026-12-03T00:00:00.000Z") is None
    late = delegated(tmp_path)
    late = late._replace(delegations=(late.delegations[0]._replace(time="2026-12-02T04:00:00.000Z"),))
    assert late.delegation_for("wakil", "Kepala Dinas", at=DURING) is None


def test_a_delegation_limited_to_a_process_or_a_lane_reaches_only_those(tmp_path: Path) -> None:
    """Limited to process cuti: in force for cuti (and where no process is asked), not for another process;
    limited to a lane the giver holds: that lane only."""
    one = delegated(tmp_path, process="cuti")
    assert one.delegation_for("wakil", "Kepala Dinas", at=DURING, process="cuti") is not None
    assert one.delegation_for("wakil", "Kepala Dinas", at=DURING) is not None
    assert one.delegation_for("wakil", "Kepala Dinas", at=DURING, process="surat") is None
    lane = delegated(tmp_path, lane="Bendahara")
    assert lane.delegation_for("wakil", "Kepala Dinas", at=DURING) is None


def test_check_lane_lets_a_stand_in_act_at_a_moment_for_a_process_and_refuses_otherwise(tmp_path: Path) -> None:
    """check_lane accepts the stand-in at a moment in force for the delegated process; without a moment, or for
    another process, the stand-in is refused as anyone outside the lane is, naming who holds it."""
    roles = delegated(tmp_path, process="cuti")
    wakil = roles.person("wakil")
    roles.check_lane(wakil, "Kepala Dinas", "Step 'Setujui'", at=DURING, process="cuti")
    for options in ({}, {"at": DURING, "process": "surat"}):
        with pytest.raises(WrongLaneError) as refused:
            roles.check_lane(wakil, "Kepala Dinas", "Step 'Setujui'", **options)  # type: ignore[arg-type]
        assert "Step 'Setujui' is in lane 'Kepala Dinas', and wakil (Pak Wakil) acts in: Sekretaris; nothing was " \
               "changed. Lane 'Kepala Dinas' is held by kadis (Bu Kadis)" in str(refused.value)


def test_quiet_hours_keep_their_minutes_and_refusals_name_the_file_and_line(tmp_path: Path) -> None:
    """Minutes of the end are kept ("20:00-06:30"); a refusal of jam_tenang or tunggu_jam_kerja starts with the
    roles file and the person's line."""
    assert roles_file(tmp_path, "jam_tenang: '20:00-06:30'").people["kadis"].jam_tenang == "20:00-06:30"
    where = f"{tmp_path / 'roles.yaml'}:1: 'kadis' "
    for extra, said in (("jam_tenang: '08:00-08:00'", "jam_tenang '08:00-08:00' is not a span of hours"),
                        ("tunggu_jam_kerja: [sms]", "tunggu_jam_kerja must be a list of channels")):
        with pytest.raises(RoleError) as refused:
            roles_file(tmp_path, extra)
        assert str(refused.value).startswith(where + said), str(refused.value)


def test_a_login_the_yaml_reads_as_another_value_is_refused_at_its_own_line(tmp_path: Path) -> None:
    """`true:` loads as True: its mistake is still named at its line (2), not at the file's first."""
    path = tmp_path / "roles.yaml"
    path.write_text("kadis: {name: Bu Kadis, lanes: [Kepala Dinas]}\ntrue: {name: Angka, lanes: 3}\n",
                    encoding="utf-8")
    with pytest.raises(RoleError) as refused:
        load_roles(path)
    assert str(refused.value) == f"{path}:2: 'True' lanes must be a list of lane names, e.g. [Kepala Bagian]"


def test_someone_holding_the_lane_needs_no_delegation_even_when_given_one(tmp_path: Path) -> None:
    """Pak Wakil holds Sekretaris himself: a delegation of it to him from another Sekretaris is not what lets him
    act (delegation_for says none), so his acts are signed as his own."""
    path = tmp_path / "roles.yaml"
    path.write_text(BASE + "sek2: {name: Bu Sek, lanes: [Sekretaris]}\n", encoding="utf-8")
    given = Delegation(8, "sek2", "wakil", "2026-12-01T01:00:00.000Z", "2026-12-05T00:00:00.000Z", "", "", "plh",
                       "sek2", "2026-11-30T09:00:00.000Z")
    roles = load_roles(path)._replace(delegations=(given,))
    assert roles.delegation_for("wakil", "Sekretaris", at=DURING) is None
    assert roles.delegation_for("kadis", "Sekretaris", at=DURING) is None
