"""What a task page shows besides the SOP's own forms: the diagram's instructions, the form's UI schema (order and
widgets), and a step with no artefact completed with no data (tests/data/verdict's small process)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from conftest import ROOT
from web_fixtures import PASSWORD, engine_as, logged_in, make_app, post

VERDICT = ROOT / "tests" / "data" / "verdict"
ROLES = """kasi: {name: Dewi Lestari, nip: "19850924 201001 2 015", lanes: [Kepala Seksi]}
arsip: {name: Rina Arsiparis, nip: "19900101 201501 2 001", lanes: [Arsiparis]}
admin: {name: Petugas TU, lanes: [], operator: true}
"""


def _office(tmp_path: Path) -> dict[str, str]:
    definitions = tmp_path / "definitions"
    shutil.copytree(VERDICT / "definitions", definitions)
    (definitions / "roles.yaml").write_text(ROLES, encoding="utf-8")
    paths = {"db": str(tmp_path / "sop.db"), "definitions": str(definitions), "forms": str(VERDICT / "forms"),
             "roles": str(definitions / "roles.yaml")}
    engine = engine_as(paths, "kasi")
    engine.context.store(create=True)
    engine_as(paths, "admin").people.apply_roles()  # the operator of the file pins it
    engine.people.set_password("kasi", PASSWORD)
    engine_as(paths, "arsip").people.set_password("arsip", PASSWORD)
    return paths


def _text(answer: Any) -> str:
    return str(answer.get_data(as_text=True))


def test_instructions_ui_schema_and_a_step_without_artefact(tmp_path: Path) -> None:
    """The Telaah page shows its instructions and the UI schema's order and text area; Arsipkan, a step with no
    form, completes with no data and ends the instance."""
    paths = _office(tmp_path)
    app = make_app(paths)
    kasi = logged_in(app, "kasi")
    started = post(kasi, "/processes/surat_verdict/start")
    assert started.status_code == 303 and started.headers["Location"] == "/instances/1/tasks/Telaah"
    page = _text(kasi.get("/instances/1/tasks/Telaah"))
    assert "Baca surat, lalu pilih **setuju** atau **tolak**." in page  # the Markdown shown as text
    assert page.index('name="keputusan"') < page.index('name="catatan"')
    assert '<textarea id="f-catatan" name="catatan"' in page
    assert post(kasi, "/instances/1/tasks/Telaah", {"keputusan": "setuju"}).status_code == 303
    arsip = logged_in(app, "arsip")
    step = _text(arsip.get("/instances/1/tasks/Arsipkan"))
    assert "Simpan surat di lemari arsip." in step and 'id="save-draft"' not in step
    assert post(arsip, "/instances/1/tasks/Arsipkan").status_code == 303
    assert engine_as(paths, "kasi").instance(1).show().status == "completed"
