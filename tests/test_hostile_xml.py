"""XML is read one way: a DOCTYPE, another declared encoding or invalid text is refused alike by every command."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Sop, copy_definitions

from engine.bpmn.xml_reading import parse_xml, parse_xml_light, read_xml
from engine.common.errors import DefinitionError

PROCESS = "interkoneksi_data_baru"
FILE = f"{PROCESS}.bpmn"
DOCTYPE_MESSAGE = "has a DOCTYPE (a DTD or entity declarations), which sop never reads"
DOCTYPES = {
    "internal-entity": '<!DOCTYPE bpmn:definitions [<!ENTITY x "Koordinasi">]>',
    "external-entity": '<!DOCTYPE bpmn:definitions [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    "billion-laughs": '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                      '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY x "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>',
    "parameter-entity": '<!DOCTYPE d [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>',
    "external-dtd": '<!DOCTYPE bpmn:definitions SYSTEM "http://127.0.0.1:9/bpmn.dtd">',
}
# Every command that reads the diagram in the definitions folder, with what it is given.
COMMANDS: list[tuple[str, ...]] = [
    ("processes",), ("start", PROCESS), ("diagram", "--process", PROCESS), ("sheet", PROCESS),
]


def _hostile(tmp_path: Path, edit: Callable[[str], str]) -> tuple[Sop, Path]:
    definitions, forms = copy_definitions(tmp_path)
    bpmn = definitions / FILE
    bpmn.write_bytes(edit(bpmn.read_text(encoding="utf-8")).encode("utf-8"))
    return Sop(tmp_path / "sop.db", definitions, forms), bpmn


def _with_doctype(doctype: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        head, rest = text.split("\n", 1)
        entity = "&x;" if "ENTITY x" in doctype else ""
        return f"{head}\n{doctype}\n{rest}".replace('name="Koordinasi dan', f'name="{entity}Koordinasi dan', 1)

    return edit


def _refusals(sop: Sop, bpmn: Path) -> list[str]:
    """The Error: line of lint, each loading command and decompile, asserting each exits 1 cleanly."""
    lines = []
    for args in [("lint", str(bpmn)), *COMMANDS, ("decompile", str(bpmn))]:
        result = sop(*args)
        assert result.exit_code == 1, (args, result.output)
        assert "internal error" not in result.output and "Traceback" not in result.output, result.output
        lines.append(result.output)
    assert not sop.db.exists() or sop.dump().get("instances") == []
    return lines


@pytest.mark.parametrize("kind", sorted(DOCTYPES))
def test_a_doctype_is_refused_by_every_command_alike(tmp_path: Path, kind: str) -> None:
    """Lint, processes, start, diagram, sheet and decompile all refuse a DOCTYPE, naming the file, line and rule."""
    sop, bpmn = _hostile(tmp_path, _with_doctype(DOCTYPES[kind]))
    outputs = _refusals(sop, bpmn)
    assert all(DOCTYPE_MESSAGE in out for out in outputs), outputs
    assert "error [xml-doctype]" in outputs[0]
    assert all(f"{FILE}:2: {DOCTYPE_MESSAGE}" in out and "(rule xml-doctype)" in out for out in outputs[1:])


def test_a_declared_encoding_other_than_utf8_is_refused_by_every_command_alike(tmp_path: Path) -> None:
    """A UTF-8 file declaring ISO-8859-1 would read as mojibake by one parser and right by another: refused by all."""
    sop, bpmn = _hostile(tmp_path, lambda t: t.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"', 1)
                         .replace('name="Koordinasi dan', 'name="Koordinasi café dan', 1))
    outputs = _refusals(sop, bpmn)
    assert all("declares encoding 'ISO-8859-1', but diagrams are read as UTF-8" in out for out in outputs), outputs


def test_bytes_that_are_not_utf8_are_refused_by_every_command(tmp_path: Path) -> None:
    """A diagram saved in Latin-1 is refused with a message saying to save it as UTF-8, by every command."""
    sop, bpmn = _hostile(tmp_path, lambda t: t)
    bpmn.write_bytes(bpmn.read_bytes().replace(b'name="Koordinasi dan', 'name="Koordinasi café dan'.encode("latin-1")))
    outputs = _refusals(sop, bpmn)
    assert all("UTF-8" in out for out in outputs), outputs


def test_lowercase_utf8_declaration_and_a_byte_order_mark_read_as_before(tmp_path: Path) -> None:
    """encoding="utf-8" and a UTF-8 byte-order mark are ordinary UTF-8 files: every command reads them."""
    sop, bpmn = _hostile(tmp_path, lambda t: "\ufeff" + t.replace('encoding="UTF-8"', 'encoding="utf-8"', 1))
    assert sop("lint", str(bpmn)).exit_code == 0
    for args in COMMANDS:
        result = sop(*args)
        assert result.exit_code == 0, (args, result.output)


def test_doctype_in_an_exported_bundle_is_refused_by_verify(sop: Sop, tmp_path: Path) -> None:
    """`sop verify --bundle` refuses a bundle whose pinned diagram gained a DOCTYPE, with no internal error."""
    sop.start()
    bundle = tmp_path / "b.json"
    assert sop("export", "1", "-o", str(bundle)).exit_code == 0
    data = json.loads(bundle.read_text(encoding="utf-8"))
    for version in data["versions"].values():
        version["bpmn"]["text"] = _with_doctype(DOCTYPES["billion-laughs"])(version["bpmn"]["text"])
    bundle.write_text(json.dumps(data), encoding="utf-8")
    result = sop("verify", "--bundle", str(bundle))
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output


def test_doctype_planted_in_a_stored_version_is_refused_by_the_instance_picture(sop: Sop, tmp_path: Path) -> None:
    """An instance picture reads its pinned diagram with the same checks: a DOCTYPE planted in the store is named."""
    sop.start()
    conn = sqlite3.connect(sop.db)
    with conn:
        for version, text in conn.execute("SELECT version, bundle FROM definition_versions").fetchall():
            bundle = json.loads(text)
            bundle["bpmn"]["text"] = _with_doctype(DOCTYPES["internal-entity"])(bundle["bpmn"]["text"])
            conn.execute("UPDATE definition_versions SET bundle = ? WHERE version = ?", (json.dumps(bundle), version))
    conn.close()
    before = sop.dump()
    result = sop("diagram", "1", "-o", str(tmp_path / "a.svg"))
    assert result.exit_code == 1, result.output
    assert DOCTYPE_MESSAGE in result.output and "(rule xml-doctype)" in result.output
    assert sop.dump() == before and not (tmp_path / "a.svg").exists()


@pytest.mark.parametrize("text", [
    '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
    '<?xml version="1.0" encoding="latin-1"?><a>\u00e9</a>',
    '<?xml version="1.0" encoding="Shift_JIS"?><a/>',
    "<a>\ud800</a>",
    "<a><b></a>",
    "<a>&undeclared;</a>",
])
def test_both_readers_refuse_the_same_texts(text: str) -> None:
    """The lxml reader and the standard-library reader refuse the same hostile texts, with the same rule."""
    root, problem = read_xml(text)
    assert root is None and problem is not None
    with pytest.raises(DefinitionError, match=rf"\(rule {problem.rule}\)"):
        parse_xml(text, "x.bpmn")
    with pytest.raises(DefinitionError, match=rf"\(rule {problem.rule}\)"):
        parse_xml_light(text, "x.bpmn")


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "windows-1252", "latin-1", "US-ASCII"])
def test_both_readers_read_plain_ascii_declared_in_an_ascii_based_encoding(encoding: str) -> None:
    """Plain ASCII reads the same in ISO-8859-1, windows-1252 and UTF-8: both readers read it."""
    text = f'<?xml version="1.0" encoding="{encoding}"?>\n<a name="Koordinasi"/>'
    assert read_xml(text)[1] is None
    assert parse_xml(text, "x.bpmn").get("name") == parse_xml_light(text, "x.bpmn").get("name") == "Koordinasi"


def test_a_doctype_mentioned_in_a_comment_or_after_the_root_is_no_doctype() -> None:
    """Only a real DOCTYPE in the prolog is refused as one; the text of a comment is not read as markup."""
    root, problem = read_xml('<?xml version="1.0"?>\n<!-- <!DOCTYPE x> -->\n<?pi x?>\n<a>&lt;!DOCTYPE&gt;</a>')
    assert problem is None and root.text == "<!DOCTYPE>"
    assert parse_xml_light("<!-- <!DOCTYPE x> --><a/>", "x.bpmn").tag == "a"
