"""The runner's words in the reader's language: the engine's catalog (see engine.common.i18n), marked for Babel."""

from __future__ import annotations


def N_(text: str) -> str:
    """Mark a text for the catalog; it is translated where it is printed."""
    return text


def translate(text: str) -> str:
    """A message in the reader's language."""
    from engine import translate as engine_translate

    return engine_translate(text)


def fixed_text(text: str) -> str:
    """A fixed word (a header, a status) in the reader's language."""
    from engine import fixed_text as engine_fixed_text

    return engine_fixed_text(text)


# Words the engine returns as values and tables show: an instance's status, the history's event labels.
STATUS_WORDS = (N_("running"), N_("completed"))
