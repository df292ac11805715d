"""The language people read: Indonesian or English, chosen by SOP_LANG or the locale, through gettext catalogs.

Messages are written once, in English, where they arise: an error or a `N_(template, **values)` fragment is a
Message (engine.common.messages) that keeps its template, e.g. `No instance {instance} in store '{db}'; ...`, and
the values it names. The extractor (`tools/i18n_extract.py`, run by Babel) makes each template a catalog entry.
`translate` looks an error's or a Message's template up in the catalog and fills the translation with its values,
each value that is a Message (or an error) translated in turn. A plain text (click's words, a message from outside
the engine, an f-string not yet made a template) is matched against the entries instead: the entry whose English
fits it gives the translation, the values found in it translated in turn. Fixed words (table headers, legend,
help) are exact gettext look-ups. JSON keys, ids and rule names are never translated.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from engine.common.messages import Message

DOMAIN = "sop"
LOCALE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "locale")
LANGUAGES = ("id", "en")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def N_(template: str, /, **fields: Any) -> str:
    """Mark a text for the catalog without translating it here (it is translated where it is shown): a Message of
    the template and the values it names (`N_("{count} rows", count=n)`)."""
    return Message(template, **fields)


_LANGUAGE_VARIABLES = ("SOP_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


def language() -> str:
    """`id` or `en`: SOP_LANG when set, else the locale's variables (LC_ALL, LC_MESSAGES, LANG); English otherwise."""
    return _language_of(tuple(os.environ.get(name, "") for name in _LANGUAGE_VARIABLES))


@functools.lru_cache(maxsize=32)
def _language_of(values: tuple[str, ...]) -> str:
    """The language the first set variable names (a history of a thousand rows asks a thousand times)."""
    for raw in values:
        value = raw.strip()
        if value:
            code = value.split(".")[0].split("@")[0].split("_")[0].split("-")[0].lower()
            return "id" if code in ("id", "in", "indonesian", "indonesia") else "en"
    return "en"


class _Template(NamedTuple):
    pattern: re.Pattern[str]
    prefix: re.Pattern[str] | None  # the entry as the start of a longer message (it ends in fixed text)
    fields: tuple[str, ...]
    translated: str
    literal: int  # characters of fixed text: the most specific entry wins
    frame: bool  # fixed text without words (`{title} ({path}): {sentence}`): it only joins translated parts


class MessageCatalog:
    """One language's entries: exact texts, and message templates matched against whole messages."""

    def __init__(self, entries: dict[str, str]) -> None:
        self.exact = {k: v for k, v in entries.items() if k and v}
        self._templates: list[_Template] | None = None
        self._memo: dict[tuple[str, int], tuple[str, int]] = {}

    def gettext(self, text: str) -> str:
        """The translation of a fixed text, or the text itself."""
        return str(self.exact.get(text, text))

    def templates(self) -> list[_Template]:
        """The entries with placeholders, most fixed text first (compiled on first use)."""
        if self._templates is None:
            out = []
            for source, translated in self.exact.items():
                fields = tuple(_PLACEHOLDER.findall(source))
                literal = len(_PLACEHOLDER.sub("", source))
                if not fields or literal < 2:
                    continue
                parts = _PLACEHOLDER.split(source)
                regex = "(.*?)".join(re.escape(p) for p in parts)
                frame = not any(c.isalpha() for c in "".join(parts))
                ends_fixed = len(parts[-1].strip()) >= 2 and not frame
                out.append(_Template(re.compile(regex + r"\Z", re.S), re.compile(regex, re.S) if ends_fixed else None,
                                     fields, translated, literal, frame))
            out.sort(key=lambda t: -t.literal)
            self._templates = out
        return self._templates

    def translate(self, text: str | BaseException, depth: int = 0) -> str:
        """A message in this language: an error or a Message from its template's entry; a plain text line by
        line, each line read the way that explains most of its fixed text (one entry, or entries the code joined),
        the values translated in turn."""
        if isinstance(text, BaseException):
            text = str(text)  # an EngineError's text is a Message; another exception's, a plain text
        if isinstance(text, Message) and (text.fields or text.template in self.exact):
            return self.rendered(text, depth)
        if not text:
            return text
        return "\n".join(self._scored(line, depth)[0] for line in text.split("\n"))

    def rendered(self, message: Message, depth: int = 0) -> str:
        """A Message from its template's entry (the English template when the catalog lacks it), each value
        translated in turn: a Message or an error from its own template, a sentence by `translate`, a single word or
        any other value as it is (ids, logins and paths people typed stay theirs)."""
        values = {name: self._value(value, depth + 1) for name, value in message.fields.items()}
        translated = self.exact.get(message.template)
        if translated is None:
            return message.template.format(**values) if values else message.template
        if not values:
            return translated
        try:
            return translated.format(**values)
        except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder: the English, filled
            return message.template.format(**values)

    def _value(self, value: Any, depth: int) -> Any:
        if depth > 12:
            return value
        if isinstance(value, BaseException | Message):
            return self.translate(value, depth)
        if isinstance(value, str) and any(c.isspace() for c in value.strip()):
            return self.translate(value, depth)  # a sentence from code that still writes f-strings
        return value  # a value as typed or stored (a login, a task id, a path): never "translated"; a word the code
        # chose itself comes as N_("none"), a Message

    def _scored(self, text: str, depth: int) -> tuple[str, int]:
        """(translation, characters of fixed text it accounts for): 0 when no entry fits."""
        if depth > 6 or len(text) < 2:
            return text, 0
        key = (text, depth)
        known = self._memo.get(key)
        if known is not None:
            return known
        exact = self.exact.get(text)
        if exact is not None:
            best = (exact, len(text))
        else:
            best = max(self._readings(text, depth), key=lambda r: r[1], default=(text, 0))
            bare = _ITEM_MARK.sub("", text, count=1)  # a list item (`  - ...`) or an indented line whose entry has
            # no indent; an option's dashes (`--since`) are no list mark
            if best[1] == 0 and bare != text:
                inner, covered = self._scored(bare, depth)
                best = (text[: len(text) - len(bare)] + inner, covered)
        if len(self._memo) < 10_000:
            self._memo[key] = best
        return best

    def _readings(self, text: str, depth: int) -> Iterator[tuple[str, int]]:
        """Every way an entry (or an entry and what follows it) explains the line, with its score."""
        for template in self.templates():
            found = template.pattern.match(text)
            if found is not None:
                reading = self._filled(template, found.groups(), depth)
                if reading is not None:
                    yield reading
            if template.prefix is None:
                continue
            start = template.prefix.match(text)
            if start is None or start.end() >= len(text):
                continue
            tail, covered = self._scored(text[start.end():], depth + 1)
            if covered == 0:
                continue  # what follows is no message: the code did not build the line this way
            head = self._filled(template, start.groups(), depth)
            if head is not None:
                yield head[0] + tail, head[1] + covered

    def _filled(self, template: _Template, groups: tuple[str, ...], depth: int) -> tuple[str, int] | None:
        values: dict[str, str] = {}
        covered = template.literal
        for field, value in zip(template.fields, groups, strict=True):
            translated, part = self._scored(value, depth + 1) if len(value) > 3 else (value, 0)
            values[field] = translated
            covered += part
        if template.frame and covered == template.literal:
            return None  # a frame whose parts are no messages split the line wrongly
        return _fill(template.translated, values), covered


_ITEM_MARK = re.compile(r"^ *(?:- +)?")


def _fill(translated: str, values: dict[str, str]) -> str:
    """A translation with each placeholder replaced by the value the English message had there."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(), m.group()), translated)


_ACTIVE: dict[str, MessageCatalog] = {}


def catalog(lang: str | None = None) -> MessageCatalog:
    """The catalog of a language (the chosen one by default); English is the source and needs none."""
    lang = lang or language()
    found = _ACTIVE.get(lang)
    if found is None:
        found = _ACTIVE[lang] = MessageCatalog(_read_mo(lang) if lang != "en" else {})
    return found


def _read_mo(lang: str) -> dict[str, str]:
    """A compiled catalog's entries (stdlib gettext reads the .mo file)."""
    import gettext

    path = os.path.join(LOCALE_DIR, lang, "LC_MESSAGES", f"{DOMAIN}.mo")
    try:
        with open(path, "rb") as file:
            translations = gettext.GNUTranslations(file)
    except OSError:
        return {}
    entries = translations._catalog  # type: ignore[attr-defined]  # msgid -> msgstr, as gettext keeps them
    return {str(k): str(v) for k, v in entries.items() if isinstance(k, str) and k}


def fixed_text(text: str) -> str:
    """A fixed text (a heading, a legend word, a help text) in the chosen language."""
    return catalog().gettext(text)


_ = fixed_text  # the name the catalog extractor and gettext convention know


def translate(text: str | BaseException) -> str:
    """A message, a Message or an error in the chosen language (see the module's docstring)."""
    return catalog().translate(text)
