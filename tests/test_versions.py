"""Tests for versions and migration: `sop processes --versions` and `sop migrate` moving instances safely."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from engine.common.canonical import chain_hash
from engine.common.yamlio import read_data_file
from tests.conftest import DATA, EXAMPLES, Sop, copy_definitions

BPMN = "interkoneksi_data_baru.bpmn"
TUNDA = ["AjukanPermohonan", "DisposisiKadis", "AnalisaKabid", "SurveyTeknis", "AnalisaTopologi", "LaporanKabid",
         "ParafKabid", "ParafSekretaris", "TandaTanganKadis", "TindakLanjut"]
NEW_STEP = """    <bpmn:userTask id="CatatAgenda" name="Catat disposisi di buku agenda">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="paraf.schema.json" />
        <spiffworkflow:property name="sla" value="PT30M" />
        <spiffworkflow:property name="output" value="Buku Agenda" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>Flow_03</bpmn:incoming><bpmn:outgoing>Flow_03b</bpmn:outgoing>
    </bpmn:userTask>
"""


def _data(task: str) -> str:
    import yaml

    steps = yaml.safe_load((EXAMPLES / "tunda.scenario.yaml").read_text())["steps"]
    path = next(s["data"] for s in steps if s["task"] == task)
    return json.dumps(read_data_file(str(EXAMPLES / path)))


def _complete(sop: Sop, instance: int, task: str, data: str | None = None) -> None:
    result = sop("complete", str(instance), task, "--data", "-", input=data or _data(task))
    assert result.exit_code == 0, result.output


def _add_step_after_disposisi(bpmn: Path) -> None:
    text = bpmn.read_text()
    text = text.replace('<bpmn:userTask id="AnalisaKabid"', NEW_STEP + '    <bpmn:userTask id="AnalisaKabid"', 1)
    text = text.replace('<bpmn:sequenceFlow id="Flow_03" sourceRef="DisposisiKadis" targetRef="AnalisaKabid" />',
                        '<bpmn:sequenceFlow id="Flow_03" sourceRef="DisposisiKadis" targetRef="CatatAgenda" />\n'
                        '    <bpmn:sequenceFlow id="Flow_03b" sourceRef="CatatAgenda" targetRef="AnalisaKabid" />')
    text = text.replace("<bpmn:flowNodeRef>DisposisiKadis</bpmn:flowNodeRef>",
                        "<bpmn:flowNodeRef>DisposisiKadis</bpmn:flowNodeRef><bpmn:flowNodeRef>CatatAgenda"
                        "</bpmn:flowNodeRef>")
    bpmn.write_text(text)


def _remove_disposisi(bpmn: Path) -> None:
    text = bpmn.read_text()
    start = text.index('<bpmn:userTask id="DisposisiKadis"')
    end = text.index("</bpmn:userTask>", start) + len("</bpmn:userTask>")
    text = text[:start] + text[end:]
    text = text.replace('targetRef="DisposisiKadis"', 'targetRef="AnalisaKabid"')
    text = text.replace('<bpmn:sequenceFlow id="Flow_03" sourceRef="DisposisiKadis" targetRef="AnalisaKabid" />', "")
    text = text.replace("<bpmn:flowNodeRef>DisposisiKadis</bpmn:flowNodeRef>", "")
    bpmn.write_text(text)


def _verify_chain(db: Path, instance: int) -> list[tuple[str, str]]:
    """Recompute the instance's hash chain from its events; return (type, data) of each."""
    conn = sqlite3.connect(db)
    try:
        first = conn.execute("SELECT version FROM events WHERE instance_id = ? AND seq = 1", (instance,)).fetchone()[0]
        rows = conn.execute("SELECT seq, type, time, task, task_uuid, actor, operator, version, data, hash "
                            "FROM events WHERE instance_id = ? ORDER BY seq", (instance,)).fetchall()
        head_column = conn.execute("SELECT last_hash FROM instances WHERE id = ?", (instance,)).fetchone()[0]
    finally:
        conn.close()
    head = first
    for seq, kind, time, task, task_uuid, actor, operator, version, data, stored in rows:
        body = {"instance": instance, "seq": seq, "type": kind, "time": time, "task": task, "task_uuid": task_uuid,
                "actor": actor, "operator": operator, "version": version, "data": json.loads(data)}
        head = chain_hash(head, body)
        assert head == stored, f"event {seq} does not chain"
    assert head == head_column
    return [(r[1], r[8]) for r in rows]


def test_add_a_step_after_the_current_step_then_complete(tmp_path: Path) -> None:
    """An instance waiting at DisposisiKadis moves to a version with a step after it, takes that step, and completes."""
    definitions, forms = copy_definitions(tmp_path)
    sop = Sop(tmp_path / "s.db", definitions, forms)
    instance = sop.start()
    _complete(sop, instance, "AjukanPermohonan")
    old = sop.json("show", str(instance))["version"]
    _add_step_after_disposisi(definitions / BPMN)
    new = sop.json("processes")[0]["version"]
    assert new != old

    before = sop.dump()
    plan = sop.json("migrate", str(instance), "--dry-run")
    assert sop.dump() == before
    assert plan[0]["migrated"] is False and plan[0]["dry_run"] is True and plan[0]["problems"] == []
    assert plan[0]["from"] == old and plan[0]["to"] == new and plan[0]["added"] == ["CatatAgenda"]
    assert [t["task"] for t in plan[0]["tasks"]] == ["DisposisiKadis"]

    moved = sop("migrate", str(instance))
    assert moved.exit_code == 0, moved.output
    assert f"Moved instance {instance} (interkoneksi_data_baru) from {old[:12]} to {new[:12]}." in moved.stdout
    shown = sop.json("show", str(instance))
    assert shown["version"] == new and [t["task"] for t in shown["tasks"]] == ["DisposisiKadis"]
    assert [t["id"] for t in shown["tasks"]] == [t["id"] for t in plan[0]["tasks"]]

    _complete(sop, instance, "DisposisiKadis")
    assert [t["task"] for t in sop.json("tasks")] == ["CatatAgenda"]
    _complete(sop, instance, "CatatAgenda", (DATA / "10_paraf_kabid.yaml").read_text())
    for task in TUNDA[2:]:
        _complete(sop, instance, task)
    assert sop.json("show", str(instance))["status"] == "completed"
    events = _verify_chain(sop.db, instance)
    migrated = [json.loads(data) for kind, data in events if kind == "instance-migrated"]
    assert migrated == [{"from": old, "to": new}]


def test_removing_a_completed_step_is_refused(tmp_path: Path) -> None:
    """A version without a step the instance already completed is refused, naming the step; nothing changes."""
    definitions, forms = copy_definitions(tmp_path)
    sop = Sop(tmp_path / "s.db", definitions, forms)
    instance = sop.start()
    _complete(sop, instance, "AjukanPermohonan")
    _complete(sop, instance, "DisposisiKadis")
    _remove_disposisi(definitions / BPMN)
    assert sop("lint").exit_code == 0
    before = sop.dump()
    result = sop("migrate", str(instance))
    assert result.exit_code == 1
    assert f"Error: Instance {instance} cannot move from version" in result.stderr
    assert "step 'Telaah dan disposisi ke Kepala Bidang' is already done and the new version removes it" \
        in result.stderr
    assert sop.dump() == before
    plan = sop("migrate", str(instance), "--dry-run", "--json")
    assert plan.exit_code == 1
    assert json.loads(plan.stdout)[0]["problems"] == [
        "step 'Telaah dan disposisi ke Kepala Bidang' is already done and the new version removes it",
        "step 'Ajukan surat permohonan pemasangan jaringan' is already done and the new version changes it: the flow "
        "around 'Ajukan surat permohonan pemasangan jaringan' changed"]
    assert sop.dump() == before


def test_a_version_without_the_ready_step_is_refused(tmp_path: Path) -> None:
    """Moving an instance waiting at DisposisiKadis onto a version without that step is refused, naming the ready
    step; the instance stays on its version with the step ready, and the store is unchanged."""
    definitions, forms = copy_definitions(tmp_path)
    sop = Sop(tmp_path / "s.db", definitions, forms)
    instance = sop.start()
    _complete(sop, instance, "AjukanPermohonan")
    old = sop.json("show", str(instance))["version"]
    _remove_disposisi(definitions / BPMN)
    assert sop("lint").exit_code == 0
    before = sop.dump()
    result = sop("migrate", str(instance))
    assert result.exit_code == 1
    assert f"Error: Instance {instance} cannot move from version" in result.stderr
    assert "  - step 'Telaah dan disposisi ke Kepala Bidang' is waiting to be done and the new version removes it" \
        in result.stderr
    assert sop.dump() == before
    plan = sop("migrate", str(instance), "--dry-run", "--json")
    assert plan.exit_code == 1
    assert "step 'Telaah dan disposisi ke Kepala Bidang' is waiting to be done and the new version removes it" \
        in json.loads(plan.stdout)[0]["problems"]
    assert sop.dump() == before
    shown = sop.json("show", str(instance))
    assert shown["version"] == old and [t["task"] for t in shown["tasks"]] == ["DisposisiKadis"]


def test_a_ready_step_whose_form_changes_is_refused(tmp_path: Path) -> None:
    """A version that gives the waiting step another form is refused until the step is done."""
    definitions, forms = copy_definitions(tmp_path)
    sop = Sop(tmp_path / "s.db", definitions, forms)
    instance = sop.start()
    form = forms / "surat_permohonan.schema.json"
    form.write_text(form.read_text().replace('"title"', '"description": "versi baru", "title"', 1))
    result = sop("migrate", str(instance))
    assert result.exit_code == 1
    assert ("step 'Ajukan surat permohonan pemasangan jaringan' is waiting to be done and the new version changes "
            "its form (the form of 'Ajukan surat permohonan pemasangan jaringan' changed (its titles, help or rules))"
            "; finish the step first") in result.stderr
    assert "schema.json" not in result.stderr


def test_versions_listing_and_all_from(tmp_path: Path) -> None:
    """--versions lists each version with its instances; --all-from moves every running instance of one."""
    definitions, forms = copy_definitions(tmp_path)
    sop = Sop(tmp_path / "s.db", definitions, forms)
    first, second = sop.start(), sop.start()
    old = sop.json("show", str(first))["version"]
    _add_step_after_disposisi(definitions / BPMN)
    listed = sop.json("processes", "--versions")
    assert [(v["version"] == old, v["running"], v["instances"], v["current"]) for v in listed] == [
        (True, 2, 2, False), (False, 0, 0, True)]
    assert listed[1]["first_seen"] is None
    moved = sop.json("migrate", "--all-from", old[:8])
    assert [(m["instance"], m["migrated"]) for m in moved] == [(first, True), (second, True)]
    listed = sop.json("processes", "--versions")
    assert [(v["running"], v["current"]) for v in listed] == [(0, False), (2, True)]
    assert listed[1]["first_seen"] is not None
    table = sop("processes", "--versions")
    assert table.exit_code == 0 and "FIRST_SEEN" in table.stdout and old[:12] in table.stdout


def test_migrate_usage_and_unknown_versions(tmp_path: Path) -> None:
    """INSTANCE or --all-from is required; an unknown --to is refused; a same-version move (dry run or not) has
    nothing to do and says so with exit 0, changing nothing."""
    definitions, forms = copy_definitions(tmp_path)
    sop = Sop(tmp_path / "s.db", definitions, forms)
    instance = sop.start()
    assert sop("migrate").exit_code == 2
    unknown = sop("migrate", str(instance), "--to", "abcdef123")
    assert unknown.exit_code == 1 and "has no version starting with 'abcdef123'" in unknown.stderr
    before = sop.dump()
    for dry in ([], ["--dry-run"]):
        same = sop("migrate", str(instance), *dry)
        assert same.exit_code == 0 and "is already on version" in same.stderr and "nothing to do" in same.stderr
        [result] = sop.json("migrate", str(instance), *dry)
        assert result["up_to_date"] is True and result["migrated"] is False and result["problems"] == []
    assert sop.dump() == before


def test_a_migrated_instance_replays_and_verifies(tmp_path: Path) -> None:
    """`sop replay` and `sop verify` rebuild a migrated instance, moving at its `instance-migrated` event."""
    definitions, forms = copy_definitions(tmp_path)
    sop = Sop(tmp_path / "s.db", definitions, forms)
    instance = sop.start()
    _complete(sop, instance, "AjukanPermohonan")
    _add_step_after_disposisi(definitions / BPMN)
    assert sop("migrate", str(instance)).exit_code == 0
    _complete(sop, instance, "DisposisiKadis")
    _complete(sop, instance, "CatatAgenda", (DATA / "10_paraf_kabid.yaml").read_text())
    replayed = sop.json("replay", str(instance))
    assert replayed["ok"] and [t["task"] for t in replayed["tasks"]] == ["AnalisaKabid"]
    before_move = sop.json("replay", str(instance), "--until", "2")
    assert [t["task"] for t in before_move["tasks"]] == ["DisposisiKadis"]
    verified = sop("verify", str(instance))
    assert verified.exit_code == 0, verified.output
    history = sop.json("history", str(instance))
    assert [e["type"] for e in history][2] == "instance-migrated"
    assert history[4]["task"] == "CatatAgenda" and history[4]["name"] == "Catat disposisi di buku agenda"


def test_a_completed_instance_does_not_move(tmp_path: Path) -> None:
    """Only running instances move; a completed one is refused and left as it is."""
    import shutil

    from tests.conftest import CUTI

    definitions, forms = tmp_path / "definitions", tmp_path / "forms"
    shutil.copytree(CUTI / "definitions", definitions)
    shutil.copytree(CUTI / "forms", forms)
    sop = Sop(tmp_path / "s.db", definitions, forms)
    instance = str(sop.start("permohonan_cuti"))
    _complete(sop, int(instance), "AjukanCuti", json.dumps({"nama": "Ani", "jenis": "tahunan", "mulai": "2026-12-01",
                                                            "hari": 3}))
    _complete(sop, int(instance), "Telaah", json.dumps({"keputusan": "tolak"}))
    bpmn = definitions / "permohonan_cuti.bpmn"
    bpmn.write_text(bpmn.read_text().replace('value="P1D"', 'value="P2D"'))
    before = sop.dump()
    result = sop("migrate", instance)
    assert result.exit_code == 1
    assert f"Instance {instance} is completed; only running instances move to another version" in result.stderr
    assert sop.dump() == before


def test_a_step_added_on_one_parallel_branch_while_the_other_waits_at_the_join(tmp_path: Path) -> None:
    """With one parallel branch done (its join waiting) and the other ready, a step added on the ready branch is
    taken after the move, and the join still waits for both."""
    import shutil

    from tests.conftest import CUTI

    definitions, forms = tmp_path / "definitions", tmp_path / "forms"
    shutil.copytree(CUTI / "definitions", definitions)
    shutil.copytree(CUTI / "forms", forms)
    sop = Sop(tmp_path / "s.db", definitions, forms)
    instance = sop.start("permohonan_cuti")
    _complete(sop, instance, "AjukanCuti", json.dumps({"nama": "Ani", "jenis": "tahunan", "mulai": "2026-12-01",
                                                       "hari": 3}))
    _complete(sop, instance, "Telaah", json.dumps({"keputusan": "setuju"}))
    _complete(sop, instance, "ParafAtasan", json.dumps({"keputusan": "setuju"}))
    bpmn = definitions / "permohonan_cuti.bpmn"
    text = bpmn.read_text()
    text = text.replace('<bpmn:sequenceFlow id="F7" sourceRef="CatatCuti" targetRef="Gateway_Gabung" />',
                        '<bpmn:sequenceFlow id="F7" sourceRef="CatatCuti" targetRef="Arsipkan" />'
                        '<bpmn:sequenceFlow id="F7b" sourceRef="Arsipkan" targetRef="Gateway_Gabung" />')
    text = text.replace('<bpmn:userTask id="CatatCuti"',
                        '<bpmn:userTask id="Arsipkan" name="Arsipkan surat cuti"><bpmn:extensionElements>'
                        '<spiffworkflow:properties><spiffworkflow:property name="formJsonSchemaFilename" '
                        'value="catat.schema.json" /></spiffworkflow:properties></bpmn:extensionElements>'
                        '</bpmn:userTask>\n    <bpmn:userTask id="CatatCuti"')
    text = text.replace("<bpmn:flowNodeRef>CatatCuti</bpmn:flowNodeRef>",
                        "<bpmn:flowNodeRef>CatatCuti</bpmn:flowNodeRef><bpmn:flowNodeRef>Arsipkan</bpmn:flowNodeRef>")
    bpmn.write_text(text)
    moved = sop.json("migrate", str(instance))
    assert moved[0]["migrated"] is True and moved[0]["added"] == ["Arsipkan"]
    record = {"nomor_register": "CT-0042"}
    _complete(sop, instance, "CatatCuti", json.dumps(record))
    assert [t["task"] for t in sop.json("tasks")] == ["Arsipkan"]
    _complete(sop, instance, "Arsipkan", json.dumps(record))
    assert sop.json("show", str(instance))["status"] == "completed"
