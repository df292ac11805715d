"""Our label widths are the advance widths of the DejaVu Sans files the bpmn-js comparison loads, not of any font
fontconfig happens to pick."""

from __future__ import annotations

from pathlib import Path

import pytest
from missing_tool import missing

from engine.pictures.text_metrics import METRICS_FONT_FILES, text_width


@pytest.mark.parametrize("weight", ["normal", "bold"])
def test_width_tables_are_the_pinned_font_files_advance_widths(weight: str) -> None:
    """Every printable ASCII character is as wide as the pinned DejaVu Sans file says, to a thousandth of an em."""
    file = Path(METRICS_FONT_FILES[weight])
    if not file.is_file():
        missing(f"{file} is missing (apt-get install fonts-dejavu-core; .ci/run installs it)")
    try:
        from fontTools.ttLib import TTFont
    except ImportError:
        missing("fontTools is not installed (it comes with WeasyPrint: pip install '.[pdf]'; .ci/run does)")
    font = TTFont(file)
    assert font["name"].getDebugName(1) == "DejaVu Sans"
    per_em, cmap, advances = font["head"].unitsPerEm, font.getBestCmap(), font["hmtx"].metrics
    for code in range(32, 127):
        expected = round(advances[cmap[code]][0] * 1000 / per_em)
        assert text_width(chr(code), 1000, bold=weight == "bold") == expected, repr(chr(code))
