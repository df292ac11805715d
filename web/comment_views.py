"""Writing a comment on an instance or on one of its tasks (the form "Tulis komentar" of their pages): who may write
one is the engine's read rule; a refusal is the engine's, said on the page again with the text kept."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, flash, g, redirect, request, url_for

from .access import engine, login_required, status_of
from .words import N_, translate

comments = Blueprint("comments", __name__)
FILE_REFUSED = N_("The file {name} cannot go with a comment: a comment takes one PDF, picture (PNG, JPEG), text or "
                  "office document of at most 20 MB; nothing was saved")


@comments.post("/instances/<int:instance>/comments")
@login_required
def instance_comment(instance: int) -> Any:
    """Write a comment on the whole instance (303 back to its page); refused: its page again with the text kept."""
    from .instance_views import instance_page

    return _written(instance, None, lambda: instance_page(instance),
                    url_for("instances.instance_page", instance=instance))


@comments.post("/instances/<int:instance>/tasks/<task>/comments")
@login_required
def task_comment(instance: int, task: str) -> Any:
    """Write a comment on a ready task (303 back to its page); refused: its page again with the text kept."""
    from .task_views import task_page

    return _written(instance, task, lambda: task_page(instance, task),
                    url_for("tasks.task_page", instance=instance, task=task))


def _written(instance: int, task: str | None, page: Callable[[], Any], back: str) -> Any:
    """Write the posted comment; a refusal other than a missing (or unreadable) instance: the page again, with the
    text kept and the engine's words above the form, under the refusal's status."""
    from engine import EngineError, NoInstanceError

    text = request.form.get("text", "")
    with _saved(request.files.get("file")) as path:
        try:
            engine().instance(instance).comment(text, task=task, file=path)
        except NoInstanceError:
            raise
        except EngineError as exc:
            g.sop_comment_refused = (text, _said(exc, path))
            shown = page()
            return (shown[0] if isinstance(shown, tuple) else shown), status_of(exc)
    flash(translate(N_("Your comment is written.")))
    return redirect(back + "#comments", 303)


def _said(error: Exception, path: str | None) -> str:
    """A refusal as the page says it: a refused file by its name, never its path or the form's key."""
    from .page_words import page_message

    if path is not None and path in str(error):
        return translate(N_(FILE_REFUSED, name=os.path.basename(path)))
    return page_message(error)


@contextmanager
def _saved(upload: Any) -> Iterator[str | None]:
    """The uploaded file saved under its own (made safe) name in a temporary folder, removed afterwards."""
    if upload is None or not upload.filename:
        yield None
        return
    from .task_form import upload_name

    folder = tempfile.mkdtemp(prefix="sop-comment-")
    try:
        path = os.path.join(folder, upload_name(upload.filename, 0))
        upload.save(path)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)

