"""The values of the monitoring form of an SOP (Permen PANRB 35/2012) and its evaluation: what the engine hands the
CLI, the web and the renderer (plain frozen values; engine/service/monev.py fills them)."""

from __future__ import annotations

from typing import Any, NamedTuple

from engine.common.i18n import N_

GOOD, NOT_GOOD, NOT_MEASURED = "good", "not-good", "not-measured"
# The seven criteria of the evaluation (Permen PANRB 35/2012), in the form's order: (key, words).
CRITERIA: tuple[tuple[str, str], ...] = (
    ("kinerja", N_("It drives better performance")),
    ("dipahami", N_("It is easy to understand")),
    ("dilaksanakan", N_("It is easy to carry out")),
    ("peran", N_("Everyone can play their part")),
    ("masalah", N_("It solves the problems met")),
    ("kebutuhan", N_("It meets the organisation's need to perform better")),
    ("sinergi", N_("Its parts work together")),
)


class MonevNote(NamedTuple):
    """What a person wrote on a step's row: Catatan, Tindakan, and who initialled it (Paraf), by whom and when."""

    catatan: str
    tindakan: str
    paraf: str  # the initialling person's name and jabatan ('' when not initialled)
    by: str  # the writer's name
    time: str


class MonevStep(NamedTuple):
    """One row of the monitoring form: a step of the SOP and what the record says of it over the semester."""

    nomor: str
    task: str
    name: str
    lane: str | None
    sla: str | None
    done: int
    on_time: int
    late: int
    share: float | None  # on-time share (0..1); None without a Mutu Baku time or with no step done
    median_seconds: float | None
    p90_seconds: float | None
    returned: int
    overdue: int
    verdict: str  # GOOD, NOT_GOOD or NOT_MEASURED
    note: MonevNote | None


class MonevAnswer(NamedTuple):
    """One criterion of the evaluation: its key, its words, Ya (True) / Tidak (False) and a note."""

    key: str
    words: str
    yes: bool
    note: str


class MonevEvaluation(NamedTuple):
    """The evaluation of a semester against the seven criteria, by whom and when."""

    period: str
    answers: tuple[MonevAnswer, ...]
    by: str
    time: str


class MonevForm(NamedTuple):
    """The monitoring form of one SOP and semester, and its evaluation with the previous semester's."""

    process: str
    name: str
    period: str
    since: str  # the semester's first day, ISO date
    until: str  # its last day
    threshold: float  # percent
    identity: dict[str, Any]
    steps: tuple[MonevStep, ...]
    evaluation: MonevEvaluation | None
    previous: MonevEvaluation | None
    may_fill: bool  # the person asking may write notes and the evaluation
    now: str

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of `sop monev --json`: every field, nested values as objects."""
        return _plain(self)  # type: ignore[no-any-return]

    def figures(self) -> dict[str, int]:
        """The semester's figures the evaluation stands beside: steps running well of those assessed, completions,
        late ones, returns for revision, tasks overdue now."""
        assessed = [s for s in self.steps if s.verdict != NOT_MEASURED]
        return {"good": sum(s.verdict == GOOD for s in assessed), "assessed": len(assessed),
                "done": sum(s.done for s in self.steps), "late": sum(s.late for s in self.steps),
                "returned": sum(s.returned for s in self.steps), "overdue": sum(s.overdue for s in self.steps)}


def _plain(value: Any) -> Any:
    """A value with every named tuple inside it as an object."""
    if hasattr(value, "_asdict"):
        return {key: _plain(item) for key, item in value._asdict().items()}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


