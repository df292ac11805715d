"""Engine refusals as a page says them: a page has no command line, so what the engine tells an operator to type
(`sop release 2 Telaah`, `--as`, a store's path, a form's file name) is said for a person with a browser instead."""

from __future__ import annotations

import re
from typing import Any

from .words import N_, translate

# The refusals people meet on pages, by the engine's error class, as pages word them (with the error's values).
_PAGE_TEXTS = {
    "NoInstanceError": N_("There is no instance {instance}; the tasklist shows the instances waiting for you"),
    "ClaimedByOtherError": N_("{what} is being done by {holder} since {claimed_at}; only they, or an operator who "
                              "gives it back to the lane first, may complete it; nothing was changed"),
}
LOGIN_REFUSED = N_("The login or the password is wrong (or no password was set for this login); try again, or ask "
                   "the office's operator to set one")
FORM_REFUSED = N_("What you typed does not fit the form ({count}); nothing was saved. Fix the fields marked below "
                  "and try again:")
_COMMAND = re.compile(r"`|(?<![\w-])--[a-z]|\bsop [a-z]")
_FORM_FILE = re.compile(r" \((?:form|formulir) [\w.-]+\.json\)")


def page_message(error: Exception) -> str:
    """An engine refusal in the reader's language, as a page says it."""
    if type(error).__name__ == "LoginError" and "sop passwd" in str(getattr(error, "template", "")):
        return translate(LOGIN_REFUSED)
    template = _PAGE_TEXTS.get(type(error).__name__)
    fields: dict[str, Any] = dict(getattr(error, "fields", {}) or {})
    if template is not None:
        fields.setdefault("holder", fields.get("claimed_by", ""))
        wanted = re.findall(r"\{(\w+)\}", template)
        if all(name in fields for name in wanted):
            return translate(N_(template, **{name: fields[name] for name in wanted}))
    return without_command_line(translate(error))


def form_refused(count: Any) -> str:
    """The head of a form sent back with its problems."""
    return translate(N_(FORM_REFUSED, count=count))


def without_command_line(text: str) -> str:
    """A message without its command-line parts: a parenthesis naming a command, a clause that tells what to type,
    a form's schema file name."""
    text = re.sub(r"\s*\(`[^`]*`\)", "", _FORM_FILE.sub("", text))
    clauses = [c for c in re.split(r"(?<=;) ", text) if not _COMMAND.search(c)]
    kept = " ".join(clauses).strip()
    return kept.rstrip(";") if kept else text


def without_key(line: str, path: str | None = None) -> str:
    """A form's problem line as a page shows it: next to its field (path given) the sentence alone, the field's title
    being its label; elsewhere `Title: sentence`. Never the field's key (`Perihal (perihal): ...`)."""
    if path is not None:
        for head in (f"({path}): ", f"{path}: "):
            if head in line:
                return line.split(head, 1)[1]
    return re.sub(r"^([^:(]*?) \([\w.]+\): |^[a-z_][\w.]*: ", lambda m: f"{m.group(1)}: " if m.group(1) else "", line)
