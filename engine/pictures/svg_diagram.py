"""Draw a BPMN diagram as SVG from its DI, coloured by an instance's states (standard library only).

Drawing order: pools and lanes, flows, shapes, then every label, so no shape hides a label. Colours are
presentation attributes (no stylesheet: CSS rules would override them and WeasyPrint ignores them inside SVG);
each colour has its own arrowhead marker, since a marker does not take the colour of the line it ends.
Every element is a group with data-element-id and a state-... class, so tools and tests can read the picture.
"""

from __future__ import annotations

from html import escape
from typing import NamedTuple

from engine.bpmn.bpmn_di import Diagram, Edge, Shape
from engine.common.i18n import N_, _
from engine.pictures.diagram_states import PictureStates
from engine.pictures.svg_shapes import activity_markers, annotation_shape, event_shape, gateway_shape, task_icon
from engine.pictures.text_metrics import FONT_FAMILY, text_width, wrap, wrap_as_modeler


class Style(NamedTuple):
    """How one state is drawn."""

    stroke: str
    fill: str
    text: str
    legend: str
    dash: str = ""


STYLES = {
    "plain": Style("#263238", "#ffffff", "#263238", ""),
    "completed": Style("#2e7d32", "#e8f5e9", "#1b5e20", N_("completed")),
    "ready": Style("#1565c0", "#e3f2fd", "#0d47a1", N_("ready now")),
    "overdue": Style("#c62828", "#ffebee", "#b71c1c", N_("overdue")),
    "waiting": Style("#ef6c00", "#fff3e0", "#e65100", N_("waiting (timer, join)")),
    "error": Style("#6a1b9a", "#f3e5f5", "#4a148c", N_("error")),
    "taken": Style("#2e7d32", "none", "#1b5e20", N_("path taken")),
    "future": Style("#546e7a", "#ffffff", "#37474f", N_("not reached yet")),
    "not-taken": Style("#b0bec5", "#f5f5f5", "#90a4ae", N_("branch not taken"), "6 4"),
    # The heat of a step (`sop diagram --heat`): its p50 and p90 working time against its Mutu Baku.
    "heat-good": Style("#2e7d32", "#e8f5e9", "#1b5e20", N_("✓ p90 within the Mutu Baku")),
    "heat-some": Style("#e65100", "#fff3e0", "#bf360c", N_("! median within, p90 over"), "8 3"),
    "heat-late": Style("#c62828", "#ffebee", "#b71c1c", N_("✗ median over the Mutu Baku"), "2 2"),
    "heat-none": Style("#78909c", "#ffffff", "#37474f", N_("– no figures"), "1 4"),
}
LEGEND_ORDER = ("completed", "taken", "ready", "overdue", "waiting", "error", "future", "not-taken")
FONT = 11.0
LINE = 13.0
TITLE_H = 34.0
LEGEND_H = 40.0
MARGIN = 20.0
TITLE_SIZE = 15.0
LABEL_WIDTH = 90.0  # bpmn-js lays an external label (events, gateways, flows) out in lines up to 90 px wide
MIN_FONT = 8.0  # a long task name is set smaller, down to this, to fit its box
EMBEDDED = 12.0  # bpmn-js breaks a label inside a task at 12 px, 7 px in from each side: we break it alike


def render_svg(diagram: Diagram, states: PictureStates, title: str = "") -> str:
    """The diagram as a standalone SVG document (text)."""
    d = diagram.box
    above = 13.0 * max((len(lines) for lines in (states.notes or {}).values()), default=0)  # notes over the steps
    x0, y0 = d.x - MARGIN, d.y - MARGIN - (TITLE_H if title else 0) - above
    width = d.w + 2 * MARGIN
    legend = states.status != ""
    height = d.h + 2 * MARGIN + (TITLE_H if title else 0) + (LEGEND_H if legend else 0) + above
    width = max(width, 760.0) if legend else width
    if title:  # a title wider than the diagram widens the picture rather than being cut off
        width = max(width, text_width(title, TITLE_SIZE, bold=True) + 2 * MARGIN)
    body: list[str] = []
    labels: list[str] = []
    used_markers: set[str] = set()
    body.append(f'<rect x="{x0:g}" y="{y0:g}" width="{width:g}" height="{height:g}" fill="#ffffff"/>')
    if title:
        body.append(_text(title, x0 + MARGIN, y0 + MARGIN + 4, TITLE_SIZE, "#263238", anchor="start", bold=True))
    for pool in diagram.pools:
        body.append(_container(pool, "participant"))
    for lane in diagram.lanes:
        body.append(_container(lane, "lane"))
    for node in diagram.nodes:  # an open sub-process under the flows and shapes drawn inside it
        if node.expanded:
            body.append(_node(node, states.states.get(node.id, "plain")))
    for edge in diagram.edges:
        state = states.states.get(edge.id, "plain")
        body.append(_edge(edge, state, used_markers))
        label = edge.name or _short(edge.condition or "")
        if label:
            labels.append(_edge_label(edge, label, state))
    for node in diagram.nodes:
        state = states.states.get(node.id, "plain")
        if not node.expanded:
            body.append(_node(node, state))
        labels.append(_node_label(node, state, states))
    if legend:
        body.append(_legend(x0 + MARGIN, d.y + d.h + MARGIN + 8, states, used_markers))
    defs = "".join(_marker(name) for name in sorted(used_markers))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="{x0:g} {y0:g} {width:g} {height:g}" '
            f'width="{width:g}" height="{height:g}" font-family={quoteattr(FONT_FAMILY)} font-size="{FONT:g}">'
            f"<defs>{defs}</defs>" + "".join(body) + "".join(labels) + "</svg>\n")


def _style(state: str) -> Style:
    return STYLES.get(state, STYLES["plain"])


def _group(element_id: str, state: str, kind: str, inner: str, role: str = "element") -> str:
    return (f'<g data-element-id={quoteattr(element_id)} class="{role} state-{state} kind-{kind}">{inner}</g>')


def _text(text: str, x: float, y: float, size: float, colour: str, *, anchor: str = "middle", bold: bool = False,
          rotate: bool = False, halo: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    if halo:  # a white outline under the glyphs keeps a label readable where it crosses a line
        weight += ' stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
    turn = f' transform="rotate(-90 {x:g} {y:g})"' if rotate else ""
    return (f'<text x="{x:g}" y="{y:g}" font-size="{size:g}" fill="{colour}" text-anchor="{anchor}"{weight}{turn}>'
            f"{escape(text)}</text>")


def _lines(lines: list[str], cx: float, top: float, colour: str, *, size: float = FONT, halo: bool = False,
           line: float = LINE) -> str:
    out = [_text(text, cx, top + size + i * line, size, colour, halo=halo) for i, text in enumerate(lines)]
    return "".join(out)


def _fitted(name: str, width: float, height: float) -> tuple[list[str], float]:
    """A task's name in lines that fit its box: as bpmn-js wraps it, in a smaller type (down to 8) when it needs more
    lines than the box holds; a name too long even then keeps every word and runs past the box, as in bpmn-js."""
    lines = wrap_as_modeler(name, width, EMBEDDED)
    size = FONT
    while len(lines) > max(int(height // (LINE * size / FONT)), 1) and size > MIN_FONT:
        size -= 0.5
        lines = wrap_as_modeler(name, width * FONT / size, EMBEDDED)  # the same words per line as at FONT, scaled
    return lines, size


def _container(shape: Shape, role: str) -> str:
    b = shape.box
    header = 30.0
    parts = [f'<rect x="{b.x:g}" y="{b.y:g}" width="{b.w:g}" height="{b.h:g}" fill="none" stroke="#455a64" '
             'stroke-width="1.2"/>']
    if shape.horizontal:
        if role == "participant":
            parts.append(f'<line x1="{b.x + header:g}" y1="{b.y:g}" x2="{b.x + header:g}" y2="{b.y + b.h:g}" '
                         'stroke="#455a64" stroke-width="1.2"/>')
        lines = wrap(shape.name, b.h - 10, FONT, bold=True)[:2]
        cx, cy = b.x + header / 2, b.y + b.h / 2
        for i, line in enumerate(lines):
            x = cx + (i - (len(lines) - 1) / 2) * LINE + 4
            parts.append(_text(line, x, cy, FONT, "#263238", bold=True, rotate=True))
    else:
        parts.append(_text(shape.name, b.x + b.w / 2, b.y + 18, FONT, "#263238", bold=True))
    return _group(shape.id, "plain", shape.kind, "".join(parts), role)


def _edge(edge: Edge, state: str, markers: set[str]) -> str:
    s = _style(state)
    points = " ".join(f"{x:g},{y:g}" for x, y in edge.points)
    width = 2.4 if state == "taken" else 1.4
    dash = ' stroke-dasharray="2 4"' if edge.kind in ("association", "dataInputAssociation") else (
        ' stroke-dasharray="8 4"' if edge.kind == "messageFlow" else f' stroke-dasharray="{s.dash}"' if s.dash else "")
    marker = ""
    if edge.kind != "association":
        name = state if state in STYLES else "plain"
        markers.add(name)
        marker = f' marker-end="url(#arrow-{name})"'
    parts = [f'<polyline points="{points}" fill="none" stroke="{s.stroke}" stroke-width="{width:g}"{dash}'
             f' stroke-linejoin="round"{marker}/>']
    if edge.default:  # the default-flow slash near the source
        (x1, y1), (x2, y2) = edge.points[0], edge.points[1]
        length = max(((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5, 1)
        ux, uy = (x2 - x1) / length, (y2 - y1) / length
        mx, my = x1 + ux * 10, y1 + uy * 10
        parts.append(f'<line x1="{mx - 5 * ux - 5 * uy:g}" y1="{my - 5 * uy + 5 * ux:g}" x2="{mx + 5 * ux + 5 * uy:g}"'
                     f' y2="{my + 5 * uy - 5 * ux:g}" stroke="{s.stroke}" stroke-width="1.4"/>')
    return _group(edge.id, state, edge.kind, "".join(parts))


def _marker(name: str) -> str:
    colour = _style(name).stroke
    return (f'<marker id="arrow-{name}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="11" markerHeight="11" '
            f'markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{colour}" '
            f'stroke="{colour}"/></marker>')


def _edge_label(edge: Edge, label: str, state: str) -> str:
    s = _style(state)
    if edge.label is not None:
        b = edge.label
        lines = wrap_as_modeler(label, max(b.w, LABEL_WIDTH), FONT)
        inner = _lines(lines, b.x + b.w / 2, b.y - 2, s.text, halo=True)
    else:  # no label bounds: where bpmn-js puts one, 15 px off the middle of the middle segment
        x, y = _flow_label_point(edge.points)
        lines = wrap_as_modeler(label, LABEL_WIDTH, FONT)[:3]
        inner = _lines(lines, x, y - 11, s.text, halo=True)
    return _group(edge.id, state, edge.kind, inner, "label")


def _flow_label_point(points: tuple[tuple[float, float], ...]) -> tuple[float, float]:
    """The centre of a flow's label that has no bounds: above a level middle segment, right of a steep one."""
    mid = len(points) / 2 - 1
    (x1, y1), (x2, y2) = points[int(mid)], points[min(int(mid + 1.01), len(points) - 1)]
    x, y = (x1 + x2) / 2, (y1 + y2) / 2
    level = abs(y2 - y1) <= abs(x2 - x1)
    return (x, y - 15) if level else (x + 15, y)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _node(node: Shape, state: str) -> str:
    s = _style(state)
    b = node.box
    dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
    paint = f'fill="{s.fill}" stroke="{s.stroke}"{dash}'
    kind = node.kind
    if kind.endswith("Event"):
        inner = event_shape(node, s.stroke, paint)
    elif kind.endswith("Gateway"):
        inner = gateway_shape(node, s.stroke, paint)
    elif kind == "textAnnotation":
        lines = wrap_as_modeler(node.text, b.w - 14, EMBEDDED)
        room = max(int((b.h - 8) // LINE), 1)
        if len(lines) > room:  # the modeler's box is the limit, as in bpmn-js: what does not fit ends in "…"
            lines = [*lines[: room - 1], _short(" ".join(lines[room - 1:]), max(int((b.w - 12) / 6.5), 4))]
        inner = annotation_shape(node, s.stroke, lines, FONT, LINE)
    elif kind in ("dataObjectReference", "dataStoreReference"):
        inner = f'<rect x="{b.x:g}" y="{b.y:g}" width="{b.w:g}" height="{b.h:g}" fill="none" stroke="{s.stroke}"/>'
    else:
        width = 2.5 if state in ("ready", N_("overdue")) or state.startswith("heat-") else 1.6
        inner = (f'<rect x="{b.x:g}" y="{b.y:g}" width="{b.w:g}" height="{b.h:g}" rx="10" ry="10" {paint} '
                 f'stroke-width="{width:g}"/>' + task_icon(kind, b, s.stroke) + activity_markers(node, s.stroke))
    return _group(node.id, state, kind, inner)


def _node_label(node: Shape, state: str, states: PictureStates) -> str:
    s = _style(state)
    b = node.box
    parts: list[str] = []
    is_activity = not (node.kind.endswith(("Event", "Gateway")) or node.kind in ("dataObjectReference",
                                                                                  "dataStoreReference"))
    if node.name:
        if is_activity and node.expanded:  # an open sub-process: its name at the top, as bpmn-js puts it
            parts.append(_lines(wrap_as_modeler(node.name, b.w - 14, EMBEDDED), b.x + b.w / 2, b.y + 6, s.text))
        elif is_activity:  # inside, centred as bpmn-js does (DI label bounds are not used for activities)
            marked = node.marker is not None or node.kind in ("subProcess", "callActivity")
            lines, size = _fitted(node.name, b.w - 14, b.h - 10 - (16 if marked else 0))
            step = LINE * size / FONT
            top = b.y + b.h / 2 - (8 if marked and len(lines) * step > b.h - 32 else 0) - len(lines) * step / 2 - 1
            parts.append(_lines(lines, b.x + b.w / 2, top, s.text, size=size, line=step))
        elif node.label is not None:
            lb = node.label
            lines = wrap_as_modeler(node.name, max(lb.w, LABEL_WIDTH), FONT)
            parts.append(_lines(lines, lb.x + lb.w / 2, lb.y - 2, s.text, halo=True))
        else:  # events and gateways without label bounds: just below the shape, where bpmn-js puts them
            lines = wrap_as_modeler(node.name, LABEL_WIDTH, FONT)
            parts.append(_lines(lines, b.x + b.w / 2, b.y + b.h - 1, s.text, halo=True))
    notes = (states.notes or {}).get(node.id)
    if notes:
        width = max(text_width(line, 9.5) for line in notes) + 10
        parts.append(f'<rect x="{b.x + b.w / 2 - width / 2:g}" y="{b.y - 4 - 13 * len(notes):g}" width="{width:g}" '
                     f'height="{13 * len(notes) + 2:g}" rx="3" fill="#ffffff" stroke="{s.stroke}"/>')
        parts.extend(_text(line, b.x + b.w / 2, b.y - 6 - 13 * (len(notes) - 1 - k), 9.5, s.text)
                     for k, line in enumerate(notes))
    info = states.ready.get(node.id)
    if info is not None:
        word = _("OVERDUE") if state == "overdue" else _("ready")
        tag = f"{word} · {info.lane or '-'} · {_('since')} {info.since}"  # times as the caller gives them (local)
        if info.due:
            tag += f" · {_('due')} {info.due}"
        w = text_width(tag, 9.5) + 10
        parts.append(f'<rect x="{b.x + b.w / 2 - w / 2:g}" y="{b.y - 19:g}" width="{w:g}" height="15" rx="3" '
                     f'fill="{s.stroke}"/>' + _text(tag, b.x + b.w / 2, b.y - 8, 9.5, "#ffffff"))
    return _group(node.id, state, node.kind, "".join(parts), "label") if parts else ""


def _legend(x: float, y: float, states: PictureStates, markers: set[str]) -> str:
    present = set(states.states.values())
    heading = _("Legend:")
    parts = [_text(heading, x, y + 14, FONT, "#263238", anchor="start", bold=True)]
    cx = x + text_width(heading, FONT, bold=True) + 14
    for state in states.legend or LEGEND_ORDER:
        s = STYLES[state]
        if not states.legend and state not in present and state not in ("completed", "ready"):
            continue
        if state == "taken":
            markers.add("taken")
            parts.append(f'<line x1="{cx:g}" y1="{y + 10:g}" x2="{cx + 26:g}" y2="{y + 10:g}" stroke="{s.stroke}" '
                         'stroke-width="2.4" marker-end="url(#arrow-taken)"/>')
        else:
            dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
            parts.append(f'<rect x="{cx:g}" y="{y + 2:g}" width="26" height="16" rx="4" fill="{s.fill}" '
                         f'stroke="{s.stroke}" stroke-width="1.6"{dash}/>')
        label = _(s.legend)
        parts.append(_text(label, cx + 32, y + 14, FONT, "#263238", anchor="start"))
        cx += 32 + text_width(label, FONT) + 18
    return f'<g class="legend">{"".join(parts)}</g>'


def quoteattr(text: str) -> str:
    """An XML attribute value with its quotes (xml.sax.saxutils would import urllib: 50 ms)."""
    return f'"{escape(text, quote=True)}"'
