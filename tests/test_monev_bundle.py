"""The monitoring log in the audit bundle and in `sop lint`: an instance's bundle carries the notes and evaluations of
its process, which `sop verify --bundle` rechecks (an edit in the file fails naming the event); the page's on-time
threshold (`ambang_tepat_waktu`) is checked by lint at its line and refused at load."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Sop
from test_monev import PAGE, history  # noqa: F401  (the fixture: a store with leave requests over two semesters)

PROCESS = "permohonan_cuti"
CRITERIA = [word for n in range(1, 8) for word in ("--criterion", f"{n}=ya" if n != 3 else "3=tidak:Terlalu panjang")]


def _note(sop: Sop, process: str, step: str, catatan: str) -> None:
    result = sop("monev", "--process", process, "--semester", "2026-2", "--note", step, "--catatan", catatan,
                 "--tindakan", "Ingatkan atasan", "--paraf")
    assert result.exit_code == 0, result.output


def _second_process(sop: Sop) -> None:
    """A second SOP beside the leave requests (the same diagram under another id), so that the store's monitoring
    log interleaves the notes of two processes."""
    text = (sop.definitions / f"{PROCESS}.bpmn").read_text(encoding="utf-8")
    (sop.definitions / "cuti_tahunan.bpmn").write_text(
        text.replace(f'id="{PROCESS}" name="Permohonan Cuti Pegawai"', 'id="cuti_tahunan" name="Cuti Tahunan"'),
        encoding="utf-8")


@pytest.fixture
def noted(history: Sop) -> Sop:  # noqa: F811
    """The history with monitoring events 1 (note on Telaah), 2 (a note of another process), 3 (note on
    AjukanCuti) and 4 (the evaluation of 2026-2)."""
    _second_process(history)
    _note(history, PROCESS, "Telaah", "Telaah lewat satu hari")
    _note(history, "cuti_tahunan", "Telaah", "Catatan proses lain")
    _note(history, PROCESS, "AjukanCuti", "Formulir sering tidak lengkap")
    result = history("monev", "--process", PROCESS, "--semester", "2026-2", "--evaluate", *CRITERIA)
    assert result.exit_code == 0, result.output
    return history


def _export(sop: Sop, path: Path, instance: str = "2") -> dict[str, Any]:
    result = sop("export", instance, "-o", str(path))
    assert result.exit_code == 0, result.output
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _rewrite(path: Path, bundle: dict[str, Any]) -> None:
    path.write_text(json.dumps(bundle, ensure_ascii=False, indent=1), encoding="utf-8")


def test_the_bundle_carries_the_processs_notes_and_evaluation(noted: Sop, tmp_path: Path) -> None:
    """`sop export` writes the monitoring events of the instance's process (not the other process's note), with
    what was written, by whom and when; `sop verify --bundle` passes."""
    bundle = _export(noted, tmp_path / "b.json")
    events = bundle["monev"]
    assert [(e["seq"], e["kind"], e["item"], e["period"]) for e in events] == [
        (1, "note", "Telaah", "2026-2"), (3, "note", "AjukanCuti", "2026-2"), (4, "evaluation", "", "2026-2")]
    assert events[0]["data"] == {"catatan": "Telaah lewat satu hari", "tindakan": "Ingatkan atasan", "paraf": True}
    assert events[2]["data"]["dilaksanakan"] == {"ya": False, "catatan": "Terlalu panjang"}
    assert {e["process"] for e in events} == {PROCESS}
    verified = noted("verify", "--bundle", str(tmp_path / "b.json"))
    assert verified.exit_code == 0, verified.output
    assert f"Verified 1 instance(s) in bundle {tmp_path / 'b.json'}: all ok." in verified.stderr


@pytest.mark.parametrize(("event", "edit", "named"), [
    (0, lambda e: e["data"].update(catatan="Telaah tepat waktu"),
     "monitoring event 1 (the note on step Telaah of permohonan_cuti 2026-2, by "),
    (1, lambda e: e.update(actor="orang.lain"),
     "monitoring event 3 (the note on step AjukanCuti of permohonan_cuti 2026-2, by orang.lain at "),
    (2, lambda e: e["data"]["dilaksanakan"].update(ya=True),
     "monitoring event 4 (the evaluation of permohonan_cuti 2026-2, by "),
])
def test_an_edited_monitoring_event_fails_the_bundle(noted: Sop, tmp_path: Path, event: int, edit: Any,
                                                     named: str) -> None:
    """A Catatan, the writer or an evaluation's answer changed in the bundle file: verify fails naming the event
    (text and --json); the store is untouched."""
    path = tmp_path / "b.json"
    bundle = _export(noted, path)
    before = noted.dump()
    edit(bundle["monev"][event])
    _rewrite(path, bundle)
    result = noted("verify", "--bundle", str(path))
    assert result.exit_code == 1
    assert named in result.stdout and "hash mismatch — the monitoring event was altered in the bundle" in result.stdout
    assert "instance 2: FAILED" in result.stdout
    assert f"Error: 1 of 1 instance(s) in bundle {path} failed verification." in result.stderr
    data = json.loads(noted("verify", "--bundle", str(path), "--json").stdout)
    assert data[0]["ok"] is False
    assert any(named in p["problem"] for p in data[0]["problems"])
    assert noted.dump() == before


def test_a_rehashed_edit_breaks_the_link_to_the_next_event(noted: Sop, tmp_path: Path) -> None:
    """Editing the evaluation's predecessor and rehashing it (as a forger with the hash rule would) still fails:
    the evaluation, next in the store's log, names the event it no longer follows."""
    from engine.common.canonical import canonical_json
    from engine.store.monev_rows import monev_event_hash
    from engine.store.protocol import MonevEventRow

    path = tmp_path / "b.json"
    bundle = _export(noted, path)
    third = bundle["monev"][1]
    third["data"]["catatan"] = "Formulir selalu lengkap"
    row = MonevEventRow(third["seq"], third["time"], third["kind"], third["process"], third["period"], third["item"],
                        third["actor"], canonical_json(third["data"]), "")
    third["hash"] = monev_event_hash(third["previous"], row, third["data"])
    _rewrite(path, bundle)
    result = noted("verify", "--bundle", str(path))
    assert result.exit_code == 1
    assert ("monitoring event 4 (the evaluation of permohonan_cuti 2026-2, by " in result.stdout
            and "does not follow monitoring event 3: one of them was altered" in result.stdout), result.stdout


def test_removed_reordered_or_garbled_events_fail(noted: Sop, tmp_path: Path) -> None:
    """Events swapped, one of another process slipped in, a field missing: each fails verify with its reason; a
    bundle written before the monitoring log was bundled (no `monev`) still verifies."""
    path = tmp_path / "b.json"
    bundle = _export(noted, path)
    cases = [
        ({**bundle, "monev": bundle["monev"][::-1]}, "is out of order (after monitoring event 4)"),
        ({**bundle, "monev": [{**bundle["monev"][0], "process": "cuti_tahunan"}]},
         "is not of the bundle's process permohonan_cuti"),
        ({**bundle, "monev": [{k: v for k, v in bundle["monev"][0].items() if k != "hash"}]},
         "monitoring event 1 of the bundle lacks or garbles a field (KeyError: 'hash')"),
        ({**bundle, "monev": {"1": "x"}}, "the bundle's monitoring events are not a list"),
    ]
    for changed, words in cases:
        _rewrite(path, changed)
        result = noted("verify", "--bundle", str(path))
        assert result.exit_code == 1, words
        assert words in result.stdout, (words, result.stdout)
        assert "Traceback" not in result.output
    _rewrite(path, {k: v for k, v in bundle.items() if k != "monev"})
    assert noted("verify", "--bundle", str(path)).exit_code == 0


def test_a_bundle_without_monitoring_events_has_an_empty_list(history: Sop, tmp_path: Path) -> None:  # noqa: F811
    """No note written yet: the bundle holds an empty monitoring log and verifies."""
    bundle = _export(history, tmp_path / "b.json", "1")
    assert bundle["monev"] == []
    assert history("verify", "--bundle", str(tmp_path / "b.json")).exit_code == 0


def test_the_verify_message_in_indonesian(noted: Sop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under SOP_LANG=id the failing monitoring event is named in Indonesian."""
    monkeypatch.setenv("SOP_LANG", "id")
    path = tmp_path / "b.json"
    bundle = _export(noted, path)
    bundle["monev"][0]["data"]["catatan"] = "Telaah tepat waktu"
    _rewrite(path, bundle)
    result = noted("verify", "--bundle", str(path))
    assert result.exit_code == 1
    assert "peristiwa monitoring 1 (catatan pada langkah Telaah dari permohonan_cuti 2026-2, oleh " in result.stdout
    assert "diubah di dalam bundel" in result.stdout


# --- the on-time threshold of the page, in `sop lint` and at load


def _page(sop: Sop, line: str) -> Path:
    page = sop.definitions / f"{PROCESS}.yaml"
    page.write_text(PAGE.replace("ambang_tepat_waktu: 60", line), encoding="utf-8")
    return page


THRESHOLD_LINE = PAGE.splitlines().index("ambang_tepat_waktu: 60") + 1


@pytest.mark.parametrize(("line", "shown"), [
    ("ambang_tepat_waktu: 80%", "'80%'"), ("ambang_tepat_waktu: 120", "120"), ("ambang_tepat_waktu: -5", "-5"),
    ("ambang_tepat_waktu: tinggi", "'tinggi'"), ("ambang_tepat_waktu: true", "True"),
    ("ambang_tepat_waktu: .nan", "nan"), ("ambang_tepat_waktu: [80]", "[80]"),
])
def test_lint_refuses_a_threshold_that_is_no_percentage(history: Sop, line: str, shown: str) -> None:  # noqa: F811
    """Not a number, or outside 0..100: lint reports page-invalid at the page's file and the key's line, saying
    what is allowed; `sop start` and `sop monev` refuse the process; nothing is written."""
    page = _page(history, line)
    linted = history("lint", str(history.definitions))
    assert linted.exit_code == 1
    words = (f"ambang_tepat_waktu is {shown}; give a percentage from 0 to 100 without the percent sign (the on-time "
             "share at which a step runs well; 80 when left out), e.g. ambang_tepat_waktu: 80; fix the page")
    assert f"{page}:{THRESHOLD_LINE}: error [page-invalid]" in linted.stdout
    assert words in linted.stdout
    problems = json.loads(history("lint", str(history.definitions), "--json").stdout)
    assert [(p["rule"], p["file"], p["line"]) for p in problems] == [("page-invalid", str(page), THRESHOLD_LINE)]
    before = history.dump()
    for args in (("start", PROCESS), ("monev", "--process", PROCESS, "--semester", "2026-2")):
        refused = history(*args)
        assert refused.exit_code == 1 and words in refused.stderr, refused.output
    assert history.dump() == before


def test_lint_in_indonesian_names_the_threshold(history: Sop, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """Under SOP_LANG=id the refusal reads in Indonesian, the key and the line as written."""
    monkeypatch.setenv("SOP_LANG", "id")
    page = _page(history, "ambang_tepat_waktu: 120")
    linted = history("lint", str(history.definitions))
    assert linted.exit_code == 1
    assert f"{page}:{THRESHOLD_LINE}: galat [page-invalid]" in linted.stdout
    assert "ambang_tepat_waktu bernilai 120; beri persentase dari 0 sampai 100" in linted.stdout


@pytest.mark.parametrize("line", ["ambang_tepat_waktu: 0", "ambang_tepat_waktu: 100", "ambang_tepat_waktu: 72.5",
                                  "other: 1"])
def test_lint_accepts_a_percentage_or_none(history: Sop, line: str) -> None:  # noqa: F811
    """0, 100, a fraction, or no threshold at all (80 then): lint is clean and the form reads it."""
    _page(history, line)
    linted = history("lint", str(history.definitions), "--json")
    assert linted.exit_code == 0 and json.loads(linted.stdout) == [], linted.output
    data = history.json("monev", "--process", PROCESS, "--semester", "2026-2")
    assert data["threshold"] == (float(line.split(": ")[1]) if line.startswith("ambang") else 80)


def test_a_bad_threshold_on_a_page_with_a_key_written_twice(history: Sop) -> None:  # noqa: F811
    """A page that also writes a key twice: the threshold is still reported (at the page, with no line), no
    traceback."""
    page = _page(history, "ambang_tepat_waktu: 120\nambang_tepat_waktu: 130")
    linted = history("lint", str(history.definitions), "--json")
    assert linted.exit_code == 1 and "Traceback" not in linted.output
    problems = json.loads(linted.stdout)
    assert [(p["rule"], p["file"]) for p in problems] == [("page-invalid", str(page))]
    assert "ambang_tepat_waktu is 130; give a percentage from 0 to 100" in problems[0]["message"]
