"""The findings of the diagram an SOP table compiles to, said at the table's rows and keys: a finding on a
generated task, gateway, flow or lane is placed at the row and key it comes from, and a condition's message names
the syarat, never a generated flow id. Lint and loading both use it, so both give the same line."""

from __future__ import annotations

import re
from typing import Any

from engine.common.i18n import N_
from engine.table.sop_table import SopTable
from engine.table.table_words import ERROR, TableProblem

# The table key a diagram rule is about, for a finding on a step's task.
_STEP_KEYS = {"lane-missing": "pelaksana", "lane-multiple": "pelaksana", "lane-unknown-role": "pelaksana",
              "form-missing": "kelengkapan", "form-file-missing": "kelengkapan", "form-invalid": "kelengkapan",
              "form-ref-outside": "kelengkapan", "form-field-reserved": "kelengkapan",
              "form-default-invalid": "kelengkapan", "sla-invalid": "waktu", "task-id-invalid": "id",
              "id-reserved": "id", "condition-invalid": "periksa.syarat", "condition-unknown-step": "periksa.syarat",
              "condition-unknown-field": "periksa.syarat", "condition-unknown-name": "periksa.syarat"}


class _Place:
    """Where a compiled element comes from: the row (position, id), the key, the line, and the syarat text."""

    def __init__(self, nomor: int, row: str, key: str | None, line: int, syarat: str | None = None) -> None:
        self.nomor, self.row, self.key, self.line, self.syarat = nomor, row, key, line, syarat


def _places(table: SopTable, lines: dict[Any, int]) -> dict[str, _Place]:
    """Each generated element id (task, gateway, event, the decision's ya flow) and the table row it comes from."""
    from engine.table.sop_graph import build_graph

    ids = [r.id for r in table.rows]

    def line(*path: str | int) -> int:
        while path and path not in lines:
            path = path[:-1]
        return lines.get(path, 1)

    out: dict[str, _Place] = {}
    graph = build_graph(table)
    for node in graph.nodes:
        if not node.nomor:
            continue
        i = node.nomor - 1
        row = table.rows[i]
        if node.step is not None:
            j = next(k for k, s in enumerate(row.steps) if s.id == node.step.id)
            prefix = f"bersamaan[{j + 1}]." if row.bersamaan else ""
            out[node.id] = _Place(node.nomor, node.step.id, prefix, line("langkah", i, *(
                ("bersamaan", j) if row.bersamaan else ())), node.step.periksa.syarat if node.step.periksa else None)
        elif node.id.startswith("Keputusan_") and row.keputusan is not None:
            out[node.id] = _Place(node.nomor, ids[i], "keputusan", line("langkah", i, "keputusan"))
        else:
            out[node.id] = _Place(node.nomor, ids[i], None, line("langkah", i))
    for flow in graph.flows:
        source = out.get(flow.source)
        if flow.condition is not None and source is not None:
            out[flow.id] = _Place(source.nomor, source.row, "keputusan.syarat",
                                  line("langkah", source.nomor - 1, "keputusan", "syarat"), flow.condition)
    return out


def compiled_problems(table: SopTable, lines: dict[Any, int], findings: list[Any],
                      reported: list[TableProblem]) -> list[TableProblem]:
    """The compiled diagram's findings at the table's rows and keys; a finding about a key the table's own check
    already reported is left out (the same mistake once)."""
    places = _places(table, lines)
    seen = {(p.nomor, (p.key or "").split(".")[0]) for p in reported if p.severity == ERROR}
    seen |= {(p.nomor, (p.key or "").split("].")[-1].split(".")[0]) for p in reported if p.severity == ERROR}
    out = []
    for found in findings:
        place = places.get(found.element or "")
        if place is None:
            out.append(_outside_rows(found, table, lines))
            continue
        key = place.key
        if key is not None and (key == "" or key.endswith(".")):  # a step's task: the key the rule is about
            rule_key = _STEP_KEYS.get(found.rule)
            key = key + rule_key if rule_key else key.rstrip(".") or None
        root = (key or "").split("].")[-1].split(".")[0]
        if (place.nomor, root) in seen:
            continue
        message = _in_table_words(found, place, table)
        out.append(TableProblem(place.line, message, place.nomor, place.row, key, found.severity, found.rule))
    return out


def _outside_rows(found: Any, table: SopTable, lines: dict[Any, int]) -> TableProblem:
    """A finding about the process (sop.id) or a lane (its pelaksana entry), not a row."""
    element = found.element or ""
    if element == table.process_id:
        return TableProblem(lines.get(("sop", "id"), 1), found.message, None, None, "sop.id", found.severity,
                            found.rule)
    index = element.removeprefix("Lane_")
    if element.startswith("Lane_") and index.isdigit() and 0 < int(index) <= len(table.lanes):
        lane = table.lanes[int(index) - 1]
        line = lines.get(("pelaksana", int(index) - 1)) or lines.get(("pelaksana", lane)) or lines.get(
            ("pelaksana",), 1)
        return TableProblem(line, found.message, None, None, f"pelaksana.{lane}", found.severity, found.rule)
    return TableProblem(1, found.message, None, None, None, found.severity, found.rule)


def _in_table_words(found: Any, place: _Place, table: SopTable) -> str:
    """A diagram rule's message about a condition, in the table's terms (no generated flow or gateway ids)."""
    text = str(found.message)
    if found.rule == "condition-unknown-name":
        name = re.search(r" reads '([^']+)', which is no step id", text)
        field = re.search(r'write (\w+)\["([^"]+)"\]', text)
        close = re.search(r"did you mean '([^']+)'\?", text)
        several = re.search(r"write the field of the step meant: (.*)$", text)
        if several:
            fix = N_("write the field of the step meant: {choices}", choices=several.group(1).replace(" or ", " / "))
        elif field:
            fix = N_("write {step}[\"{field}\"] (the field of the form of step '{step}')", step=field.group(1),
                     field=field.group(2))
        elif close:
            fix = N_("did you mean '{close}'?", close=close.group(1))
        else:
            fix = N_("read a step's field as Step[\"field\"] (for example {step}[\"keputusan\"])",
                     step=table.rows[0].steps[0].id)
        return N_("the condition {syarat} reads '{name}' on its own, which is no step id; {fix}",
                  syarat=repr(place.syarat or ""), name=name.group(1) if name else "?", fix=fix)
    if found.rule == "unreachable":  # the table's words, not the generated element's kind (userTask, gateway)
        return N_("no row leads to this row (no lanjut, ya or tidak names it); jump to it from another row or "
                  "remove it")
    if found.rule == "dead-end":
        return N_("this row never leads to selesai; give it a lanjut to another row or to selesai")
    if found.rule == "form-missing":
        return N_("the step records no form; give its kelengkapan: a form file of the forms folder "
                  "(kelengkapan: surat.schema.json, or {formulir: surat.schema.json, nama: Surat})")
    if found.rule == "condition-unknown-field":
        field = re.search(r"reads (\w+)\['([^']+)'\], a field the form of '[^']+' does not define \(fields: ([^)]*)\)",
                          text)
        if field:
            return N_("the condition reads {step}[\"{field}\"], a field the form of step '{step}' does not have "
                      "(its fields: {fields}); fix the field's name", step=field.group(1), field=field.group(2),
                      fields=field.group(3))
    return text
