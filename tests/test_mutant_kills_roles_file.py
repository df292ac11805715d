"""The roles file as its administrator reads it: each mistake refused in full words at its line, each accepted entry
read as written, and the refusals of a step outside the lanes (the mutants of engine/definitions/roles.py that
survived the older tests, `make mutants`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA, FORMS, Sop
from owner_fixtures import OWNED, OWNER, owner_office
from web_fixtures import PROCESS, logged_in, make_app

from engine.common.errors import RoleError
from engine.common.i18n import translate
from engine.common.identity import os_login
from engine.definitions.roles import Person, Roles
from engine.service.facade import Engine

ME = os_login()
FIRST = "kadis: {name: Kadis, lanes: [Kepala Dinas]}\n"  # line 1 of each file below: the mistake is on line 2
SURAT = str(DATA / "01_surat_permohonan.yaml")

# (the second person's entry, the message after "FILE:2: "). Kills the mutants of `_person`, `_unit`, `_contacts`,
# `_owned` and `load_roles` that blank, reword or drop a message's text or its fields (where, login, extra, ...).
ENTRY_MISTAKES = [
    ("a: 3\n", "'a' must be a mapping with name, nip and lanes"),
    ("a: {name: A, lanes: [OPD], zz: 1, peran: x}\n",
     "'a' has unknown field(s) peran, zz; allowed: atasan, auditor, email, jabatan, jam_tenang, lanes, name, nip, "
     "operator, pemilik_proses, saluran, telepon, tunggu_jam_kerja, unit, unit_kerja"),
    ("a: {name: A, lanes: [OPD, '  ']}\n", "'a' lanes must be a list of lane names, e.g. [Kepala Bagian]"),
    ("a: {name: A, lanes: [OPD, 3]}\n", "'a' lanes must be a list of lane names, e.g. [Kepala Bagian]"),
    ("a: {name: A, lanes: {OPD: 1}}\n", "'a' lanes must be a list of lane names, e.g. [Kepala Bagian]"),
    ("a: {name: A, lanes: OPD, operator: ya}\n", "'a' operator must be true or false"),
    ("a: {name: A, lanes: [OPD], auditor: 1}\n", "'a' auditor must be true or false"),
    ("a: {name: A, lanes: [OPD], auditor: true}\n",
     "'a' is an auditor, who reads every request and acts on none: remove their lanes and operator, or remove "
     "`auditor: true`"),
    ("a: {name: A, operator: true, auditor: true}\n",
     "'a' is an auditor, who reads every request and acts on none: remove their lanes and operator, or remove "
     "`auditor: true`"),
    ("a: {name: A, auditor: true, pemilik_proses: x}\n",
     "'a' is an auditor, who reads every request and changes nothing: remove `pemilik_proses`, or remove "
     "`auditor: true`"),
    ("a: {name: A, operator: false}\n",
     "'a' has no lanes and is no operator; give lanes or `operator: true` (or `auditor: true` for a reader, "
     "`pemilik_proses` for a process owner)"),
    ("a: {name: '  ', lanes: [OPD]}\n", "'a' name must be text"),
    ("a: {name: 3, lanes: [OPD]}\n", "'a' name must be text"),
    ("a: {name: A, lanes: [OPD], jabatan: 3}\n", "'a' jabatan must be text"),
    ("a: {name: A, lanes: [OPD], unit: X, unit_kerja: Y}\n", "'a' has both unit and unit_kerja; keep one"),
    ("a: {name: A, lanes: [OPD], unit_kerja: 'Bidang (X)'}\n",
     "'a' unit_kerja must be the name of a unit, e.g. Bidang Pendidikan Dasar (no parentheses)"),
    ("a: {name: A, lanes: [OPD], unit: 'Bidang (X'}\n",
     "'a' unit must be the name of a unit, e.g. Bidang Pendidikan Dasar (no parentheses)"),
    ("a: {name: A, lanes: [OPD], unit: 'Bidang X)'}\n",
     "'a' unit must be the name of a unit, e.g. Bidang Pendidikan Dasar (no parentheses)"),
    ("a: {name: A, lanes: [OPD], unit: '  '}\n",
     "'a' unit must be the name of a unit, e.g. Bidang Pendidikan Dasar (no parentheses)"),
    ("a: {name: A, lanes: [OPD], unit: 3}\n",
     "'a' unit must be the name of a unit, e.g. Bidang Pendidikan Dasar (no parentheses)"),
    ("a: {name: A, lanes: [OPD], email: 'a@b'}\n",
     "'a' email 'a@b' is not an e-mail address; write it like nama@bangka.go.id"),
    ("a: {name: A, lanes: [OPD], email: 'a b@c.id'}\n",
     "'a' email 'a b@c.id' is not an e-mail address; write it like nama@bangka.go.id"),
    ("a: {name: A, lanes: [OPD], email: 3}\n",
     "'a' email 3 is not an e-mail address; write it like nama@bangka.go.id"),
    ("a: {name: A, lanes: [OPD], telepon: '0712 3456 7890'}\n",
     "'a' telepon '0712 3456 7890' is not a mobile number; write it like 0812 3456 7890 or +62 812 3456 7890 "
     "(in quotes)"),
    ("a: {name: A, lanes: [OPD], telepon: '0812 345'}\n",
     "'a' telepon '0812 345' is not a mobile number; write it like 0812 3456 7890 or +62 812 3456 7890 "
     "(in quotes)"),
    ("a: {name: A, lanes: [OPD], telepon: [1]}\n",
     "'a' telepon [1] is not a mobile number; write it like 0812 3456 7890 or +62 812 3456 7890 (in quotes)"),
    ("a: {name: A, lanes: [OPD], telepon: 6281234567890.0}\n",  # a number read as a decimal: no phone number
     "'a' telepon 6281234567890.0 is not a mobile number; write it like 0812 3456 7890 or +62 812 3456 7890 "
     "(in quotes)"),
    ("a: {name: A, lanes: [OPD], atasan: 3}\n", "'a' atasan must be the login of their superior"),
    ("a: {name: A, lanes: [OPD], saluran: [sms]}\n",
     "'a' saluran must be a list of channels from: email, whatsapp, e.g. [email, whatsapp]"),
    ("a: {name: A, lanes: [OPD], saluran: {email: 1}}\n",
     "'a' saluran must be a list of channels from: email, whatsapp, e.g. [email, whatsapp]"),
    ("a: {name: A, lanes: [OPD], saluran: [3]}\n",
     "'a' saluran must be a list of channels from: email, whatsapp, e.g. [email, whatsapp]"),
    ("a: {name: A, lanes: [OPD], saluran: [whatsapp], email: a@b.id}\n",
     "'a' chose whatsapp in saluran but has no telepon; add their telepon or remove whatsapp"),
    ("a: {name: A, lanes: [OPD], saluran: ' Email ', telepon: '081234567890'}\n",
     "'a' chose email in saluran but has no email; add their email or remove email"),
    ("a: {name: A, lanes: [OPD], pemilik_proses: [1x]}\n",
     "'a' pemilik_proses must be a list of process ids, e.g. [permohonan_layanan]"),
    ("a: {name: A, lanes: [OPD], pemilik_proses: {x: 1}}\n",
     "'a' pemilik_proses must be a list of process ids, e.g. [permohonan_layanan]"),
    ("a: {name: A, lanes: [OPD], pemilik_proses: [3]}\n",
     "'a' pemilik_proses must be a list of process ids, e.g. [permohonan_layanan]"),
    ("a: {name: A, lanes: [OPD], atasan: b}\n",
     "'a' atasan 'b' is not another person of this file; give the login of their superior (e.g. atasan: kadis) or "
     "remove atasan"),
    ("a: {name: A, lanes: [OPD], atasan: a}\n",
     "'a' atasan 'a' is not another person of this file; give the login of their superior (e.g. atasan: kadis) or "
     "remove atasan"),
    ('"a\\tb": {name: A, lanes: [OPD]}\n',
     "login 'a\\tb': a login is a name such as kasi.infra (no control characters, at most 200 characters); fix the "
     "roles file"),
]


def _refused(tmp_path: Path, text: str) -> tuple[Path, str]:
    """`sop --roles FILE roles` on a file of this text: it exits 1, changes nothing; its stderr."""
    path = tmp_path / "orang.yaml"
    path.write_text(text, encoding="utf-8")
    sop = Sop(tmp_path / "sop.db")
    sop.start()
    before = sop.dump()
    result = sop("--roles", str(path), "roles")
    assert result.exit_code == 1, result.output
    assert sop.dump() == before
    return path, result.stderr


@pytest.mark.parametrize(("entry", "message"), ENTRY_MISTAKES)
def test_each_mistake_of_an_entry_is_refused_in_full_at_its_line(tmp_path: Path, entry: str, message: str) -> None:
    """A wrong entry on line 2 of the roles file: `sop roles` exits 1 with the whole message, file and line first."""
    path, said = _refused(tmp_path, FIRST + entry)
    assert said == f"Error: {path}:2: {message}\n"


def test_a_mistake_is_refused_in_indonesian(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under SOP_LANG=id the administrator reads the refusal in Indonesian (kills the reworded templates, which
    the catalog no longer finds)."""
    monkeypatch.setenv("SOP_LANG", "id")
    path, said = _refused(tmp_path, FIRST + "a: 3\n")
    assert said == f"Galat: {path}:2: 'a' harus berupa pemetaan dengan name, nip, dan lanes\n"


@pytest.mark.parametrize("text", ["[]\n", "{}\n"])
def test_a_file_that_is_no_mapping_of_people_is_refused(tmp_path: Path, text: str) -> None:
    """A list, or an empty mapping, is no roles file: refused at line 1 with an example of an entry."""
    path, said = _refused(tmp_path, text)
    assert said == (f"Error: {path}:1: a roles file maps login names to people, e.g. `budi: {{name: Budi, nip: "
                    "'...', lanes: [Kepala Bagian]}`\n")


def test_a_file_that_is_not_utf8_is_refused_naming_why(tmp_path: Path) -> None:
    """A roles file in another encoding: refused, naming the byte that is not UTF-8."""
    path = tmp_path / "orang.yaml"
    path.write_bytes(b"a: {name: \xff}\n")
    sop = Sop(tmp_path / "sop.db")
    result = sop("--roles", str(path), "roles")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: Roles file '{path}' cannot be read ('utf-8' codec can't decode byte 0xff in "
                             "position 10: invalid start byte); it must be UTF-8 YAML\n")


def _read(tmp_path: Path, text: str) -> dict[str, Person]:
    """The people of a roles file of this text, as the engine enforces them."""
    path = tmp_path / "orang.yaml"
    path.write_text(text, encoding="utf-8")
    engine = Engine(str(tmp_path / "sop.db"), definitions_dir=tmp_path, forms_dir=FORMS, operator="kadis",
                    roles=str(path))
    try:
        assert engine.people.roles is not None
        return engine.people.roles.people
    finally:
        engine.close()


def test_accepted_entries_are_read_as_written(tmp_path: Path) -> None:
    """Each field of an accepted entry is read as the administrator wrote it: one lane written alone, lanes and
    texts without their spaces, the unit added to each lane, the phone written the three ways as 62..., the
    channels lowercased once each, one owned process written alone; an operator and an owner need no lanes. Kills
    the mutants that drop or change a field of the Person built (`lanes = None`, `lanes = entry.get("lanes", None)`,
    the number's prefix, the channels' order)."""
    people = _read(tmp_path, (
        "kadis:\n  name: ' Ir. Asmawi '\n  nip: 1971\n  lanes: ' Kepala Dinas '\n  jabatan: ' Kepala Dinas Kominfo '\n"
        "  email: ' kadis@bangka.go.id '\n  telepon: '0812-3456 7890'\n  saluran: [WhatsApp, ' email', whatsapp]\n"
        "tu:\n  name: TU\n  operator: true\n  telepon: '+62 813 1111 2222'\n  atasan: ' kadis '\n"
        "kabid:\n  name: Kabid\n  lanes: [Kepala Bidang, ' Tim Teknis ']\n  unit_kerja: ' Bidang E-Government '\n"
        "  telepon: 6281411112222\n  pemilik_proses: ' interkoneksi_data_baru '\n"
        "pemilik:\n  name: Pemilik\n  pemilik_proses: [a_b, ' a_b', c.d-1, Izin_Usaha2]\n"
        "pemeriksa:\n  name: Pemeriksa\n  auditor: true\n  unit: Inspektorat\n"))
    assert people == {
        "kadis": Person("kadis", " Ir. Asmawi ", "1971", ("Kepala Dinas",), False, "Kepala Dinas Kominfo", False,
                        "kadis@bangka.go.id", "6281234567890", "", ("whatsapp", "email"), ()),
        "tu": Person("tu", "TU", "", (), True, "", False, "", "6281311112222", "kadis", (), ()),
        "kabid": Person("kabid", "Kabid", "", ("Kepala Bidang (Bidang E-Government)",
                                               "Tim Teknis (Bidang E-Government)"), False, "", False, "",
                        "6281411112222", "", (), ("interkoneksi_data_baru",)),
        "pemilik": Person("pemilik", "Pemilik", "", (), False, "", False, "", "", "", (),
                          ("a_b", "c.d-1", "Izin_Usaha2")),
        "pemeriksa": Person("pemeriksa", "Pemeriksa", "", (), False, "", True, "", "", "", (), ()),
    }


def _lanes_sop(tmp_path: Path, text: str) -> tuple[Sop, Path, int]:
    """A store with one request waiting at its first step (lane OPD), and a roles file of this text."""
    path = tmp_path / "orang.yaml"
    path.write_text(text, encoding="utf-8")
    sop = Sop(tmp_path / "sop.db")
    instance = sop.start()
    return sop, path, instance


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "Error: Instance {i} task 'AjukanPermohonan' is in lane 'OPD', and {me} (Saya) acts in: none; nothing was "
           "changed. Nobody in {path} holds lane 'OPD': ask the administrator to add its people\n"),
    ("id", "Galat: Tugas 'AjukanPermohonan' pada instans {i} berada di lajur 'OPD', sedangkan {me} (Saya) bertindak "
           "di: tidak ada; tidak ada yang diubah. Tidak seorang pun di {path} memegang lajur 'OPD': mintalah "
           "administrator untuk menambahkan pegawainya\n"),
])
def test_a_step_of_a_lane_nobody_holds_is_refused_saying_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            lang: str, expected: str) -> None:
    """An operator of no lane completes the OPD's step, which nobody holds: refused naming their lanes as none
    and telling to add the lane's people; the request does not move. Kills check_lane's mutants of the "none" word,
    the `if holders` choice and the "Nobody in ... holds lane" message (mutants 21-24, 31, 44-50)."""
    monkeypatch.setenv("SOP_LANG", lang)
    sop, path, instance = _lanes_sop(tmp_path, f"{ME}: {{name: Saya, operator: true}}\n{FIRST}")
    before = sop.dump()
    result = sop("--roles", str(path), "complete", str(instance), "AjukanPermohonan", "--data", SURAT)
    assert result.exit_code == 1
    assert result.stderr == expected.format(i=instance, me=ME, path=path)
    assert sop.dump() == before


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "Instance 1 task 'Lama' is in no lane in its pinned diagram, so no lane says who may complete it; nothing "
           "was changed. An operator of the roles file roles.yaml must record it (with --as), or move the instance "
           "to a version that puts the step in a lane (`sop migrate`)"),
    ("id", "Tugas 'Lama' pada instans 1 tidak berada di lajur mana pun pada diagram yang ditetapkan, sehingga tidak "
           "ada lajur yang menentukan siapa yang boleh menyelesaikannya; tidak ada yang diubah. Operator berkas peran "
           "roles.yaml harus mencatatnya (dengan --as), atau pindahkan instans ke versi yang menempatkan langkah itu "
           "dalam satu lajur (`sop migrate`)"),
])
def test_a_step_in_no_lane_is_refused_naming_the_way_out(monkeypatch: pytest.MonkeyPatch, lang: str,
                                                         expected: str) -> None:
    """A step of a version pinned before every step needed a lane, completed by someone who is no operator: the
    whole refusal (kills check_lane's mutants 5, 10, 12, 15, 16 of the no-lane message)."""
    monkeypatch.setenv("SOP_LANG", lang)
    kadis = Person("kadis", "Kadis", "", ("Kepala Dinas",))
    roles = Roles("roles.yaml", {"kadis": kadis})
    with pytest.raises(RoleError) as refused:
        roles.check_lane(kadis, None, "Instance 1 task 'Lama'", kadis)
    assert translate(refused.value) == expected


def test_only_owners_of_unknown_processes_are_warned_about(tmp_path: Path) -> None:
    """`sop roles` warns about the owner of a process the definitions lack, and about no one else (kills
    unknown_processes mutant 1, which warned about the known ones instead)."""
    path = tmp_path / "orang.yaml"
    path.write_text(FIRST + "a: {name: A, pemilik_proses: [interkoneksi_data_baru]}\n"
                    "b: {name: B, pemilik_proses: [tidak_ada]}\n", encoding="utf-8")
    result = Sop(tmp_path / "sop.db")("--roles", str(path), "roles")
    assert result.exit_code == 0, result.output
    assert [line for line in result.stderr.splitlines() if line.startswith("Warning")] == [
        f"Warning: the roles file {path} makes b the owner of process 'tidak_ada', which the definitions do not "
        "have; check its spelling (a new SOP's owner may write it from the web page)"]


def test_an_owner_opens_the_page_of_their_process_only_and_an_operator_any(tmp_path: Path) -> None:
    """The Kepala Bidang, owner of the table SOP and no operator, opens its page and finds none for the shipped
    SOP; the clerk, an operator, opens the shipped SOP's page (kills Person.owns_process mutants 1 and 2)."""
    paths = owner_office(tmp_path)
    app = make_app(paths)
    owner = logged_in(app, OWNER)
    assert owner.get(f"/manage/{OWNED}").status_code == 200
    assert owner.get(f"/manage/{PROCESS}").status_code == 404
    assert logged_in(app, "tu.umum").get(f"/manage/{PROCESS}").status_code == 200
    # Person.owns_any: the list of one's SOPs is there for an owner and an operator, for no one else
    assert [logged_in(app, login).get("/manage").status_code for login in (OWNER, "tu.umum", "kasi.infra")] == [
        200, 200, 404]


def test_a_person_of_two_other_lanes_is_refused_naming_both_and_the_lanes_holders(tmp_path: Path) -> None:
    """Someone in two lanes, neither the step's, is refused naming both lanes and both holders of the step's lane
    (kills check_lane mutant 21, which joined the lanes with another separator)."""
    sop, path, instance = _lanes_sop(tmp_path, (
        f"{ME}: {{name: Saya, lanes: [Kepala Dinas, Sekretaris]}}\nopd: {{name: Dinkes, lanes: [OPD]}}\n"
        "opd2: {name: Disdik, lanes: [' opd ']}\n"))
    before = sop.dump()
    result = sop("--roles", str(path), "complete", str(instance), "AjukanPermohonan", "--data", SURAT)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: Instance {instance} task 'AjukanPermohonan' is in lane 'OPD', and {ME} (Saya) acts in: Kepala Dinas, "
        "Sekretaris; nothing was changed. Lane 'OPD' is held by opd (Dinkes), opd2 (Disdik): one of them must "
        "complete it, or an operator records it for them\n")
    assert sop.dump() == before


@pytest.mark.parametrize(("text", "message"), [
    ("a: {name: A, lanes: [OPD]\n",
     "{path}:2: not valid YAML at column 1 (a mapping in curly brackets is not closed); fix the file and try again"),
    (FIRST + "b: {name: B, lanes: [OPD]}\nkadis: {name: K, lanes: [OPD]}\n",
     "{path}:3: login 'kadis' is written twice (lines 1 and 3); keep one entry per person"),
])
def test_a_file_that_cannot_be_read_as_people_is_refused_in_full(tmp_path: Path, text: str, message: str) -> None:
    """Broken YAML, or a login written twice: the whole message with the file and line (kills the mutants of
    load_roles's YAML refusal and of _entry_lines's message and line numbers)."""
    path, said = _refused(tmp_path, text)
    assert said == f"Error: {message.format(path=path)}\n"


def test_a_roles_path_that_is_a_folder_or_missing_is_refused_in_full(tmp_path: Path) -> None:
    """--roles naming a folder, or a file that is not there: the whole refusal, saying how to fix it (kills the
    mutants of find_roles's two messages)."""
    sop = Sop(tmp_path / "sop.db")
    folder = sop("--roles", str(tmp_path), "roles")
    assert folder.exit_code == 1
    assert folder.stderr == (f"Error: Roles file '{tmp_path}' is a folder; give the roles YAML file itself with "
                             "--roles (or SOP_ROLES), e.g. definitions/roles.yaml\n")
    missing = sop("--roles", str(tmp_path / "x.yaml"), "roles")
    assert missing.exit_code == 1
    assert missing.stderr == f"Error: Roles file '{tmp_path / 'x.yaml'}' does not exist; fix --roles (or SOP_ROLES)\n"


def test_someone_not_in_the_file_or_no_operator_is_refused_in_full(tmp_path: Path) -> None:
    """The OS account not in the roles file is told who is; one who is no operator may not use --as, and the
    request does not move; an operator may (kills the mutants of Roles.person's and Roles.acting's messages)."""
    sop, path, instance = _lanes_sop(tmp_path, FIRST + "b: {name: B, lanes: [OPD]}\n")
    before = sop.dump()
    command = ("--roles", str(path), "complete", str(instance), "AjukanPermohonan", "--data", SURAT)
    unknown = sop(*command)
    assert unknown.exit_code == 1
    assert unknown.stderr == (f"Error: '{ME}' is not in the roles file {path}; ask the administrator to add them "
                              "(people: b, kadis)\n")
    path.write_text(FIRST + f"b: {{name: B, lanes: [OPD]}}\n{ME}: {{name: Saya, lanes: [Sekretaris]}}\n",
                    encoding="utf-8")
    not_operator = sop(*command, "--as", "b")
    assert not_operator.exit_code == 1
    assert not_operator.stderr == (
        f"Error: '{ME}' may not act on behalf of 'b': only a person with `operator: true` in the roles file {path} "
        "may use --as for someone else; run the command as 'b' or ask the clerk\n")
    assert sop.dump() == before
    path.write_text(FIRST + f"b: {{name: B, lanes: [OPD]}}\n{ME}: {{name: Saya, operator: true}}\n",
                    encoding="utf-8")
    assert sop(*command, "--as", "b").exit_code == 0


def test_only_lanes_no_process_has_are_warned_about(tmp_path: Path) -> None:
    """`sop roles` warns about a lane no diagram has, written once, and not about the diagrams' lanes however they
    are spelt (kills the mutants of Roles.unknown_lanes)."""
    path = tmp_path / "orang.yaml"
    path.write_text(FIRST + "a: {name: A, lanes: [' kepala  DINAS', Kepala Sub Bagian]}\n"
                    "b: {name: B, lanes: [Kepala Sub Bagian, opd]}\n", encoding="utf-8")
    result = Sop(tmp_path / "sop.db")("--roles", str(path), "roles")
    assert result.exit_code == 0, result.output
    assert [line for line in result.stderr.splitlines() if line.startswith("Warning")] == [
        f"Warning: the roles file {path} names lane 'Kepala Sub Bagian', which no process in the definitions has; "
        "check its spelling against the diagrams' lanes"]
