"""A message people read, kept as its template (the catalog's message id) and the values it names.

`Message("No instance {instance} in store '{db}'", instance=12, db="sop.db")` is the English text itself (a `str`:
whatever concatenates, formats or prints it goes on working) that remembers `.template` and `.fields`, so
`engine.common.i18n.translate` looks the template up in the catalog and fills the translation with the same
values, each value that is a Message itself translated in turn. The template is a `str.format` template with named
placeholders (`{n:,}`, `{text!r}` as in str.format); without fields it is the text as it is, braces and all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Message(str):
    """English text with its template and values (see the module's docstring)."""

    __slots__ = ("fields", "template")
    template: str
    fields: Mapping[str, Any]

    def __new__(cls, template: str, /, **fields: Any) -> Message:
        text = super().__new__(cls, template.format(**fields) if fields else template)
        text.template = str(template)
        text.fields = fields
        return text

    def __reduce__(self) -> tuple[Any, tuple[str, dict[str, Any]]]:
        """A copy or a pickle is made again from the template and the values."""
        return _rebuilt, (self.template, dict(self.fields))


def _rebuilt(template: str, fields: dict[str, Any]) -> Message:
    return Message(template, **fields)
