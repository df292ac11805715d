"""Example scenarios: a process taken through its steps with sample artefacts (used by `sop demo` and tests)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.common.errors import DataFileError, EngineError
from engine.common.models import InstanceView
from engine.common.yamlio import parse_yaml, read_data_file
from engine.service.facade import Engine


@dataclass(frozen=True)
class Scenario:
    """A named run of one process: the steps in order, each with its actor and data file."""

    file: str
    title: str
    process: str
    expect: str
    start_data: dict[str, Any]
    steps: tuple[dict[str, Any], ...]


def load_scenarios(folder: str | Path) -> list[Scenario]:
    """Every *.scenario.yaml below a folder, sorted by path."""
    root = Path(folder)
    if not root.is_dir():
        raise DataFileError("Examples folder '{root}' does not exist; pass --examples DIR or set SOP_EXAMPLES",
                            root=root)
    paths = sorted(root.rglob("*.scenario.yaml"))
    if not paths:
        raise DataFileError("No *.scenario.yaml files under '{root}'", root=root)
    return [load_scenario(p) for p in paths]


def load_scenario(path: Path) -> Scenario:
    """Read one scenario file; data and attached file names are relative to it."""
    raw = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    if not isinstance(raw, dict) or not isinstance(raw.get("steps"), list) or "process" not in raw:
        raise DataFileError("{path}: a scenario needs 'process' and a list of 'steps'", path=path)
    steps = []
    for i, step in enumerate(raw["steps"], 1):
        if not isinstance(step, dict) or "task" not in step or "data" not in step:
            raise DataFileError("{path}: step {i} needs 'task' and 'data' (a file name or an object)", path=path, i=i)
        data = step["data"]
        if isinstance(data, str):
            data = read_data_file(str(path.parent / data))
        files = step.get("attach") or {}
        if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
            raise DataFileError("{path}: step {i}: 'attach' maps a file field (FIELD or FIELD.N) to a file name",
                                path=path, i=i)
        attach = [(str(field), str(path.parent / name)) for field, name in files.items()]
        steps.append({"task": str(step["task"]), "as": step.get("as"), "data": data, "attach": attach})
    return Scenario(str(path), str(raw.get("title", path.stem)), str(raw["process"]),
                    str(raw.get("expect", "completed")), dict(raw.get("start_data") or {}), tuple(steps))


def run_scenario(
    engine: Engine, scenario: Scenario, *, on_step: Callable[[str, dict[str, Any]], None] | None = None
) -> InstanceView:
    """Start the process and complete every step in order; check the expected final status."""
    report = on_step or (lambda kind, detail: None)
    view = engine.instances.start(scenario.process, scenario.start_data)
    report("started", {"instance": view.instance, "process": view.process})
    for n, step in enumerate(scenario.steps, 1):
        lane = next((t.lane for t in view.tasks if t.task == step["task"]), None)
        result = engine.instance(view.instance).complete(step["task"], step["data"], actor=step["as"],
                                                         attach=step["attach"] or None)
        view = result.instance
        report("completed", {"n": n, "task": step["task"], "lane": lane or "-", "actor": step["as"] or engine.operator,
                             "ready": [t.task for t in view.tasks]})
    if view.status != scenario.expect:
        raise EngineError("{file}: instance {instance} ended {status}, expected {expect}",
                          file=scenario.file, instance=view.instance, status=view.status, expect=scenario.expect)
    return view
