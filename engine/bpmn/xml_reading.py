"""The one way sop reads XML: UTF-8 only, no DOCTYPE (no DTD, no entities), no network; the same refusal everywhere.

Every reader of a diagram (lint, loading, pinned versions, bundles, pictures, decompile) comes through here, so a
file is either read the same way by every command or refused by every command with the same message. lxml is
used where line numbers, the XSD or SpiffWorkflow are needed; the standard library's expat (10x cheaper to
import) where a picture only needs the DI, after the same checks.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

from engine.common.errors import DefinitionError
from engine.common.i18n import N_

XML_RULE = "xml-malformed"
DOCTYPE_RULE = "xml-doctype"
_ENCODING = re.compile(r"""\bencoding\s*=\s*["']([^"']*)["']""")
_UTF8 = {"utf-8", "utf8"}
# Encodings whose ASCII is ASCII: a file declaring one is read when it is plain ASCII (as the modelers that declare
# ISO-8859-1 mostly write it), the same in either reading; other characters would read differently elsewhere.
_ASCII_BASED = {"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "iso-8859-15", "latin-9",
                "windows-1252", "cp1252", "us-ascii", "ascii"}


class XmlProblem(NamedTuple):
    """Why a text is refused as XML: the line (if known), the lint rule, and what to do."""

    line: int | None
    rule: str
    message: str


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _declaration_problem(text: str, end: int) -> XmlProblem | None:
    """An XML declaration naming an encoding other than UTF-8: sop reads every diagram as UTF-8 text."""
    found = _ENCODING.search(text, 0, end)
    if found is None or found.group(1).strip().lower() in _UTF8:
        return None
    if found.group(1).strip().lower() in _ASCII_BASED:
        if text.isascii():
            return None  # plain ASCII reads the same in the declared encoding and in UTF-8
        first = next(i for i, char in enumerate(text) if not char.isascii())
        return XmlProblem(1, XML_RULE, N_(
            "declares encoding {encoding!r}, but diagrams are read as UTF-8, and line {line} holds {char!r}, which "
            "a tool reading {encoding} would show as other characters; save the file as UTF-8 with "
            "encoding=\"UTF-8\"", encoding=found.group(1), line=_line(text, first), char=text[first]))
    return XmlProblem(1, XML_RULE, f"declares encoding {found.group(1)!r}, but diagrams are read as UTF-8; save "
                                   'the file as UTF-8 with encoding="UTF-8"')


def prolog_problem(text: str) -> XmlProblem | None:
    """Another declared encoding or a DOCTYPE, found by a linear scan of the prolog (the only place a DOCTYPE fits)."""
    pos = 0
    if text.startswith("<?xml") and text[5:6].isspace():
        end = text.find("?>")
        if end < 0:
            return None  # unterminated: the parser names it
        problem = _declaration_problem(text, end)
        if problem is not None:
            return problem
        pos = end + 2
    size = len(text)
    while pos < size:
        if text[pos].isspace():
            pos += 1
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
            if end < 0:
                return None
            pos = end + 3
        elif text.startswith("<?", pos):
            end = text.find("?>", pos + 2)
            if end < 0:
                return None
            pos = end + 2
        elif text.startswith("<!", pos):
            return XmlProblem(_line(text, pos), DOCTYPE_RULE,
                              "has a DOCTYPE (a DTD or entity declarations), which sop never reads; delete the "
                              "<!DOCTYPE ...> declaration and write the text the entities stood for")
        else:
            return None
    return None


def _checked(text: str) -> tuple[bytes, XmlProblem | None]:
    """The text's UTF-8 bytes (without a byte-order mark), or the problem that refuses it before any parser."""
    text = text[1:] if text.startswith("\ufeff") else text
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return b"", XmlProblem(_line(text, exc.start), XML_RULE, "holds text that is not valid Unicode (a lone "
                               "surrogate); save the diagram as UTF-8 from a modeler")
    problem = prolog_problem(text)
    if problem is None and text.startswith("<?xml"):  # plain ASCII declared in another encoding: read as UTF-8
        end = text.find("?>")
        found = _ENCODING.search(text, 0, max(end, 0))
        if found is not None and found.group(1).strip().lower() not in _UTF8:
            data = (text[:found.start(1)] + "UTF-8" + text[found.end(1):]).encode("utf-8")
    return data, problem


def read_xml(text: str) -> tuple[Any, XmlProblem | None]:
    """The lxml root element of a text (no DTD, entities or network), with Camunda Modeler's camunda:property and
    zeebe:property read as spiffworkflow:property (engine/bpmn/modeler_properties.py), or None and the problem
    that refuses it."""
    data, problem = _checked(text)
    if problem is not None:
        return None, problem
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        return None, XmlProblem(exc.lineno or None, XML_RULE, f"not well-formed XML ({exc.msg}); fix the diagram")
    from engine.bpmn.modeler_properties import adopt_modeler_properties

    adopt_modeler_properties(root)
    return root, None


def refusal(problem: XmlProblem, source: str) -> DefinitionError:
    """The error every command raises for this problem: file, line, what and the fix, and the lint rule."""
    where = f"{source}:{problem.line}" if problem.line else source
    return DefinitionError("{where}: {problem_message} (rule {rule})",
                           where=where, problem_message=problem.message, rule=problem.rule)


def parse_xml(text: str, source: str) -> Any:
    """The lxml root element of a diagram's text; DefinitionError naming the source, line and rule otherwise."""
    root, problem = read_xml(text)
    if problem is not None:
        raise refusal(problem, source)
    return root


def parse_xml_light(text: str, source: str) -> Any:
    """The same reading with the standard library's ElementTree (for pictures: lxml is not imported)."""
    from xml.etree import ElementTree

    data, problem = _checked(text)
    if problem is None:
        try:
            return ElementTree.fromstring(data)  # noqa: S314 - no DOCTYPE can reach expat: _checked refused it
        except ElementTree.ParseError as exc:
            problem = XmlProblem(exc.position[0] or None, XML_RULE, f"not well-formed XML ({exc}); fix the diagram")
    raise refusal(problem, source)


def diagram_text_or_problem(path: Path) -> tuple[str, XmlProblem | None]:
    """A diagram file's text, or "" and why it cannot be read (missing, unreadable, not UTF-8)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return "", XmlProblem(None, XML_RULE, f"cannot be read ({exc.strerror or exc}); give a readable file")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        declared = _ENCODING.search(data[:data.find(b"?>")].decode("ascii", "replace")) if data.startswith(b"<?xml") \
            else None
        if declared is not None and declared.group(1).strip().lower() not in _UTF8:
            return "", XmlProblem(line, XML_RULE, N_(
                "is not UTF-8 text: it declares encoding {encoding!r} and has byte 0x{byte} on line {line}, and sop "
                "reads diagrams as UTF-8 only; save the file as UTF-8 with encoding=\"UTF-8\" (most modelers and "
                "text editors offer it in Save As)", encoding=declared.group(1), byte=f"{data[exc.start]:02X}",
                line=line))
        return "", XmlProblem(line, XML_RULE, f"is not UTF-8 text (byte 0x{data[exc.start]:02X}); save the file "
                                              "as UTF-8")


def read_diagram_file(path: Path) -> str:
    """A diagram file's text; DefinitionError (the same message lint gives) when it cannot be read."""
    text, problem = diagram_text_or_problem(path)
    if problem is not None:
        raise refusal(problem, str(path))
    return text
