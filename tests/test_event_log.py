"""Tests for `sop export --xes`: pm4py reads the event log of a store that ran the seed SOP's two paths (one trace
per instance, the diagram's flows as the directly-follows graph), the XES is well formed with its extensions
declared, a return for revision is an aborted step, the read rule holds, the language changes no data, and bad
input is refused with nothing written."""

from __future__ import annotations

import itertools
import json
import xml.etree.ElementTree as ET
from collections import Counter, deque
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import DEFINITIONS, EXAMPLES, FORMS, Sop

from engine import Engine, StoreError, ValidationError, run_scenario
from engine.ops.scenarios import load_scenario

PROCESS = "interkoneksi_data_baru"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
PATHS = ("pasang", "tunda")
# Each instance starts on its own Monday, 08:00 WIB: pasang, tunda, then one that is sent back for revision.
DAYS = ("2026-11-02T01:00:00.000Z", "2026-11-09T01:00:00.000Z", "2026-11-16T01:00:00.000Z")
LIFECYCLE = {"schedule", "assign", "withdraw", "reassign", "start", "suspend", "resume", "pi_abort", "ate_abort",
             "complete", "autoskip", "manualskip", "unknown"}
EXTENSIONS = {"concept": "http://www.xes-standard.org/concept.xesext", "time": "http://www.xes-standard.org/time.xesext",
              "lifecycle": "http://www.xes-standard.org/lifecycle.xesext",
              "org": "http://www.xes-standard.org/org.xesext"}
REASON = "Survey ulang: titik \"akses\" <B & C> belum diukur\nbaris kedua"  # escaped in the XML, read back whole


class Ticking:
    """A clock that moves on three minutes at every reading, from a time the test sets."""

    def __init__(self) -> None:
        self.now = datetime.fromisoformat(DAYS[0])

    def set(self, moment: str) -> None:
        self.now = datetime.fromisoformat(moment)

    def __call__(self) -> str:
        self.now += timedelta(minutes=3)
        return self.now.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _engine(db: Path | str, operator: str, clock: Ticking | None = None) -> Engine:
    return Engine(str(db), definitions_dir=DEFINITIONS, forms_dir=FORMS, clock=clock or Ticking(), operator=operator,
                  roles=DEFINITIONS / "roles.yaml")


def _run_paths(db: str) -> None:
    """Instance 1 runs the pasang path, 2 the tunda path (recorded by the Dinas's operator as the officials); 3,
    requested by the Tata Usaha, is claimed at the topology analysis and sent back to the survey, surveyed again
    (another distance measured)."""
    clock = Ticking()
    eng = _engine(db, "tu.umum", clock)
    for day, name in zip(DAYS, PATHS, strict=False):
        clock.set(day)
        run_scenario(eng, load_scenario(EXAMPLES / f"{name}.scenario.yaml"))
    clock.set(DAYS[2])
    third = eng.instances.start(PROCESS).instance
    steps = load_scenario(EXAMPLES / "tunda.scenario.yaml").steps
    for step in steps[:4]:
        actor = "tu.umum" if step["task"] == "AjukanPermohonan" else step["as"]
        eng.instance(third).complete(step["task"], step["data"], actor=actor, attach=step["attach"] or None)
    eng.instance(third).claim("AnalisaTopologi", actor="kasi.infra")
    eng.instance(third).send_back("AnalisaTopologi", to="SurveyTeknis", reason=REASON, actor="kasi.infra")
    eng.instance(third).complete("SurveyTeknis", {**steps[3]["data"], "jarak_ke_titik_akses_meter": 450.5},
                                 actor="tim.jaringan")  # surveyed again: the log's field holds this last value
    eng.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store that ran the two paths and a return (see _run_paths)."""
    db = tmp_path_factory.mktemp("event-log") / "sop.db"
    _run_paths(str(db))
    return db


def _sop(db: Path) -> Sop:
    """The CLI on the store, in single-user mode (everyone reads everything)."""
    return Sop(db)


def _diagram() -> tuple[dict[str, str], set[tuple[str, str]]]:
    """The diagram's user tasks (id -> name) and each pair of user tasks joined by its flows (through gateways)."""
    root = ET.parse(DEFINITIONS / f"{PROCESS}.bpmn").getroot()
    tasks = {t.get("id", ""): t.get("name", "") for t in root.iter(f"{BPMN}userTask")}
    after: dict[str, list[str]] = {}
    for flow in root.iter(f"{BPMN}sequenceFlow"):
        after.setdefault(flow.get("sourceRef", ""), []).append(flow.get("targetRef", ""))
    joined = set()
    for task in tasks:
        queue, seen = deque(after.get(task, [])), set()
        while queue:
            node = queue.popleft()
            if node in seen:
                continue
            seen.add(node)
            if node in tasks:
                joined.add((task, node))
            else:
                queue.extend(after.get(node, []))
    return tasks, joined


def _expected_dfg() -> Counter[tuple[str, str]]:
    """The directly-follows edges (by step name) of the two paths' step orders, each a flow of the diagram."""
    names, joined = _diagram()
    edges: Counter[tuple[str, str]] = Counter()
    for path in PATHS:
        order = [s["task"] for s in load_scenario(EXAMPLES / f"{path}.scenario.yaml").steps]
        for pair in itertools.pairwise(order):
            assert pair in joined, f"{pair} is no flow of the diagram"
            edges[(names[pair[0]], names[pair[1]])] += 1
    return edges


def _export(sop: Sop, path: Path, *args: str) -> Any:
    result = sop("export", "--xes", str(path), *args)
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.filterwarnings("ignore:Install the optional requirement:UserWarning")  # a faster reader pm4py suggests
def test_pm4py_reads_a_trace_per_instance_and_the_diagrams_flows(store: Path, tmp_path: Path) -> None:
    """pm4py reads the log of the two paths (--until the day before the third instance): two traces, and its
    directly-follows graph is exactly the diagram's flows between the steps the two paths took."""
    import pm4py  # the test extra (pyproject.toml); imported here only: it takes seconds

    log = tmp_path / "two-paths.xes"
    result = _export(_sop(store), log, "--process", PROCESS, "--until", "2026-11-15")
    assert "Wrote 2 instance(s) with 23 step event(s)" in result.stderr
    frame = pm4py.read_xes(str(log))
    assert sorted(frame["case:concept:name"].unique()) == ["1", "2"]
    dfg, starts, ends = pm4py.discover_dfg(frame)
    assert Counter(dfg) == _expected_dfg()
    names, _ = _diagram()
    assert starts == {names["AjukanPermohonan"]: 2} and ends == {names["TindakLanjut"]: 2}
    assert set(frame["lifecycle:transition"]) == {"complete"}


def test_each_event_names_the_step_time_person_and_lane(store: Path, tmp_path: Path) -> None:
    """A trace carries the instance's number, process, title, status and start; each event the step's name, its time
    in WIB, the person who acted and the lane; a return is the sending step aborted, naming where it went and why."""
    log = tmp_path / "all.xes"
    _export(_sop(store), log)
    traces = {_value(t, "concept:name"): t for t in ET.parse(log).getroot().iter("trace")}
    assert sorted(traces) == ["1", "2", "3"]
    first = traces["1"]
    assert (_value(first, "process"), _value(first, "processName"), _value(first, "status")) == (
        PROCESS, "Pelaksanaan Interkoneksi Data Baru", "completed")
    assert _value(first, "title").startswith("Permohonan pemasangan jaringan")
    assert _value(first, "started").startswith("2026-11-02T08:03:00.000+07:00")
    event = first.find("event")
    assert event is not None
    assert (_value(event, "concept:name"), _value(event, "org:resource"), _value(event, "org:role"),
            _value(event, "lifecycle:transition")) == ("Ajukan surat permohonan pemasangan jaringan", "opd.dinkes",
                                                       "OPD", "complete")
    names, _ = _diagram()
    third = [(_value(e, "concept:name"), _value(e, "lifecycle:transition"), _value(e, "org:resource"))
             for e in traces["3"].iter("event")]
    order = ["AjukanPermohonan", "DisposisiKadis", "AnalisaKabid", "SurveyTeknis"]
    assert [n for n, _, _ in third] == [names[t] for t in [*order, "AnalisaTopologi", "SurveyTeknis"]]
    assert third[4] == (names["AnalisaTopologi"], "ate_abort", "kasi.infra")
    assert {t for _, t, _ in third} == {"complete", "ate_abort"}  # the claim is not a step event
    aborted = list(traces["3"].iter("event"))[4]
    assert (_value(aborted, "returnedTo"), _value(aborted, "reason")) == (names["SurveyTeknis"], REASON)
    assert _value(traces["3"], "status") == "running" and _find(traces["3"], "completed") is None


@pytest.mark.filterwarnings("ignore:Install the optional requirement:UserWarning")
def test_pm4py_reads_the_object_centric_log(store: Path, tmp_path: Path) -> None:
    """`--ocel` writes OCEL 2.0 JSON pm4py reads: every step event related to its instance, person and lane;
    flattened on the instances, the two paths give the same directly-follows graph as the XES."""
    import pm4py

    log = tmp_path / "all.json"
    result = _sop(store)("export", "--ocel", str(log))
    assert result.exit_code == 0, result.output
    assert "Wrote 3 instance(s) with 29 step event(s)" in result.stderr
    ocel = pm4py.read_ocel2_json(str(log))
    assert len(ocel.events) == 29
    people = {s["as"] for p in PATHS for s in load_scenario(EXAMPLES / f"{p}.scenario.yaml").steps} | {"tu.umum"}
    lanes = ET.parse(DEFINITIONS / f"{PROCESS}.bpmn").getroot().iter(f"{BPMN}lane")
    assert Counter(ocel.objects["ocel:type"]) == {"Instance": 3, "Person": len(people), "Lane": len(list(lanes))}
    assert Counter(ocel.relations["ocel:qualifier"]) == {"instance": 29, "resource": 29, "role": 29}
    two = tmp_path / "two.json"
    assert _sop(store)("export", "--ocel", str(two), "--until", "2026-11-15").exit_code == 0
    flat = pm4py.ocel_flattening(pm4py.read_ocel2_json(str(two)), "Instance")
    assert Counter(pm4py.discover_dfg(flat)[0]) == _expected_dfg()


def _find(element: ET.Element, key: str) -> ET.Element | None:
    return next((c for c in element if c.get("key") == key), None)


def _value(element: ET.Element, key: str) -> str:
    found = _find(element, key)
    assert found is not None, f"no attribute {key}"
    return found.get("value", "")


def test_the_log_is_well_formed_xes_with_its_extensions_declared(store: Path, tmp_path: Path) -> None:
    """The file parses; the head declares the concept, time, lifecycle and org extensions, globals and classifiers
    in the schema's order; every prefixed key has its extension; dates carry an offset; transitions are the
    standard model's."""
    log = tmp_path / "all.xes"
    _export(_sop(store), log)
    root = ET.parse(log).getroot()
    assert root.tag == "log" and float(root.get("xes.version", "")) == 1.0
    order = [c.tag for c in root]
    kinds = ["extension", "global", "classifier", "attribute", "trace"]
    ranks = [kinds.index(t if t in kinds else "attribute") for t in order]
    assert ranks == sorted(ranks), order
    declared = {e.get("prefix"): e.get("uri") for e in root.iter("extension")}
    assert declared == EXTENSIONS
    assert {g.get("scope") for g in root.iter("global")} == {"trace", "event"}
    events = list(root.iter("event"))
    assert len(events) == 23 + 6
    for element in root.iter():
        key = element.get("key")
        if key is None:
            continue
        assert ":" not in key or key.split(":")[0] in declared, key
        if element.tag == "date":
            assert datetime.fromisoformat(element.get("value", "")).utcoffset() is not None
        if element.tag == "int":
            int(element.get("value", ""))
    for event in events:
        assert _value(event, "lifecycle:transition") in LIFECYCLE
        assert _value(event, "time:timestamp").endswith("+07:00")  # WIB, the office's zone
        assert _value(event, "org:resource")


def test_the_language_changes_no_data(store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The log written under Indonesian and under English is the same file, byte for byte."""
    files = []
    for lang in ("id", "en"):
        monkeypatch.setenv("SOP_LANG", lang)
        files.append(tmp_path / f"{lang}.xes")
        _export(_sop(store), files[-1])
    assert files[0].read_bytes() == files[1].read_bytes()


def test_only_the_instances_a_person_may_read(store: Path, tmp_path: Path) -> None:
    """The OPD's staff member reads only the requests they acted on; the Kepala Dinas reads every instance."""
    seen = {}
    for login in ("opd.dinkes", "kadis"):
        eng = _engine(store, login)
        summary = eng.audit.event_log(str(tmp_path / f"{login}.xes"))
        eng.close()
        seen[login] = sorted(_value(t, "concept:name") for t in ET.parse(summary.path).getroot().iter("trace"))
    assert seen == {"opd.dinkes": ["1", "2"], "kadis": ["1", "2", "3"]}


def test_postgresql_gives_the_same_log(store: Path, tmp_path: Path, pg_url: str) -> None:
    """The same runs on PostgreSQL give the same file as on SQLite (a Kepala Dinas reading it), line for line but
    the task UUIDs (each store draws its own)."""
    _run_paths(pg_url)
    logs = []
    for db in (str(store), pg_url):
        eng = _engine(db, "kadis")
        text = Path(eng.audit.event_log(str(tmp_path / f"{len(logs)}.xes")).path).read_text(encoding="utf-8")
        logs.append([line for line in text.splitlines() if 'key="concept:instance"' not in line])
        eng.close()
    assert logs[0] == logs[1]
    assert logs[0].count("  <trace>") == 3 and logs[0].count("    <event>") == 23 + 6


def test_a_window_of_days(store: Path, tmp_path: Path) -> None:
    """--since and --until pick the instances started on those days (the office's days)."""
    log = tmp_path / "window.xes"
    _export(_sop(store), log, "--since", "2026-11-09", "--until", "2026-11-09")
    assert [_value(t, "concept:name") for t in ET.parse(log).getroot().iter("trace")] == ["2"]
    _export(_sop(store), log, "--since", "2027-01-01")
    assert list(ET.parse(log).getroot().iter("trace")) == []


@pytest.mark.parametrize(("args", "code", "words"), [
    (("--process", "nope"), 1, "No process 'nope' in the definitions or the store; known: interkoneksi_data_baru"),
    (("--since", "2026-11-10", "--until", "2026-11-09"), 1, "--since 2026-11-10 is after --until 2026-11-09"),
    (("--since", "2026-13-01"), 2, "'2026-13-01' does not match the format '%Y-%m-%d'"),
])
def test_bad_input_is_refused_and_nothing_is_written(store: Path, tmp_path: Path, args: tuple[str, ...], code: int,
                                                     words: str) -> None:
    """An unknown process, a window that ends before it starts or a date that is none: refused, the file as it was."""
    sop = _sop(store)
    log = tmp_path / "log.xes"
    log.write_text("the log before\n", encoding="utf-8")
    before = sop.dump()
    result = sop("export", "--xes", str(log), *args)
    assert result.exit_code == code, result.output
    assert words in result.stderr
    assert log.read_text(encoding="utf-8") == "the log before\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.xes"]
    assert sop.dump() == before


def test_an_unwritable_path_is_refused(store: Path, tmp_path: Path) -> None:
    """A folder that does not exist, or a folder for a file: a clear error, nothing written."""
    sop = _sop(store)
    result = sop("export", "--xes", str(tmp_path / "missing" / "log.xes"))
    assert result.exit_code == 1
    assert f"Cannot write the event log to {tmp_path / 'missing' / 'log.xes'}: No such file or directory" in \
        result.stderr
    result = sop("export", "--xes", str(tmp_path))
    assert result.exit_code == 1 and "it is a folder; give the path of a file" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_format_is_refused(store: Path, tmp_path: Path) -> None:
    """The engine's event_log takes kind "xes" or "ocel": another is refused, naming both, and writes nothing."""
    eng = _engine(store, "kadis")
    with pytest.raises(ValidationError, match=r"No event log format 'csv'; give one of xes, ocel"):
        eng.audit.event_log(str(tmp_path / "log.csv"), kind="csv")
    eng.close()
    assert list(tmp_path.iterdir()) == []


def test_a_failure_half_way_leaves_the_file_as_it_was(store: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The store failing at the second instance (locked, gone): the error, the old file untouched, no temporary."""
    from engine.store.sql_reads import SqlStoreReads

    read = SqlStoreReads.events

    def failing(self: SqlStoreReads, instance_id: int) -> Any:
        if instance_id == 2:
            raise StoreError("The store at '{db}' is locked; try again", db="sop.db")
        return read(self, instance_id)

    monkeypatch.setattr(SqlStoreReads, "events", failing)
    log = tmp_path / "log.xes"
    log.write_text("the log before\n", encoding="utf-8")
    result = _sop(store)("export", "--xes", str(log))
    assert result.exit_code == 1 and "The store at 'sop.db' is locked; try again" in result.stderr
    assert log.read_text(encoding="utf-8") == "the log before\n"
    assert list(tmp_path.iterdir()) == [log]


def test_a_missing_store_is_refused(tmp_path: Path) -> None:
    """No store at --db: refused as every reading command refuses it; no log written, no store created."""
    result = Sop(tmp_path / "none.db")("export", "--xes", str(tmp_path / "log.xes"))
    assert result.exit_code == 1
    assert "No store at" in result.stderr and "the file does not exist" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "words"), [
    ((), "give an instance number and -o FILE (its audit bundle), or --xes FILE"),
    (("1", "--xes", "log.xes"), "give INSTANCE -o FILE (an audit bundle) or --xes FILE (an event log), not both"),
    (("1",), "Missing option '-o' / '--output'"),
    (("1", "-o", "b.json", "--process", PROCESS),
     "--process, --since, --until and --field go with --xes FILE or --ocel FILE"),
    (("1", "-o", "b.json", "--field", "AjukanPermohonan.perihal"),
     "--process, --since, --until and --field go with --xes FILE or --ocel FILE"),
    (("--xes", "log.xes", "--ocel", "log.json"), "give --xes FILE or --ocel FILE, not both"),
])
def test_export_usage(store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...],
                      words: str) -> None:
    """`sop export` wants an instance and -o FILE, or --xes FILE: anything else is a usage error, nothing written."""
    monkeypatch.chdir(tmp_path)
    result = _sop(store)("export", *args)
    assert result.exit_code == 2, result.output
    assert words in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_audit_bundle_is_written_as_before(store: Path, tmp_path: Path) -> None:
    """`sop export INSTANCE -o FILE` still writes the instance's bundle, which verifies."""
    sop = _sop(store)
    result = sop("export", "1", "-o", str(tmp_path / "b.json"))
    assert result.exit_code == 0, result.output
    assert "Exported instance 1" in result.stderr
    assert sop("verify", "--bundle", str(tmp_path / "b.json")).exit_code == 0


# The fields of the scenarios' forms a trace carries (tests/../examples/interkoneksi_data_baru/data): text, a nested
# text, a date, a whole number, a number and Ya/Tidak.
FIELDS = ("AjukanPermohonan.perihal", "AjukanPermohonan.pengirim.instansi", "AjukanPermohonan.tanggal",
          "DraftSpesifikasi.bandwidth_mbps", "SurveyTeknis.jarak_ke_titik_akses_meter", "ParafKabid.diparaf")


def _field_args() -> list[str]:
    return [word for name in FIELDS for word in ("--field", name)]


@pytest.mark.filterwarnings("ignore:Install the optional requirement:UserWarning")
def test_chosen_fields_are_trace_attributes_pm4py_reads(store: Path, tmp_path: Path) -> None:
    """`--field STEP.FIELD` writes each field as a trace attribute of its form's type, from the instance's data as
    the step was last completed (absent where the step was not done); pm4py reads them with their types."""
    import pandas as pd
    import pm4py

    log = tmp_path / "fields.xes"
    _export(_sop(store), log, *_field_args())
    traces = {_value(t, "concept:name"): t for t in ET.parse(log).getroot().iter("trace")}
    kinds = {c.get("key"): c.tag for c in traces["1"] if c.get("key") in FIELDS}
    assert kinds == {"AjukanPermohonan.perihal": "string", "AjukanPermohonan.pengirim.instansi": "string",
                     "AjukanPermohonan.tanggal": "date", "DraftSpesifikasi.bandwidth_mbps": "int",
                     "SurveyTeknis.jarak_ke_titik_akses_meter": "float", "ParafKabid.diparaf": "boolean"}
    assert _value(traces["1"], "AjukanPermohonan.tanggal") == "2026-11-02T00:00:00.000+07:00"
    assert {c.get("key") for c in traces["3"] if c.get("key") in FIELDS} == set(FIELDS[:3]) | {FIELDS[4]}
    frame = pm4py.read_xes(str(log))
    cases = frame.groupby("case:concept:name").first()
    assert list(cases["case:AjukanPermohonan.perihal"]) == ["Permohonan pemasangan jaringan komunikasi data"] * 3
    assert list(cases["case:AjukanPermohonan.pengirim.instansi"]) == ["Dinas Kesehatan Kabupaten Bangka"] * 3
    assert cases.loc["1", "case:DraftSpesifikasi.bandwidth_mbps"] == 100
    assert pd.isna(cases.loc["2", "case:DraftSpesifikasi.bandwidth_mbps"])
    assert list(cases["case:SurveyTeknis.jarak_ke_titik_akses_meter"]) == [420.0, 420.0, 450.5]
    assert cases.loc["1", "case:ParafKabid.diparaf"] == True  # noqa: E712  (numpy's bool)
    assert pd.isna(cases.loc["3", "case:ParafKabid.diparaf"])
    day = pd.Timestamp(cases.loc["1", "case:AjukanPermohonan.tanggal"])
    assert day.tz is not None and day.tz_convert("UTC") == pd.Timestamp("2026-11-01T17:00:00Z")
    assert pd.api.types.is_datetime64_any_dtype(frame["case:AjukanPermohonan.tanggal"])
    assert pd.api.types.is_numeric_dtype(frame["case:SurveyTeknis.jarak_ke_titik_akses_meter"])


@pytest.mark.filterwarnings("ignore:Install the optional requirement:UserWarning")
def test_chosen_fields_are_instance_attributes_in_ocel(store: Path, tmp_path: Path) -> None:
    """`--ocel` with `--field`: each field is an attribute of the instance objects, declared with its type."""
    import pm4py

    log = tmp_path / "fields.json"
    result = _sop(store)("export", "--ocel", str(log), *_field_args())
    assert result.exit_code == 0, result.output
    data = json.loads(log.read_text(encoding="utf-8"))
    declared = {a["name"]: a["type"] for t in data["objectTypes"] if t["name"] == "Instance" for a in t["attributes"]}
    assert {k: declared[k] for k in FIELDS} == {
        "AjukanPermohonan.perihal": "string", "AjukanPermohonan.pengirim.instansi": "string",
        "AjukanPermohonan.tanggal": "time", "DraftSpesifikasi.bandwidth_mbps": "integer",
        "SurveyTeknis.jarak_ke_titik_akses_meter": "float", "ParafKabid.diparaf": "boolean"}
    first = next(o for o in data["objects"] if o["id"] == "instance-1")
    values = {a["name"]: a["value"] for a in first["attributes"]}
    assert (values["DraftSpesifikasi.bandwidth_mbps"], values["ParafKabid.diparaf"],
            values["SurveyTeknis.jarak_ke_titik_akses_meter"]) == (100, True, 420.0)
    ocel = pm4py.read_ocel2_json(str(log))
    instances = ocel.objects[ocel.objects["ocel:type"] == "Instance"].set_index("ocel:oid")
    assert instances.loc["instance-3", "SurveyTeknis.jarak_ke_titik_akses_meter"] == 450.5


@pytest.mark.parametrize(("field", "words"), [
    ("Nope.perihal", "--field Nope.perihal: no step 'Nope' with a form in the processes logged; give STEP.FIELD as "
                     "the page's title names it, e.g. AjukanPermohonan.FIELD; steps: AjukanPermohonan, "),
    ("AjukanPermohonan.perihall", "--field AjukanPermohonan.perihall: 'perihall' is no field of step "
                                  "'AjukanPermohonan''s form; its fields: alamat_lokasi, kebutuhan, kontak, "),
    ("AjukanPermohonan.pengirim.kota", "'kota' is no field of step 'AjukanPermohonan''s form; its fields: instansi, "
                                       "jabatan, nama, nip; nothing was written"),
    ("AjukanPermohonan.pengirim", "--field AjukanPermohonan.pengirim: 'pengirim' holds a list, a group of fields or a "
                                  "file; give a field of text, a number, a date or Ya/Tidak; nothing was written"),
    ("AjukanPermohonan.pindaian_surat", "'pindaian_surat' holds a list, a group of fields or a file"),
    ("AjukanPermohonan", "--field AjukanPermohonan: give a field of step 'AjukanPermohonan''s form after a dot, e.g. "
                         "AjukanPermohonan.FIELD; its fields: alamat_lokasi, "),
])
def test_an_unknown_field_is_refused_and_nothing_is_written(store: Path, tmp_path: Path, field: str,
                                                            words: str) -> None:
    """A step or field the forms lack, or a field holding no single value: refused naming it and what there is; the
    file as it was, the store unchanged."""
    sop = _sop(store)
    log = tmp_path / "log.xes"
    log.write_text("the log before\n", encoding="utf-8")
    before = sop.dump()
    for kind in ("--xes", "--ocel"):
        result = sop("export", kind, str(log), "--field", "AjukanPermohonan.perihal", "--field", field)
        assert result.exit_code == 1, result.output
        assert words in result.stderr, result.stderr
        assert "Traceback" not in result.output
    assert log.read_text(encoding="utf-8") == "the log before\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.xes"]
    assert sop.dump() == before


def test_fields_are_the_same_in_every_language(store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The log with fields (of one process) is the same file under Indonesian and English: values are data."""
    files = []
    for lang in ("id", "en"):
        monkeypatch.setenv("SOP_LANG", lang)
        files.append(tmp_path / f"{lang}.xes")
        _export(_sop(store), files[-1], "--process", PROCESS, *_field_args())
    assert files[0].read_bytes() == files[1].read_bytes()
    assert files[0].read_bytes().count(b'<boolean key="ParafKabid.diparaf" value="true"/>') == 2
