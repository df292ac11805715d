"""Pictures of processes and instances: gathers what the store pins and hands it to the SVG and HTML renderers."""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

from .bpmn_di import parse_diagram
from .diagram_states import bare_states, instance_states
from .errors import StoreError
from .svg_diagram import render_svg

if TYPE_CHECKING:
    from .service import Engine


def instance_picture(engine: Engine, instance: int, html: bool = False) -> str:
    """An instance drawn on its pinned diagram: SVG, or an HTML page with the SVG and the instance's history."""
    import json

    row = engine.instance_row(instance)
    store = engine.store()
    version = store.get_version(row.version)
    if version is None:
        raise StoreError(f"Store lacks definition version {row.version[:12]} pinned by instance {instance}")
    bundle = json.loads(version.bundle)
    diagram = parse_diagram(bundle["bpmn"]["text"], bundle["bpmn"]["file"])
    try:
        state = zlib.decompress(row.state).decode("utf-8")
    except (zlib.error, UnicodeDecodeError) as exc:
        raise StoreError(f"Stored state of instance {instance} is damaged ({exc}); restore the store from a "
                         "backup") from None
    states = instance_states(diagram, state, version.spec, store.ready_tasks(instance), row.status, engine.clock())
    title = f"{version.name} · instance {instance} · {row.status}"
    svg = render_svg(diagram, states, title)
    if not html:
        return svg
    from .diagram_html import render_page

    rows, _ = engine.history(instance)
    return render_page(title, svg, rows, states)


def process_picture(engine: Engine, process_id: str, html: bool = False) -> str:
    """A process's bare diagram (its newest version in the definitions folder)."""
    definition = engine.catalog().get(process_id)
    diagram = parse_diagram(definition.bundle["bpmn"]["text"], definition.file)
    title = f"{definition.name} ({process_id}, version {definition.version[:12]})"
    svg = render_svg(diagram, bare_states(diagram), title)
    if not html:
        return svg
    from .diagram_html import render_page

    return render_page(title, svg, None, None)


def picture_format(path: str | None) -> bool:
    """Whether an output path asks for HTML (True) or SVG (False); ValueError (a usage error) for anything else."""
    if path is None or path.lower().endswith(".svg"):
        return False
    if path.lower().endswith((".html", ".htm")):
        return True
    raise ValueError(f"{path}: give a file ending in .svg or .html")
