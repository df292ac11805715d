"""Pictures of processes and instances: gathers what the store pins and hands it to the SVG and HTML renderers."""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

from engine.bpmn.bpmn_di import parse_diagram
from engine.common.errors import EngineError, NotFoundError, StoreError
from engine.common.i18n import N_, translate
from engine.pictures.diagram_states import bare_states, instance_states
from engine.pictures.svg_diagram import render_svg

if TYPE_CHECKING:
    from engine.service.context import EngineContext


def instance_picture(context: EngineContext, instance: int, *, html: bool = False,
                     files_folder: str | None = None) -> str:
    """An instance drawn on its pinned diagram: SVG, or an HTML page with the SVG and the instance's history."""
    import json

    row = context.instance_row(instance)
    store = context.store()
    version = store.get_version(row.version)
    if version is None:
        raise StoreError("Store lacks definition version {version} pinned by instance {instance}",
                         version=row.version[:12], instance=instance)
    bundle = json.loads(version.bundle)
    diagram = parse_diagram(bundle["bpmn"]["text"], bundle["bpmn"]["file"])
    try:
        state = zlib.decompress(row.state).decode("utf-8")
    except (zlib.error, UnicodeDecodeError) as exc:
        raise StoreError("Stored state of instance {instance} is damaged ({exc}); restore the store from a "
                         "backup", instance=instance, exc=exc) from None
    states = instance_states(diagram, state, version.spec, store.ready_tasks(instance), row.status, now=context.clock())
    local = context.local_times().text
    states = states._replace(ready={task: info._replace(since=local(info.since), due=info.due and local(info.due))
                                    for task, info in states.ready.items()})
    title = translate(f"{version.name} · instance {instance} · {row.status}")
    svg = render_svg(diagram, states, title)
    if not html:
        return svg
    from engine.pictures.diagram_html import render_page
    from engine.service.audit_service import history

    rows, _ = history(context, instance)
    return render_page(title, svg, [r._replace(time=local(r.time, seconds=True)) for r in rows], states,
                       _linked_files(context, instance, files_folder))


def _linked_files(context: EngineContext, instance: int, folder: str | None) -> list[tuple[int, str, str, str, str, str,
                                                                                  str | None]]:
    """The instance's files for its page; with a folder, each is written there under its hash and linked."""
    import os

    from engine.common.sizes import size_text
    from engine.service.attached_files import attachments, write_blob

    found = attachments(context, instance)
    if folder and not os.path.isdir(os.path.dirname(os.path.abspath(folder))):
        folder = None  # the page's own folder is missing: writing the page says so, and no file is written
    if found and folder:
        os.makedirs(folder, exist_ok=True)
        for sha in dict.fromkeys(a.sha256 for a in found):
            write_blob(context.store(), sha, os.path.join(folder, sha))
    base = os.path.basename(os.path.normpath(folder)) if folder else None
    return [(a.seq, a.task, a.field, a.name, size_text(a.size), a.sha256, f"{base}/{a.sha256}" if base else None)
            for a in found]


def process_picture(context: EngineContext, process_id: str, *, html: bool = False) -> str:
    """A process's bare diagram (its newest version in the definitions folder)."""
    definition = context.catalog().get(process_id)
    diagram = parse_diagram(definition.bundle["bpmn"]["text"], definition.file)
    title = translate(f"{definition.name} ({process_id}, version {definition.version[:12]})")
    svg = render_svg(diagram, bare_states(diagram), title)
    if not html:
        return svg
    from engine.pictures.diagram_html import render_page

    return render_page(title, svg, None, None)


def picture_format(path: str | None) -> bool:
    """Whether an output path asks for HTML (True) or SVG (False); ValueError (a usage error) for anything else."""
    if path is None or path.lower().endswith(".svg"):
        return False
    if path.lower().endswith((".html", ".htm")):
        return True
    raise ValueError(f"{path}: give a file ending in .svg or .html")


def sheet_html(context: EngineContext, process_id: str, version: str | None = None) -> str:
    """The SOP AP document of a process (its newest definition, or the pinned version a hash names) as HTML."""
    from engine.pictures.sheet_html import render_sheet
    from engine.pictures.sheet_rows import sheet_rows
    from engine.table.sop_decompile import table_from_bpmn

    bundle, version_hash = _definition(context, process_id, version)
    table = table_from_bpmn(bundle["bpmn"]["text"], bundle["bpmn"]["file"], process_id=process_id, for_sheet=True)
    from engine.table.sop_decompile import diagram_identity, merged_identity, sheet_identity

    page: dict[str, Any] = {}
    if bundle.get("yaml"):
        from engine.common.yamlio import parse_yaml

        read = parse_yaml(bundle["yaml"]["text"], bundle["yaml"]["file"])
        page = read if isinstance(read, dict) else {}
    own, _ = diagram_identity(bundle["bpmn"]["text"], bundle["bpmn"]["file"], process_id=process_id)
    identity = sheet_identity(merged_identity(own, page))  # a page beside the diagram wins key by key
    return render_sheet(identity, sheet_rows(table, bundle["forms"]), table.lanes, table.nama, version_hash)


def write_pdf(html: str, path: str) -> None:
    """Print the document to PDF with WeasyPrint (the optional extra `pdf`)."""
    try:
        from weasyprint import HTML
    except ImportError:
        raise EngineError("PDF output needs WeasyPrint, an optional extra: pip install weasyprint into the same "
                          "environment (from a source checkout, pip install -e '.[pdf]'), or write FILE.html and "
                          "print it from a browser") from None
    except OSError as exc:  # its system libraries (Pango) are missing
        raise EngineError("WeasyPrint cannot start ({exc}); install Pango (apt-get install libpango-1.0-0 "
                          "libpangoft2-1.0-0) or write FILE.html", exc=exc) from None
    from engine.common.atomic_file import write_atomically

    write_atomically(path, HTML(string=html).write_pdf(), what="the PDF")


def _definition(context: EngineContext, process_id: str, version: str | None) -> tuple[dict[str, Any], str]:
    """The bundle of a process's newest definition, or of the version (full hash or a unique prefix) named."""
    import json

    if version is None:
        unchanged = _pinned_and_unchanged(context, process_id)
        if unchanged is not None:
            return unchanged
        definition = context.catalog().get(process_id)
        return definition.bundle, definition.version
    needle = version.lower()
    known: dict[str, None] = {}
    if context.store(optional=True).schema_version():
        known.update(dict.fromkeys(r.version for r in context.store().list_instances(process_id=process_id)))
    try:
        current = context.catalog().get(process_id)
        known[current.version] = None
    except EngineError:
        current = None
    matches = [v for v in known if v.startswith(needle)] if len(needle) >= 4 else []
    if len(matches) != 1:
        listing = ", ".join(v[:12] for v in known) or N_("none")
        what = N_("matches several versions") if matches else N_("is no version of it")
        raise NotFoundError("--version {version}: {what} of process {process_id} (known: {listing}); give more "
                            "of the hash (at least 4 characters)",
                            version=version, what=what, process_id=process_id, listing=listing)
    if current is not None and matches[0] == current.version:
        return current.bundle, current.version
    row = context.store().get_version(matches[0])
    if row is None:
        raise StoreError("Store lacks definition version {matches}", matches=matches[0][:12])
    return json.loads(row.bundle), row.version


def _pinned_and_unchanged(context: EngineContext, process_id: str) -> tuple[dict[str, Any], str] | None:
    """A version pinned in the store whose BPMN, forms and YAML page are still the files on disk: it is the newest,
    and it was checked when it was pinned, so the folder need not be scanned (and its forms checked) again."""
    import json
    from pathlib import Path

    store = context.store(optional=True)
    if not store.schema_version():
        return None
    folder, forms = Path(context.definitions_dir), Path(context.forms_dir)
    for version in dict.fromkeys(r.version for r in reversed(store.list_instances(process_id=process_id))):
        row = store.get_version(version)
        if row is None:
            continue
        bundle = json.loads(row.bundle)
        if not bundle.get("yaml"):
            continue  # a page added since would be missed: let the scan decide
        files = [(folder / bundle["bpmn"]["file"], bundle["bpmn"]["text"]),
                 (folder / bundle["yaml"]["file"], bundle["yaml"]["text"]),
                 *((forms / name, text) for name, text in bundle["forms"].items())]
        try:
            if all(path.read_text(encoding="utf-8") == text for path, text in files):
                return bundle, row.version
        except (OSError, UnicodeDecodeError, TypeError):
            continue
    return None
