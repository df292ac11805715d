"""A task page's form: what it shows (the step, its instructions, the artefacts so far, the form with its values and
problems) and what a post does with it (save a draft, add or remove a row, complete the step through the engine)."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

from .form_fields import FormFields, flatten
from .form_posting import Typed, add_row, assignments, field_problems, posted_files, read_posted, remove_row

if TYPE_CHECKING:
    from collections.abc import Iterator

    from engine import Engine, TaskView


class TaskForm(NamedTuple):
    """A ready task with its pinned form and what the page shows beside it."""

    view: TaskView
    schema: dict[str, Any]
    ui: dict[str, Any] | None
    instructions: str | None
    fields: FormFields
    ref: str  # how the page's address names the task (BPMN id, or UUID when the id is ambiguous)

    @property
    def has_form(self) -> bool:
        """False for a step with no artefact (completing it records who and when)."""
        return bool(self.view.form)


def load(engine: Engine, instance: int, task: str) -> TaskForm:
    """The ready task a reference names (BPMN id or UUID) and its form; the engine's errors when it is not ready."""
    handle = engine.instance(instance)
    view, schema = handle.form(task)
    ui = handle.ui_schema(view.task) if view.form else None
    told = handle.instructions().get(view.task)
    return TaskForm(view, schema, ui, told, FormFields(schema, ui), task)


def draft_values(engine: Engine, form: TaskForm, instance: int) -> tuple[Typed, bool]:
    """The inputs as the person's saved draft fills them, and whether there was one; without one, the values the
    form starts with (fields from earlier steps' artefacts, dates of today)."""
    if not form.has_form:
        return Typed({}, {}), False
    saved = engine.instance(instance).draft(form.ref)
    if not saved:
        values, rows = flatten(form.schema, engine.instance(instance).form_defaults(form.ref))
        return Typed(values, rows), False
    values, rows = flatten(form.schema, saved)
    return Typed(values, rows), True


def posted(form: TaskForm, fields: Any) -> Typed:
    """The inputs as typed in the post."""
    return read_posted(form.schema, form.ui, fields) if form.has_form else Typed({}, {})


def moved_rows(typed: Typed, action: str) -> Typed | None:
    """The inputs after a "Tambah baris" (`add:PATH`) or "Hapus" (`remove:PATH.N`) button, or None for others."""
    kind, _, path = action.partition(":")
    if kind == "add":
        return add_row(typed, path)
    if kind == "remove":
        return remove_row(typed, path)
    return None


def typed_data(engine: Engine, form: TaskForm, instance: int, typed: Typed) -> tuple[dict[str, Any], Typed]:
    """The artefact from the inputs, each value typed by the form as `sop complete --set` types it."""
    if not form.has_form:
        return {}, typed
    pairs, renumbered = assignments(form.schema, typed)
    return engine.instance(instance).data_from_assignments(form.ref, pairs), renumbered


def problems_by_field(form: TaskForm, typed: Typed, problems: list[str],
                      shown: dict[str, str]) -> tuple[dict[str, list[str]], list[str]]:
    """The engine's problem lines next to their fields (the rest for the top of the form), in the reader's words;
    when files were chosen, a line saying to choose them again (a browser cannot keep them)."""
    from .page_words import without_key
    from .words import N_, fixed_text, translate

    by_field, general = field_problems(problems, form.fields, typed)
    return ({path: [without_key(translate(plain(p, shown)), path) for p in lines] for path, lines in by_field.items()},
            [without_key(translate(plain(p, shown))) for p in general]
            + ([fixed_text(N_("The files you chose were not kept: choose them again."))] if shown else []))


@contextmanager
def uploads(form: TaskForm, files: Any, shown: dict[str, str]) -> Iterator[list[tuple[str, str]]]:
    """The posted files saved under their own (made safe) names in a temporary folder, as `--attach` pairs for
    Engine.complete(attach=...); shown gets how a message names each (`--attach F=PATH` -> `F (name.pdf)`). The
    folder is removed afterwards, whatever happened."""
    chosen = posted_files(form.schema, files) if form.has_form else []
    if not chosen:
        yield []
        return
    folder = tempfile.mkdtemp(prefix="sop-upload-")
    try:
        pairs = []
        for i, (field, upload) in enumerate(chosen):
            name = upload_name(upload.filename, i)
            sub = os.path.join(folder, str(i))
            os.mkdir(sub)
            path = os.path.join(sub, name)
            upload.save(path)
            pairs.append((field, path))
            shown[f"--attach {field}={path}"] = f"{_title_of(form, field)} ({name})"  # no key on a page
            shown[f"'{field}'"] = f"'{_title_of(form, field)}'"
            shown[path] = name
        yield pairs
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _title_of(form: TaskForm, field: str) -> str:
    """How a page names a file field: its title in the form (its key only when it has none)."""
    properties = form.schema.get("properties") if isinstance(form.schema, dict) else None
    node = properties.get(field.split(".", 1)[0]) if isinstance(properties, dict) else None
    title = node.get("title") if isinstance(node, dict) else None
    return str(title) if isinstance(title, str) and title.strip() else field


def upload_name(chosen: str | None, index: int) -> str:
    """The name an upload is saved and attached under: made safe, and short enough for any file system (255 bytes
    is the common limit; a longer name keeps its start and its extension)."""
    import unicodedata

    base = unicodedata.normalize("NFC", (chosen or "").replace("\\", "/")).rsplit("/", 1)[-1]
    kept = "".join(ch for ch in "_".join(base.split()) if ch.isalnum() or ch in "._-()")  # "Surat Undangan Rapat.pdf"
    name = kept.strip("._") or f"file-{index}"  # no hidden file, no "..": letters of any script are kept
    if len(name.encode("utf-8")) <= 200:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(suffix) > 16:
        stem, suffix = name, ""
    while len(f"{stem}.{suffix}".encode()) > 200:
        stem = stem[:-1]
    return f"{stem}.{suffix}" if suffix else stem


def plain(text: str, shown: dict[str, str]) -> str:
    """A message about an uploaded file naming the file as chosen, not its temporary path."""
    for long, short in sorted(shown.items(), key=lambda item: -len(item[0])):
        text = text.replace(long, short)
    return text


def completed_by(engine: Engine, instance: int, task: str) -> tuple[str, str] | None:
    """Who completed a step of an instance last and when (local time), for a page saying it was done already."""
    from engine import EngineError

    try:
        rows, _ = engine.instance(instance).history()
    except EngineError:  # only an addition to the engine's own message
        return None
    done = [r for r in rows if r.type == "task-completed" and r.task == task]
    if not done:
        return None
    last = done[-1]
    person = engine.people.person(last.actor)
    who = f"{person.name} ({last.actor})" if person is not None and person.name else last.actor
    return who, engine.time.local_times().text(last.time)


class Returned(NamedTuple):
    """Why a ready step is open again: who sent it back, when (UTC, shown in local time) and the reason."""

    person: str
    time: str
    reason: str


def returned_reason(engine: Engine, instance: int, task_uuid: str) -> Returned | None:
    """The return that reopened this ready task, if one did (the page says who sent it back and why)."""
    import json

    _rows, events = engine.instance(instance).history(summaries=False)
    for event in reversed(events):
        if event.type == "task-returned" and event.task_uuid == task_uuid:
            reason = json.loads(event.data).get("reason", "")
            return Returned(described(engine, event.actor), event.time, str(reason))
    return None


def described(engine: Engine, login: str) -> str:
    """A person as pages name them: "Name (jabatan)", or the name alone; the login only when the roles lack it."""
    roles = engine.people.roles
    person = roles.people.get(login) if roles is not None else None
    if person is None:
        return login
    return f"{person.name} ({person.jabatan})" if person.jabatan else person.name


def officials(engine: Engine, choices: tuple[str, ...], me: str) -> list[tuple[str, str]]:
    """The on-behalf choices an operator's form offers, as (value posted, "Name (jabatan)"): the engine's
    acting_choices (the step's lane, narrowed by a claim), the operator first (posted as "", acting as themself)."""
    return [("" if login == me else login, described(engine, login)) for login in choices]


def lane_people(engine: Engine, lane: str | None, process: str | None) -> list[str]:
    """The people who act in a step's lane now, as pages name them (for a page saying who may act): those who hold
    it, then those standing in for them by a delegation (Plh./Plt.) for the process, signed as such."""
    return [f"{acting}: {described(engine, login)}" if acting else described(engine, login)
            for login, acting in engine.people.lane_people(lane, process=process)]


def lane_holders(engine: Engine, lane: str | None, process: str | None) -> int:
    """How many people act in the step's lane now, stand-ins included (a claim is offered only where there are
    several)."""
    return len(engine.people.lane_people(lane, process=process))


def chosen_files(form: TaskForm, files: Any) -> dict[str, list[str]]:
    """The names of the files chosen in a post, by file field: a refused page lists them to choose again."""
    out: dict[str, list[str]] = {}
    for field, upload in posted_files(form.schema, files) if form.has_form else []:
        out.setdefault(field.split(".", 1)[0], []).append(upload_name(upload.filename, 0))
    return out
