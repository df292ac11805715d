"""The comments an instance page and a task page list, with the state of their form ("Tulis komentar"): the text
kept and the refusal after a refused comment (web.comment_views writes them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from flask import g

from .access import engine

if TYPE_CHECKING:
    from engine import AttachmentView, InstanceHandle


class CommentItem(NamedTuple):
    """One comment as a page shows it: who (name and jabatan), when in words, on which step, the text, the file."""

    seq: int
    person: str
    when: str
    step: str
    lines: tuple[str, ...]
    file: AttachmentView | None
    size: str


class CommentSection(NamedTuple):
    """The comments a page lists and its form: where it posts, the text typed before a refusal and the refusal."""

    items: tuple[CommentItem, ...]
    action: str
    typed: str
    problem: str | None


def comment_section(handle: InstanceHandle, action: str, *, task_uuid: str | None = None) -> CommentSection:
    """The instance's comments (task_uuid: only that task's and those on the whole instance), oldest first."""
    from engine import size_text

    from .task_form import described

    e = engine()
    found = [c for c in handle.comments() if task_uuid is None or c.task_uuid in (None, task_uuid)]
    items = tuple(CommentItem(c.seq, described(e, c.actor), e.time.moment_words(c.time), c.step,
                              tuple(c.text.split("\n")), c.file, size_text(c.file.size) if c.file else "")
                  for c in found)
    typed, problem = g.get("sop_comment_refused", ("", None))
    return CommentSection(items, action, typed, problem)
