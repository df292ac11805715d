"""The web pages' words in the reader's language: the engine's catalog (SOP_LANG, Indonesian by default here).

Page texts are written in English where they are used: `_("My tasks")` in templates (a Jinja call the extractor
finds), `translate(f"...")` or `N_(...)` in the views."""

from __future__ import annotations

from typing import Any


def N_(template: str, /, **fields: Any) -> str:
    """Mark a text for the catalog; it is translated where it is shown. With values, the engine's Message of the
    template and its values (translated from the template, the values in their places)."""
    if not fields:  # a plain text, translated where it is shown (a chosen word inside a message: fixed_text)
        return template
    from engine import N_ as engine_message

    return engine_message(template, **fields)


def fixed_text(text: str) -> str:
    """A fixed page word (a heading, a button) in the reader's language."""
    from engine import fixed_text as engine_fixed_text

    return engine_fixed_text(text)


def translate(text: str | Exception) -> str:
    """A message (an engine error, a confirmation with values) in the reader's language, line by line, with the
    stored times inside it in the office's local time (WIB)."""
    from flask import g, has_app_context

    from engine import translate as engine_translate

    said = engine_translate(text)
    made = g.get("sop_engine") if "Z" in said and has_app_context() else None
    if made is not None:  # the request's Engine said it (web.access.engine), so it knows the office's zone
        said = made.time.local_times().in_text(said)
    return said


def words(text: str, **values: object) -> str:
    """A fixed text with `{name}` placeholders, translated first and filled after (templates use it as `_`)."""
    said = fixed_text(text)
    if not values:
        return said
    try:
        return said.format(**values)
    except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder: the English, filled
        return text.format(**values)
