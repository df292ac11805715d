"""The SVG of BPMN 2.0's symbols: event rings and their icons, gateway marks, task-type icons, activity markers.

Each function takes a shape's box (or centre) and the colour of its state and returns SVG elements as text.
Icons sit where BPMN 2.0 (and bpmn-js) put them: a task's type in its top-left corner, loop and multi-instance
markers centred at its bottom edge, beside the collapsed sub-process "+".
"""

from __future__ import annotations

from html import escape
from math import cos, pi, sin

from engine.bpmn.bpmn_di import Box, Shape


def event_shape(node: Shape, colour: str, paint: str) -> str:
    """An event's circle (thick for an end, double for intermediate and boundary events) and its icon."""
    b = node.box
    cx, cy, r = b.x + b.w / 2, b.y + b.h / 2, min(b.w, b.h) / 2
    kind = node.kind
    if kind == "endEvent":
        out = f'<circle cx="{cx:g}" cy="{cy:g}" r="{r - 1.5:g}" {paint} stroke-width="3.5"/>'
    elif kind == "startEvent":
        out = f'<circle cx="{cx:g}" cy="{cy:g}" r="{r:g}" {paint} stroke-width="1.6"/>'
    else:  # intermediate and boundary events: a double ring, dashed when the boundary does not interrupt
        dash = ' stroke-dasharray="5 3"' if kind == "boundaryEvent" and not node.interrupting else ""
        outer = "" if "stroke-dasharray" in paint else dash  # a state's dashes (not taken) already dash the ring
        out = (f'<circle cx="{cx:g}" cy="{cy:g}" r="{r:g}" {paint} stroke-width="1.4"{outer}/>'
               f'<circle cx="{cx:g}" cy="{cy:g}" r="{r - 3:g}" fill="none" stroke="{colour}" stroke-width="1.2"'
               f"{dash}/>")
    return out + event_icon(node.event, cx, cy, r, colour, filled=kind == "endEvent" or kind.startswith("throw"))


def event_icon(event: str | None, cx: float, cy: float, r: float, colour: str, *, filled: bool) -> str:
    """The icon of an event definition (timer, message, signal, ...) inside an event's circle."""
    fill = colour if filled else "none"
    k = r * 0.5
    if event == "timer":
        k = r * 0.55
        ticks = "".join(
            f'<line x1="{cx + k * 0.8 * cos(a):g}" y1="{cy + k * 0.8 * sin(a):g}" x2="{cx + k * cos(a):g}" '
            f'y2="{cy + k * sin(a):g}" stroke="{colour}" stroke-width="1"/>'
            for a in (i * pi / 6 for i in range(12)))
        return (f'<circle cx="{cx:g}" cy="{cy:g}" r="{k:g}" fill="#ffffff" stroke="{colour}" stroke-width="1.5"/>'
                + ticks + f'<path d="M{cx:g},{cy:g} L{cx:g},{cy - k * 0.75:g} M{cx:g},{cy:g} L{cx + k * 0.5:g},'
                f'{cy:g}" stroke="{colour}" stroke-width="1.5" fill="none"/>')
    if event == "message":
        return _envelope(cx, cy, r * 0.9, r * 0.6, colour, filled=filled)
    if event == "signal":
        return (f'<path d="M{cx:g},{cy - k:g} L{cx + k:g},{cy + k * 0.7:g} L{cx - k:g},{cy + k * 0.7:g} z" '
                f'fill="{fill}" stroke="{colour}"/>')
    if event == "terminate":
        return f'<circle cx="{cx:g}" cy="{cy:g}" r="{r * 0.55:g}" fill="{colour}"/>'
    if event == "error":
        return (f'<path d="M{cx - k:g},{cy + k:g} L{cx - k * 0.4:g},{cy - k:g} L{cx + k * 0.2:g},{cy + k * 0.2:g} '
                f'L{cx + k:g},{cy - k:g} L{cx + k * 0.4:g},{cy + k:g} L{cx - k * 0.2:g},{cy - k * 0.2:g} z" '
                f'fill="{fill}" stroke="{colour}"/>')
    if event == "escalation":
        return (f'<path d="M{cx:g},{cy - k:g} L{cx + k * 0.6:g},{cy + k:g} L{cx:g},{cy + k * 0.3:g} '
                f'L{cx - k * 0.6:g},{cy + k:g} z" fill="{fill}" stroke="{colour}"/>')
    if event == "conditional":
        k = r * 0.45
        rows = "".join(f'<line x1="{cx - k * 0.6:g}" y1="{cy + d:g}" x2="{cx + k * 0.6:g}" y2="{cy + d:g}" '
                       f'stroke="{colour}"/>' for d in (-k * 0.6, -k * 0.2, k * 0.2, k * 0.6))
        return (f'<rect x="{cx - k * 0.8:g}" y="{cy - k:g}" width="{k * 1.6:g}" height="{k * 2:g}" fill="none" '
                f'stroke="{colour}"/>' + rows)
    return ""


def gateway_shape(node: Shape, colour: str, paint: str) -> str:
    """A gateway's diamond and its mark (X, +, O, double circle, or the complex star)."""
    b = node.box
    cx, cy = b.x + b.w / 2, b.y + b.h / 2
    diamond = (f'<path d="M{cx:g},{b.y:g} L{b.x + b.w:g},{cy:g} L{cx:g},{b.y + b.h:g} L{b.x:g},{cy:g} z" {paint} '
               'stroke-width="1.6"/>')
    k = min(b.w, b.h) * 0.2
    mark = f'stroke="{colour}" stroke-width="3.5" stroke-linecap="round" fill="none"'
    cross = f"M{cx - k:g},{cy - k:g} L{cx + k:g},{cy + k:g} M{cx + k:g},{cy - k:g} L{cx - k:g},{cy + k:g}"
    plus = f"M{cx:g},{cy - k * 1.3:g} L{cx:g},{cy + k * 1.3:g} M{cx - k * 1.3:g},{cy:g} L{cx + k * 1.3:g},{cy:g}"
    if node.kind == "exclusiveGateway":
        icon = f'<path d="{cross}" {mark}/>'
    elif node.kind == "parallelGateway":
        icon = f'<path d="{plus}" {mark}/>'
    elif node.kind == "inclusiveGateway":
        icon = f'<circle cx="{cx:g}" cy="{cy:g}" r="{k * 1.2:g}" stroke="{colour}" stroke-width="2.5" fill="none"/>'
    elif node.kind == "eventBasedGateway":
        icon = (f'<circle cx="{cx:g}" cy="{cy:g}" r="{k * 1.4:g}" stroke="{colour}" fill="none"/>'
                f'<circle cx="{cx:g}" cy="{cy:g}" r="{k * 1.1:g}" stroke="{colour}" fill="none"/>')
    else:  # complex
        icon = f'<path d="{plus} {cross}" {mark}/>'
    return diamond + icon


def task_icon(kind: str, b: Box, colour: str) -> str:
    """The task type's icon in the top-left corner (user, manual, service, script, send, receive, business rule)."""
    x, y = b.x + 8, b.y + 7
    line = f'stroke="{colour}" stroke-width="1.1"'
    if kind == "userTask":  # a head and shoulders
        return (f'<circle cx="{x + 6:g}" cy="{y + 4:g}" r="3.5" fill="none" {line}/>'
                f'<path d="M{x:g},{y + 14:g} C{x:g},{y + 8:g} {x + 12:g},{y + 8:g} {x + 12:g},{y + 14:g} z" '
                f'fill="none" {line}/>')
    if kind == "manualTask":  # a hand, palm down, four fingers pointing right
        tips = [x + 17 - 3 * (i == 3) for i in range(4)]
        fingers = "".join(f"M{x + 8:g},{y + 2 + 3 * i:g} L{tip:g},{y + 2 + 3 * i:g} A1.4,1.4 0 0 1 {tip:g},"
                          f"{y + 4.8 + 3 * i:g} L{x + 8:g},{y + 4.8 + 3 * i:g} " for i, tip in enumerate(tips))
        return (f'<path d="M{x:g},{y + 5:g} L{x + 5:g},{y + 1:g} L{x + 8:g},{y + 1:g} L{x + 8:g},{y + 14:g} '
                f'L{x + 2:g},{y + 14:g} L{x:g},{y + 12:g} z {fingers}" fill="none" {line}/>')
    if kind == "serviceTask":  # a gear: eight teeth round a ring
        cx, cy = x + 7, y + 7
        teeth = "".join(f'<line x1="{cx + 4 * cos(a):g}" y1="{cy + 4 * sin(a):g}" x2="{cx + 7 * cos(a):g}" '
                        f'y2="{cy + 7 * sin(a):g}" stroke="{colour}" stroke-width="2.4"/>'
                        for a in (i * pi / 4 for i in range(8)))
        return (teeth + f'<circle cx="{cx:g}" cy="{cy:g}" r="4.6" fill="#ffffff" {line}/>'
                f'<circle cx="{cx:g}" cy="{cy:g}" r="1.8" fill="none" {line}/>')
    if kind == "scriptTask":  # a scroll: wavy left and right edges, lines of text
        rows = "".join(f"M{x + 4:g},{y + 4 + 3 * i:g} L{x + 10:g},{y + 4 + 3 * i:g} " for i in range(3))
        return (f'<path d="M{x + 2:g},{y:g} L{x + 12:g},{y:g} C{x + 9:g},{y + 4:g} {x + 15:g},{y + 10:g} {x + 12:g},'
                f'{y + 14:g} L{x + 2:g},{y + 14:g} C{x + 5:g},{y + 10:g} {x - 1:g},{y + 4:g} {x + 2:g},{y:g} z '
                f'{rows}" fill="none" {line}/>')
    if kind in ("sendTask", "receiveTask"):  # an envelope, filled when it sends
        return _envelope(x + 8, y + 6, 16, 11, colour, filled=kind == "sendTask")
    if kind == "businessRuleTask":  # a table with a dark header row
        return (f'<rect x="{x:g}" y="{y:g}" width="17" height="13" fill="none" {line}/>'
                f'<rect x="{x:g}" y="{y:g}" width="17" height="4" fill="{colour}"/>'
                f'<path d="M{x:g},{y + 8.5:g} L{x + 17:g},{y + 8.5:g} M{x + 5:g},{y + 4:g} L{x + 5:g},{y + 13:g}" '
                f'{line}/>')
    return ""


def activity_markers(node: Shape, colour: str) -> str:
    """The markers centred at an activity's bottom edge: loop or multi-instance, and a collapsed sub-process's +."""
    b = node.box
    marks: list[str] = []
    if node.marker is not None:
        marks.append(node.marker)
    if node.kind in ("subProcess", "callActivity") and not node.expanded:
        marks.append("collapsed")
    out = []
    left = b.x + b.w / 2 - (len(marks) * 14 - 2) / 2
    top = b.y + b.h - 16
    line = f'fill="none" stroke="{colour}" stroke-width="1.4"'
    for i, mark in enumerate(marks):
        x = left + 14 * i
        if mark == "parallel":  # three vertical bars
            out.append(f'<path d="M{x + 2:g},{top:g} v12 M{x + 6:g},{top:g} v12 M{x + 10:g},{top:g} v12" {line}/>')
        elif mark == "sequential":  # three horizontal bars
            out.append(f'<path d="M{x:g},{top + 2:g} h12 M{x:g},{top + 6:g} h12 M{x:g},{top + 10:g} h12" {line}/>')
        elif mark == "loop":  # a circular arrow, open at the bottom left, its head there
            cx, cy = x + 6, top + 6
            out.append(f'<path d="M{cx - 3.5:g},{cy + 4.6:g} A5.5,5.5 0 1 1 {cx + 1.5:g},{cy + 5.3:g}" {line}/>'
                       f'<path d="M{cx - 6.5:g},{cy + 3:g} L{cx - 3.5:g},{cy + 4.6:g} L{cx - 3.5:g},{cy + 1:g}" '
                       f'{line}/>')
        else:  # collapsed sub-process or call activity: a boxed plus
            out.append(f'<rect x="{x:g}" y="{top:g}" width="12" height="12" fill="none" stroke="{colour}"/>'
                       f'<path d="M{x + 3:g},{top + 6:g} h6 M{x + 6:g},{top + 3:g} v6" stroke="{colour}"/>')
    return "".join(out)


def annotation_shape(node: Shape, colour: str, lines: list[str], size: float, line_height: float) -> str:
    """A text annotation as BPMN 2.0 draws it: an open bracket on its left and its text, left aligned."""
    b = node.box
    bracket = (f'<path d="M{b.x + 10:g},{b.y:g} L{b.x:g},{b.y:g} L{b.x:g},{b.y + b.h:g} L{b.x + 10:g},{b.y + b.h:g}" '
               f'fill="none" stroke="{colour}" stroke-width="1.2"/>')
    text = "".join(f'<text x="{b.x + 7:g}" y="{b.y + 5 + size + i * line_height:g}" font-size="{size:g}" '
                   f'fill="{colour}" text-anchor="start">{escape(line)}</text>' for i, line in enumerate(lines))
    return bracket + text


def _envelope(cx: float, cy: float, w: float, h: float, colour: str, *, filled: bool) -> str:
    fill = colour if filled else "none"
    return (f'<rect x="{cx - w / 2:g}" y="{cy - h / 2:g}" width="{w:g}" height="{h:g}" fill="{fill}" '
            f'stroke="{colour}"/><path d="M{cx - w / 2:g},{cy - h / 2:g} L{cx:g},{cy:g} L{cx + w / 2:g},'
            f'{cy - h / 2:g}" fill="none" stroke="{"#ffffff" if filled else colour}"/>')
