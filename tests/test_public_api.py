"""The public API is one pinned export list, its options keyword-only, and the Engine a facade of services."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import engine
from engine import Engine, InstanceHandle

ROOT = Path(__file__).resolve().parent.parent

# Changing this list is a change of the public API: the CLI, the web and other programs rely on these names.
EXPORTS = [
    "ClaimedByOtherError", "CompletedMeanwhileError", "InstanceNotRunningError", "NoInstanceError", "NoProcessError",
    "NoReadyTaskError", "NoTaskError", "NotInRolesError", "NotOperatorError", "WrongLaneError",
    "ArtefactDocument", "AttachmentView", "DataFileError", "DocumentField", "FileLink", "InstanceDocument",
    "CommentView",
    "inline_media_type", "DefinitionError", "Delegation", "Engine", "EngineError", "InstanceHandle",
    "InstanceSummary", "InstanceView", "LocalTimes", "LoginError", "N_", "NotFoundError", "OutboxEvent", "Person",
    "ProcessInfo", "EventLogSummary",
    "RoleError", "StepResult", "StoreError", "TaskStateError", "TaskView", "ValidationError", "artefact_summary",
    "bundle_files_folder", "compile_table", "copy_store", "duration_text", "event_json", "find_roles", "fixed_text",
    "form_order", "form_template", "lane_key", "language", "lint_paths", "load_roles", "load_scenarios", "office_times",
    "os_login", "parse_yaml", "picture_format", "read_data_file", "read_diagram_file", "read_table", "read_workbook",
    "run_scenario", "renumber_table", "diagram_identity", "merged_identity", "migration_plan_words",
    "MigrationPlanWords",
    "size_text", "spreadsheet_cell", "store_label", "table_from_bpmn", "translate", "verify_bundle",
    "workbook_bytes", "workbook_document", "write_atomically", "write_table", "write_table_forms", "COUNT_CAP",
    "WaitView", "ImportReport", "import_diagram",
]
SERVICES = ("instances", "people", "processes", "time", "audit", "files", "pictures")


def test_the_export_list_is_the_pinned_one() -> None:
    """engine.__all__ names exactly the pinned names: one added or removed fails here until the list changes."""
    assert sorted(engine.__all__) == sorted(EXPORTS)


def test_every_exported_name_loads_under_its_own_name() -> None:
    """Each name resolves, and is the object of that very name in its module (no renames)."""
    for name in EXPORTS:
        value = getattr(engine, name)
        assert getattr(value, "__name__", name) == name, f"{name} is exported under another name"


def test_the_stub_is_the_only_list() -> None:
    """engine/__init__.py holds no list of names of its own: it reads engine/__init__.pyi."""
    source = (ROOT / "engine" / "__init__.py").read_text(encoding="utf-8")
    names = {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}
    assert not set(EXPORTS) & names
    stub = ast.parse((ROOT / "engine" / "__init__.pyi").read_text(encoding="utf-8"))
    imported = [a.name for n in stub.body if isinstance(n, ast.ImportFrom) for a in n.names]
    assert sorted(imported) == sorted(EXPORTS)
    assert all(a.asname in (None, a.name) for n in stub.body if isinstance(n, ast.ImportFrom) for a in n.names)


def test_importing_engine_imports_none_of_its_modules() -> None:
    """`import engine` loads no engine module (the CLI's quick commands import only what they use)."""
    code = "import sys, engine; print(sorted(m for m in sys.modules if m.startswith('engine.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip() == "[]"


def _public_callables() -> list[tuple[str, object]]:
    """Every public function of the export list, and every public method of the Engine, its services and the
    instance handle."""
    found: list[tuple[str, object]] = []
    for name in EXPORTS:
        value = getattr(engine, name)
        if inspect.isfunction(value):
            found.append((name, value))
    owners: list[type] = [Engine, InstanceHandle]
    owners += [inspect.signature(getattr(Engine, s).fget).return_annotation for s in SERVICES]  # type: ignore[misc]
    for owner in owners:
        if isinstance(owner, str):  # a postponed annotation: the service class by name
            owner = _service_class(owner)
        for attr, member in vars(owner).items():
            if not attr.startswith("_") and inspect.isfunction(member):
                found.append((f"{owner.__name__}.{attr}", member))
    return found


def _service_class(name: str) -> type:
    import importlib

    for module in ("instance_service", "people_service", "process_service", "time_service", "audit_service",
                   "attached_files", "picture_service"):
        loaded = importlib.import_module(f"engine.service.{module}")
        if hasattr(loaded, name):
            return getattr(loaded, name)  # type: ignore[no-any-return]
    raise AssertionError(f"no service class {name}")


def test_options_are_keyword_only_across_the_public_api() -> None:
    """A public function or method takes at most two positional parameters (self aside); the rest are keyword-only,
    so `tasks(instance, None, None, lanes)` cannot be written."""
    offenders = []
    for name, function in _public_callables():
        parameters = list(inspect.signature(function).parameters.values())  # type: ignore[arg-type]
        if parameters and parameters[0].name == "self":
            parameters = parameters[1:]
        positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(positional) > 2:
            offenders.append(f"{name}({', '.join(p.name for p in positional)})")
    assert len(_public_callables()) > 60
    assert offenders == []


def test_the_engine_hands_out_services_and_handles_over_one_context(tmp_path: Path) -> None:
    """Every service and handle of an Engine shares its one context; the Engine has no mixin base."""
    made = Engine(str(tmp_path / "sop.db"), definitions_dir=ROOT / "definitions", forms_dir=ROOT / "forms")
    assert Engine.__bases__ == (object,)
    for name in SERVICES:
        assert getattr(made, name)._context is made.context
    assert made.instance(7)._context is made.context and made.instance(7).number == 7
    other = made.acting_as("kadis")
    assert other.context is not made.context and other.operator == "kadis" and made.operator != "kadis"


def test_no_mixin_class_is_left_in_the_engine() -> None:
    """No class in engine/ is assembled from others: none has two engine bases or reaches back to the facade with
    cast("Engine", ...), none is named *Methods; a class others derive from is an error kind, or an abstract base
    whose subclasses are the leaves (a store's dialects); and no two classes share a name."""
    classes: dict[str, list[list[str]]] = {}
    for path in (ROOT / "engine").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert 'cast("Engine"' not in text and "raise NotImplementedError" not in text, path
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef):
                classes.setdefault(node.name, []).append([ast.unparse(b).split(".")[-1] for b in node.bases])
    assert [name for name, found in classes.items() if len(found) > 1] == []
    assert not [name for name in classes if name.endswith("Methods")]
    bases = {name: [b for b in found[0] if b in classes] for name, found in classes.items()}
    assert {name: engine_bases for name, engine_bases in bases.items() if len(engine_bases) > 1} == {}
    derived = {parent for engine_bases in bases.values() for parent in engine_bases}
    for parent in derived:
        if parent.endswith("Error"):
            continue
        assert "ABC" in classes[parent][0] and not bases[parent], f"{parent} is derived from but is no abstract base"
        leaves = [name for name, engine_bases in bases.items() if parent in engine_bases]
        assert not derived & set(leaves), f"{parent}'s subclasses are derived from in turn"
