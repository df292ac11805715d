"""Tests for the notices' worker inside `sop serve --notify`, the office's templates in notices.yaml, each person's
quiet hours and waiting channels in the roles file, the "returned for revision" notice, and the docs' sample."""

from __future__ import annotations

import http.cookiejar
import json
import re
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, FORMS, ROOT, Sop
from test_notices import (
    NIGHT,
    PROCESS,
    Clock,
    Endpoint,
    MailBox,
    configure,
    engine,
    free_port,
    ready_for_the_network_team,
)
from test_notices import db as db  # the fixtures, shared
from test_notices import definitions as definitions
from test_notices import endpoint as endpoint
from test_notices import mailbox as mailbox

from engine import Engine, RoleError, load_roles
from engine.service.outbox import change_rows

REASON = "Foto lokasi kurang jelas; ulangi survey dengan foto rak server"


def returned_to_the_survey(eng: Engine, number: int, *, at: str) -> None:
    """Write the outbox rows of a change that returns the request to the survey (as the return's transition writes
    them: its chained task-returned, then a task-ready for the step made ready again)."""
    [survey] = [t for t in eng.instance(number).tasks() if t.task == "SurveyTeknis"]
    store = eng.context.store()
    rows = change_rows(number, PROCESS, 40, [("task-returned", "SurveyTeknis", survey.id,
                                              {"from": "AnalisaTopologi", "reason": REASON})],
                       [survey], before=[], actor="kasi.infra", now=at)
    with store.transaction() as tx:
        tx.queue_outbox(rows)


@pytest.mark.parametrize("limit", [1000, 1])
def test_a_step_returned_for_revision_is_told_to_its_lane_once_with_the_reason(
        db: str, definitions: Path, mailbox: MailBox, monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    """The survey returned to the network team: one e-mail "Returned for revision: <step> — <reason>" with the link
    and the reason, and no "Task ready" for it from that change (also when a pass reads one event at a time)."""
    configure(monkeypatch, mailbox, None)
    clock = Clock()
    eng = engine(db, definitions, clock)
    number = ready_for_the_network_team(eng)
    eng.notices.notify()
    before = len(mailbox.messages)
    returned_to_the_survey(eng, number, at=clock.now)
    result = eng.notices.notify(limit=limit)
    assert (result.events, result.made, result.sent) == (2, 1, 1)
    [mail] = mailbox.messages[before:]
    assert str(mail["To"]) == "fajar@bangka.go.id"
    assert str(mail["Subject"]) == f"Returned for revision: Koordinasi dan survey teknis ke OPD \u2014 {REASON}"
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert 'The step "Koordinasi dan survey teknis ke OPD" of ' in text and "was returned for revision." in text
    assert f"Reason: {REASON}" in text
    assert f"https://sop.bangka.go.id/instances/{number}/tasks/SurveyTeknis" in text
    assert eng.notices.notify().events == 0 and len(mailbox.messages) == before + 1


TEMPLATES = """templat:
  tugas_siap:
    subjek: "[SOP] {langkah} menunggu <Anda>"
    isi: |
      Kepada {nama},
      langkah {langkah} pada {judul} menunggu.
      Batas waktu: {batas_waktu}. Buka {tautan}
  dikembalikan:
    subjek: "Perbaikan: {langkah}"
    isi: "Alasan: {alasan} ({tautan})"
"""


def test_the_offices_templates_fill_their_placeholders_as_text(
        tmp_path: Path, definitions: Path, mailbox: MailBox, monkeypatch: pytest.MonkeyPatch) -> None:
    """Templates in notices.yaml give the subject and text of their kinds (the values as given, escaped in the HTML
    part); a kind without one keeps sop's own words."""
    configure(monkeypatch, mailbox, None)
    (definitions / "notices.yaml").write_text(TEMPLATES, encoding="utf-8")
    clock = Clock()
    eng = engine(str(tmp_path / "sop.db"), definitions, clock)
    eng.instances.start(PROCESS)
    eng.notices.notify()
    [mail] = mailbox.messages
    assert str(mail["Subject"]) == "[SOP] Ajukan surat permohonan pemasangan jaringan menunggu <Anda>"
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert text.startswith("Kepada Yuliana, A.Md,\nlangkah Ajukan surat permohonan pemasangan jaringan pada ")
    assert "Batas waktu: 2 November 2026 08:30 WIB. Buka https://sop.bangka.go.id/instances/1/tasks/" in text
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<Anda>" not in html
    number = ready_for_the_network_team(eng)
    eng.notices.notify()
    returned_to_the_survey(eng, number, at=clock.now)
    eng.notices.notify()
    assert str(mailbox.messages[-1]["Subject"]) == "Perbaikan: Koordinasi dan survey teknis ke OPD"
    assert mailbox.messages[-1].get_body(("plain",)).get_content().strip() == (  # type: ignore[union-attr]
        f"Alasan: {REASON} (https://sop.bangka.go.id/instances/{number}/tasks/SurveyTeknis)")
    assert str(mailbox.messages[-2]["Subject"]).startswith("[SOP] Koordinasi dan survey teknis ke OPD")


@pytest.mark.parametrize(("text", "words"), [
    ("templat:\n  tugas_siap:\n    subjek: Tugas\n    isi: |\n      Yth. {nama},\n      {judull}\n",
     "notices.yaml:6: the template tugas_siap uses {judull}, which is not a placeholder; use {nama}, {judul}"),
    ("templat:\n  tugas_siap:\n    subjek: \"{judul.__class__}\"\n    isi: x\n",
     "notices.yaml:3: the template tugas_siap uses {judul.__class__}, which is not a placeholder"),
    ("templat:\n  tugas_siap:\n    subjek: \"{judul!r:>99}\"\n    isi: x\n",
     "notices.yaml:3: the template tugas_siap uses {judul!r:>99}, which is not a placeholder"),
    ("templat:\n  tugas_siap:\n    subjek: \"{judul\"\n    isi: x\n",
     "notices.yaml:3: the template tugas_siap has a brace that opens or closes no placeholder"),
    ("templat:\n  tugas_baru:\n    subjek: x\n    isi: x\n",
     "notices.yaml:2: templat has no kind of notice 'tugas_baru'; use tugas_siap, segera_jatuh_tempo"),
    ("templat:\n  selesai:\n    subjek: x\n", "notices.yaml:2: the template selesai needs `subjek:`"),
    ("kirim: ya\n", "notices.yaml: write `tunggu_jam_kerja: [whatsapp]`"),
])
def test_a_bad_template_is_refused_with_its_line_and_nothing_is_read_or_sent(
        tmp_path: Path, definitions: Path, mailbox: MailBox, monkeypatch: pytest.MonkeyPatch, text: str,
        words: str) -> None:
    """An unknown placeholder (or one with an attribute, a conversion or a format), a stray brace, an unknown kind
    or a template without its text: `sop notify` refuses naming the file's line, and the store is as it was."""
    configure(monkeypatch, mailbox, None)
    (definitions / "notices.yaml").write_text(text, encoding="utf-8")
    sop = Sop(tmp_path / "sop.db", definitions)
    engine(str(sop.db), definitions).instances.start(PROCESS)
    before = sop.dump()
    refused = sop("notify")
    assert refused.exit_code == 1 and words in refused.stderr and "Traceback" not in refused.output
    assert sop.dump() == before and mailbox.messages == []


QUIET = {"tim.jaringan": "  jam_tenang: \"17:00-09:00\"\n  tunggu_jam_kerja: [email, whatsapp]\n"}


def with_keys(definitions: Path, keys: dict[str, str]) -> None:
    """Add keys to people of the roles file."""
    path = definitions / "roles.yaml"
    text = path.read_text(encoding="utf-8")
    for login, more in keys.items():
        head = f"\n{login}:\n"
        start = text.index(head) + len(head)
        text = text[:start] + more + text[start:]
    path.write_text(text, encoding="utf-8")


def test_a_persons_quiet_hours_hold_their_chosen_channels_until_they_end_but_not_an_overdue_notice(
        tmp_path: Path, definitions: Path, mailbox: MailBox, endpoint: Endpoint,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The network team's quiet hours 17:00-09:00 WIB on e-mail and WhatsApp: a step ready at 19:00 WIB reaches
    them at 09:00 WIB the next day on both (though the office opens at 07:30); an overdue notice at 20:00 WIB goes
    at once."""
    configure(monkeypatch, mailbox, endpoint)
    monkeypatch.delenv("SOP_WEBHOOK_URL")
    with_keys(definitions, QUIET)
    clock = Clock(NIGHT)
    eng = engine(str(tmp_path / "sop.db"), definitions, clock)
    ready_for_the_network_team(eng)
    eng.notices.notify()
    assert mailbox.received() == [] and eng.notices.counts()["waiting"] == 2
    clock.now = "2026-11-03T01:59:00.000Z"  # Tuesday 08:59 WIB: the office is open, their quiet hours are not over
    assert eng.notices.notify().sent == 0
    clock.now = "2026-11-03T02:00:00.000Z"  # 09:00 WIB
    assert eng.notices.notify().sent == 2
    assert mailbox.received()[-1][0] == "fajar@bangka.go.id" and len(endpoint.whatsapp()) == 1
    clock.now = "2027-01-04T13:00:00.000Z"  # 20:00 WIB, two months on
    assert [t.task for t in eng.time.tick().overdue] == ["SurveyTeknis"]
    assert eng.notices.notify().sent == 2  # their e-mail and WhatsApp, at once
    assert [w["message"][0].split(":")[0] for w in endpoint.whatsapp()] == ["*Task ready", "*Overdue"]


def test_a_person_may_let_every_channel_go_at_any_hour(
        tmp_path: Path, definitions: Path, endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    """`tunggu_jam_kerja: []` for one person: their WhatsApp goes at 19:00 WIB though the office holds WhatsApp."""
    configure(monkeypatch, None, endpoint)
    monkeypatch.delenv("SOP_WEBHOOK_URL")
    with_keys(definitions, {"tim.jaringan": "  tunggu_jam_kerja: []\n"})
    eng = engine(str(tmp_path / "sop.db"), definitions, Clock(NIGHT))
    ready_for_the_network_team(eng)
    assert eng.notices.notify().sent == 1 and len(endpoint.whatsapp()) == 1


def test_a_persons_quiet_hours_hold_whatsapp_even_where_the_office_sends_at_any_hour(
        tmp_path: Path, definitions: Path, mailbox: MailBox, endpoint: Endpoint,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """notices.yaml `tunggu_jam_kerja: []` and the network team's quiet hours 18:00-22:00 WIB: a step ready at 19:00
    WIB is e-mailed at once and sent on WhatsApp at 22:00 WIB (their quiet hours over, the office still closed)."""
    configure(monkeypatch, mailbox, endpoint)
    monkeypatch.delenv("SOP_WEBHOOK_URL")
    (definitions / "notices.yaml").write_text("tunggu_jam_kerja: []\n", encoding="utf-8")
    with_keys(definitions, {"tim.jaringan": "  jam_tenang: 18:00-22:00\n"})
    clock = Clock(NIGHT)
    eng = engine(str(tmp_path / "sop.db"), definitions, clock)
    ready_for_the_network_team(eng)
    assert eng.notices.notify().sent == 1 and mailbox.received()[0][0] == "fajar@bangka.go.id"
    clock.now = "2026-11-02T14:59:00.000Z"  # 21:59 WIB
    assert eng.notices.notify().sent == 0 and endpoint.whatsapp() == []
    clock.now = "2026-11-02T15:00:00.000Z"  # 22:00 WIB
    assert eng.notices.notify().sent == 1 and len(endpoint.whatsapp()) == 1


@pytest.mark.parametrize(("keys", "words"), [
    ("  jam_tenang: '20.00-06.00'\n", "jam_tenang '20.00-06.00' is not a span of hours; write it like \"20:00-06:00\""),
    ("  jam_tenang: '20:00-20:00'\n", "jam_tenang '20:00-20:00' is not a span of hours"),
    ("  jam_tenang: '24:00-06:00'\n", "jam_tenang '24:00-06:00' is not a span of hours"),
    ("  jam_tenang: [20, 6]\n", "jam_tenang [20, 6] is not a span of hours"),
    ("  tunggu_jam_kerja: [sms]\n", "tunggu_jam_kerja must be a list of channels from: email, whatsapp"),
    ("  tunggu_jam_kerja: whatsapp\n", "tunggu_jam_kerja must be a list of channels from: email, whatsapp"),
])
def test_quiet_hours_in_the_roles_file_are_checked(tmp_path: Path, keys: str, words: str) -> None:
    """Wrong quiet hours or waiting channels are refused naming the file, line, person and fix; `sop roles apply`
    changes nothing."""
    path = tmp_path / "roles.yaml"
    path.write_text(f"kadis:\n  name: Kadis\n  lanes: [Kepala Dinas]\n{keys}", encoding="utf-8")
    with pytest.raises(RoleError) as refused:
        load_roles(path)
    assert f"{path}:1: 'kadis' {words}" in str(refused.value)
    sop = Sop(tmp_path / "sop.db")
    sop.start()
    before = sop.dump()
    applied = sop("--roles", str(path), "roles", "apply")
    assert applied.exit_code == 1 and words in applied.stderr and sop.dump() == before


def test_quiet_hours_are_pinned_with_the_roles(definitions: Path) -> None:
    """Quiet hours and waiting channels come back from the store as written (times as HH:MM), and a person without
    them hashes as before."""
    from engine.definitions.roles_pinning import people_json, pinned_roles, sealed_roles_event

    with_keys(definitions, {"tim.jaringan": "  jam_tenang: \"7:30-9:00\"\n  tunggu_jam_kerja: []\n"})
    roles = load_roles(definitions / "roles.yaml")
    back = pinned_roles(sealed_roles_event(None, roles, "2026-11-02T01:00:00.000Z", "admin")).people
    assert (back["tim.jaringan"].jam_tenang, back["tim.jaringan"].tunggu_jam_kerja) == ("07:30-09:00", ())
    assert (back["kadis"].jam_tenang, back["kadis"].tunggu_jam_kerja) == ("", None)
    pinned = people_json(roles)
    assert (pinned["tim.jaringan"]["jam_tenang"], pinned["tim.jaringan"]["tunggu_jam_kerja"]) == ("07:30-09:00", [])
    others = [p for login, p in pinned.items() if login != "tim.jaringan"]
    assert not any({"jam_tenang", "tunggu_jam_kerja"} & set(p) for p in others)


def sample_blocks(heading: str) -> list[str]:
    """The ```text blocks after a bold heading of docs/operators.md, up to the next heading."""
    doc = (ROOT / "docs" / "operators.md").read_text(encoding="utf-8")
    part = doc[doc.index(heading):]
    part = part[:part.index("\n## ")]
    return re.findall(r"```text\n(.*?)```", part, re.S)


def test_the_docs_sample_notices_are_what_sop_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The operators' page shows an overdue notice and a returned one as sop renders them in Indonesian."""
    from engine.service.notice_words import OVERDUE, RETURNED, NoticeFacts, notice_text

    monkeypatch.setenv("SOP_LANG", "id")
    title = "Permohonan pemasangan jaringan komunikasi data (Dinas Kesehatan Kabupaten Bangka)"
    overdue = notice_text(NoticeFacts(OVERDUE, "Rudi Hartono, S.Kom", title,
                                      "Analisa topologi dan kebutuhan infrastruktur", "Kepala Seksi",
                                      "2 November 2026 09:00 WIB", "Dewi Lestari, S.T"),
                          "https://sop.bangka.go.id/instances/3/tasks/AnalisaTopologi")
    returned = notice_text(NoticeFacts(RETURNED, "Fajar Nugroho, A.Md", title, "Koordinasi dan survey teknis ke OPD",
                                       "Tim Teknis Jaringan", "", "", REASON),
                           "https://sop.bangka.go.id/instances/3/tasks/SurveyTeknis")
    shown = [f"Subjek: {n.subject}\n\n{n.text}\n" for n in (overdue, returned)]
    assert sample_blocks("**A sample notice**") == shown


def _office_with_mail(tmp_path: Path) -> dict[str, str]:
    """The web tests' office, with e-mail addresses in its roles file, pinned."""
    from web_fixtures import engine_as, office

    paths = office(tmp_path)
    with_keys(Path(paths["definitions"]), {"kadis": "  email: kadis@bangka.go.id\n",
                                           "kabid.egov": "  email: kabid@bangka.go.id\n"})
    clerk = engine_as(paths, "tu.umum")
    clerk.people.apply_roles()
    clerk.close()
    return paths


def _browser(base: str, login: str) -> Any:
    """An HTTP client signed in to the served app (cookies kept, like a browser)."""
    from web_fixtures import PASSWORD

    client = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.open(f"{base}/login", timeout=20).read().decode())
    assert token
    body = urllib.parse.urlencode({"login": login, "password": PASSWORD, "csrf_token": token[1]}).encode()
    assert client.open(f"{base}/login", body, timeout=20).status == 200
    return client


def test_sop_serve_notify_sends_the_next_steps_mail_after_a_completion_on_the_web(
        tmp_path: Path, mailbox: MailBox) -> None:
    """`sop serve --notify` (the real server, two workers): the Kepala Dinas completes his disposition in the web,
    and the Kepala Bidang's "task ready" e-mail arrives once, with its link; stopping the server stops the sender,
    which says so."""
    from web_browser_tools import server_process, sop_command, sop_env
    from web_fixtures import started

    from engine import read_data_file

    paths = _office_with_mail(tmp_path)
    number = started(paths, "DisposisiKadis")
    port = free_port()
    env = {**sop_env("id"), "SOP_SMTP_URL": f"smtp://127.0.0.1:{mailbox.port}",
           "SOP_BASE_URL": f"http://127.0.0.1:{port}"}
    log = tmp_path / "serve.log"
    command = sop_command(paths, "serve", "--port", str(port), "--workers", "2", "--notify", "--notify-every", "1")
    with server_process(command, port, log, cwd=ROOT, env=env) as server:
        deadline = time.monotonic() + 60
        while not mailbox.messages and time.monotonic() < deadline:
            time.sleep(0.2)  # the sender's first pass: the disposition's own "task ready"
        assert mailbox.received()[0][0] == "kadis@bangka.go.id", log.read_text()
        kadis = _browser(f"http://127.0.0.1:{port}", "kadis")
        disposition = read_data_file(str(EXAMPLES / "data" / "02_disposisi_kadis.yaml"))
        page = kadis.open(f"http://127.0.0.1:{port}/", timeout=20).read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        fields = {k: str(v) for k, v in disposition.items() if not isinstance(v, dict | list)}
        body = urllib.parse.urlencode({**fields, "csrf_token": token[1]}).encode()
        kadis.open(f"http://127.0.0.1:{port}/instances/{number}/tasks/DisposisiKadis", body, timeout=30)
        while len(mailbox.messages) < 2 and time.monotonic() < deadline + 30:
            time.sleep(0.2)
        time.sleep(2.5)  # two more passes: nothing is sent twice
        assert mailbox.received() == [
            ("kadis@bangka.go.id", mailbox.received()[0][1]),
            ("kabid@bangka.go.id", mailbox.received()[1][1])], log.read_text()
        assert mailbox.received()[1][1].startswith(
            "Tugas menunggu: Analisa teknis permintaan, disposisi ke Kepala Seksi")
        text = mailbox.messages[1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert f"http://127.0.0.1:{port}/instances/{number}/tasks/AnalisaKabid" in text
        server.terminate()
        server.wait(60)
    shown = log.read_text()
    assert shown.count("Mengirim pemberitahuan setiap 1 detik") == 1, shown
    assert "Pengiriman pemberitahuan dihentikan." in shown and "Traceback" not in shown, shown


def test_sop_serve_notify_refuses_before_serving_when_notices_cannot_work(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """`sop serve --notify` with no channel configured: exit 1 saying what to set, and nothing is served."""
    from web_fixtures import office

    paths = office(tmp_path)
    configure(monkeypatch, None, None)
    sop = Sop(Path(paths["db"]), Path(paths["definitions"]), FORMS)
    refused = sop("serve", "--notify", "--port", str(free_port()))
    assert refused.exit_code == 1 and "No notice channel is configured" in refused.stderr


def test_the_outbox_carries_a_returns_step_and_reason() -> None:
    """A task-returned event publishes where it came from and why (the notice's reason)."""
    [row] = change_rows(1, PROCESS, 5, [("task-returned", "SurveyTeknis", "u-1", {"from": "AnalisaTopologi",
                                                                                 "reason": "kurang", "x": 1})],
                        [], before=[], actor="kasi.infra", now="2026-11-02T01:00:00.000Z")
    assert json.loads(row.data) == {"process": PROCESS, "seq": 5, "from": "AnalisaTopologi", "reason": "kurang"}
