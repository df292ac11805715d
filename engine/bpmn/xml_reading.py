"""Parsing a diagram's XML safely (no entities, no network), with the line of a syntax error."""

from __future__ import annotations

from typing import Any

from engine.common.errors import DefinitionError


def _etree() -> Any:
    from lxml import etree

    return etree


def parse_xml(text: str, source: str) -> Any:
    """The root element of a diagram's text; DefinitionError naming the source and line when it is not XML."""
    etree = _etree()
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        return etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 0
        raise DefinitionError(f"{source}:{line}: not well-formed XML ({exc.msg}); fix the diagram") from None
