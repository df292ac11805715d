"""Text widths for wrapping labels, from a per-character width table of DejaVu Sans (no font renderer needed).

The widths are DejaVu Sans 2.37's advance widths (its `hmtx` table) for ASCII 32..126, in thousandths of an em:
the sans font Debian ships by default and the first in our font-family lists, so a label wrapped here fits when
rsvg-convert, WeasyPrint or a browser draws it. Other characters count as the width of "0". `METRICS_FONT_FILES`
names the files the tables are read from (Debian's fonts-dejavu-core): the bpmn-js comparison loads exactly these
files, and a test checks the tables against them, so neither side depends on which other fonts are installed.
"""

from __future__ import annotations

_REGULAR = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636,
    636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656,
    557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613,
    635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818,
    592, 592, 525, 636, 337, 636, 838,
)
_BOLD = (
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696, 696,
    696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775,
    637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500, 500, 675,
    716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924,
    645, 652, 582, 712, 365, 712, 838,
)
FONT_FAMILY = "DejaVu Sans, Verdana, Arial, sans-serif"
METRICS_FONT_FILES = {
    "normal": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "bold": "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
}


def _units(text: str, table: tuple[int, ...]) -> list[int]:
    """Each character's advance width in thousandths of an em."""
    fallback = table[16]
    return [table[c] if 0 <= (c := ord(ch) - 32) < len(table) else fallback for ch in text]


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of one line of text at a font size, in the same unit as the size."""
    return sum(_units(text, _BOLD if bold else _REGULAR)) * size / 1000


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """Break text into lines no wider than width (a word longer than a line is cut at a character), in linear time."""
    table = _BOLD if bold else _REGULAR
    space = table[0]
    lines: list[str] = []
    line, line_units = "", 0
    for word in text.split():
        units = _units(word, table)
        word_units = sum(units)
        candidate_units = line_units + space + word_units if line else word_units
        if candidate_units * size / 1000 <= width:
            line, line_units = (f"{line} {word}" if line else word), candidate_units
            continue
        if line:
            lines.append(line)
        start = 0
        hyphen = table[13]  # a word cut across lines ends its first part with "-", as Indonesian typesetting does
        while word_units * size / 1000 > width and len(word) - start > 1:
            cut, taken = start, 0  # the longest prefix that fits with its hyphen, at least one character
            while cut < len(word) - 1 and (taken + units[cut] + hyphen) * size / 1000 <= width:
                taken += units[cut]
                cut += 1
            if cut == start:
                taken, cut = units[start], start + 1
            own = word.rfind("-", start + 1, cut + 1)  # break after the word's own hyphen in the piece's latter half
            if own != -1 and own + 1 < len(word) and 2 * (own + 1 - start) >= cut - start:
                taken -= sum(units[own + 1:cut]) if own + 1 <= cut else -units[cut]
                cut = own + 1
                lines.append(word[start:cut])
            else:
                lines.append(word[start:cut] + "-")
            start, word_units = cut, word_units - taken
        line, line_units = word[start:], word_units
    if line:
        lines.append(line)
    return lines


MODELER_LIMIT = 400  # longer texts are wrapped by `wrap` (linear): the modeler's way re-measures every line


def wrap_as_modeler(text: str, width: float, size: float) -> list[str]:
    """Break text into lines where bpmn-js (diagram-js's text layout) breaks it, measured with our widths.

    A line fits when narrower than width rounded; otherwise it is cut to the share of its characters that the
    width allows, at the last space or hyphen within that share (or inside the word when none is), and measured
    again; the rest starts the next line.
    """
    if len(text) > MODELER_LIMIT:
        return wrap(text, width, size)
    pending = [" ".join(line.split()) for line in text.splitlines()] or [""]
    lines: list[str] = []
    limit = round(width)
    while pending:
        original = pending.pop(0)
        fit = original
        while fit.strip() and len(fit) >= 2 and (measured := text_width(fit, size)) >= limit:
            shorter = _shorten(fit, measured, width)
            fit = shorter if len(shorter) < len(fit) else fit[:-1]
        if len(fit) < len(original):
            pending.insert(0, original[len(fit):].strip())
        lines.append(fit.rstrip())
    return [line for line in lines if line] or [""]


def _shorten(line: str, measured: float, width: float) -> str:
    """The line cut to the characters its width allows, at a space or hyphen when one is within them."""
    import re

    length = max(len(line) * width / measured, 1)
    kept: list[str] = []
    count = 0
    parts = re.split(r"(\s|-)", line)
    if len(parts) > 1:
        for part in parts:
            if not part:
                break
            if len(part) + count < length:
                kept.append(part)
                count += len(part)
            else:
                if part == "-" and kept:
                    kept.pop()
                break
    return "".join(kept) or line[: max(round(length - 1), 1)]
