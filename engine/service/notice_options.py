"""notices.yaml, the office's choices about notices (in the definitions folder; absent, the defaults): the channels
that wait for office hours, the due-soon reminder, and its own subject and text per kind of notice. A file that says
anything else is refused naming its line and what to write, before any notice is made or sent."""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from engine.common.errors import ValidationError
from engine.service.notice_words import (
    DUE_SOON,
    FINISHED,
    OVERDUE,
    PLACEHOLDERS,
    READY,
    RETURNED,
    NoticeTemplate,
    template_fields,
)

NOTICES_FILE = "notices.yaml"  # optional, in the definitions folder
QUIET_KEY = "tunggu_jam_kerja"  # the channels that wait for office hours (overdue notices never wait)
REMINDER_KEY = "pengingat"  # how long before its due time a step's people are reminded (working time)
TEMPLATES_KEY = "templat"  # the office's subject (`subjek`) and text (`isi`) per kind of notice
QUIET_DEFAULT = ("whatsapp",)
REMINDER_DEFAULT = "P1D"  # H-1: one working day before
CHANNEL_NAMES = ("email", "whatsapp", "webhook")
# The kinds of notice as notices.yaml names them.
TEMPLATE_KINDS = {"tugas_siap": READY, "segera_jatuh_tempo": DUE_SOON, "terlambat": OVERDUE,
                  "dikembalikan": RETURNED, "selesai": FINISHED}


class NoticeOptions(NamedTuple):
    """What notices.yaml says (or the defaults): the channels that wait for office hours, the reminder window, and
    the office's templates by notice kind (none: sop's own words, in the worker's language)."""

    quiet: tuple[str, ...] = QUIET_DEFAULT
    reminder: str = REMINDER_DEFAULT
    templates: dict[str, NoticeTemplate] = {}  # noqa: RUF012 (never changed: a NamedTuple default)


def notice_options(definitions_dir: str | os.PathLike[str]) -> NoticeOptions:
    """notices.yaml of the definitions folder, checked (absent: the defaults); a file that says something else is
    refused naming it and what to write."""
    path = os.path.join(definitions_dir, NOTICES_FILE)
    if not os.path.isfile(path):
        return NoticeOptions()
    from engine.common.yamlio import parse_yaml_lines

    try:
        with open(path, encoding="utf-8-sig") as handle:
            data, lines = parse_yaml_lines(handle.read(), path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError("{path} cannot be read ({exc}); it must be UTF-8 YAML", path=path, exc=exc) from None
    data = {} if data is None else data
    chosen = data.get(QUIET_KEY, list(QUIET_DEFAULT)) if isinstance(data, dict) else None
    reminder = data.get(REMINDER_KEY, REMINDER_DEFAULT) if isinstance(data, dict) else None
    if (not isinstance(data, dict) or set(map(str, data)) - {QUIET_KEY, REMINDER_KEY, TEMPLATES_KEY}
            or not isinstance(chosen, list)
            or not all(isinstance(c, str) and c.strip().lower() in CHANNEL_NAMES for c in chosen)
            or not _is_duration(reminder)):
        raise ValidationError("{path}: write `{key}: [whatsapp]` (the channels, of {known}, whose notices wait for "
                              "office hours; [] to send at any hour), `{reminder_key}: P1D` (how long before a "
                              "step's due time its people are reminded, in working time: P1D, PT2H) and `{templates}:` "
                              "(the subject and text per kind of notice); nothing was sent",
                              path=path, key=QUIET_KEY, known=", ".join(CHANNEL_NAMES), reminder_key=REMINDER_KEY,
                              templates=TEMPLATES_KEY)
    templates = _templates(data.get(TEMPLATES_KEY, {}), lines, path)
    return NoticeOptions(tuple(c.strip().lower() for c in chosen), str(reminder), templates)


def _templates(given: Any, lines: dict[tuple[str | int, ...], int], path: str) -> dict[str, NoticeTemplate]:
    """The office's templates by notice kind, each checked: known kinds, a subject and a text, known placeholders."""
    where = f"{path}:{lines.get((TEMPLATES_KEY,), 1)}"
    kinds = ", ".join(TEMPLATE_KINDS)
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise ValidationError("{where}: {key} maps kinds of notice ({kinds}) to `subjek:` and `isi:`; nothing was "
                              "sent", where=where, key=TEMPLATES_KEY, kinds=kinds)
    found = {}
    for name, parts in given.items():
        where = f"{path}:{lines.get((TEMPLATES_KEY, str(name)), 1)}"
        if str(name) not in TEMPLATE_KINDS:
            raise ValidationError("{where}: {key} has no kind of notice {name!r}; use {kinds}; nothing was sent",
                                  where=where, key=TEMPLATES_KEY, name=str(name), kinds=kinds)
        if (not isinstance(parts, dict) or set(map(str, parts)) != {"subjek", "isi"}
                or not all(isinstance(v, str) and v.strip() for v in parts.values())):
            raise ValidationError("{where}: the template {name} needs `subjek:` (the subject, one line) and `isi:` "
                                  "(the text), both text and nothing else; nothing was sent", where=where, name=name)
        for part in ("subjek", "isi"):
            _check_placeholders(parts[part], f"{path}", lines.get((TEMPLATES_KEY, str(name), part), 1), str(name))
        found[TEMPLATE_KINDS[str(name)]] = NoticeTemplate(parts["subjek"], parts["isi"])
    return found


def _check_placeholders(text: str, path: str, line: int, name: str) -> None:
    """Refuse a placeholder that is not one of PLACEHOLDERS, or one written with more than its name."""
    known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
    for offset, row in enumerate(text.split("\n")):
        at = line + offset + (1 if "\n" in text else 0)  # a block text (`isi: |`) starts below its key
        try:
            fields = template_fields(row)
        except ValueError:
            raise ValidationError("{path}:{at}: the template {name} has a brace that opens or closes no "
                                  "placeholder; write a brace twice for a brace itself; nothing was sent", path=path,
                                  at=at, name=name) from None
        for field in fields:
            if field not in PLACEHOLDERS:
                raise ValidationError("{path}:{at}: the template {name} uses {{{field}}}, which is not a "
                                      "placeholder; use {known}; nothing was sent", path=path, at=at, name=name,
                                      field=field, known=known)


def _is_duration(value: Any) -> bool:
    from engine.common.errors import EngineError
    from engine.common.work_calendar import split_duration

    if not isinstance(value, str):
        return False
    try:
        days, seconds = split_duration(value)
    except EngineError:
        return False
    return days + seconds > 0
