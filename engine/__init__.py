"""sop engine: runs BPMN-defined SOPs on SpiffWorkflow with validated forms and an audited store.

The public API: the Engine facade, the values it returns, its errors, and the few functions the CLI calls beside
it. Names load on first use (`import engine` costs nothing), so `sop tasks` imports only what it needs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for mypy: the same names, imported eagerly
    from engine.audit.bundle import read_bundle as read_bundle
    from engine.audit.bundle_files import files_folder as bundle_files_folder
    from engine.audit.bundle_files import verify_bundle as verify_bundle
    from engine.audit.records import duration_text as duration_text
    from engine.audit.records import event_json as event_json
    from engine.audit.records import summarize as artefact_summary
    from engine.audit.verify import verify_record as verify_record
    from engine.bpmn.xml_reading import diagram_file_text as read_diagram_file
    from engine.common.atomic_file import write_atomically as write_output
    from engine.common.errors import DataFileError as DataFileError
    from engine.common.errors import DefinitionError as DefinitionError
    from engine.common.errors import EngineError as EngineError
    from engine.common.errors import LoginError as LoginError
    from engine.common.errors import NotFoundError as NotFoundError
    from engine.common.errors import RoleError as RoleError
    from engine.common.errors import StoreError as StoreError
    from engine.common.errors import TaskStateError as TaskStateError
    from engine.common.errors import ValidationError as ValidationError
    from engine.common.i18n import _ as fixed_text
    from engine.common.i18n import language as language
    from engine.common.i18n import translate as translate
    from engine.common.identity import os_login as os_login
    from engine.common.lanes import lane_key as lane_key
    from engine.common.local_time import LocalTimes as LocalTimes
    from engine.common.local_time import office_times as office_times
    from engine.common.models import AttachmentView as AttachmentView
    from engine.common.models import InstanceSummary as InstanceSummary
    from engine.common.models import InstanceView as InstanceView
    from engine.common.models import OutboxEvent as OutboxEvent
    from engine.common.models import ProcessInfo as ProcessInfo
    from engine.common.models import StepResult as StepResult
    from engine.common.models import TaskView as TaskView
    from engine.common.sizes import size_text as size_text
    from engine.common.yamlio import parse_yaml as parse_yaml
    from engine.common.yamlio import read_data_file as read_data_file
    from engine.definitions.forms import template as form_template
    from engine.definitions.roles import Person as Person
    from engine.definitions.roles import find_roles as find_roles
    from engine.definitions.roles import load_roles as load_roles
    from engine.lint.lint_files import ERROR as LINT_ERROR
    from engine.lint.lint_files import lint as lint_paths
    from engine.ops.scenarios import load_scenarios as load_scenarios
    from engine.ops.scenarios import run_scenario as run_scenario
    from engine.ops.store_copy import copy_store as copy_store
    from engine.service.drawing import picture_format as picture_format
    from engine.service.facade import Engine as Engine
    from engine.service.versions import migrate as migrate
    from engine.service.versions import migrate_all as migrate_all
    from engine.service.versions import process_versions as process_versions
    from engine.table.sop_bpmn import compile_table as compile_table
    from engine.table.sop_decompile import table_from_bpmn as table_from_bpmn
    from engine.table.sop_yaml import read_table as read_table
    from engine.table.sop_yaml import write_table as write_table

# public name -> (module, name in that module)
_EXPORTS: dict[str, tuple[str, str]] = {
    "Engine": ("engine.service.facade", "Engine"),
    **{name: ("engine.common.errors", name) for name in (
        "DataFileError", "DefinitionError", "EngineError", "LoginError", "NotFoundError", "RoleError",
        "StoreError",
        "TaskStateError", "ValidationError")},
    **{name: ("engine.common.models", name) for name in (
        "InstanceSummary", "InstanceView", "OutboxEvent", "ProcessInfo", "StepResult", "TaskView")},
    "read_bundle": ("engine.audit.bundle", "read_bundle"),
    "bundle_files_folder": ("engine.audit.bundle_files", "files_folder"),
    "verify_bundle": ("engine.audit.bundle_files", "verify_bundle"),
    "AttachmentView": ("engine.common.models", "AttachmentView"),
    "size_text": ("engine.common.sizes", "size_text"),
    "read_diagram_file": ("engine.bpmn.xml_reading", "diagram_file_text"),
    "duration_text": ("engine.audit.records", "duration_text"),
    "event_json": ("engine.audit.records", "event_json"),
    "artefact_summary": ("engine.audit.records", "summarize"),
    "verify_record": ("engine.audit.verify", "verify_record"),
    "os_login": ("engine.common.identity", "os_login"),
    "fixed_text": ("engine.common.i18n", "_"),
    "language": ("engine.common.i18n", "language"),
    "translate": ("engine.common.i18n", "translate"),
    "lane_key": ("engine.common.lanes", "lane_key"),
    "LocalTimes": ("engine.common.local_time", "LocalTimes"),
    "office_times": ("engine.common.local_time", "office_times"),
    "write_output": ("engine.common.atomic_file", "write_atomically"),
    "parse_yaml": ("engine.common.yamlio", "parse_yaml"),
    "read_data_file": ("engine.common.yamlio", "read_data_file"),
    "form_template": ("engine.definitions.forms", "template"),
    "Person": ("engine.definitions.roles", "Person"),
    "find_roles": ("engine.definitions.roles", "find_roles"),
    "load_roles": ("engine.definitions.roles", "load_roles"),
    "LINT_ERROR": ("engine.lint.lint_files", "ERROR"),
    "lint_paths": ("engine.lint.lint_files", "lint"),
    "load_scenarios": ("engine.ops.scenarios", "load_scenarios"),
    "run_scenario": ("engine.ops.scenarios", "run_scenario"),
    "copy_store": ("engine.ops.store_copy", "copy_store"),
    "picture_format": ("engine.service.drawing", "picture_format"),
    "migrate": ("engine.service.versions", "migrate"),
    "migrate_all": ("engine.service.versions", "migrate_all"),
    "process_versions": ("engine.service.versions", "process_versions"),
    "compile_table": ("engine.table.sop_bpmn", "compile_table"),
    "table_from_bpmn": ("engine.table.sop_decompile", "table_from_bpmn"),
    "read_table": ("engine.table.sop_yaml", "read_table"),
    "write_table": ("engine.table.sop_yaml", "write_table"),
}

__all__ = [
    "LINT_ERROR",
    "AttachmentView",
    "DataFileError",
    "DefinitionError",
    "Engine",
    "EngineError",
    "InstanceSummary",
    "InstanceView",
    "LocalTimes",
    "LoginError",
    "NotFoundError",
    "OutboxEvent",
    "Person",
    "ProcessInfo",
    "RoleError",
    "StepResult",
    "StoreError",
    "TaskStateError",
    "TaskView",
    "ValidationError",
    "artefact_summary",
    "bundle_files_folder",
    "compile_table",
    "copy_store",
    "duration_text",
    "event_json",
    "find_roles",
    "fixed_text",
    "form_template",
    "lane_key",
    "language",
    "lint_paths",
    "load_roles",
    "load_scenarios",
    "migrate",
    "migrate_all",
    "office_times",
    "os_login",
    "parse_yaml",
    "picture_format",
    "process_versions",
    "read_bundle",
    "read_data_file",
    "read_diagram_file",
    "read_table",
    "run_scenario",
    "size_text",
    "table_from_bpmn",
    "translate",
    "verify_bundle",
    "verify_record",
    "write_output",
    "write_table",
]


assert set(_EXPORTS) == set(__all__), "engine.__all__ and _EXPORTS must name the same things"


def __getattr__(name: str) -> Any:
    """Import a public name's module the first time the name is used."""
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'engine' has no attribute {name!r}") from None
    value = getattr(import_module(module), attribute)
    globals()[name] = value
    return value
