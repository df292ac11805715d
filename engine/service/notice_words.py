"""The words of a notice, in the reader's language (SOP_LANG): the instance's title, the step's name, the due time
in the office's zone ("9 November 2026 08:30 WIB") and a direct link to the task page; plain text and HTML. The
office may give its own subject and text per kind of notice in notices.yaml (NoticeTemplate): placeholders only,
filled with the values as text (no format specification, no attribute, nothing that runs)."""

from __future__ import annotations

from html import escape
from string import Formatter
from typing import NamedTuple
from urllib.parse import quote

from engine.common.i18n import N_, translate

READY, DUE_SOON, OVERDUE, FINISHED = "task-ready", "task-due-soon", "task-overdue", "instance-completed"
RETURNED = "task-returned"  # a step sent back for revision: its lane hears it, with the reason
# The placeholders a template may use: the reader's name, the request's title, the step's name and lane, its due
# time, the link, why the step was returned, and whose superior the reader is.
PLACEHOLDERS = ("nama", "judul", "langkah", "lajur", "batas_waktu", "tautan", "alasan", "atasan_dari")
SUBJECT_REASON_CHARS = 100  # a long reason is cut in the subject (the text carries it whole)


class NoticeText(NamedTuple):
    """What one person reads: the subject, the text, and the link it points to ('' without SOP_BASE_URL)."""

    subject: str
    text: str
    link: str


class NoticeFacts(NamedTuple):
    """The facts a notice tells, in words already (the due time in the office's zone)."""

    kind: str
    name: str  # the reader's name
    title: str  # the instance's title
    step: str  # the step's name
    lane: str
    due: str  # '' when the step has no Mutu Baku time
    superior_of: str  # the people whose superior the reader is ('' when the reader is not told as a superior)
    reason: str = ""  # why the step was returned for revision ('' for other notices)


class NoticeTemplate(NamedTuple):
    """The office's own subject and text of one kind of notice (notices.yaml `templat`), checked at load."""

    subject: str
    body: str

    def filled(self, facts: NoticeFacts, link: str) -> NoticeText:
        """The template with each placeholder replaced by its value, as text."""
        values = {"nama": facts.name, "judul": facts.title, "langkah": facts.step, "lajur": facts.lane,
                  "batas_waktu": facts.due, "tautan": link, "alasan": facts.reason, "atasan_dari": facts.superior_of}
        return NoticeText(_one_line(fill(self.subject, values)), fill(self.body, values).strip("\n"), link)


def template_fields(text: str) -> list[str]:
    """The placeholders a template text uses, each as written ({judul!r} as `judul!r`); ValueError when its braces
    are not well formed."""
    return [field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            for _, field, spec, conversion in Formatter().parse(text) if field is not None]


def fill(text: str, values: dict[str, str]) -> str:
    """A checked template's text with its placeholders replaced by their values (nothing evaluated)."""
    return "".join(literal + (values.get(field, "") if field is not None else "")
                   for literal, field, _, _ in Formatter().parse(text))


def task_link(base_url: str, instance: int, task: str | None) -> str:
    """The page of a task (or of the instance, with no task) under SOP_BASE_URL; '' without a base."""
    if not base_url:
        return ""
    page = f"{base_url}/instances/{instance}"
    return f"{page}/tasks/{quote(task, safe='')}" if task else page


def notice_text(facts: NoticeFacts, link: str, template: NoticeTemplate | None = None) -> NoticeText:
    """The subject and the text of a notice: the office's template for its kind, else sop's own, translated."""
    if template is not None:
        return template.filled(facts, link)
    if facts.kind == RETURNED:
        reason = _one_line(facts.reason)
        short = reason if len(reason) <= SUBJECT_REASON_CHARS else reason[:SUBJECT_REASON_CHARS - 1] + "\u2026"
        subject = N_("Returned for revision: {step} \u2014 {reason}", step=facts.step, reason=short)
        lines = [N_('The step "{step}" of {title} (lane {lane}) was returned for revision.', step=facts.step,
                    title=facts.title, lane=facts.lane), N_("Reason: {reason}", reason=facts.reason)]
    elif facts.kind == READY:
        subject = N_("Task ready: {step} - {title}", step=facts.step, title=facts.title)
        lines = [N_('The step "{step}" of {title} is ready for you (lane {lane}).', step=facts.step,
                    title=facts.title, lane=facts.lane)]
        if facts.due:
            lines.append(N_("Due: {due}.", due=facts.due))
    elif facts.kind == DUE_SOON:
        subject = N_("Due soon: {step} - {title}", step=facts.step, title=facts.title)
        lines = [N_('The step "{step}" of {title} (lane {lane}) is due {due}.', step=facts.step, title=facts.title,
                    lane=facts.lane, due=facts.due)]
    elif facts.kind == OVERDUE:
        subject = N_("Overdue: {step} - {title}", step=facts.step, title=facts.title)
        lines = [N_('The step "{step}" of {title} (lane {lane}) was due {due} and is not done yet.',
                    step=facts.step, title=facts.title, lane=facts.lane, due=facts.due)]
        if facts.superior_of:
            lines.append(N_("You receive this as the superior of {people}.", people=facts.superior_of))
    else:
        subject = N_("Finished: {title}", title=facts.title)
        lines = [N_("{title}, which you started, is finished.", title=facts.title)]
    if link:
        lines.append(N_("Open it: {link}", link=link))
    body = [translate(N_("Dear {name},", name=facts.name)), "", *(translate(line) for line in lines), "",
            translate(N_("This notice was sent by sop; do not reply to it."))]
    return NoticeText(_one_line(translate(subject)), "\n".join(body), link)


def _one_line(text: str) -> str:
    """A subject on one line (a header cannot hold a line break)."""
    return " ".join(text.split())


def notice_html(text: str, link: str) -> str:
    """The text as a small HTML page: one paragraph per line, the link clickable."""
    parts = []
    for line in text.split("\n"):
        shown = escape(line)
        if link and link in line:
            shown = shown.replace(escape(link), f'<a href="{escape(link)}">{escape(link)}</a>')
        parts.append(f"<p>{shown}</p>" if line else "")
    return '<!doctype html><html><body style="font-family:sans-serif">' + "".join(parts) + "</body></html>"
