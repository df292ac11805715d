"""Judges one corpus diagram as a person would meet it: `sop lint`, loading, and (when lint is clean) an instance
run to its end with form data generated from each step's schema and timers fired by a clock that runs ahead.

`python tests/corpus_run.py` prints every diagram's verdict in the shape of tests/data/corpus/verdicts.yaml, so
the file can be refreshed after a rule change (then re-add the known failures' reasons by hand).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus"
FORMS = CORPUS / "forms"  # the corpus has no forms: a step naming one is refused by lint (form-missing)
MAX_STEPS = 200


def corpus_files() -> list[Path]:
    """Every corpus diagram, by path."""
    return sorted(CORPUS.glob("*/*.bpmn"))


def sample_data(schema: Any) -> Any:
    """A value a JSON Schema accepts in the common cases (first enum value, minimums, required fields)."""
    if not isinstance(schema, dict):
        return None
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), "null") if isinstance(kind, list) else kind
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {key: sample_data(sub) for key, sub in props.items() if isinstance(sub, dict)}
    if kind == "array":
        return [sample_data(schema.get("items", {})) for _ in range(int(schema.get("minItems", 0)))]
    if kind in ("integer", "number"):
        return max(int(schema.get("minimum", 1)), 1) if kind == "integer" else float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if kind == "string":
        fmt = schema.get("format")
        text = {"date": "2026-01-05", "date-time": "2026-01-05T09:00:00+07:00", "email": "a@example.org"}.get(
            fmt or "", "contoh")
        return text + "x" * max(int(schema.get("minLength", 0)) - len(text), 0)
    return None


def _clock() -> tuple[list[datetime], Any]:
    now = [datetime(2026, 1, 5, 2, 0, tzinfo=UTC)]
    return now, lambda: now[0].strftime("%Y-%m-%dT%H:%M:%S.000Z")


def run_to_end(path: Path, folder: Path) -> tuple[str, str]:
    """Start every executable process of a diagram and complete it; (outcome, detail): runs, or strands with
    where it stopped. Engine errors on the way are refusals by name (a data check), other exceptions propagate."""
    from engine import Engine, EngineError

    definitions = folder / "definitions"
    definitions.mkdir()
    shutil.copy(path, definitions / path.name)
    FORMS.mkdir(exist_ok=True)
    now, clock = _clock()
    engine = Engine(str(folder / "sop.db"), definitions_dir=definitions, forms_dir=FORMS, clock=clock)
    try:
        processes, problems = engine.processes.runnable()
        if not processes:
            return "refused-at-start", "; ".join(problems)[:300] or "no process to start"
        for process in processes:
            try:
                view = engine.instances.start(process.id, {})
            except EngineError as exc:
                return "refused-at-start", f"{type(exc).__name__}: {str(exc)[:200]}"
            for _ in range(MAX_STEPS):
                shown = engine.instance(view.instance).show()
                if shown.status != "running":
                    break
                if shown.tasks:
                    task = shown.tasks[0]
                    _, schema = engine.instance(view.instance).form(
                        task.id
                    )  # by UUID: multi-instance copies share a name
                    try:
                        engine.instance(view.instance).complete(task.id, sample_data(schema) or {})
                    except EngineError as exc:
                        return "strands", f"{task.task}: {type(exc).__name__}: {str(exc)[:200]}"
                    continue
                now[0] += timedelta(days=400)
                fired = engine.time.tick()
                if not fired.fired:
                    return "strands", f"{process.id}: running with no ready step and no due timer"
            else:
                return "strands", f"{process.id}: still running after {MAX_STEPS} steps"
        return "runs", ""
    finally:
        engine.close()


def judge(path: Path) -> dict[str, Any]:
    """The verdict on one diagram: lint's error rules, whether loading refuses it, and the outcome."""
    from engine.definitions.catalog import load_file
    from engine.definitions.rules import DiagramRuleError
    from engine.lint.lint_files import ERROR, lint_paths
    from engine.runtime.workflow import build_spec

    FORMS.mkdir(exist_ok=True)
    try:
        errors = sorted({p.rule for p in lint_paths([path], FORMS) if p.severity == ERROR})
    except Exception as exc:
        return {"lint": [], "load": "internal-error", "outcome": "internal-error", "detail": f"lint: {exc!r}"}
    try:
        loaded = load_file(path, FORMS, {})
        for definition in loaded if isinstance(loaded, list) else [loaded]:
            build_spec(definition.bundle["bpmn"]["text"], definition.process_id, definition.file)
        load = "loads"
    except DiagramRuleError as exc:
        load = f"refused: {exc.findings[0].rule}" if exc.findings else "refused"
    except Exception as exc:
        from engine import EngineError

        load = "refused" if isinstance(exc, EngineError) else "internal-error"
    verdict: dict[str, Any] = {"lint": errors, "load": load.split(":")[0]}
    if errors:
        verdict["outcome"] = "refused"
        return verdict
    folder = Path(tempfile.mkdtemp(prefix="sop-corpus-"))
    try:
        verdict["outcome"], detail = run_to_end(path, folder)
    except Exception as exc:
        verdict["outcome"], detail = "internal-error", "".join(traceback.format_exception_only(exc)).strip()[:300]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if detail:
        verdict["detail"] = detail
    return verdict


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    import yaml

    out = {str(p.relative_to(CORPUS)): judge(p) for p in corpus_files()}
    print(yaml.safe_dump(out, sort_keys=True, allow_unicode=True, width=110))
