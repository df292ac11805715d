"""What a process owner reads from `sop lint` on other modelers' diagrams: one located, worded message per problem
(never a SpiffWorkflow exception), the same rule and line when loading refuses, in English and Indonesian."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.definitions.rules import ERROR, Finding
from engine.runtime.parsing import parser_findings
from tests.conftest import ROOT, Sop

LINT = ROOT / "tests" / "data" / "lint"
MESSAGES = LINT / "messages"
CUTI = (LINT / "definitions" / "cuti_lint.bpmn").read_text(encoding="utf-8")
SETUJU = '<bpmn:conditionExpression>Telaah["keputusan"] == "setuju"</bpmn:conditionExpression>'
PROCESS = '<bpmn:process id="cuti_lint" name="Cuti (contoh lint)" isExecutable="true">'
HEAD = 'targetNamespace="http://bpmn.io/schema/bpmn">'


def _sop(tmp_path: Path, name: str, text: str | bytes) -> tuple[Sop, Path]:
    """A store over a definitions folder holding only this diagram (no roles file: single-user mode)."""
    definitions = tmp_path / "definitions"
    definitions.mkdir()
    diagram = definitions / name
    if isinstance(text, bytes):
        diagram.write_bytes(text)
    else:
        diagram.write_text(text, encoding="utf-8")
    return Sop(tmp_path / "sop.db", definitions, LINT / "forms"), diagram


def _copied(tmp_path: Path, name: str) -> tuple[Sop, Path]:
    return _sop(tmp_path, name, (MESSAGES / name).read_text(encoding="utf-8"))


def _refused(sop: Sop, process: str, *, where: str, message: str, rule: str, more: int = 0,
             spiff: bool = False) -> None:
    """`sop start` refuses the process naming lint's first error, its rule and line; nothing is stored (a refusal
    of SpiffWorkflow's own reading comes when the process is built, after the catalog's checks passed)."""
    before = sop.dump()
    started = sop("start", process)
    extra = "" if not more else f"; {more} more error{'s' if more > 1 else ''}: run `sop lint` to see all"
    assert started.exit_code == 1
    said = f"{where}: {message} (rule {rule}{extra})"
    assert started.stderr == (f"Error: {said}\n" if spiff else
                              f"Error: Process '{process}' cannot be loaded: {said}; nothing was done\n")
    assert sop.dump() == before


def _lint(sop: Sop) -> tuple[int, str, str]:
    result = sop("lint")
    return result.exit_code, result.stdout, result.stderr


def test_jbpm_event_based_split_is_refused_once_per_element_without_spiffworkflow_words(tmp_path: Path,
                                                                                      monkeypatch:
                                                                                      pytest.MonkeyPatch) -> None:
    """jBPM's EventBasedSplit shape (a signal whose signalRef names nothing) is one message per element, never
    SpiffWorkflow's TypeError; loading names the first; in Indonesian too. (Its timer after the gateway would run: a
    wait in the flow; its signal catch too, were its signal defined.)"""
    sop, bpmn = _copied(tmp_path, "event_gateway.bpmn")
    gateway = f"{bpmn}:23: error [element-unsupported] Tunggu: eventBasedGateway 'Tunggu' is refused: sop has no "
    assert _lint(sop) == (1, (
        f"{gateway}event-based gateways yet\n"
        f"{bpmn}:28: error [event-ref-missing] Balasan: intermediateCatchEvent 'Balasan' refers to signal "
        "'Sinyal_Balasan', which the file does not define; add a bpmn:signal with id 'Sinyal_Balasan' to the "
        "definitions, or remove the signalRef\n"), "2 error(s), 0 warning(s).\n")
    _refused(sop, "tunggu_balasan", where=f"{bpmn}:23", rule="element-unsupported",  # the reference: read later
             message="eventBasedGateway 'Tunggu' is refused: sop has no event-based gateways yet")
    monkeypatch.setenv("SOP_LANG", "id")
    code, out, err = _lint(sop)
    assert (code, err) == (1, "2 galat, 0 peringatan.\n")
    assert out.splitlines()[1] == (f"{bpmn}:28: galat [event-ref-missing] Balasan: intermediateCatchEvent 'Balasan' "
                                   "merujuk ke signal 'Sinyal_Balasan', yang tidak didefinisikan dalam berkas; "
                                   "tambahkan bpmn:signal dengan id 'Sinyal_Balasan' ke definitions, atau hapus "
                                   "signalRef")


def test_activiti_transaction_with_an_error_boundary_is_refused_once_per_element(tmp_path: Path,
                                                                                 monkeypatch:
                                                                                 pytest.MonkeyPatch) -> None:
    """Activiti's testTransactionElements shape: the error boundary event (on a step, which never throws) is one
    message (not a second one advising a plain start or end event, nor SpiffWorkflow's TypeError), the transaction
    another; in Indonesian too."""
    sop, bpmn = _copied(tmp_path, "transaction_error.bpmn")
    boundary = ("boundaryEvent 'Gagal' is attached to 'Ajukan' (userTask); sop runs boundary timers (timeDuration or "
                "timeDate) and boundary signals on steps (user, manual and plain tasks) and embedded subprocesses, "
                "and error and escalation boundaries on embedded subprocesses only")
    assert _lint(sop) == (1, (
        f"{bpmn}:23: error [element-unsupported] Gagal: {boundary}\n"
        f"{bpmn}:27: error [element-unsupported] Transaksi: transaction 'Transaksi' is refused: sop does not run "
        "transactions yet\n"), "2 error(s), 0 warning(s).\n")
    _refused(sop, "bayar", where=f"{bpmn}:23", message=boundary, rule="element-unsupported", more=1)
    monkeypatch.setenv("SOP_LANG", "id")
    assert _lint(sop) == (1, (
        f"{bpmn}:23: galat [element-unsupported] Gagal: boundaryEvent 'Gagal' menempel pada 'Ajukan' (userTask); sop "
        "menjalankan pewaktu tepi (timeDuration atau timeDate) dan sinyal tepi hanya pada langkah (tugas pengguna, "
        "manual, dan biasa) dan subproses tertanam, serta galat dan eskalasi tepi hanya pada subproses tertanam\n"
        f"{bpmn}:27: galat [element-unsupported] Transaksi: transaction 'Transaksi' ditolak: sop belum menjalankan "
        "transaksi\n"), "2 galat, 0 peringatan.\n")


def test_spiffworkflow_refusing_an_event_reference_is_a_rule_at_the_event() -> None:
    """SpiffWorkflow's own reading of an errorRef that names no error is rule event-ref-missing at the event's
    definition line (3.2 raised a TypeError naming nothing); lint shows it where no sop rule refuses the event."""
    from engine.bpmn.xml_reading import parse_xml

    path = MESSAGES / "transaction_error.bpmn"
    root = parse_xml(path.read_text(encoding="utf-8"), str(path))
    found = parser_findings(root, str(path))
    assert [(f.line, f.element, f.rule, str(f.message)) for f in found] == [(
        25, "Gagal", "event-ref-missing", "boundaryEvent 'Gagal' refers to error 'Galat_Bayar', which the file does "
        "not define; add a bpmn:error with id 'Galat_Bayar' to the definitions, or remove the errorRef")]
    assert all(isinstance(f, Finding) and f.severity == ERROR for f in found)


def test_a_spiffworkflow_refusal_sop_rules_leave_to_it_is_worded_for_a_process_owner(tmp_path: Path,
                                                                                    monkeypatch:
                                                                                    pytest.MonkeyPatch) -> None:
    """A flow out of an exclusive gateway with no condition and not the default: SpiffWorkflow refuses it; lint and
    loading say so at the flow, in a process owner's words, in both languages."""
    sop, bpmn = _sop(tmp_path, "cuti_lint.bpmn", CUTI.replace(SETUJU, ""))
    message = ("sequenceFlow 'F_Setuju' leaves an exclusive gateway with no condition and is not the gateway's "
               "default flow; give it a condition or make it the default flow")
    assert _lint(sop) == (1, f"{bpmn}:40: error [process-unparsable] F_Setuju: {message}\n",
                          "1 error(s), 0 warning(s).\n")
    _refused(sop, "cuti_lint", where=f"{bpmn}:40", message=message, rule="process-unparsable", spiff=True)
    monkeypatch.setenv("SOP_LANG", "id")
    assert _lint(sop)[1] == (f"{bpmn}:40: galat [process-unparsable] F_Setuju: sequenceFlow 'F_Setuju' keluar dari "
                             "gateway eksklusif tanpa kondisi dan bukan alur bawaan gateway itu; beri kondisi atau "
                             "jadikan alur bawaan\n")


def test_a_condition_broken_across_lines_names_the_line_break(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A condition pretty-printed over two lines is refused naming the break and the fix, not "invalid syntax"."""
    broken = '<bpmn:conditionExpression>Telaah["keputusan"] ==\n        "setuju"</bpmn:conditionExpression>'
    sop, bpmn = _sop(tmp_path, "cuti_lint.bpmn", CUTI.replace(SETUJU, broken))
    message = ("sequenceFlow 'F_Setuju': expression 'Telaah[\"keputusan\"] == \"setuju\"' is broken across lines: "
               "its line 1 ends with 'Telaah[\"keputusan\"] ==', and a line break ends an expression; write it on one "
               "line (a modeler's pretty-printing may have split it), or put the whole expression in parentheses")
    assert _lint(sop) == (1, f"{bpmn}:41: error [condition-invalid] F_Setuju: {message}\n",
                          "1 error(s), 0 warning(s).\n")
    _refused(sop, "cuti_lint", where=f"{bpmn}:41", message=message, rule="condition-invalid")
    monkeypatch.setenv("SOP_LANG", "id")
    assert _lint(sop)[1] == (
        f"{bpmn}:41: galat [condition-invalid] F_Setuju: sequenceFlow 'F_Setuju': ekspresi 'Telaah[\"keputusan\"] == "
        "\"setuju\"' terpotong menjadi beberapa baris: barisnya yang ke-1 berakhir dengan 'Telaah[\"keputusan\"] ==', "
        "dan pergantian baris mengakhiri ekspresi; tulis dalam satu baris (perapian tampilan oleh modeler mungkin "
        "telah memotongnya), atau apit seluruh ekspresi dengan tanda kurung\n")


def test_a_condition_with_only_line_breaks_around_it_lints_clean_and_runs(tmp_path: Path) -> None:
    """Line breaks and spaces before and after a condition (pretty-printed XML) are no problem: it decides."""
    spaced = '<bpmn:conditionExpression>\n        Telaah["keputusan"] == "setuju"\n      </bpmn:conditionExpression>'
    sop, _ = _sop(tmp_path, "cuti_lint.bpmn", CUTI.replace(SETUJU, spaced))
    assert _lint(sop) == (0, "", "No problems found.\n")
    instance = sop.start("cuti_lint")
    assert sop("complete", str(instance), "Ajukan", "--set", "nama=Ani", "--set", "hari=2").exit_code == 0
    assert sop("complete", str(instance), "Telaah", "--set", "keputusan=setuju").exit_code == 0
    shown = sop.json("show", str(instance))
    assert shown["status"] == "completed"


@pytest.mark.parametrize(("exporter", "named"), [
    ('exporter="Signavio Process Editor, http://www.signavio.com" exporterVersion="16.4.0"',
     "Signavio Process Editor 16.4.0"),
    ('exporter="ADONIS" exporterVersion="14.0"', "ADONIS 14.0"),
])
def test_the_not_executable_message_names_the_exporter(tmp_path: Path, exporter: str, named: str) -> None:
    """A Signavio or ADONIS file marked not executable is not blamed on bpmn-js: the message names its modeler
    and what to set; loading refuses with the same words."""
    text = CUTI.replace(PROCESS, PROCESS.replace('"true"', '"false"')).replace(HEAD, HEAD[:-1] + f" {exporter}>")
    sop, bpmn = _sop(tmp_path, "cuti_lint.bpmn", text)
    message = (f"process 'cuti_lint' has isExecutable=\"false\", as {named} wrote it, so sop does not run it; set "
               f"isExecutable=\"true\" on the process: in {named}'s properties of the process if it has that setting, "
               "else open the diagram in Camunda Modeler, select the process (or its pool) and tick Executable")
    assert _lint(sop) == (1, f"{bpmn}:3: error [process-not-executable] cuti_lint: {message}\n",
                          "1 error(s), 0 warning(s).\n")
    _refused(sop, "cuti_lint", where=f"{bpmn}:3", message=message, rule="process-not-executable")


def test_the_not_executable_message_in_indonesian_names_the_exporter(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The same message in Indonesian, for a file Camunda Modeler wrote."""
    text = CUTI.replace(PROCESS, PROCESS.replace('"true"', '"false"')).replace(
        HEAD, HEAD[:-1] + ' exporter="Camunda Modeler" exporterVersion="5.31.0">')
    sop, bpmn = _sop(tmp_path, "cuti_lint.bpmn", text)
    monkeypatch.setenv("SOP_LANG", "id")
    assert _lint(sop)[1] == (
        f"{bpmn}:3: galat [process-not-executable] cuti_lint: proses 'cuti_lint' memiliki isExecutable=\"false\", "
        "sebagaimana ditulis oleh Camunda Modeler 5.31.0, sehingga sop tidak menjalankannya; tetapkan "
        "isExecutable=\"true\" pada proses tersebut: di Camunda Modeler, pilih proses (atau pool-nya) lalu centang "
        "Executable di panel properti\n")


def test_a_bizagi_file_with_an_empty_pool_lints_clean_and_runs(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Bizagi's pool for an outside participant (a process with no flow node) beside the real process is ignored:
    no "no start event" for it; the real process starts, in either language."""
    sop, _ = _copied(tmp_path, "empty_pool.bpmn")
    assert _lint(sop) == (0, "", "No problems found.\n")
    assert sop.start("cuti_lint") == 1
    assert [p["id"] for p in sop.json("processes")] == ["cuti_lint"]
    monkeypatch.setenv("SOP_LANG", "id")
    assert _lint(sop) == (0, "", "Tidak ditemukan masalah.\n")


def test_a_file_whose_only_process_is_empty_is_refused_for_its_missing_start(tmp_path: Path,
                                                                              monkeypatch:
                                                                              pytest.MonkeyPatch) -> None:
    """With no process that has steps, the empty one is still refused, in a process owner's words."""
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/'
            '20100524/MODEL" id="D" targetNamespace="http://bpmn.io/schema/bpmn">\n'
            '  <bpmn:process id="kosong" isExecutable="true" />\n</bpmn:definitions>\n')
    sop, bpmn = _sop(tmp_path, "kosong.bpmn", text)
    message = "process 'kosong' has no start event; draw one where the work begins"
    assert _lint(sop) == (1, f"{bpmn}:3: error [process-unparsable] kosong: {message}\n", "1 error(s), 0 warning(s).\n")
    _refused(sop, "kosong", where=f"{bpmn}:3", message=message, rule="process-unparsable", spiff=True)
    monkeypatch.setenv("SOP_LANG", "id")
    assert _lint(sop)[1] == (f"{bpmn}:3: galat [process-unparsable] kosong: proses 'kosong' tidak memiliki peristiwa "
                             "awal; gambarkan satu di tempat pekerjaan dimulai\n")


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "windows-1252"])
def test_plain_ascii_declared_in_a_western_encoding_is_read(tmp_path: Path, encoding: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """An ASCII file declaring ISO-8859-1 or windows-1252 reads the same in UTF-8: it lints clean and runs."""
    text = CUTI.replace('encoding="UTF-8"', f'encoding="{encoding}"', 1)
    sop, _ = _sop(tmp_path, "cuti_lint.bpmn", text.encode("ascii"))
    assert _lint(sop) == (0, "", "No problems found.\n")
    assert sop.start("cuti_lint") == 1
    monkeypatch.setenv("SOP_LANG", "id")
    assert _lint(sop) == (0, "", "Tidak ditemukan masalah.\n")


def test_latin1_bytes_are_refused_naming_the_declaration_the_byte_and_its_line(tmp_path: Path,
                                                                                monkeypatch:
                                                                                pytest.MonkeyPatch) -> None:
    """A file truly saved in ISO-8859-1 (é as byte E9) is refused by lint and loading alike, saying which byte on
    which line and to save it as UTF-8."""
    text = CUTI.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"', 1).replace('name="Ajukan cuti"',
                                                                               'name="Ajukan cuti café"')
    sop, bpmn = _sop(tmp_path, "cuti_lint.bpmn", text.encode("latin-1"))
    message = ("is not UTF-8 text: it declares encoding 'ISO-8859-1' and has byte 0xE9 on line 17, and sop reads "
               "diagrams as UTF-8 only; save the file as UTF-8 with encoding=\"UTF-8\" (most modelers and text "
               "editors offer it in Save As)")
    assert _lint(sop) == (1, f"{bpmn}:17: error [xml-malformed] {message}\n", "1 error(s), 0 warning(s).\n")
    before = sop.dump()
    started = sop("start", "cuti_lint")
    assert started.exit_code == 1 and f"{bpmn}:17: {message} (rule xml-malformed)" in started.stderr
    assert sop.dump() == before
    monkeypatch.setenv("SOP_LANG", "id")
    assert _lint(sop)[1] == (
        f"{bpmn}:17: galat [xml-malformed] bukan teks UTF-8: berkas menyatakan encoding 'ISO-8859-1' dan memuat byte "
        "0xE9 pada baris 17, sedangkan sop hanya membaca diagram sebagai UTF-8; simpan berkas sebagai UTF-8 dengan "
        "encoding=\"UTF-8\" (sebagian besar modeler dan penyunting teks menyediakannya di Save As)\n")


def test_an_event_with_two_definitions_is_one_message(tmp_path: Path) -> None:
    """A start event carrying two message definitions is one problem, said once, at its first definition."""
    start = '<bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>'
    sop, bpmn = _sop(tmp_path, "cuti_lint.bpmn", CUTI.replace(start, (
        '<bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>F1</bpmn:outgoing>\n'
        '      <bpmn:messageEventDefinition id="Pesan_1" />\n      <bpmn:messageEventDefinition id="Pesan_2" />\n'
        "    </bpmn:startEvent>")))
    message = ("startEvent 'StartEvent_1' has a messageEventDefinition, which sop cannot run yet; use a plain start or "
               "end event")
    assert _lint(sop) == (1, f"{bpmn}:17: error [element-unsupported] StartEvent_1: {message}\n",
                          "1 error(s), 0 warning(s).\n")
    _refused(sop, "cuti_lint", where=f"{bpmn}:17", message=message, rule="element-unsupported")
