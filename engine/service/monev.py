"""The monitoring and evaluation of an SOP (Permen PANRB 35/2012) for one semester, filled from the record: per step
the Penilaian ("berjalan dengan baik" when its on-time share against the Mutu Baku reaches the threshold of the
process's page, `ambang_tepat_waktu`, default 80%), the counts, median and p90 working time, returns for revision and
overdue tasks; the Catatan / Tindakan / Paraf and the evaluation against the seven criteria that people write, each
a chained event of the store's monitoring log."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from engine.common.errors import DefinitionError, RoleError, ValidationError
from engine.common.i18n import N_
from engine.common.monev_values import GOOD, NOT_GOOD, NOT_MEASURED
from engine.definitions.limits import DEFAULT_THRESHOLD, THRESHOLD_KEY, threshold_problem

if TYPE_CHECKING:
    from engine.definitions.roles import Roles
    from engine.service.context import EngineContext
    from engine.table.sop_table import SopTable

MAX_NOTE = 2000  # characters of a Catatan, a Tindakan or a criterion's note
_PERIOD = re.compile(r"^(\d{4})-([12])$")


class Semester(NamedTuple):
    """A semester: `2026-2` is July to December 2026."""

    year: int
    half: int

    @property
    def text(self) -> str:
        """As written on the command line: 2026-2."""
        return f"{self.year}-{self.half}"

    @property
    def days(self) -> tuple[date, date]:
        """Its first and last day."""
        return (date(self.year, 1, 1), date(self.year, 6, 30)) if self.half == 1 else (
            date(self.year, 7, 1), date(self.year, 12, 31))

    def before(self) -> Semester:
        """The semester before it."""
        return Semester(self.year, 1) if self.half == 2 else Semester(self.year - 1, 2)


def parse_semester(text: str) -> Semester:
    """`2026-2` as a Semester; a clear refusal for anything else."""
    found = _PERIOD.match((text or "").strip())
    if not found or not 2000 <= int(found.group(1)) <= 2999:
        raise ValidationError("Semester '{text}' is not a semester; give the year and 1 (January to June) or 2 (July "
                              "to December), e.g. 2026-2", text=text)
    return Semester(int(found.group(1)), int(found.group(2)))


def threshold_of(page: dict[str, Any], process: str) -> float:
    """The on-time share (percent) at which a step runs well: the page's `ambang_tepat_waktu`, default 80."""
    problem = threshold_problem(page)
    if problem:  # loading refuses such a page already; a definition pinned before the check still reads here
        raise DefinitionError("The page of process {process}: {problem}", process=process, problem=problem)
    return float(page.get(THRESHOLD_KEY, DEFAULT_THRESHOLD))


def head_lane(page: dict[str, Any], lanes: tuple[str, ...]) -> str | None:
    """The lane of the official the SOP answers to: the page's `data_kegiatan.penanggung_jawab` when it names one of
    the process's lanes (ignoring case and extra spaces)."""
    from engine.common.lanes import lane_key

    activity = page.get("data_kegiatan")
    named = activity.get("penanggung_jawab") if isinstance(activity, dict) else None
    if not isinstance(named, str):
        return None
    return next((lane for lane in lanes if lane_key(lane) == lane_key(named)), None)


def may_fill(roles: Roles | None, login: str, head: str | None) -> bool:
    """Who writes the monitoring notes and the evaluation of an SOP: anyone without roles; else an operator, an
    auditor, or a person holding the lane of the official the SOP answers to (its head lane)."""
    if roles is None:
        return True
    person = roles.people.get(login)
    if person is None:
        return False
    return person.operator or person.auditor or (head is not None and person.holds(head))


def checked_text(value: str | None, what: str) -> str:
    """A note as stored: trimmed, at most MAX_NOTE characters, no control characters but line ends and tabs."""
    text = (value or "").strip().replace("\r\n", "\n")
    if len(text) > MAX_NOTE:
        raise ValidationError("{what} has {count} characters; at most {limit} are kept; shorten it; nothing was "
                              "changed", what=what, count=len(text), limit=MAX_NOTE)
    if any((ord(c) < 32 and c not in "\n\t") or ord(c) == 127 for c in text):
        raise ValidationError("{what} holds control characters; type it again as plain text; nothing was changed",
                              what=what)
    return text


def verdict(share: float | None, threshold: float) -> str:
    """GOOD when the on-time share reaches the threshold (percent), NOT_GOOD below it, NOT_MEASURED without one."""
    if share is None:
        return NOT_MEASURED
    return GOOD if share * 100 >= threshold - 1e-9 else NOT_GOOD


class MonevSource(NamedTuple):
    """What the form is drawn from: the process's table (sheet order), its page and who may fill it."""

    table: SopTable
    page: dict[str, Any]
    threshold: float
    head: str | None


def source_of(context: EngineContext, process: str) -> MonevSource:
    """The newest definition of a process as the monitoring form reads it (an unknown process is refused)."""
    from engine.common.yamlio import parse_yaml
    from engine.table.sop_decompile import table_from_bpmn

    bundle = context.catalog().get(process).bundle
    table = table_from_bpmn(bundle["bpmn"]["text"], bundle["bpmn"]["file"], process_id=process, for_sheet=True)
    page: dict[str, Any] = {}
    if bundle.get("yaml"):
        read = parse_yaml(bundle["yaml"]["text"], bundle["yaml"]["file"])
        page = read if isinstance(read, dict) else {}
    return MonevSource(table, page, threshold_of(page, process), head_lane(page, table.lanes))


def check_may_fill(context: EngineContext, process: str, source: MonevSource) -> str:
    """The login writing, refused unless the rule lets them (nothing is changed)."""
    login = context.operator
    roles = context.roles
    if not may_fill(roles, login, source.head):
        person = roles.people.get(login) if roles is not None else None
        raise RoleError("{person} may not fill the monitoring form of {name}: an operator, an auditor or a person "
                        "holding the lane '{head}' writes it; nothing was changed",
                        person=person.name if person else login, name=source.table.nama,
                        head=source.head or N_("none named"))
    return login
