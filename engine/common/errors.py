"""The engine's errors: one base class, a few kinds, each message naming the thing and the fix."""

from __future__ import annotations


class EngineError(Exception):
    """A refused request; the message says what, which, and how to fix it."""


class DefinitionError(EngineError):
    """A BPMN diagram, form or YAML file in the definitions cannot be used."""


class ValidationError(EngineError):
    """Submitted data does not satisfy the step's form."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        if self.problems:
            message = message + "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(message)


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
