"""An instance as documents people read: each completed step's artefact drawn through the form it was completed
with (the pinned version of that event), the process by its name and the people by name and jabatan; the web's
instance and task pages, the history and `sop show`/`sop history` all draw these values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from engine.definitions.artefact_view import DocumentField, first_fields

if TYPE_CHECKING:
    from engine.definitions.roles import Roles
    from engine.service.context import EngineContext
    from engine.store.protocol import EventRow, VersionRow


class ArtefactDocument(NamedTuple):
    """One completed step as a document: when, which step (its name and lane), the form's title, its fields in
    words; the task id, the form file, the actor's and recorder's logins are for the audit view."""

    seq: int
    time: str
    task: str
    step: str
    lane: str | None
    title: str
    fields: tuple[DocumentField, ...]
    actor: str
    operator: str
    form: str | None
    acting_as: str = ""  # "Plh. Kepala Unit" when the actor completed it under a delegation (from the roles log)

    @property
    def summary(self) -> str:
        """The history's line: the form's title and its first two fields by title."""
        shown = "; ".join(f"{title}: {text}" for title, text in first_fields(self.fields))
        return f"{self.title} — {shown}" if shown else self.title


class InstanceDocument(NamedTuple):
    """An instance as people read it: the process's name, its completed steps as documents (event order), and
    the people its events name (login -> "name (jabatan)")."""

    instance: int
    process: str
    process_name: str
    artefacts: tuple[ArtefactDocument, ...]
    people: dict[str, str]

    def person(self, login: str | None) -> str:
        """A login as people read it: the roles' name and jabatan (the login itself when the roles lack it)."""
        if not login:
            return "-"
        return self.people.get(login, login)

    def signer(self, login: str, acting_as: str = "") -> str:
        """Who did a step as people read it: "Plh. Kepala Unit: name (jabatan)" under a delegation, else the
        person."""
        return f"{acting_as}: {self.person(login)}" if acting_as else self.person(login)

    def summaries(self) -> dict[int, str]:
        """Each completion's history line by event seq."""
        return {a.seq: a.summary for a in self.artefacts}


def person_words(roles: Roles | None, login: str) -> str:
    """A person by name and jabatan from the roles (the login when the roles do not name them)."""
    person = roles.people.get(login) if roles is not None else None
    if person is None:
        return login
    return f"{person.name} ({person.jabatan})" if person.jabatan else person.name


class _Steps(NamedTuple):
    names: dict[str, tuple[str, str | None, dict[str, str]]]  # BPMN id -> (name, lane, properties)
    forms: dict[str, dict[str, Any]]  # the pinned forms and UI schemas, parsed, by file name


def instance_document(context: EngineContext, instance: int, *,
                      events: list[EventRow] | None = None) -> InstanceDocument:
    """The instance's completed steps drawn through their pinned forms, with the people they name (events: its
    events when the caller has just read them, e.g. with its history)."""
    from engine.definitions.artefact_view import WordsOf

    row = context.instance_row(instance)
    store = context.store()
    events = store.events(instance) if events is None else events
    words = WordsOf(context.local_times().zone)
    steps: dict[str, _Steps] = {}
    documents = []
    for event in events:
        if event.type != "task-completed" or not event.task:
            continue
        found = steps.get(event.version)
        if found is None:
            version = store.get_version(event.version) or context.pinned.of(row, store.get_version)
            found = steps[event.version] = _steps_of(context, version)
        documents.append(_document(context, event, found, words))
    documents = _acting(store.roles_events(), documents, row.process_id)
    version_row = context.pinned.of(row, store.get_version)
    roles = context.store_roles()  # the roles applied (`sop roles apply`): no roles file is read to name people
    logins = dict.fromkeys([row.started_by, *(e.actor for e in events), *(e.operator for e in events)])
    people = {login: person_words(roles, login) for login in logins if login}
    return InstanceDocument(instance, row.process_id, version_row.name or row.process_id, tuple(documents), people)


def _acting(log: list[Any], documents: list[ArtefactDocument], process: str) -> list[ArtefactDocument]:
    """The documents, each completed under a delegation signed as such (the roles log says so at its time)."""
    from engine.definitions.delegations import is_delegation_event
    from engine.definitions.roles_pinning import acting_title

    if not any(is_delegation_event(r) for r in log):
        return documents
    return [d._replace(acting_as=acting_title(log, d.actor, d.lane, at=d.time, process=process)) for d in documents]


def _steps_of(context: EngineContext, version: VersionRow) -> _Steps:
    """The steps of a pinned version (name, lane, properties), read from its stored spec's JSON without building
    it (`sop history` loads no SpiffWorkflow), and its forms."""
    import json

    from engine.bpmn.tasks import stored_task_specs

    names: dict[str, tuple[str, str | None, dict[str, str]]] = {}
    for spec in stored_task_specs(json.loads(version.spec)):
        bpmn_id = spec.get("bpmn_id")
        if bpmn_id:
            props = (spec.get("extensions") or {}).get("properties") or {}
            names[bpmn_id] = (spec.get("bpmn_name") or bpmn_id, spec.get("lane"), dict(props))
    texts = context.pinned.bundle(version).get("forms") or {}
    return _Steps(names, {k: v for k, text in texts.items() if (v := _parsed(text)) is not None})


def _document(context: EngineContext, event: EventRow, steps: _Steps, words: Any) -> ArtefactDocument:
    """One completion as a document: its data read through the form and UI schema its step names."""
    import json

    from engine.bpmn.tasks import FORM_PROPERTY, UI_PROPERTY
    from engine.definitions.artefact_view import ArtefactReader

    task = event.task or ""
    name, lane, props = steps.names.get(task, (task, None, {}))
    form_name = props.get(FORM_PROPERTY)
    schema = steps.forms.get(form_name) if form_name else None
    ui = steps.forms.get(props.get(UI_PROPERTY, "")) or {}
    try:
        data = json.loads(event.data)
    except ValueError:
        data = {}
    reader = ArtefactReader(schema or {"type": "object", "properties": {}}, ui, forms=steps.forms, words=words)
    fields = reader.fields(data, seq=event.seq) if schema is not None else ()
    title = " ".join(str((schema or {}).get("title") or name).split())
    return ArtefactDocument(event.seq, event.time, task, name, lane, title, fields, event.actor, event.operator,
                            form_name)


def _parsed(text: Any) -> dict[str, Any] | None:
    import json

    if not isinstance(text, str):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
