"""People and the lanes they act in (the roles file): who may complete which step, who may record for whom."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, NamedTuple

from engine.common.errors import EngineError, NotInRolesError, NotOperatorError, RoleError, WrongLaneError
from engine.common.i18n import N_
from engine.common.lanes import lane_key, with_unit
from engine.definitions.delegations import Delegation

if TYPE_CHECKING:  # pathlib and dataclasses cost `sop tasks` ~10 ms: this module stays light
    from pathlib import Path

ROLES_FILE = "roles.yaml"
OWNER_FIELD = "pemilik_proses"  # the processes a person owns: they edit and publish them on the web
_FIELDS = {"name", "nip", "lanes", "operator", "jabatan", "auditor", "unit", "unit_kerja", "email", "telepon", "atasan",
           "saluran", OWNER_FIELD, "jam_tenang", "tunggu_jam_kerja"}
CHANNELS = ("email", "whatsapp")  # the channels a person may choose with `saluran` (each needs its address)


class Person(NamedTuple):
    """One person of the roles file: login name, display name, NIP, lanes, and whether they record for others."""

    login: str
    name: str
    nip: str
    lanes: tuple[str, ...]
    operator: bool = False
    jabatan: str = ""  # the official's position title, for forms that ask for it
    auditor: bool = False  # reads every instance, acts on none (no lanes, no operator)
    email: str = ""  # where e-mail notices go
    telepon: str = ""  # the WhatsApp number notices go to, digits only, 62... (written 08..., +62... or 62...)
    atasan: str = ""  # the login of the person's superior, who hears when the person's step is overdue
    saluran: tuple[str, ...] = ()  # the channels the person chose (none chosen: each one they have an address for)
    owned_processes: tuple[str, ...] = ()  # `pemilik_proses`: the process ids whose SOP they edit and publish
    jam_tenang: str = ""  # quiet hours, "20:00-06:00" in office time: notices on waiting channels are held then
    tunggu_jam_kerja: tuple[str, ...] | None = None  # the channels of theirs that wait (None: the office's choice)

    def owns_process(self, process: str) -> bool:
        """True when the person may edit and publish this process's SOP: its owner, or an operator (any process)."""
        return self.operator or process in self.owned_processes

    @property
    def owns_any(self) -> bool:
        """True when the person may edit and publish at least one SOP (an owner, or an operator)."""
        return self.operator or bool(self.owned_processes)

    def holds(self, lane: str | None) -> bool:
        """True when the person acts in this lane (matched by name, ignoring case and extra spaces)."""
        return lane is not None and lane_key(lane) in {lane_key(own) for own in self.lanes}


class Roles(NamedTuple):
    """The people of a roles file, by login name."""

    source: str
    people: dict[str, Person]
    pinned: bool = False  # read from the store's pinned roles version, not from a file
    delegations: tuple[Delegation, ...] = ()  # the delegations (Plh./Plt.) of the store's roles log

    @property
    def described(self) -> str:
        """How messages name where these roles come from: the file, or the store's pinned version."""
        return self.source if self.pinned else N_("the roles file {source}", source=self.source)

    def person(self, login: str) -> Person:
        """The entry of a login name, or RoleError naming the file."""
        found = self.people.get(login)
        if found is None:
            raise NotInRolesError(
                "'{login}' is not in {described}; ask the administrator to add them "
                "(people: {people})",
                login=login, described=self.described, people=', '.join(sorted(self.people)) or N_("none")
            )
        return found

    def acting(self, operator: str, actor: str | None) -> Person:
        """Who acts: the OS account itself, or (with --as) another person when the account is an operator."""
        if actor is None or actor == operator:
            return self.person(operator)
        recorder = self.people.get(operator)
        if recorder is None or not recorder.operator:
            raise NotOperatorError(
                "'{operator}' may not act on behalf of '{actor}': only a person with `operator: true` in "
                "{described} may use --as for someone else; run the command as '{actor}' or ask the clerk",
                operator=operator, actor=actor, described=self.described
            )
        return self.person(actor)

    def check_lane(self, person: Person, lane: str | None, what: str, recorder: Person | None = None, *,
                   at: str | None = None, process: str | None = None) -> None:
        """Refuse a step whose lane the person does not hold (themself, or at the moment `at` by a delegation in
        force for the step's process); a step in no lane (a version pinned before every step needed one) only an
        operator may record."""
        if lane is None:
            if recorder is not None and recorder.operator:
                return
            raise RoleError(
                "{what} is in no lane in its pinned diagram, so no lane says who may complete it; nothing was "
                "changed. An operator of {described} must record it (with --as), or move the instance to a "
                "version that puts the step in a lane (`sop migrate`)", what=what, described=self.described
            )
        if person.holds(lane) or (at is not None and self.delegation_for(person.login, lane, at=at, process=process)):
            return
        lanes = ", ".join(person.lanes) or N_("none")
        holders = ", ".join(f"{p.login} ({p.name})" for p in self.people.values() if p.holds(lane))
        fix = (N_("Lane '{lane}' is held by {holders}: one of them must complete it, or an operator records it for "
                  "them",
                  lane=lane, holders=holders) if holders
               else N_("Nobody in {source} holds lane '{lane}': ask the administrator to add its people",
                       source=self.source, lane=lane))
        raise WrongLaneError("{what} is in lane '{lane}', and {login} ({name}) acts in: {lanes}; nothing was "
                             "changed. {fix}", what=what, lane=lane, login=person.login, name=person.name, lanes=lanes,
                             fix=fix)

    def delegation_for(self, login: str, lane: str | None, *, at: str,
                       process: str | None = None) -> Delegation | None:
        """The delegation under which `login` acts in `lane` at a moment: one in force, to them, from someone who
        holds the lane in these roles; None when they hold the lane themself (no delegation needed) or none reaches
        it."""
        person = self.people.get(login)
        if lane is None or person is None or person.holds(lane):
            return None
        for delegation in self.delegations:
            giver = self.people.get(delegation.giver)
            if delegation.taker == login and giver is not None and giver.holds(lane) and delegation.in_force(at) \
                    and delegation.covers(lane, process):
                return delegation
        return None

    def unknown_processes(self, known: set[str]) -> list[tuple[str, str]]:
        """(login, process id) of each `pemilik_proses` entry that names no process known (a warning: a new SOP's
        owner may be named before its file is written)."""
        return [(p.login, process) for p in self.people.values() for process in p.owned_processes
                if process not in known]

    def unknown_lanes(self, known: set[str]) -> list[str]:
        """Lanes the file names that no deployed process has (a warning for the administrator)."""
        keys = {lane_key(k) for k in known}
        named = dict.fromkeys(lane for p in self.people.values() for lane in p.lanes)
        return [lane for lane in named if lane_key(lane) not in keys]


def find_roles(explicit: str | None, definitions_dir: str | Path) -> str | None:
    """The roles file to use: --roles/SOP_ROLES, else roles.yaml in the definitions folder when present."""
    if explicit:
        if os.path.isdir(explicit):
            raise RoleError("Roles file '{explicit}' is a folder; give the roles YAML file itself with --roles "
                            "(or SOP_ROLES), e.g. definitions/roles.yaml", explicit=explicit)
        if not os.path.isfile(explicit):
            raise RoleError("Roles file '{explicit}' does not exist; fix --roles (or SOP_ROLES)", explicit=explicit)
        return explicit
    default = os.path.join(definitions_dir, ROLES_FILE)
    return default if os.path.isfile(default) else None


def load_roles(path: str | Path) -> Roles:
    """Read and check a roles file; a malformed one is a RoleError naming the line."""
    from pathlib import Path

    import yaml

    from engine.common.yamlio import parse_yaml

    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RoleError("Roles file '{source}' cannot be read ({exc}); it must be UTF-8 YAML",
                        source=source, exc=exc) from None
    try:
        data = parse_yaml(text, source)
    except EngineError as exc:  # a YAML syntax error, with its line
        raise RoleError(str(exc)) from None
    if not isinstance(data, dict) or not data:
        raise RoleError("{source}:1: a roles file maps login names to people, e.g. `budi: {{name: Budi, "
                        "nip: '...', lanes: [Kepala Bagian]}}`", source=source)
    # Each login's line, by the key as loaded (`true:` or `123:` load as True or 123, not as the text written).
    lines = dict(zip(map(str, data), _entry_lines(yaml.compose(text), source).values(), strict=False))
    people = {}
    from engine.common.identity import check_login

    for login, entry in data.items():
        where = f"{source}:{lines.get(str(login), 1)}"
        try:
            check_login(str(login), f"{where}: login")
        except EngineError as exc:
            raise RoleError(str(exc).replace("; nothing was changed", "; fix the roles file")) from None
        people[str(login)] = _person(str(login), entry, where)
    for login, person in people.items():
        line = lines.get(login, 1)
        if person.atasan and (person.atasan not in people or person.atasan == login):
            raise RoleError("{source}:{line}: '{login}' atasan '{atasan}' is not another person of this file; give "
                            "the login of their superior (e.g. atasan: kadis) or remove atasan",
                            source=source, line=line, login=login, atasan=person.atasan)
    return Roles(source, people)


def _person(login: str, entry: Any, where: str) -> Person:
    if not isinstance(entry, dict):
        raise RoleError("{where}: '{login}' must be a mapping with name, nip and lanes", where=where, login=login)
    extra = set(map(str, entry)) - _FIELDS
    if extra:
        raise RoleError("{where}: '{login}' has unknown field(s) {extra}; "
                        "allowed: {fields_value}",
                        where=where, login=login, extra=', '.join(sorted(extra)),
                        fields_value=', '.join(sorted(_FIELDS)))
    lanes = entry.get("lanes", [])
    if isinstance(lanes, str):
        lanes = [lanes]
    if not isinstance(lanes, list) or not all(isinstance(x, str) and x.strip() for x in lanes):
        raise RoleError("{where}: '{login}' lanes must be a list of lane names, e.g. [Kepala Bagian]",
                        where=where, login=login)
    operator = entry.get("operator", False)
    if not isinstance(operator, bool):
        raise RoleError("{where}: '{login}' operator must be true or false", where=where, login=login)
    auditor = entry.get("auditor", False)
    if not isinstance(auditor, bool):
        raise RoleError("{where}: '{login}' auditor must be true or false", where=where, login=login)
    if auditor and (lanes or operator):
        raise RoleError("{where}: '{login}' is an auditor, who reads every request and acts on none: remove their "
                        "lanes and operator, or remove `auditor: true`", where=where, login=login)
    owned = _owned(login, entry.get(OWNER_FIELD, []), where)
    if auditor and owned:
        raise RoleError("{where}: '{login}' is an auditor, who reads every request and changes nothing: remove "
                        "`pemilik_proses`, or remove `auditor: true`", where=where, login=login)
    if not lanes and not operator and not auditor and not owned:
        raise RoleError("{where}: '{login}' has no lanes and is no operator; give lanes or `operator: true` (or "
                        "`auditor: true` for a reader, `pemilik_proses` for a process owner)", where=where,
                        login=login)
    name = entry.get("name", login)
    if not isinstance(name, str) or not name.strip():
        raise RoleError("{where}: '{login}' name must be text", where=where, login=login)
    jabatan = entry.get("jabatan", "")
    if not isinstance(jabatan, str):
        raise RoleError("{where}: '{login}' jabatan must be text", where=where, login=login)
    unit = _unit(entry, login, where)
    return Person(login, name, str(entry.get("nip", "")), tuple(with_unit(x.strip(), unit) for x in lanes), operator,
                  jabatan.strip(), auditor, *_contacts(login, entry, where), owned, *_quiet(login, entry, where))


def _quiet(login: str, entry: dict[str, Any], where: str) -> tuple[str, tuple[str, ...] | None]:
    """A person's quiet hours ("20:00-06:00") and the channels of theirs that wait for office and quiet hours."""
    import re

    hours = entry.get("jam_tenang", "")
    found = re.fullmatch(r"\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)\s*", hours) \
        if isinstance(hours, str) else None
    start, end = (int(found[1]) * 60 + int(found[2]), int(found[3]) * 60 + int(found[4])) if found else (0, 0)
    if hours != "" and (found is None or start == end):
        raise RoleError("{where}: '{login}' jam_tenang {value!r} is not a span of hours; write it like "
                        "\"20:00-06:00\" (from, until, in office time; in quotes) or remove it", where=where,
                        login=login, value=hours)
    span = f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}" if found else ""
    if "tunggu_jam_kerja" not in entry:
        return span, None
    chosen = entry["tunggu_jam_kerja"]
    if not isinstance(chosen, list) or not all(isinstance(c, str) and c.strip().lower() in CHANNELS for c in chosen):
        raise RoleError("{where}: '{login}' tunggu_jam_kerja must be a list of channels from: {channels} (the ones "
                        "that wait for office hours and their quiet hours), e.g. [email, whatsapp], or [] for none",
                        where=where, login=login, channels=", ".join(CHANNELS))
    return span, tuple(dict.fromkeys(c.strip().lower() for c in chosen))


def _unit(entry: dict[str, Any], login: str, where: str) -> str | None:
    """The unit (Bidang) a person's lanes are held in: each lane that names none reads `Lane (Unit)`."""
    given = [key for key in ("unit", "unit_kerja") if key in entry]
    if len(given) > 1:
        raise RoleError("{where}: '{login}' has both unit and unit_kerja; keep one", where=where, login=login)
    if not given:
        return None
    unit = entry[given[0]]
    if not isinstance(unit, str) or not unit.strip() or "(" in unit or ")" in unit:
        raise RoleError("{where}: '{login}' {key} must be the name of a unit, e.g. Bidang Pendidikan Dasar "
                        "(no parentheses)", where=where, login=login, key=given[0])
    return unit.strip()


def _contacts(login: str, entry: dict[str, Any], where: str) -> tuple[str, str, str, tuple[str, ...]]:
    """A person's e-mail address, WhatsApp number, superior's login and chosen channels, checked."""
    import re

    email, phone, boss = (entry.get(key, "") for key in ("email", "telepon", "atasan"))
    if not isinstance(email, str) or (email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email.strip())):
        raise RoleError("{where}: '{login}' email {value!r} is not an e-mail address; write it like "
                        "nama@bangka.go.id", where=where, login=login, value=email)
    digits = re.sub(r"[\s.-]", "", str(phone)) if isinstance(phone, str | int) else None
    if digits is None or (digits and not re.fullmatch(r"(\+62|62|0)8\d{7,12}", digits)):
        raise RoleError("{where}: '{login}' telepon {value!r} is not a mobile number; write it like 0812 3456 "
                        "7890 or +62 812 3456 7890 (in quotes)", where=where, login=login, value=phone)
    if not isinstance(boss, str):
        raise RoleError("{where}: '{login}' atasan must be the login of their superior", where=where, login=login)
    chosen = entry.get("saluran", [])
    chosen = [chosen] if isinstance(chosen, str) else chosen
    if not isinstance(chosen, list) or not all(isinstance(c, str) and c.strip().lower() in CHANNELS for c in chosen):
        raise RoleError("{where}: '{login}' saluran must be a list of channels from: {channels}, e.g. [email, "
                        "whatsapp]", where=where, login=login, channels=", ".join(CHANNELS))
    channels = tuple(dict.fromkeys(c.strip().lower() for c in chosen))
    for channel, address, key in (("email", email, "email"), ("whatsapp", digits, "telepon")):
        if channel in channels and not address:
            raise RoleError("{where}: '{login}' chose {channel} in saluran but has no {key}; add their {key} or "
                            "remove {channel}", where=where, login=login, channel=channel, key=key)
    number = "62" + re.sub(r"^(\+62|62|0)", "", digits) if digits else ""
    return email.strip(), number, boss.strip(), channels


def _owned(login: str, value: Any, where: str) -> tuple[str, ...]:
    """A person's `pemilik_proses`: a list of process ids (one id alone is taken as a list of one)."""
    import re

    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(x, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]{0,199}",
                                                                                  x.strip()) for x in value):
        raise RoleError("{where}: '{login}' pemilik_proses must be a list of process ids, e.g. "
                        "[permohonan_layanan]", where=where, login=login)
    return tuple(dict.fromkeys(x.strip() for x in value))


def _entry_lines(node: Any, source: str) -> dict[str, int]:
    """The 1-based line of each top-level key of a composed YAML mapping; a login written twice is refused."""
    lines: dict[str, int] = {}
    for key, _ in node.value:
        login, line = str(key.value), key.start_mark.line + 1
        if login in lines:
            raise RoleError("{source}:{line}: login '{login}' is written twice (lines {lines} and {line}); "
                            "keep one entry per person", source=source, line=line, login=login, lines=lines[login])
        lines[login] = line
    return lines
