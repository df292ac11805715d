"""Writes paraf_banyak_spiff13.sql: a sop store whose running instance SpiffWorkflow 3.0 (serializer 1.3) wrote.

Not a test: run it once with SpiffWorkflow 3.0.0 ahead of the installed one on the path, e.g.
    pip download --no-deps SpiffWorkflow==3.0.0 -d /tmp/old && unzip -q /tmp/old/*.whl -d /tmp/old/site
    PYTHONPATH=/tmp/old/site .venv/bin/python tests/data/old_state/make_old_store.py
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn.serializer.workflow import VERSION  # noqa: E402
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402

from engine.service.facade import Engine  # noqa: E402
from engine.store.sqlite_schema import APPLICATION_ID  # noqa: E402

assert VERSION == "1.3", f"run with SpiffWorkflow 3.0.0 on the path (this one writes serializer {VERSION})"
if not hasattr(BpmnWorkflow, "completed"):  # SpiffWorkflow 3.0 spells it is_completed()
    BpmnWorkflow.completed = property(lambda self: self.is_completed())  # type: ignore[attr-defined]

PARAF = ROOT / "tests" / "data" / "paraf_banyak"
times = iter(f"2026-11-01T08:0{n}:00.000Z" for n in range(10))
with tempfile.TemporaryDirectory() as tmp:
    db = Path(tmp) / "old.db"
    engine = Engine(
        str(db),
        definitions_dir=PARAF / "definitions",
        forms_dir=PARAF / "forms",
        clock=lambda: next(times),
        operator="pembuat",
    )
    view = engine.instances.start("paraf_banyak", actor="pembuat")
    engine.instance(view.instance).complete(view.tasks[0].id, {"nama": "Pejabat Pertama"}, actor="pejabat.satu")
    engine.close()
    conn = sqlite3.connect(db)
    lines = list(conn.iterdump())
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
lines += [f"PRAGMA application_id = {APPLICATION_ID};", f"PRAGMA user_version = {version};"]
(HERE / "paraf_banyak_spiff13.sql").write_text("\n".join(lines) + "\n")
print(f"wrote {HERE / 'paraf_banyak_spiff13.sql'}")
