"""Each instance's title and search words, and who started or acted on it: written with every change, in its
transaction (`advance` calls `record_words`), and worked out once for instances stored before the store kept them."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.store.protocol import EventRow, InstanceRow, Store, Transaction

# Events whose data or version change what an instance's title and words are.
WORDS_EVENTS = frozenset({"instance-started", "task-completed", "instance-migrated"})
MAX_SEARCH = 20_000  # characters of search words kept per instance (a list reads them from an index, never all)
_NOT_WORDS = re.compile(r"[\W_]+")
_SKIPPED_KEYS = frozenset({"sha256", "media_type", "size"})  # a file's hash and type are no words to look for
_VERSIONS: dict[str, tuple[str | None, str]] = {}  # a pinned version's (title template, process name): never change


def search_words(text: str) -> str:
    """Text as the index holds it and a search asks it: lowercase words of letters and digits, one space apart."""
    return " ".join(_NOT_WORDS.sub(" ", text.lower()).split())


def texts_of(data: Any) -> list[str]:
    """Every text of an artefact (nested objects and lists), numbers included; a file by its name."""
    if isinstance(data, dict):
        return [t for key, value in data.items() if key not in _SKIPPED_KEYS for t in texts_of(value)]
    if isinstance(data, list):
        return [t for value in data for t in texts_of(value)]
    if isinstance(data, str):
        return [data]
    if isinstance(data, int | float) and not isinstance(data, bool):
        return [str(data)]
    return []


def words_of(events: list[EventRow], template: str | None, process_name: str) -> tuple[str, str]:
    """An instance's title ('' until the steps its template names are done) and its search words, from its
    events."""
    from engine.definitions.titles import render_title

    artefacts: dict[str, Any] = {}
    texts = [process_name]
    for event in events:
        if event.type not in ("instance-started", "task-completed"):
            continue
        data = json.loads(event.data)
        texts.extend(texts_of(data))
        if event.type == "task-completed" and event.task:
            artefacts[event.task] = data
    title = render_title(template, artefacts) if template else ""
    return title, search_words(" ".join([title, *texts]))[:MAX_SEARCH]


def version_words(reader: Any, version: str) -> tuple[str | None, str]:
    """A pinned version's title template and process name (read once per process: versions never change)."""
    if version not in _VERSIONS:
        from engine.definitions.titles import page_template

        row = reader.get_version(version)
        if row is None:
            return None, ""
        template = page_template(json.loads(row.bundle))
        if len(_VERSIONS) > 1000:
            _VERSIONS.clear()
        _VERSIONS[version] = (template, row.name)
    return _VERSIONS[version]


def record_words(tx: Transaction, row: InstanceRow, types: list[str], actor: str, operator: str) -> None:
    """After a change's events: who acted on the instance, and (when the change gave it data or a version) its
    title and search words again, in the change's transaction."""
    tx.add_people(row.id, (actor, operator))
    if WORDS_EVENTS.isdisjoint(types):
        return
    template, name = version_words(tx, row.version)
    title, search = words_of(tx.events(row.id), template, name)
    if (title, search) != tx.instance_words(row.id):
        tx.set_words(row.id, title, search)


def fill_untitled(store: Store, *, batch: int = 500, only: int | None = None) -> int:
    """Work out the title, words and people of instances stored before the store kept them (each in its own
    transaction, under the instance's lock; only: that one instance); how many were filled."""
    filled = 0
    while True:
        ids = [only] if only is not None and filled == 0 else [] if only is not None else store.untitled(batch)
        if not ids:
            return filled
        for instance_id in ids:
            with store.transaction() as tx:
                row = tx.lock_instance(instance_id)
                if row is None:
                    continue
                events = tx.events(instance_id)
                template, name = version_words(tx, row.version)
                title, search = words_of(events, template, name)
                tx.set_words(instance_id, title, search)
                tx.add_people(instance_id, tuple(p for e in events for p in (e.actor, e.operator)))
                tx.forget_untitled(instance_id)
            filled += 1


def shown_title(title: str | None, process_name: str, instance: int) -> str:
    """The title people read: the one the template gave, else the process's name and the instance's number."""
    from engine.common.i18n import N_, translate

    return title or translate(N_("{process} no. {number}", process=process_name, number=instance))
