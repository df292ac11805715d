"""Comments: a remark on an instance or on one of its tasks, by anyone who may read it, as a chained event that
history, replay, verify, the export bundle and both pages show; refusals say what and change nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from audit_fixtures import tamper
from conftest import DATA, DEFINITIONS, FORMS, Sop
from web_fixtures import PASSWORD, engine_as, logged_in, make_app, office, post, started

from engine import NoInstanceError
from engine.common.identity import os_login

ME = os_login()
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
OTHER_OPD = """opd.lain:
  name: Rina Marlina, S.Pd
  nip: "19870203 201001 2 007"
  jabatan: Pengelola Data, Dinas Pendidikan (OPD pemohon)
  lanes: [OPD]
"""


def _completed_first_step(sop: Sop) -> int:
    instance = sop.start()
    done = sop("complete", str(instance), "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"))
    assert done.exit_code == 0, done.output
    return instance


def test_a_comment_on_the_instance_and_on_a_task_in_history(sop: Sop) -> None:
    """Two comments (the whole instance; the ready step, two lines) are events 3 and 4; `--json` prints the event with
    its hash; history says them as "Comment" lines with the person and the text, and --json carries their data."""
    instance = _completed_first_step(sop)
    said = sop("comment", str(instance), "--text", "  Mohon segera diproses.  ")
    assert said.exit_code == 0, said.output
    assert f"Comment 3 written on instance {instance}." in said.stderr
    event = sop.json("comment", str(instance), "DisposisiKadis", "--text", "Cek lampiran\nbaris dua")
    assert (event["seq"], event["type"], event["task"], event["actor"]) == (4, "comment-added", "DisposisiKadis", ME)
    assert event["data"] == {"text": "Cek lampiran\nbaris dua"} and len(event["hash"]) == 64
    text = sop("history", str(instance)).stdout.splitlines()
    [on_instance] = [line for line in text if line.startswith("3 ")]
    [on_task] = [line for line in text if line.startswith("4 ")]
    assert "(instance comment)" in on_instance and "Comment: Mohon segera diproses." in on_instance
    assert ME in on_instance
    assert "Telaah dan disposisi ke Kepala Bidang" in on_task  # the step by name, not its id
    assert "Comment: Cek lampiran / baris dua" in on_task
    events = sop.json("history", str(instance))
    assert [(e["type"], e["data"]) for e in events[2:]] == [
        ("comment-added", {"text": "Mohon segera diproses."}),
        ("comment-added", {"text": "Cek lampiran\nbaris dua"})]
    assert sop("verify", str(instance)).exit_code == 0


def test_history_says_comment_in_indonesian(sop: Sop, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under SOP_LANG=id the line reads "Komentar: ..." and the instance's own label is in Indonesian; the text as
    typed (never looked up in the catalog, even when it reads like a message)."""
    instance = sop.start()
    assert sop("comment", str(instance), "--text", "none").exit_code == 0
    monkeypatch.setenv("SOP_LANG", "id")
    line = sop("history", str(instance)).stdout.splitlines()[2]
    assert "(komentar atas instans)" in line and line.rstrip().endswith("Komentar: none")


def test_a_comment_on_a_completed_step_and_with_a_file(sop: Sop, tmp_path: Path) -> None:
    """A completed step (its BPMN id) may be commented on; a file goes with it, stored by hash: `sop attachment`
    writes it back."""
    instance = _completed_first_step(sop)
    scan = tmp_path / "catatan.pdf"
    scan.write_bytes(PDF)
    event = sop.json("comment", str(instance), "AjukanPermohonan", "--text", "Surat sudah lengkap", "--file",
                     str(scan))
    assert event["task"] == "AjukanPermohonan" and event["data"]["file"]["name"] == "catatan.pdf"
    assert event["data"]["file"]["media_type"] == "application/pdf"
    out = tmp_path / "back.pdf"
    assert sop("attachment", str(instance), "AjukanPermohonan", "file", "-o", str(out)).exit_code == 0
    assert out.read_bytes() == PDF
    assert sop("verify", str(instance)).exit_code == 0
    assert sop.json("replay", str(instance))["ok"] is True


@pytest.mark.parametrize(("args", "said"), [
    (["--text", "   "], "Comment on instance 1: the text is empty; write the remark; nothing was saved"),
    (["--text", "x" * 4001], "the text has 4001 characters; a comment holds at most 4000; shorten it"),
    (["--text", "bel\x07"], "the text holds a control character (U+0007) at character 4; only line breaks"),
    (["Nope", "--text", "hi"], "Instance 1 has no task 'Nope' to comment on (ready: 'DisposisiKadis'; completed: "
                               "'AjukanPermohonan')"),
    (["--text", "hi", "--file", "/no/such/file.pdf"], "--file /no/such/file.pdf"),
])
def test_refused_comments_change_nothing(sop: Sop, args: list[str], said: str) -> None:
    """Empty, too long, a control character, an unknown task, a missing file: exit 1, what and how, no change."""
    instance = _completed_first_step(sop)
    before = sop.dump()
    result = sop("comment", str(instance), *args)
    assert result.exit_code == 1, result.output
    assert said in result.stderr and "Traceback" not in result.output
    assert sop.dump() == before


def test_a_file_of_another_kind_is_refused(sop: Sop, tmp_path: Path) -> None:
    """A program is no document: refused with the kinds a comment takes, nothing stored."""
    instance = sop.start()
    binary = tmp_path / "tool.bin"
    binary.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(200))
    before = sop.dump()
    result = sop("comment", str(instance), "--text", "hi", "--file", str(binary))
    assert result.exit_code == 1 and f"--file {binary}" in result.stderr and "application/pdf" in result.stderr
    assert sop.dump() == before


def test_usage_errors_exit_2(sop: Sop) -> None:
    """No --text, or no instance: a usage error, exit 2."""
    assert sop("comment", "1").exit_code == 2
    assert sop("comment", "--text", "x").exit_code == 2


def test_verify_fails_after_a_comment_event_is_edited(sop: Sop) -> None:
    """A changed word in a comment breaks that event's hash: `sop verify` names it."""
    instance = sop.start()
    assert sop("comment", str(instance), "--text", "Disetujui").exit_code == 0
    assert sop("verify", str(instance)).exit_code == 0
    tamper(sop.db, ("UPDATE events SET data = replace(data, 'Disetujui', 'Ditolak') WHERE seq = 2", ()))
    result = sop("verify", str(instance))
    assert result.exit_code == 1
    assert "FAILED at event 2: event 2 (comment-added at" in result.stdout and "hash mismatch" in result.stdout


def test_replay_checks_the_task_a_comment_names(sop: Sop) -> None:
    """Replay passes with comments in the log; a comment naming a task UUID the instance never had, or another
    step's UUID, diverges at that event."""
    from engine import Engine
    from engine.audit.replay import replay

    instance = _completed_first_step(sop)
    assert sop("comment", str(instance), "AjukanPermohonan", "--text", "a").exit_code == 0
    assert sop("comment", str(instance), "--text", "b").exit_code == 0
    engine = Engine(str(sop.db), definitions_dir=sop.definitions, forms_dir=sop.forms)
    record = engine.instance(instance).audit_record()
    assert replay(record).divergence is None
    comment = record.events[2]
    ready_uuid = engine.instance(instance).tasks()[0].id
    for forged in (comment._replace(task_uuid="00000000-0000-0000-0000-000000000000"),
                   comment._replace(task_uuid=ready_uuid), comment._replace(data='{"txt": "a"}')):
        events = [*record.events[:2], forged, *record.events[3:]]
        divergence = replay(record._replace(events=events)).divergence
        assert divergence is not None and divergence.event == 3, forged
    engine.close()


def test_the_export_bundle_carries_the_comment_and_its_file(sop: Sop, tmp_path: Path) -> None:
    """The comment's event is in the bundle, its file in the bundle's folder; the bundle verifies, and fails once
    the file there is altered."""
    instance = sop.start()
    scan = tmp_path / "foto.pdf"
    scan.write_bytes(PDF)
    event = sop.json("comment", str(instance), "--text", "Foto lokasi", "--file", str(scan))
    bundle = tmp_path / "b.json"
    assert sop("export", str(instance), "-o", str(bundle)).exit_code == 0
    carried = json.loads(bundle.read_text(encoding="utf-8"))
    assert next(e for e in carried["events"] if e["type"] == "comment-added")["hash"] == event["hash"]
    assert carried["files"]["count"] == 1
    stored = tmp_path / "b.files" / event["data"]["file"]["sha256"]
    assert stored.read_bytes() == PDF
    assert sop("verify", "--bundle", str(bundle)).exit_code == 0
    stored.write_bytes(PDF + b"x")
    assert sop("verify", "--bundle", str(bundle)).exit_code == 1


def test_the_comment_is_published_on_the_outbox(sop: Sop) -> None:
    """Like every event, the comment writes its outbox row (with the ready task's lane when it names one)."""
    instance = sop.start()
    assert sop("comment", str(instance), "AjukanPermohonan", "--text", "hi").exit_code == 0
    events = sop.json("events")
    assert [(e["kind"], e["task"], e["lane"]) for e in events][-1] == ("comment-added", "AjukanPermohonan", "OPD")


# -- the web ------------------------------------------------------------------------------------------------


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    """The web office with another OPD's clerk (who may not read opd.dinkes's requests)."""
    paths = office(tmp_path)
    roles = Path(paths["roles"])
    roles.write_text(roles.read_text(encoding="utf-8") + OTHER_OPD, encoding="utf-8")
    clerk = engine_as(paths, "tu.umum")
    clerk.people.apply_roles()
    clerk.people.set_password("opd.lain", PASSWORD)
    clerk.close()
    return paths


def _page(client: Any, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 200, path
    return str(answer.get_data(as_text=True))


def _events(paths: dict[str, str], instance: int) -> list[Any]:
    return engine_as(paths, "tu.umum").instance(instance).history()[1]


def test_the_pages_list_comments_and_take_new_ones(paths: dict[str, str], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """kadis writes on the task page (with a file) and opd.dinkes on the instance page: both pages list them by
    name and jabatan, the date in words in WIB, the text escaped, the file as a download; the history says them."""
    monkeypatch.setenv("SOP_LANG", "id")
    instance = started(paths, "DisposisiKadis")
    kadis = logged_in(make_app(paths), "kadis")
    task_page = f"/instances/{instance}/tasks/DisposisiKadis"
    assert "Tulis komentar" in _page(kadis, task_page) and "Belum ada komentar." in _page(kadis, task_page)
    from io import BytesIO

    answer = post(kadis, f"{task_page}/comments", {"text": "Tolong <b>cek</b>\r\nlagi",
                                                   "file": (BytesIO(PDF), "Catatan Kadis.pdf")},
                  content_type="multipart/form-data")
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"{task_page}#comments")
    opd = logged_in(make_app(paths), "opd.dinkes")
    assert post(opd, f"/instances/{instance}/comments", {"text": "Terima kasih"}).status_code == 303
    task_html = _page(kadis, task_page)
    assert "Ir. Asmawi Alie, MT (Kepala Dinas Komunikasi, Informatika dan Statistik)" in task_html
    assert "Tolong &lt;b&gt;cek&lt;/b&gt;<br>lagi" in task_html and "<b>cek</b>" not in task_html
    assert re.search(r"\d{1,2} (Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|"
                     r"Desember) 20\d\d \d\d:\d\d WIB", task_html)
    assert "Terima kasih" in task_html  # a comment on the whole instance shows on its task pages too
    page = _page(opd, f"/instances/{instance}")
    assert "Tolong &lt;b&gt;cek&lt;/b&gt;" in page and "Terima kasih" in page and "Komentar: Terima kasih" in page
    assert "(komentar atas instans)" in page
    link = re.search(r'<a href="(/instances/\d+/files/\d+/file/0)">Catatan_Kadis.pdf</a>', page)
    assert link, page[page.index('id="comments"'):][:1500]
    download = opd.get(link.group(1))
    assert download.status_code == 200 and download.data == PDF
    assert [e.type for e in _events(paths, instance)][-2:] == ["comment-added", "comment-added"]
    assert engine_as(paths, "tu.umum").instance(instance).verify().problems == []


def test_a_refused_comment_keeps_the_text_and_changes_nothing(paths: dict[str, str]) -> None:
    """Too long: 422, the engine's words above the form and the typed text still in it; empty: 422 too; the log is
    as it was."""
    instance = started(paths, "DisposisiKadis")
    kadis = logged_in(make_app(paths), "kadis")
    before = _events(paths, instance)
    typed = "panjang " * 600
    answer = post(kadis, f"/instances/{instance}/comments", {"text": typed})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "a comment holds at most 4000; shorten it; nothing was saved" in page
    assert f'name="text" rows="3" maxlength="4000">{typed}</textarea>' in page
    answer = post(kadis, f"/instances/{instance}/tasks/DisposisiKadis/comments", {"text": "  "})
    assert answer.status_code == 422 and "the text is empty" in answer.get_data(as_text=True)
    assert _events(paths, instance) == before


def test_a_person_who_may_not_read_the_instance_may_not_comment(paths: dict[str, str]) -> None:
    """Another OPD's clerk is told the request does not exist (404) and writes nothing, on the page or the API."""
    instance = started(paths, "DisposisiKadis")
    before = _events(paths, instance)
    other = logged_in(make_app(paths), "opd.lain")
    answer = post(other, f"/instances/{instance}/comments", {"text": "Boleh saya lihat?"})
    assert answer.status_code == 404 and "Boleh saya lihat?" not in answer.get_data(as_text=True)
    with pytest.raises(NoInstanceError, match=f"No instance {instance} in store"):
        engine_as(paths, "opd.lain").instance(instance).comment("Boleh?")
    assert _events(paths, instance) == before


def test_a_refused_file_is_named_by_its_name_on_the_page(paths: dict[str, str]) -> None:
    """A program sent with a comment: 422, the file by the name it was sent under (no path, no key, no option), the
    kinds a comment takes, the text kept; nothing written; the request's page lists no attached file yet."""
    from io import BytesIO

    instance = started(paths, "AjukanPermohonan")
    clerk = logged_in(make_app(paths), "tu.umum")
    before = _events(paths, instance)
    answer = post(clerk, f"/instances/{instance}/comments",
                  {"text": "Lampiran program", "file": (BytesIO(b"\x7fELF\x02\x01\x01" + bytes(300)), "alat.bin")},
                  content_type="multipart/form-data")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "The file alat.bin cannot go with a comment: a comment takes one PDF, picture (PNG, JPEG)" in page
    assert "--file" not in page and "sop-comment-" not in page and "'file'" not in page
    assert ">Lampiran program</textarea>" in page
    assert _events(paths, instance) == before
    assert post(clerk, f"/instances/{instance}/comments",
                {"text": "Lampiran", "file": (BytesIO(PDF), "surat.pdf")},
                content_type="multipart/form-data").status_code == 303
    page = _page(clerk, f"/instances/{instance}")
    assert "surat.pdf" in page and "Attached files" not in page  # listed with its comment, not as an artefact's


def test_comments_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    """On PostgreSQL: a comment with its file verifies and replays; the store refuses to edit its event (the
    events table is append-only); edited anyway (trigger dropped, as a superuser could), verify fails at it."""
    import psycopg

    from engine import Engine
    from engine.definitions.roles import load_roles

    def engine(login: str) -> Engine:
        return Engine(pg_url, definitions_dir=DEFINITIONS, forms_dir=FORMS, operator=login,
                      roles=load_roles(DEFINITIONS / "roles.yaml"))

    engine("tu.umum").people.apply_roles()
    opd = engine("opd.dinkes")
    instance = opd.instances.start("interkoneksi_data_baru").instance
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    said = opd.instance(instance).comment("Surat menyusul", task="AjukanPermohonan", file=str(scan))
    assert said.file is not None and said.file.name == "scan.pdf" and said.step.startswith("Ajukan")
    assert opd.instance(instance).comments() == [said]
    assert opd.instance(instance).verify().problems == [] and opd.instance(instance).replay().divergence is None
    update = "UPDATE events SET data = replace(data, 'menyusul', 'lengkap') WHERE instance_id = %s AND seq = 2"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        with pytest.raises(psycopg.Error):
            conn.execute(update, (instance,))
        conn.execute("ALTER TABLE events DISABLE TRIGGER events_no_update")
        conn.execute(update, (instance,))
    problems = [p.message for p in opd.instance(instance).verify().problems]
    assert any("event 2 (comment-added AjukanPermohonan" in p and "hash mismatch" in p for p in problems), problems
    opd.close()
