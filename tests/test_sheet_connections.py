"""The printed sheet draws every flow of the diagram exactly once: every box has its arrows in and out, parallel
pairs, loops back, decisions and flows across pages included, and no line leaves the flowchart's columns.

The drawn connections are read from the SVG people see: the lines (polylines) with what they join (data-from,
data-to), followed through the bars of a parallel row and the off-page connectors (matched by their number on both
pages). The expected ones are read from the BPMN diagram that runs: its sequence flows collapsed from step to step
through gateways, intermediate events and a step's boundary timers.
"""

from __future__ import annotations

import itertools
import re
import shutil
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from conftest import FORMS, ROOT, Sop
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from picture_tools import SVG
from tests_sop_fixtures import SURAT

from engine.pictures.sheet_html import render_sheet
from engine.pictures.sheet_rows import sheet_rows
from engine.table.sop_bpmn import compile_table
from engine.table.sop_decompile import table_from_bpmn
from engine.table.sop_table import END, Decision, Row, SopTable, Step, structure_problems
from engine.table.sop_yaml import read_table

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
PASS_THROUGH = ("exclusiveGateway", "parallelGateway", "inclusiveGateway", "intermediateCatchEvent",
                "intermediateThrowEvent")
TIMER = f"{BPMN}timerEventDefinition"
Box = tuple[float, float, float, float]  # x1, y1, x2, y2


def diagram_flows(text: str, process_id: str) -> Counter[tuple[str, str]]:
    """The diagram's flows from step to step (a step's boundary events count as the step), one per path through
    gateways and intermediate events."""
    root = ElementTree.fromstring(text)
    process = next(p for p in root.iter(f"{BPMN}process") if p.get("id") == process_id)
    kind = {el.get("id") or "": el.tag.removeprefix(BPMN) for el in process}
    owner = {el.get("id") or "": el.get("attachedToRef") or "" for el in process if el.tag == f"{BPMN}boundaryEvent"}
    out: dict[str, list[str]] = defaultdict(list)
    for flow in process.iter(f"{BPMN}sequenceFlow"):
        out[owner.get(flow.get("sourceRef") or "", flow.get("sourceRef") or "")].append(flow.get("targetRef") or "")
    steps = {i for i, k in kind.items() if k.endswith("Task") or k in ("task", "subProcess", "callActivity")}
    steps |= {el.get("id") or "" for el in process  # a wait in the flow is a row of the sheet
              if el.tag == f"{BPMN}intermediateCatchEvent" and [d.tag for d in el if d.tag.endswith("Definition")]
              == [TIMER]}
    flows: Counter[tuple[str, str]] = Counter()

    def reach(node: str, seen: frozenset[str]) -> list[str]:
        found: list[str] = []
        for target in out[node]:
            if target in steps:
                found.append(target)
            elif kind.get(target) in PASS_THROUGH and target not in seen:
                found += reach(target, seen | {target})
        return found

    for step in steps:
        flows.update((step, target) for target in reach(step, frozenset()))
    return flows


def _pages(html: str) -> list[ElementTree.Element]:
    return [ElementTree.fromstring(m) for m in re.findall(r"<svg.*?</svg>", html, flags=re.S)]


def _points(element: ElementTree.Element) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (p.split(",") for p in (element.get("points") or "").split())]


def _bbox(group: ElementTree.Element) -> Box:
    """The box round a drawn shape (rect, path of M/L points, or line)."""
    xs: list[float] = []
    ys: list[float] = []
    for shape in group:
        if shape.tag == f"{SVG}rect":
            x, y = float(shape.get("x") or 0), float(shape.get("y") or 0)
            xs += [x, x + float(shape.get("width") or 0)]
            ys += [y, y + float(shape.get("height") or 0)]
        elif shape.tag == f"{SVG}path":
            pairs = re.findall(r"(-?[\d.]+),(-?[\d.]+)", shape.get("d") or "")
            xs += [float(x) for x, _ in pairs]
            ys += [float(y) for _, y in pairs]
        elif shape.tag == f"{SVG}line":
            xs += [float(shape.get("x1") or 0), float(shape.get("x2") or 0)]
            ys += [float(shape.get("y1") or 0), float(shape.get("y2") or 0)]
    return min(xs), min(ys), max(xs), max(ys)


def _bbox_tip(path: ElementTree.Element) -> tuple[float, float]:
    """The tip of an arrowhead: its path's first point."""
    x, y = re.findall(r"(-?[\d.]+),(-?[\d.]+)", path.get("d") or "")[0]
    return float(x), float(y)


def _near(point: tuple[float, float], box: Box, slack: float = 1.5) -> bool:
    x, y = point
    return box[0] - slack <= x <= box[2] + slack and box[1] - slack <= y <= box[3] + slack


def _through(a: tuple[float, float], b: tuple[float, float], box: Box) -> bool:
    """Whether an upright or level segment runs through the inside of a box (its edges do not count)."""
    x1, y1, x2, y2 = box[0] + 1.5, box[1] + 1.5, box[2] - 1.5, box[3] - 1.5
    lo_x, hi_x, lo_y, hi_y = min(a[0], b[0]), max(a[0], b[0]), min(a[1], b[1]), max(a[1], b[1])
    return lo_x < x2 and hi_x > x1 and lo_y < y2 and hi_y > y1


def _lanes_area(page: ElementTree.Element, symbols: list[Box]) -> tuple[float, float]:
    """The Pelaksana columns' outer edges: the black full-height grid lines nearest the symbols on each side."""
    uprights = [float(line.get("x1") or 0) for line in page.iter(f"{SVG}line")
                if line.get("x1") == line.get("x2") and line.get("stroke") == "#000000"]
    left = min(b[0] for b in symbols)
    right = max(b[2] for b in symbols)
    return max(x for x in uprights if x < left), min(x for x in uprights if x > right)


def sheet_connections(html: str) -> tuple[Counter[tuple[str, str]], list[str]]:
    """The connections drawn on the sheet, from step to step through bars and off-page connectors, and every
    problem seen on the way (a line that misses what it names, leaves the page or the lanes, crosses a box)."""
    problems: list[str] = []
    pages = _pages(html)
    edges: list[tuple[str, str]] = []
    row_of: dict[str, str] = {}
    shown: dict[str, list[tuple[int, str, str]]] = defaultdict(list)  # connector -> (page, kind, number drawn)
    arrowed_in: set[str] = set()
    for index, page in enumerate(pages):
        _, _, width, height = (float(v) for v in (page.get("viewBox") or "").split())
        nodes: dict[str, Box] = {}
        boxes: list[Box] = []
        diamonds: list[Box] = []
        for g in page.iter(f"{SVG}g"):
            classes = (g.get("class") or "").split()
            if "symbol" in classes:
                nodes[g.get("data-step") or ""] = _bbox(g)
                boxes.append(_bbox(g))
                row_of[g.get("data-step") or ""] = g.get("data-row") or ""
            elif "junction" in classes or "off-page" in classes:
                nodes[g.get("data-node") or ""] = _bbox(g)
                if "junction-decision" in classes:  # the diamond of a decision after a parallel row
                    diamonds.append(_bbox(g))
            if "off-page" in classes:
                number = " ".join(" ".join(t.itertext()) for t in g.iter(f"{SVG}text")).strip()
                shown[g.get("data-node") or ""].append((index, classes[1], number))
        left, right = _lanes_area(page, boxes)
        heads = {_bbox_tip(path) for path in page.iter(f"{SVG}path") if path.get("class") == "arrowhead"}
        for line in page.iter(f"{SVG}polyline"):
            source, target = line.get("data-from") or "", line.get("data-to") or ""
            points = _points(line)
            name = f"page {index + 1}: {source} -> {target}"
            if not all(0 <= x <= width and 0 <= y <= height for x, y in points):
                problems.append(f"{name} leaves the page: {points}")
            if not all(left <= x <= right for x, _ in points):
                problems.append(f"{name} leaves the Pelaksana columns {left}..{right}: {points}")
            if any(a[0] != b[0] and a[1] != b[1] for a, b in itertools.pairwise(points)):
                problems.append(f"{name} has a slanted segment: {points}")
            if source not in nodes or not _near(points[0], nodes[source]):
                problems.append(f"{name} does not start at {source}: {points[0]}")
            if target != "selesai" and (target not in nodes or not _near(points[-1], nodes[target])):
                problems.append(f"{name} does not end at {target}: {points[-1]}")
            crossed = [b for b in boxes + diamonds for a, c in itertools.pairwise(points) if _through(a, c, b)]
            if crossed:
                problems.append(f"{name} runs through a box at {crossed[0]}")
            if ":" not in target and target != "selesai":  # a step
                if points[-1] not in heads:
                    problems.append(f"{name} ends in a box without an arrowhead")
                arrowed_in.add(target)
            edges.append((source, target))
    for node, seen in shown.items():
        kinds = sorted(kind for _, kind, _ in seen)
        if kinds != ["off-page-from", "off-page-to"] or seen[0][0] == seen[1][0] or seen[0][2] != seen[1][2]:
            problems.append(f"off-page connector {node} is not one pair with one number on two pages: {seen}")
    return _collapse(edges, row_of, shown, problems), problems


def _collapse(edges: list[tuple[str, str]], row_of: dict[str, str], shown: dict[str, Any],
              problems: list[str]) -> Counter[tuple[str, str]]:
    """Step-to-step connections, one per path through bars and connectors; a connector's number must be the row
    its line reaches."""
    out: dict[str, list[str]] = defaultdict(list)
    for source, target in edges:
        out[source].append(target)

    def reach(node: str, seen: frozenset[str]) -> list[str]:
        found: list[str] = []
        for target in out[node]:
            if target in row_of:
                found.append(target)
            elif ":" in target and target not in seen:
                found += reach(target, seen | {target})
        return found

    for node, seen in shown.items():
        rows = {row_of[s] for s in reach(node, frozenset())}
        if rows != {seen[0][2]}:
            problems.append(f"off-page connector {node} shows {seen[0][2]} but leads to row(s) {rows}")
    drawn: Counter[tuple[str, str]] = Counter()
    for step in row_of:
        drawn.update((step, target) for target in reach(step, frozenset()))
    return drawn


def check_sheet(html: str, bpmn: str, process_id: str) -> None:
    """The sheet's drawn connections are the diagram's flows, each once, every box has its arrows in and out, and
    no line misses its ends, leaves the page or the lanes, or runs through a box."""
    drawn, problems = sheet_connections(html)
    assert problems == []
    expected = diagram_flows(bpmn, process_id)
    assert drawn == expected, (sorted((drawn - expected).items()), sorted((expected - drawn).items()))
    pages = _pages(html)
    symbols = [g for page in pages for g in page.iter(f"{SVG}g") if "symbol" in (g.get("class") or "").split()]
    first_row = symbols[0].get("data-row")
    lines = [(p.get("data-from"), p.get("data-to")) for page in pages for p in page.iter(f"{SVG}polyline")]
    for g in symbols:
        step = g.get("data-step")
        if g.get("data-row") != first_row:
            assert any(target == step for _, target in lines), f"{step} has no arrow in"
        if "symbol-end" not in (g.get("class") or ""):
            assert any(source == step for source, _ in lines), f"{step} has no arrow out"


def _sheet_in_process(bpmn: str) -> str:
    """The sheet as `sop sheet` draws it (engine.service.drawing.sheet_html), for a diagram held in memory."""
    table = table_from_bpmn(bpmn, "acak.bpmn", for_sheet=True)
    return render_sheet({}, sheet_rows(table, {}), table.lanes, table.nama, "v")


def _sheet(sop: Sop, process_id: str) -> str:
    result = sop("sheet", process_id)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_shipped_sop(sop: Sop) -> None:
    """The shipped SOP's sheet (a decision, a jump forward, a page break) draws its 14 flows once each."""
    html = _sheet(sop, "interkoneksi_data_baru")
    bpmn = (ROOT / "definitions" / "interkoneksi_data_baru.bpmn").read_text(encoding="utf-8")
    check_sheet(html, bpmn, "interkoneksi_data_baru")
    assert len(_pages(html)) >= 2 and 'class="off-page off-page-to"' in html


EXAMPLES = sorted([*ROOT.glob("examples/**/*.sop.yaml"), *ROOT.glob("examples/**/*.bpmn")])
FIXTURES = [ROOT / "tests" / "data" / name / "definitions" for name in ("gambar", "ulang", "tenggat", "tunggu")]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_examples(path: Path, make_sop: Any, tmp_path: Path) -> None:
    """Every example table or diagram shipped in examples/ prints a sheet that draws its flows once each (a table
    against the diagram `sop compile` makes of it)."""
    forms = tmp_path / "forms"  # compiling a table with fields writes its forms: into a copy
    shutil.copytree(FORMS, forms)
    sop = make_sop(path.parent, forms)
    if path.name.endswith(".sop.yaml"):
        compiled = sop("compile", str(path))
        assert compiled.exit_code == 0, compiled.output
        bpmn = compiled.stdout
    else:
        bpmn = path.read_text(encoding="utf-8")
    process_id = next(p.get("id") or "" for p in ElementTree.fromstring(bpmn).iter(f"{BPMN}process"))
    check_sheet(_sheet(sop, process_id), bpmn, process_id)


@pytest.mark.parametrize("folder", FIXTURES, ids=lambda p: p.parent.name)
def test_test_diagrams(folder: Path, make_sop: Any) -> None:
    """The test diagrams with a parallel pair and an ending branch, a loop back, boundary timers and a wait in the
    flow print sheets that draw their flows once each."""
    bpmn_file = next(folder.glob("*.bpmn"))
    text = bpmn_file.read_text(encoding="utf-8")
    process_id = next(p.get("id") or "" for p in ElementTree.fromstring(text).iter(f"{BPMN}process"))
    forms = folder.parent / "forms"
    if not forms.is_dir():  # the wait's diagram uses the timers' forms
        forms = ROOT / "tests" / "data" / "tenggat" / "forms"
    check_sheet(_sheet(make_sop(folder, forms), process_id), text, process_id)


def test_parallel_pair_has_arrows_into_and_out_of_both_boxes() -> None:
    """A bersamaan pair after a decision: the previous box reaches both boxes of the pair (through a split bar),
    and both reach the next (through a join bar); the loop back from the last row runs up the left gutter."""
    table, _ = read_table(SURAT, "surat.sop.yaml")
    bpmn = compile_table(table)
    html = _sheet_in_process(bpmn)
    check_sheet(html, bpmn, table.process_id)
    drawn, _ = sheet_connections(html)
    assert {("Telaah", "ParafA"), ("Telaah", "ParafB"), ("ParafA", "Terbitkan"), ("ParafB", "Terbitkan")} <= set(drawn)
    assert html.count('class="junction"') == 2


WORDS = st.sampled_from("surat nota paraf telaah disposisi kepala bidang seksi verifikasi berkas arsip "
                        "memeriksa mengagendakan permohonan".split())
TEXT = st.lists(WORDS, min_size=1, max_size=30).map(" ".join)


@st.composite
def tables(draw: Any) -> SopTable:
    """A table of up to 25 rows, long enough to break pages, every row of which is reached and can finish:
    waits, parallel pairs and triples, decisions jumping forward, back and to the end, and jumps (lanjut) that skip rows
    an earlier decision leads past."""
    n = draw(st.integers(2, 25))
    lanes = tuple(f"Lajur {c}" for c in "ABCDEF"[: draw(st.integers(1, 6))])
    ids = [f"R{i}" for i in range(n)]
    bypassed: dict[int, int] = {}
    rows = []
    for i in range(n):
        width = draw(st.sampled_from([1, 1, 1, 2, 2, 3]))
        wait = "P2D" if width == 1 and draw(st.integers(0, 4)) == 0 else None  # now and then a wait row
        steps = tuple(Step(f"{ids[i]}_{j}" if width > 1 else ids[i], draw(TEXT), draw(st.sampled_from(lanes)),
                           tunggu=wait) for j in range(width))
        nxt = ids[i + 1] if i + 1 < n else END
        kind = draw(st.sampled_from(["next", "next", "decision", "decision", "break"]))
        decision, lanjut = None, None
        if kind == "decision":
            other = draw(st.sampled_from([*[x for x in ids if x != nxt], END]))
            if other == nxt:
                kind = "next"
            else:
                ya, tidak = (nxt, other) if draw(st.booleans()) else (other, nxt)
                decision = Decision(f'{steps[0].id}["ok"] == "ya"', ya, tidak, "Lanjut?")
                if other != END and ids.index(other) > i + 1:
                    bypassed.setdefault(ids.index(other), i)
        if kind == "break" and i + 1 in bypassed and i + 1 < n:
            lanjut = draw(st.sampled_from([END, *ids[: bypassed[i + 1] + 1], *ids[i + 2:]]))
        elif kind != "decision":
            lanjut = nxt
        rows.append(Row(i + 1, ids[i], steps, decision, lanjut))
    rename = {r.id: f"P{r.nomor}" for r in rows if r.bersamaan}  # a parallel row's id differs from its steps'
    fixed = []
    for r in rows:
        d = r.keputusan
        if d is not None:
            d = Decision(d.syarat, rename.get(d.ya, d.ya), rename.get(d.tidak, d.tidak), d.pertanyaan)
        fixed.append(Row(r.nomor, rename.get(r.id, r.id), r.steps, d, rename.get(r.lanjut, r.lanjut)
                         if r.lanjut else None))
    return SopTable("acak", "SOP acak", lanes, tuple(fixed))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_generated_tables(table: SopTable) -> None:
    """Every generated table's sheet draws each flow of its compiled diagram exactly once, across pages too."""
    assert structure_problems(table) == []
    bpmn = compile_table(table)
    check_sheet(_sheet_in_process(bpmn), bpmn, "acak")
