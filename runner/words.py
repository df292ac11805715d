"""The runner's words in the reader's language: the engine's catalog (see engine.common.i18n), marked for Babel."""

from __future__ import annotations

import functools
from typing import Any


def N_(template: str, /, **fields: Any) -> str:
    """Mark a text for the catalog; it is translated where it is printed. With values, the engine's Message of the
    template and its values (translated from the template, the values in their places)."""
    if not fields:  # a plain text, translated where it is shown (a chosen word inside a message: fixed_text)
        return template
    from engine import N_ as engine_message

    return engine_message(template, **fields)


def translate(text: str) -> str:
    """A message in the reader's language."""
    return _engine_words("translate")(text)  # type: ignore[no-any-return]


def fixed_text(text: str) -> str:
    """A fixed word (a header, a status) in the reader's language."""
    return _engine_words("fixed_text")(text)  # type: ignore[no-any-return]


@functools.cache
def _engine_words(name: str) -> Any:
    """The engine's function of that name, looked up once (`import engine` is lazy: each lookup through it costs an
    import's bookkeeping, and a history of a thousand rows asks per row)."""
    import engine

    return getattr(engine, name)


# Words the engine returns as values and tables show: an instance's status, the history's event labels.
STATUS_WORDS = (N_("running"), N_("completed"))
