"""The engine's errors: one base class, a few kinds, each message naming the thing and the fix.

An error is made from an English template and the values it names (`NoInstanceError("No instance {instance} in
store '{db}'; ...", instance=12, db=path)`), or from a Message. `str(error)` is the English text (a Message that
keeps its template); the values read as attributes (`error.instance == 12`); `engine.common.i18n.translate(error)`
writes it in the reader's language from the catalog entry of its template. The kinds (NotFoundError, RoleError...)
decide the CLI's exit code and the web's status; the subclasses below them name the refusals callers tell apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine.common.messages import Message


class EngineError(Exception):
    """A refused request; the message says what, which, and how to fix it; problems lists every reason."""

    message: Message
    problems: list[str]

    def __init__(self, text: str, /, problems: Iterable[str] | None = None, **fields: Any) -> None:
        if isinstance(text, Message):
            said = Message(text.template, **{**text.fields, **fields}) if fields else text
        else:
            said = Message(text, **fields)
        self.message = said
        self.problems = list(problems or [])
        super().__init__(str(self._whole()))

    @property
    def template(self) -> str:
        """The message's template: its id in the catalog."""
        return self.message.template

    @property
    def fields(self) -> Mapping[str, Any]:
        """The values the message names, by their placeholders' names."""
        return self.message.fields

    def _whole(self) -> Message:
        """The whole message: the sentence, then one line `  - problem` for each problem."""
        if not self.problems:
            return self.message
        lines = "".join(f"\n  - {{problem{i}}}" for i in range(len(self.problems)))
        return Message("{message}" + lines, message=self.message,
                       **{f"problem{i}": problem for i, problem in enumerate(self.problems)})

    def __str__(self) -> str:
        return self._whole()

    def __getattr__(self, name: str) -> Any:
        fields = self.__dict__.get("message", None)
        if fields is not None and not name.startswith("__") and name in fields.fields:
            return fields.fields[name]
        raise AttributeError(name)


class DefinitionError(EngineError):
    """A BPMN diagram, form or YAML file in the definitions cannot be used."""


class ValidationError(EngineError):
    """Submitted data does not satisfy the step's form; problems lists every violation."""


class NotFoundError(EngineError):
    """An instance, process or task that does not exist."""


class TaskStateError(EngineError):
    """A task that exists but cannot be completed now (not ready, already completed)."""


class DataFileError(EngineError):
    """A data file that is missing or is not a JSON/YAML object."""


class StoreError(EngineError):
    """The store cannot be opened or used (not a sop store, newer schema, locked)."""


class ExpressionError(EngineError):
    """A diagram expression that the restricted evaluator refuses or cannot evaluate."""


class RoleError(EngineError):
    """A person who may not do this step (wrong lane, not an operator), or a roles file that cannot be used."""


class LoginError(EngineError):
    """A sign-in that is refused: a wrong login or password (one message for every cause), or too many attempts."""


# The refusals callers tell apart, each under the kind that gives its exit code and status.

class NoInstanceError(NotFoundError):
    """No instance with this number in the store (fields: instance, db)."""


class NoProcessError(NotFoundError):
    """No process with this id in the definitions (fields: process_id, known)."""


class NoTaskError(NotFoundError):
    """The process has no task or step of this id (fields: process_id, and ref or step)."""


class NoReadyTaskError(TaskStateError):
    """The task exists but is not ready yet (fields: instance, ref, listing)."""


class InstanceNotRunningError(TaskStateError):
    """The instance is completed (or otherwise not running): none of its tasks can be done (fields: instance,
    status)."""


class CompletedMeanwhileError(TaskStateError):
    """Someone completed the task already (fields: task, instance, seq, actor, time, listing)."""


class ClaimedByOtherError(TaskStateError):
    """Someone else claimed the task (fields: what, instance, task, the claimer and since when)."""


class WrongLaneError(RoleError):
    """The person holds none of the step's (or the start event's) lanes (fields: what or process_id, lane(s),
    login)."""


class NotInRolesError(RoleError):
    """The login is not in the roles in force (fields: login)."""


class NotOperatorError(RoleError):
    """Only an operator may act on behalf of someone else (fields: operator, actor)."""
