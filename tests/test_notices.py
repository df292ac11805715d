"""Tests for notices from the outbox: who hears what on which channel (a local SMTP server, a local webhook and a
local WhatsApp gateway receive them), each exactly once across restarts and two workers, retries that end in a
failure operators can read without a secret, and the roles file's contact keys; on SQLite and PostgreSQL."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from conftest import DEFINITIONS, EXAMPLES, FORMS, ROOT, Sop

from engine import Engine, RoleError, ValidationError, load_roles, run_scenario
from engine.ops.scenarios import load_scenario

PROCESS = "interkoneksi_data_baru"
T0 = "2026-11-02T01:00:00.000Z"  # Monday 08:00 WIB
LATE = "2027-01-04T01:00:00.000Z"  # two months on: every Mutu Baku has run out
SECRET = "rahasia-Sandi-9f2c"  # the SMTP password: never in the store, never printed
HOOK_KEY = "kunci-webhook-77"
TOKEN = "token-fonnte-31"
# Contact keys added to the shipped roles file: everyone has an e-mail address but the OPD's own staff member;
# the network team also hears on WhatsApp; the section head's superior is the head of division.
CONTACTS = {
    "kadis": "  email: kadis@bangka.go.id\n",
    "sekretaris": "  email: sekretaris@bangka.go.id\n",
    "kabid.egov": "  email: kabid@bangka.go.id\n  atasan: kadis\n",
    "kasi.infra": "  email: kasi@bangka.go.id\n  atasan: kabid.egov\n",
    "tim.jaringan": "  email: fajar@bangka.go.id\n  telepon: '0812-3456-7890'\n  saluran: [email, whatsapp]\n",
    "tu.umum": "  email: tu@bangka.go.id\n",
}
# The people who hear each step becoming ready (its lane's people with an e-mail address).
READY_MAIL = {
    "AjukanPermohonan": ["tu@bangka.go.id"], "DisposisiKadis": ["kadis@bangka.go.id"],
    "AnalisaKabid": ["kabid@bangka.go.id"], "SurveyTeknis": ["fajar@bangka.go.id"],
    "AnalisaTopologi": ["kasi@bangka.go.id"], "DraftSpesifikasi": ["kasi@bangka.go.id"],
    "DraftTopologi": ["kasi@bangka.go.id"], "PemasanganJaringan": ["fajar@bangka.go.id"],
    "LaporanKabid": ["kabid@bangka.go.id"], "ParafKabid": ["kabid@bangka.go.id"],
    "ParafSekretaris": ["sekretaris@bangka.go.id"], "TandaTanganKadis": ["kadis@bangka.go.id"],
    "TindakLanjut": ["kabid@bangka.go.id"],
}
LANE_PEOPLE = {"AjukanPermohonan": 2, "AnalisaTopologi": 1}  # people per lane where the webhook count matters


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: str = T0) -> None:
        self.now = now

    def __call__(self) -> str:
        return self.now


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MailBox:
    """A local SMTP server (aiosmtpd) that keeps each message, or refuses every recipient."""

    def __init__(self, *, refuse: bool = False, auth: bool = False) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.messages: list[email.message.EmailMessage] = []
        self.logins: list[tuple[str, str]] = []
        self.refuse = refuse
        self.port = free_port()

        def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
            self.logins.append((data.login.decode(), data.password.decode()))
            return AuthResult(success=True)

        extra: dict[str, Any] = {"authenticator": authenticate, "auth_require_tls": False} if auth else {}
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **extra)
        self.controller.start()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 OK"

    def received(self) -> list[tuple[str, str]]:
        """(recipient, subject) of each message, in arrival order."""
        return [(str(m["To"]), str(m["Subject"])) for m in self.messages]

    def stop(self) -> None:
        self.controller.stop()


class Endpoint:
    """A local HTTP endpoint keeping each POST (path, headers, body): the webhook and the WhatsApp gateway."""

    def __init__(self, *, hold_at: int = 0, status: int = 200) -> None:
        self.posts: list[tuple[str, dict[str, str], bytes]] = []
        self.holding, self.release = threading.Event(), threading.Event()
        posts, holding, release = self.posts, self.holding, self.release

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                posts.append((self.path, dict(self.headers.items()), body))
                if len(posts) == hold_at:  # received, and the answer held back: the sender is mid-send
                    holding.set()
                    release.wait(60)
                answer = b'{"status": false, "reason": "device disconnected"}' if status == 299 else (
                    b'{"status": true}' if self.path == "/send" else b"ok")
                self.send_response(200 if status == 299 else status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def hooks(self) -> list[dict[str, Any]]:
        """The webhook's notices, each checked against its signature."""
        out = []
        for path, headers, body in self.posts:
            if path == "/hook":
                expected = "sha256=" + hmac.new(HOOK_KEY.encode(), body, hashlib.sha256).hexdigest()
                assert headers["X-Sop-Signature"] == expected
                out.append(json.loads(body))
        return out

    def whatsapp(self) -> list[dict[str, list[str]]]:
        """The gateway's messages (form fields), each with the token checked."""
        out = []
        for path, headers, body in self.posts:
            if path == "/send":
                assert headers["Authorization"] == TOKEN
                out.append(parse_qs(body.decode()))
        return out

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mailbox() -> Iterator[MailBox]:
    box = MailBox()
    yield box
    box.stop()


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    point = Endpoint()
    yield point
    point.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store location of each kind (created by the first change)."""
    return str(tmp_path / "sop.db") if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))


@pytest.fixture
def definitions(tmp_path: Path) -> Path:
    """The shipped definitions with contact keys in the roles file."""
    folder = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS, folder)
    text = (folder / "roles.yaml").read_text(encoding="utf-8")
    for login, keys in CONTACTS.items():
        head = f"\n{login}:\n"
        start = text.index(head) + len(head)
        text = text[:start] + keys + text[start:]
    (folder / "roles.yaml").write_text(text, encoding="utf-8")
    return folder


def configure(monkeypatch: pytest.MonkeyPatch, box: MailBox | None, point: Endpoint | None, *,
              user: bool = False) -> None:
    """The environment of a worker: e-mail to the local server, webhook and WhatsApp to the local endpoint."""
    for name in [n for n in os.environ if n.startswith(("SOP_SMTP", "SOP_WEBHOOK", "SOP_WHATSAPP"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SOP_BASE_URL", "https://sop.bangka.go.id/")
    if box is not None:
        monkeypatch.setenv("SOP_SMTP_URL", f"smtp://{'mailer@' if user else ''}127.0.0.1:{box.port}")
        monkeypatch.setenv("SOP_SMTP_PASSWORD", SECRET)
        monkeypatch.setenv("SOP_SMTP_FROM", "sop@bangka.go.id")
    if point is not None:
        monkeypatch.setenv("SOP_WEBHOOK_URL", point.url + "/hook")
        monkeypatch.setenv("SOP_WEBHOOK_SECRET", HOOK_KEY)
        monkeypatch.setenv("SOP_WHATSAPP_URL", point.url + "/send")
        monkeypatch.setenv("SOP_WHATSAPP_TOKEN", TOKEN)


def engine(db: str, definitions: Path, clock: Clock | None = None) -> Engine:
    """An engine as the Dinas's operator (who records for the officials), as a fresh process would open it."""
    return Engine(db, definitions_dir=definitions, forms_dir=FORMS, clock=clock or Clock(), operator="tu.umum",
                  roles=definitions / "roles.yaml")


def both_paths_and_an_overdue_step(db: str, definitions: Path) -> None:
    """Both scenario paths to the end, then a third request left at the topology analysis two months (overdue);
    a worker (its own engine) makes a pass after every change, as `sop notify --follow` would."""
    clock = Clock()
    eng, worker = engine(db, definitions, clock), engine(db, definitions, clock)
    for name in ("pasang", "tunda"):
        run_scenario(eng, load_scenario(EXAMPLES / f"{name}.scenario.yaml"),
                     on_step=lambda kind, detail: worker.notices.notify())
    third = eng.instances.start(PROCESS).instance
    worker.notices.notify()
    for step in load_scenario(EXAMPLES / "tunda.scenario.yaml").steps[:4]:
        eng.instance(third).complete(step["task"], step["data"], actor=step["as"], attach=step["attach"] or None)
        worker.notices.notify()
    clock.now = LATE
    assert [(t.instance, t.task) for t in eng.time.tick().overdue] == [(third, "AnalisaTopologi")]
    worker.notices.notify()
    eng.close()
    worker.close()


def expected_mail() -> list[tuple[str, str]]:
    """(recipient, subject's start) of every e-mail the run above should send, in outbox order."""
    out = []
    for name in ("pasang", "tunda"):
        for step in load_scenario(EXAMPLES / f"{name}.scenario.yaml").steps:
            out += [(to, "Task ready") for to in READY_MAIL[step["task"]]]
        out.append(("tu@bangka.go.id", "Finished"))
    for step in load_scenario(EXAMPLES / "tunda.scenario.yaml").steps[:5]:
        out += [(to, "Task ready") for to in READY_MAIL[step["task"]]]
    return [*out, ("kasi@bangka.go.id", "Overdue"), ("kabid@bangka.go.id", "Overdue")]


def test_a_scripted_run_sends_exactly_the_expected_notices_once(db: str, definitions: Path, mailbox: MailBox,
                                                                 endpoint: Endpoint,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Both SOP paths and an overdue step: the SMTP server gets one e-mail per person with an address and event
    (the step's people, the superior on overdue, the starter at the end), the WhatsApp gateway the network team's,
    the webhook every notice, signed; a second pass (a restarted worker) sends nothing again."""
    configure(monkeypatch, mailbox, endpoint)
    both_paths_and_an_overdue_step(db, definitions)
    mail = expected_mail()
    assert [(to, subject.split(":")[0]) for to, subject in mailbox.received()] == mail
    whatsapp = endpoint.whatsapp()
    assert [(w["target"][0], w["message"][0].split(":")[0]) for w in whatsapp] == [("6281234567890", "*Task ready")] * 4
    hooks = endpoint.hooks()
    opd_extra = 3  # the OPD's own staff member hears each request's first step on the webhook only
    assert len(hooks) == len(mail) + opd_extra
    assert {h["to"] for h in hooks} == {*CONTACTS, "opd.dinkes"}
    assert engine(db, definitions).notices.counts() == {
        "waiting": 0, "sending": 0, "sent": len(mail) + len(whatsapp) + len(hooks), "failed": 0}
    overdue = [m for m in mailbox.messages if str(m["Subject"]).startswith("Overdue")]
    text = overdue[1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "You receive this as the superior of Dewi Lestari, S.T." in text
    assert "https://sop.bangka.go.id/instances/3/tasks/AnalisaTopologi" in text
    again = engine(db, definitions).notices.notify()
    assert (again.events, again.made, again.sent) == (0, 0, 0)
    assert len(mailbox.messages) == len(mail) and len(endpoint.hooks()) == len(hooks)


def test_a_notice_reads_in_indonesian_with_title_step_due_time_and_link(
        tmp_path: Path, definitions: Path, mailbox: MailBox, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under SOP_LANG=id the e-mail greets the official by name, names the request's title and the step, gives the
    due time in WIB words and the task page's link, in plain text and HTML."""
    configure(monkeypatch, mailbox, None)
    monkeypatch.setenv("SOP_LANG", "id")
    db = str(tmp_path / "sop.db")
    eng = engine(db, definitions)
    first = load_scenario(EXAMPLES / "pasang.scenario.yaml").steps[0]
    number = eng.instances.start(PROCESS).instance
    eng.instance(number).complete(first["task"], first["data"], actor=first["as"], attach=first["attach"])
    eng.notices.notify()
    message = mailbox.messages[-1]
    assert str(message["To"]) == "kadis@bangka.go.id"
    title = "Permohonan pemasangan jaringan komunikasi data (Dinas Kesehatan Kabupaten Bangka)"
    assert str(message["Subject"]) == f"Tugas menunggu: Telaah dan disposisi ke Kepala Bidang - {title}"
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert text.splitlines() == [
        "Yth. Ir. Asmawi Alie, MT,", "",
        f'Langkah "Telaah dan disposisi ke Kepala Bidang" pada {title} menunggu Anda (lajur Kepala Dinas).',
        "Batas waktu: 2 November 2026 08:30 WIB.",
        "Buka: https://sop.bangka.go.id/instances/1/tasks/DisposisiKadis", "",
        "Pemberitahuan ini dikirim oleh sop; mohon tidak dibalas."]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert '<a href="https://sop.bangka.go.id/instances/1/tasks/DisposisiKadis">' in html


def test_a_refusing_mail_server_is_retried_then_failed_and_shown_without_the_password(
        tmp_path: Path, definitions: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that refuses every recipient: the notice is tried again after 1, 5 and 30 minutes, then failed;
    `sop notices --failed` shows who, which channel and why in words, and no output or store row holds the
    password (which the server did receive for the login)."""
    box = MailBox(refuse=True, auth=True)
    try:
        configure(monkeypatch, box, None, user=True)
        db = tmp_path / "sop.db"
        clock = Clock()
        eng = engine(str(db), definitions, clock)
        eng.instances.start(PROCESS)
        tries = []
        for at in ("01:00", "01:01", "01:06", "01:36", "01:36"):  # each try when the one before said to
            clock.now = f"2026-11-02T{at}:00.000Z"
            result = eng.notices.notify()
            tries.append((result.sent, result.retrying, result.failed))
        assert tries == [(0, 1, 0), (0, 1, 0), (0, 1, 0), (0, 0, 1), (0, 0, 0)]
        assert box.logins == [("mailer", SECRET)] * 4
        sop = Sop(db, definitions)
        listed = sop("notices", "--failed")
        assert listed.exit_code == 0
        [header, row] = listed.stdout.splitlines()
        assert header.split()[:3] == ["#", "MADE", "EVENT"]
        assert "tu.umum" in row and "email" in row and "tu@bangka.go.id" in row and "failed" in row
        assert "the mail server 127.0.0.1 refused it (550 5.1.1 mailbox unavailable)" in row
        [notice] = sop.json("notices", "--failed")
        assert (notice["state"], notice["tries"], notice["login"]) == ("failed", 4, "tu.umum")
        everything = json.dumps(sop.dump(), default=repr) + listed.output + json.dumps(notice)
        assert SECRET not in everything
        monkeypatch.setenv("SOP_LANG", "id")
        assert "server surel 127.0.0.1 menolaknya (550" in sop("notices", "--failed").stdout
    finally:
        box.stop()


def test_two_workers_at_once_send_each_notice_once(db: str, definitions: Path, mailbox: MailBox,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers started together on one store (each its own connection) derive and send: every notice reaches
    the server exactly once."""
    configure(monkeypatch, mailbox, None)
    eng = engine(db, definitions)
    for _ in range(6):
        eng.instances.start(PROCESS)
    eng.close()
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def work() -> None:
        try:
            worker = engine(db, definitions)
            start.wait()
            worker.notices.notify(limit=2)
            worker.notices.notify()
            worker.close()
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert errors == []
    assert [to for to, _ in mailbox.received()] == ["tu@bangka.go.id"] * 6
    assert len({subject for _, subject in mailbox.received()}) == 6  # one per request
    states = engine(db, definitions).notices.counts()
    assert states == {"waiting": 0, "sending": 0, "sent": 6, "failed": 0}


def test_a_worker_that_died_after_claiming_leaves_the_notice_to_another_after_its_lease(
        tmp_path: Path, definitions: Path, mailbox: MailBox, monkeypatch: pytest.MonkeyPatch) -> None:
    """A notice claimed by a worker that died before sending stays claimed for 10 minutes (no one sends it
    meanwhile), then the next worker sends it once."""
    configure(monkeypatch, mailbox, None)
    db = str(tmp_path / "sop.db")
    clock = Clock()
    eng = engine(db, definitions, clock)
    eng.instances.start(PROCESS)

    def die(row: Any, settings: Any) -> str | None:
        raise KeyboardInterrupt  # the process is killed between the claim and the send

    monkeypatch.setattr("engine.service.notices.deliver", die)
    with pytest.raises(KeyboardInterrupt):
        eng.notices.notify()
    monkeypatch.undo()
    configure(monkeypatch, mailbox, None)
    assert engine(db, definitions, clock).notices.counts()["sending"] == 1
    clock.now = "2026-11-02T01:09:00.000Z"
    assert engine(db, definitions, clock).notices.notify().sent == 0
    clock.now = "2026-11-02T01:10:00.000Z"
    assert engine(db, definitions, clock).notices.notify().sent == 1
    assert mailbox.received() == [("tu@bangka.go.id", mailbox.received()[0][1])]


def test_sop_notify_and_notices_from_the_command_line(tmp_path: Path, definitions: Path, mailbox: MailBox,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """`sop notify` reports a pass on stderr (JSON on stdout with --json); `sop notices` lists what was sent;
    without any channel configured `sop notify` refuses and changes nothing."""
    sop = Sop(tmp_path / "sop.db", definitions)
    configure(monkeypatch, None, None)
    engine(str(sop.db), definitions).instances.start(PROCESS)
    before = sop.dump()
    refused = sop("notify")
    assert refused.exit_code == 1 and "No notice channel is configured; nothing was sent" in refused.stderr
    assert sop.dump() == before
    configure(monkeypatch, mailbox, None)
    single = Sop(sop.db, sop.definitions.parent / "no-roles")
    shutil.copytree(sop.definitions, single.definitions, ignore=shutil.ignore_patterns("roles.yaml"))
    alone = single("notify")
    assert alone.exit_code == 1 and "there is none (single-user mode); nothing was read or sent" in alone.stderr
    assert sop.dump() == before
    done = sop("notify")
    assert done.exit_code == 0
    assert "Notices: 2 events read, 1 notices made, 1 sent, 0 to try again, 0 failed." in done.stderr
    assert sop.json("notify") == {"events": 0, "made": 0, "sent": 0, "retrying": 0, "failed": 0}
    [notice] = sop.json("notices")
    assert (notice["kind"], notice["task"], notice["login"], notice["channel"], notice["state"]) == (
        "task-ready", "AjukanPermohonan", "tu.umum", "email", "sent")
    assert "No failed notices." in sop("notices", "--failed").stderr


def test_bad_settings_are_refused_in_words(tmp_path: Path, definitions: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A password in the URL, a user without a password, a secret file others may read: refused naming the
    variable, without the secret, and nothing is sent or changed."""
    sop = Sop(tmp_path / "sop.db", definitions)
    configure(monkeypatch, None, None)
    engine(str(sop.db), definitions).instances.start(PROCESS)
    before = sop.dump()
    monkeypatch.setenv("SOP_SMTP_URL", f"smtp://mailer:{SECRET}@127.0.0.1:25")
    refused = sop("notify")
    assert refused.exit_code == 1 and "never in the URL" in refused.stderr and SECRET not in refused.output
    monkeypatch.setenv("SOP_SMTP_URL", "smtp://mailer@127.0.0.1:25")
    monkeypatch.delenv("SOP_SMTP_PASSWORD", raising=False)
    assert "names user 'mailer' but no password is set" in sop("notify").stderr
    secret_file = tmp_path / "smtp-password"
    secret_file.write_text(SECRET)
    secret_file.chmod(0o644)
    monkeypatch.setenv("SOP_SMTP_PASSWORD_FILE", str(secret_file))
    shown = sop("notify")
    assert "may be read by others" in shown.stderr and SECRET not in shown.output
    assert sop.dump() == before


@pytest.mark.parametrize(("keys", "words"), [
    ("  email: kadis-at-bangka\n", "email 'kadis-at-bangka' is not an e-mail address"),
    ("  telepon: '021 123'\n", "telepon '021 123' is not a mobile number"),
    ("  atasan: nobody\n", "atasan 'nobody' is not another person of this file"),
    ("  atasan: kadis\n", "atasan 'kadis' is not another person of this file"),
    ("  saluran: [whatsapp]\n", "chose whatsapp in saluran but has no telepon"),
    ("  saluran: [sms]\n", "saluran must be a list of channels from: email, whatsapp"),
])
def test_contact_keys_in_the_roles_file_are_checked(tmp_path: Path, keys: str, words: str) -> None:
    """A wrong address, number, superior or channel is refused naming the file, line, person and fix."""
    path = tmp_path / "roles.yaml"
    path.write_text(f"kadis:\n  name: Kadis\n  lanes: [Kepala Dinas]\n{keys}", encoding="utf-8")
    with pytest.raises(RoleError) as refused:
        load_roles(path)
    assert f"{path}:1" in str(refused.value) and "'kadis'" in str(refused.value) and words in str(refused.value)


def test_contact_keys_are_pinned_with_the_roles_and_old_versions_hash_alike(definitions: Path) -> None:
    """The contact keys are part of the pinned roles (applied, they come back from the store), and a roles file
    without them keeps the version it had."""
    from engine.definitions.roles_pinning import people_json, pinned_roles, roles_version, sealed_roles_event

    roles = load_roles(definitions / "roles.yaml")
    back = pinned_roles(sealed_roles_event(None, roles, T0, "admin"))
    assert back.people["tim.jaringan"] == roles.people["tim.jaringan"]
    fajar = back.people["tim.jaringan"]
    assert (fajar.email, fajar.telepon, fajar.atasan, fajar.saluran) == (
        "fajar@bangka.go.id", "6281234567890", "", ("email", "whatsapp"))
    assert back.people["kasi.infra"].atasan == "kabid.egov"
    plain = load_roles(DEFINITIONS / "roles.yaml")
    assert "email" not in json.dumps(people_json(plain))
    assert roles_version(plain) != roles_version(roles)


def test_sop_notify_follow_stops_cleanly_on_sigterm(tmp_path: Path, definitions: Path, mailbox: MailBox) -> None:
    """`sop notify --follow` as a service (the real command): it sends what arrives, and SIGTERM ends it with
    status 0 after saying so."""
    env = {**os.environ, "SOP_SMTP_URL": f"smtp://127.0.0.1:{mailbox.port}", "SOP_BASE_URL": "https://sop.go.id",
           "SOP_DB": str(tmp_path / "sop.db"), "SOP_DEFINITIONS": str(definitions), "SOP_FORMS": str(FORMS)}
    engine(str(tmp_path / "sop.db"), definitions).instances.start(PROCESS)
    sop = str(Path(sys.executable).parent / "sop")
    worker = subprocess.Popen([sop, "notify", "--follow", "--every", "1"], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not mailbox.messages and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(mailbox.messages) == 1
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, err
    assert "Stopped sending notices." in err and "Traceback" not in err


NIGHT = "2026-11-02T12:00:00.000Z"  # Monday 19:00 WIB, after office hours


def ready_for_the_network_team(eng: Engine) -> int:
    """A request brought to the survey (the network team's step, who hear on e-mail and WhatsApp)."""
    number = eng.instances.start(PROCESS).instance
    for step in load_scenario(EXAMPLES / "tunda.scenario.yaml").steps[:3]:
        eng.instance(number).complete(step["task"], step["data"], actor=step["as"], attach=step["attach"] or None)
    return number


def test_whatsapp_waits_for_office_hours_but_an_overdue_notice_does_not(
        tmp_path: Path, definitions: Path, mailbox: MailBox, endpoint: Endpoint,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A step ready at 19:00 WIB: its e-mail goes at once, its WhatsApp message waits for 07:30 WIB the next
    working day (calendar.yaml); the step overdue at 20:00 WIB two months on goes on WhatsApp at once."""
    configure(monkeypatch, mailbox, endpoint)
    monkeypatch.delenv("SOP_WEBHOOK_URL")
    clock = Clock(NIGHT)
    eng = engine(str(tmp_path / "sop.db"), definitions, clock)
    ready_for_the_network_team(eng)
    eng.notices.notify()
    assert mailbox.received()[-1][0] == "fajar@bangka.go.id" and endpoint.whatsapp() == []
    clock.now = "2026-11-03T00:29:00.000Z"  # Tuesday 07:29 WIB
    assert eng.notices.notify().sent == 0
    clock.now = "2026-11-03T00:30:00.000Z"  # 07:30 WIB: the office opens
    assert eng.notices.notify().sent == 1
    assert [w["message"][0].split(":")[0] for w in endpoint.whatsapp()] == ["*Task ready"]
    clock.now = "2027-01-04T13:00:00.000Z"  # 20:00 WIB
    assert [t.task for t in eng.time.tick().overdue] == ["SurveyTeknis"]
    eng.notices.notify()
    assert [w["message"][0].split(":")[0] for w in endpoint.whatsapp()] == ["*Task ready", "*Overdue"]


def test_notices_yaml_may_let_whatsapp_go_at_any_hour_and_a_bad_one_is_refused(
        tmp_path: Path, definitions: Path, endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    """`tunggu_jam_kerja: []` in notices.yaml sends WhatsApp at 19:00 WIB too; a notices.yaml with another key is
    refused naming the file and the key to write, and sends nothing."""
    configure(monkeypatch, None, endpoint)
    monkeypatch.delenv("SOP_WEBHOOK_URL")
    (definitions / "notices.yaml").write_text("tunggu_jam_kerja: [whatsap]\n", encoding="utf-8")
    eng = engine(str(tmp_path / "sop.db"), definitions, Clock(NIGHT))
    ready_for_the_network_team(eng)
    with pytest.raises(ValidationError) as refused:
        eng.notices.notify()
    assert "notices.yaml: write `tunggu_jam_kerja: [whatsapp]`" in str(refused.value)
    assert "`pengingat: P1D`" in str(refused.value)
    assert eng.notices.counts()["waiting"] == 0 and endpoint.posts == []
    (definitions / "notices.yaml").write_text("tunggu_jam_kerja: []\n", encoding="utf-8")
    assert eng.notices.notify().sent == 1 and len(endpoint.whatsapp()) == 1


def test_a_worker_killed_mid_send_loses_nothing_and_repeats_only_the_notice_in_flight(
        tmp_path: Path, definitions: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`sop notify` killed with SIGKILL while the webhook holds its third notice: after the lease a new worker sends
    every notice; the endpoint got each one once, but for the one in flight, which it got twice (its
    X-Sop-Delivery number tells the repeat)."""
    from engine.common.identity import utc_now
    from engine.common.work_calendar import format_time, parse_time

    point = Endpoint(hold_at=3)
    configure(monkeypatch, None, point)
    db = str(tmp_path / "sop.db")
    eng = engine(db, definitions)
    for _ in range(3):
        eng.instances.start(PROCESS)  # each: the OPD's two people hear it
    env = {**os.environ, "SOP_DB": db, "SOP_DEFINITIONS": str(definitions), "SOP_FORMS": str(FORMS)}
    worker = subprocess.Popen([str(Path(sys.executable).parent / "sop"), "notify"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert point.holding.wait(60)
        worker.kill()
        worker.wait(30)
    finally:
        point.release.set()
    try:
        assert eng.notices.counts() == {"waiting": 0, "sending": 4, "sent": 2, "failed": 0}
        later = format_time(parse_time(utc_now()) + timedelta(minutes=11))  # the lease has run out
        assert engine(db, definitions, Clock(later)).notices.notify().sent == 4
    finally:
        point.stop()
    deliveries = [int(headers["X-Sop-Delivery"]) for _, headers, _ in point.posts]
    assert sorted(deliveries) == [1, 2, 3, 3, 4, 5, 6]


def test_the_people_of_a_long_step_are_reminded_before_its_due_time_once(
        tmp_path: Path, definitions: Path, mailbox: MailBox, monkeypatch: pytest.MonkeyPatch) -> None:
    """With `pengingat: PT1H` in notices.yaml, `sop tick` announces a 3-hour step (ready 08:00 WIB, due 11:00 WIB)
    due soon from 10:00 WIB on, once, and not a 30-minute step; the worker e-mails its people "Due soon"."""
    configure(monkeypatch, mailbox, None)
    (definitions / "notices.yaml").write_text("pengingat: PT1H\n", encoding="utf-8")
    clock = Clock()
    eng = engine(str(tmp_path / "sop.db"), definitions, clock)
    ready_for_the_network_team(eng)  # SurveyTeknis (PT3H) ready at 08:00 WIB
    eng.instances.start(PROCESS)  # AjukanPermohonan (PT30M) ready at 08:00 WIB
    clock.now = "2026-11-02T02:59:00.000Z"  # 09:59 WIB
    assert eng.time.tick().due_soon == ()
    clock.now = "2026-11-02T03:00:00.000Z"  # 10:00 WIB
    assert [t.task for t in eng.time.tick().due_soon] == ["SurveyTeknis"]
    assert eng.time.tick().due_soon == ()
    eng.notices.notify()
    [due_soon] = [m for m in mailbox.messages if str(m["Subject"]).startswith("Due soon")]
    assert str(due_soon["To"]) == "fajar@bangka.go.id"
    assert 'The step "Koordinasi dan survey teknis ke OPD" of ' in due_soon.get_body(("plain",)).get_content()
    assert "is due 2 November 2026 11:00 WIB." in due_soon.get_body(("plain",)).get_content()


def test_sop_db_copy_keeps_the_notices_and_the_next_one_follows(tmp_path: Path, definitions: Path, pg_url: str,
                                                               endpoint: Endpoint,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A SQLite store copied to PostgreSQL keeps its notices row for row, and a notice made there afterwards takes
    the next number and is sent once (nothing derived or sent again)."""
    from engine.ops.store_copy import TABLES
    from engine.store.opening import open_store

    configure(monkeypatch, None, endpoint)
    source = str(tmp_path / "sop.db")
    eng = engine(source, definitions)
    eng.instances.start(PROCESS)
    assert eng.notices.notify().sent == 2
    assert Sop(Path(source), definitions)("db", "copy", "--from", source, "--to", pg_url).exit_code == 0
    columns = dict(TABLES)["notices"]
    stores = [open_store(where, create=False) for where in (source, pg_url)]
    assert stores[0].table_rows("notices", columns) == stores[1].table_rows("notices", columns) != []
    for store in stores:
        store.close()
    copy = engine(pg_url, definitions)
    copy.instances.start(PROCESS)
    assert copy.notices.notify().sent == 2
    assert [int(h["X-Sop-Delivery"]) for _, h, _ in endpoint.posts] == [1, 2, 3, 4]


@pytest.mark.parametrize(("status", "words"), [
    (500, ["the webhook answered HTTP 500", "the WhatsApp gateway answered HTTP 500"]),
    (299, ["the WhatsApp gateway refused it (device disconnected)"]),
])
def test_a_refusing_webhook_or_gateway_is_tried_again_with_why_in_words(
        tmp_path: Path, definitions: Path, monkeypatch: pytest.MonkeyPatch, status: int, words: list[str]) -> None:
    """A webhook or gateway answering HTTP 500, or a gateway answering `"status": false`: the notice waits for its
    next try and `sop notices` says why, without the token or the webhook's key."""
    point = Endpoint(status=status)
    try:
        configure(monkeypatch, None, point)
        db = tmp_path / "sop.db"
        eng = engine(str(db), definitions)
        ready_for_the_network_team(eng)
        result = eng.notices.notify()
        whatsapp = len([p for p in point.posts if p[0] == "/send"])
        assert (result.sent, result.retrying) == ((0, len(point.posts)) if status == 500 else
                                                  (len(point.posts) - whatsapp, whatsapp))
        assert whatsapp == 1 and result.failed == 0
        errors = {n["error"] for n in Sop(db, definitions).json("notices") if n["state"] == "waiting"}
        assert set(words) <= errors
        shown = Sop(db, definitions)("notices").output
        assert TOKEN not in shown and HOOK_KEY not in shown
    finally:
        point.stop()


def test_a_step_done_before_the_worker_reads_its_event_is_told_to_no_one(
        tmp_path: Path, definitions: Path, mailbox: MailBox, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two steps recorded in a row before the worker's pass: only the step still waiting is told (no "task ready"
    for a step already done)."""
    configure(monkeypatch, mailbox, None)
    eng = engine(str(tmp_path / "sop.db"), definitions)
    number = eng.instances.start(PROCESS).instance
    for step in load_scenario(EXAMPLES / "tunda.scenario.yaml").steps[:2]:
        eng.instance(number).complete(step["task"], step["data"], actor=step["as"], attach=step["attach"] or None)
    result = eng.notices.notify()
    assert (result.events, result.made) == (6, 1)
    assert [(to, subject.split(":")[0]) for to, subject in mailbox.received()] == [("kabid@bangka.go.id",
                                                                                    "Task ready")]


def test_a_scripted_run_with_a_delegation_and_a_return_tells_the_stand_in_and_the_lane_sent_back_to(
        db: str, definitions: Path, mailbox: MailBox, endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Kepala Seksi is away (the network team's Fajar is Plh.): his step's notices reach both; Fajar sends the
    topology analysis back to the survey with a reason, and his lane hears "Returned for revision" once (not also
    "Task ready"); the step overdue two months on reaches the Kepala Seksi, his Plh. and his superior; a restarted
    worker sends nothing again."""
    configure(monkeypatch, mailbox, endpoint)
    clock = Clock()
    eng, worker = engine(db, definitions, clock), engine(db, definitions, clock)
    eng.people.apply_roles()
    eng.people.delegate("kasi.infra", "tim.jaringan", start="2026-11-02", until="2027-01-31")
    steps = load_scenario(EXAMPLES / "tunda.scenario.yaml").steps
    number = eng.instances.start(PROCESS).instance
    worker.notices.notify()
    for step in steps[:4]:
        eng.instance(number).complete(step["task"], step["data"], actor=step["as"], attach=step["attach"] or None)
        worker.notices.notify()
    assert [t.task for t in eng.instance(number).tasks()] == ["AnalisaTopologi"]
    eng.instance(number).send_back("AnalisaTopologi", to="SurveyTeknis", reason="Ukur ulang jarak kabel",
                                   actor="tim.jaringan")
    worker.notices.notify()
    survey = next(s for s in steps if s["task"] == "SurveyTeknis")
    eng.instance(number).complete("SurveyTeknis", survey["data"], actor=survey["as"],
                                  attach=survey["attach"] or None)
    worker.notices.notify()
    clock.now = LATE
    eng.time.tick()
    worker.notices.notify()
    expected = [(to, "Task ready") for step in steps[:4] for to in READY_MAIL[step["task"]]]
    expected += [("kasi@bangka.go.id", "Task ready"), ("fajar@bangka.go.id", "Task ready")]  # the Plh. too
    expected += [("fajar@bangka.go.id", "Returned for revision")]
    expected += [("kasi@bangka.go.id", "Task ready"), ("fajar@bangka.go.id", "Task ready")]
    expected += [("kasi@bangka.go.id", "Overdue"), ("fajar@bangka.go.id", "Overdue"),
                 ("kabid@bangka.go.id", "Overdue")]
    received = mailbox.received()
    assert [(to, subject.split(":")[0]) for to, subject in received] == expected
    returned = next(m for m in mailbox.messages if str(m["Subject"]).startswith("Returned"))
    assert "Ukur ulang jarak kabel" in str(returned["Subject"])
    text = returned.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"https://sop.bangka.go.id/instances/{number}/tasks/SurveyTeknis" in text
    history = eng.instance(number).history()[0]
    assert [r.type for r in history].count("task-returned") == 1
    assert eng.instance(number).verify().problems == []
    again = engine(db, definitions, clock).notices.notify()
    assert (again.events, again.made, again.sent) == (0, 0, 0)
    assert len(mailbox.messages) == len(expected)
    eng.close()
    worker.close()
