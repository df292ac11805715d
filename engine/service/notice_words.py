"""The words of a notice, in the reader's language (SOP_LANG): the instance's title, the step's name, the due time
in the office's zone ("9 November 2026 08:30 WIB") and a direct link to the task page; plain text and HTML."""

from __future__ import annotations

from html import escape
from typing import NamedTuple
from urllib.parse import quote

from engine.common.i18n import N_, translate

READY, DUE_SOON, OVERDUE, FINISHED = "task-ready", "task-due-soon", "task-overdue", "instance-completed"


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


def task_link(base_url: str, instance: int, task: str | None) -> str:
    """The page of a task (or of the instance, with no task) under SOP_BASE_URL; '' without a base."""
    if not base_url:
        return ""
    page = f"{base_url}/instances/{instance}"
    return f"{page}/tasks/{quote(task, safe='')}" if task else page


def notice_text(facts: NoticeFacts, link: str) -> NoticeText:
    """The subject and the text of a notice, translated."""
    if facts.kind == READY:
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
    return NoticeText(translate(subject), "\n".join(body), link)


def notice_html(text: str, link: str) -> str:
    """The text as a small HTML page: one paragraph per line, the link clickable."""
    parts = []
    for line in text.split("\n"):
        shown = escape(line)
        if link and link in line:
            shown = shown.replace(escape(link), f'<a href="{escape(link)}">{escape(link)}</a>')
        parts.append(f"<p>{shown}</p>" if line else "")
    return '<!doctype html><html><body style="font-family:sans-serif">' + "".join(parts) + "</body></html>"
