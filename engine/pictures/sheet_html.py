"""The SOP AP document as one HTML file: the identity page from the definition's YAML, then the flowchart pages.

Printable as is (A4 landscape, a page per sheet) and the input of the PDF. Everything is inline: no network.
"""

from __future__ import annotations

from html import escape
from typing import Any

from engine.pictures.sheet_rows import SheetRow
from engine.pictures.sheet_svg import paginate, render_page

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")
_CSS = """@page{size:A4 landscape;margin:10mm}
body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;font-size:9pt;margin:0;color:#000}
.page{page-break-after:always;break-after:page}.page:last-child{page-break-after:auto;break-after:auto}
table.identity{width:100%;border-collapse:collapse}table.identity td{border:1px solid #000;padding:4px 6px;
vertical-align:top}.identity .label{width:22%;font-weight:bold}.identity .head{font-weight:bold;text-align:center;
background:#eee}.identity .org{text-align:center;font-weight:bold;font-size:11pt;width:40%}
.identity ol,.identity ul{margin:0;padding-left:16px}.sign{height:36px}
@media screen{body{margin:12px;background:#ddd}.page{background:#fff;width:277mm;min-height:190mm;padding:10mm;
margin:0 auto 12px auto;box-sizing:content-box}}"""


def date_text(value: Any) -> str:
    """2018-09-04 -> '04 September 2018'; anything else as written."""
    text = str(value or "")
    parts = text.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts) and 1 <= int(parts[1]) <= 12:
        return f"{parts[2]} {MONTHS[int(parts[1]) - 1]} {parts[0]}"
    return text


def render_sheet(identity: dict[str, Any], rows: list[SheetRow], lanes: tuple[str, ...], name: str,
                 version: str) -> str:
    """The whole document."""
    pages = paginate(rows, lanes)
    where = {p.row.nomor: (i, p) for i, page in enumerate(pages) for p in page}
    nomor = (identity.get("sop") or {}).get("nomor") or ""
    title = f"{name}" + (f" — Nomor {nomor}" if nomor else "")
    parts = ["<!DOCTYPE html>", '<html lang="id"><head><meta charset="utf-8">',
             f"<title>SOP {escape(name)}</title>", f'<meta name="sop-version" content="{escape(version)}">',
             f"<style>{_CSS}</style></head><body>", _identity_page(identity, name)]
    for i, page in enumerate(pages):
        parts.append(f'<div class="page flowchart" data-page="{i + 1}">'
                     + render_page(page, lanes, title, i + 1, len(pages), where=where, pages_before=1) + "</div>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _identity_page(identity: dict[str, Any], name: str) -> str:
    sop = identity.get("sop") or {}
    approver = sop.get("disahkan_oleh") or {}
    org = "<br>".join(escape(str(x)).upper() for x in (sop.get("instansi"), sop.get("dinas")) if x)
    fields = [
        ("Nomor SOP", escape(str(sop.get("nomor") or ""))),
        ("Tanggal Pembuatan", escape(date_text(sop.get("tanggal_pembuatan")))),
        ("Tanggal Revisi", escape(date_text(sop.get("tanggal_revisi")))),
        ("Tanggal Efektif", escape(date_text(sop.get("tanggal_efektif")))),
        ("Disahkan oleh", f"{escape(str(approver.get('jabatan') or ''))}<div class=\"sign\"></div>"
                          f"<b>{escape(str(approver.get('nama') or ''))}</b><br>"
                          + (f"NIP. {escape(str(approver['nip']))}" if approver.get("nip") else "")),
        ("Nama SOP", f"<b>{escape(str(sop.get('nama') or name))}</b>"),
    ]
    rows = [f'<tr><td class="org" rowspan="{len(fields)}">{org}</td>'
            f'<td class="label">{fields[0][0]}</td><td>{fields[0][1]}</td></tr>']
    rows += [f'<tr><td class="label">{label}</td><td>{value}</td></tr>' for label, value in fields[1:]]
    grid = []
    for left, lkey, right, rkey in (("Dasar Hukum", "dasar_hukum", "Kualifikasi Pelaksana", "kualifikasi_pelaksana"),
                                    ("Keterkaitan", "keterkaitan", "Peralatan/Perlengkapan", "peralatan_perlengkapan"),
                                    ("Peringatan", "peringatan", "Pencatatan dan Pendataan", "pencatatan_pendataan")):
        grid.append(f'<tr><td class="head" colspan="2">{left}</td><td class="head">{right}</td></tr>')
        grid.append(f'<tr><td colspan="2">{_items(identity.get(lkey), lkey == "keterkaitan")}</td>'
                    f"<td>{_items(identity.get(rkey), rkey == 'keterkaitan')}</td></tr>")
    return ('<div class="page identity-page"><table class="identity">' + "".join(rows) + "".join(grid)
            + "</table></div>")


def _items(value: Any, dashes: bool = False) -> str:
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, list):
        tag = "ul" if dashes else "ol"
        return f"<{tag}>" + "".join(f"<li>{escape(str(v))}</li>" for v in value) + f"</{tag}>"
    return escape(str(value))
