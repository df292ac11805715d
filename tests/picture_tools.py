"""Helpers for picture tests: read an SVG's element states and check a rendered PNG is not blank."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from xml.etree import ElementTree

from missing_tool import missing

SVG = "{http://www.w3.org/2000/svg}"


def element_states(svg_text: str) -> dict[str, str]:
    """data-element-id -> state of every drawn element group (not its label)."""
    root = ElementTree.fromstring(svg_text)
    out: dict[str, str] = {}
    for g in root.iter(f"{SVG}g"):
        classes = (g.get("class") or "").split()
        if g.get("data-element-id") and "element" in classes:
            out[g.get("data-element-id") or ""] = next(c[6:] for c in classes if c.startswith("state-"))
    return out


def need(tool: str, package: str) -> str:
    """The path of a command-line tool, or skip the test saying which Debian package provides it."""
    path = shutil.which(tool)
    if path is None:
        missing(f"{tool} is not installed (apt-get install {package}; .ci/run installs it)")
    return path


def need_weasyprint() -> None:
    """Skip the test, saying why, unless WeasyPrint and its system libraries (Pango) load."""
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        missing("WeasyPrint is not installed (pip install '.[pdf]'; .ci/run does)")
    except OSError as exc:
        missing(f"WeasyPrint cannot load its libraries ({exc}); apt-get install libpango-1.0-0 libpangoft2-1.0-0")


def render_png(svg: Path) -> Path:
    """The SVG rendered by rsvg-convert (librsvg, as Debian ships it)."""
    png = svg.with_suffix(".png")
    subprocess.run([need("rsvg-convert", "librsvg2-bin"), str(svg), "-o", str(png)], check=True)
    return png


def png_pixels(png: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered RGBA/RGB rows of an 8-bit non-interlaced PNG."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 4
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8
            channels = {2: 3, 6: 4, 0: 1, 4: 2}[colour]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def ink_fraction(png: Path) -> float:
    """The share of pixels (sampled) that are neither white nor transparent."""
    width, _, rows = png_pixels(png)
    channels = len(rows[0]) // width
    inked = total = 0
    for row in rows[::3]:
        for x in range(0, width, 3):
            px = row[x * channels:(x + 1) * channels]
            total += 1
            opaque = (channels in (2, 4) and px[-1] > 0) or channels in (1, 3)
            inked += opaque and min(px[:3] if channels >= 3 else px[:1]) < 200
    return inked / total
