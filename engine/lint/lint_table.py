"""One lint pass over an SOP table: its format, its meaning and the rules of the diagram it compiles to, all at
once, each problem at the table's row (nomor and id) and key, in the author's words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.common.errors import EngineError
from engine.table.table_findings import compiled_problems
from engine.table.table_words import ERROR, TableProblem


def lint_table_text(text: str, source: str, forms_dir: Path, lanes_known: set[str] | None,
                    check_diagram: Any) -> list[TableProblem]:
    """Every problem of a table at once: format, meaning, and (when its flow can be compiled) the diagram's rules.
    check_diagram(bpmn_text, table) gives the compiled diagram's findings (the table: for the forms its fields make)."""
    from engine.table.sop_bpmn import compile_table
    from engine.table.sop_yaml import check_table

    checked = check_table(text, source, forms_dir=forms_dir)
    problems = list(checked.problems)
    if checked.compilable and checked.table is not None:
        try:
            bpmn = compile_table(checked.table, source, document=checked.doc)
        except EngineError as exc:  # a step id colliding with a generated one
            problems.append(TableProblem(1, str(exc).split(": ", 1)[-1], severity=ERROR))
        else:
            findings = check_diagram(bpmn, checked.table)
            problems += compiled_problems(checked.table, checked.lines, findings, problems)
    return sorted(dict.fromkeys(problems), key=lambda p: (p.line, p.severity, str(p.message)))
