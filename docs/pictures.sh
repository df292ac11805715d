#!/usr/bin/env bash
# Redraws the PNGs under docs/ that the manual and the README show: the SOP's bare diagram, its table compiled (issue 6), an
# instance mid-way on the tunda
# path, the pages of its SOP AP document, and the web's pages (docs/web-*.png, docs/screens/*.png). Needs rsvg-convert (librsvg2-bin), pdftoppm (poppler-utils) and
# the pdf extra (WeasyPrint). Run from the repository root: bash docs/pictures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r definitions "$tmp/definitions" && rm -f "$tmp/definitions/roles.yaml"  # single-user mode
sop() { .venv/bin/sop --db "$tmp/sop.db" --definitions "$tmp/definitions" "$@"; }
data=examples/interkoneksi_data_baru/data
sop diagram --process interkoneksi_data_baru -o "$tmp/bare.svg"
sop start interkoneksi_data_baru --as opd.dinkes >/dev/null
for step in "AjukanPermohonan 01_surat_permohonan opd.dinkes" "DisposisiKadis 02_disposisi_kadis kadis" \
            "AnalisaKabid 03_analisa_kabid kabid.egov" "SurveyTeknis 04_survey_teknis tim.jaringan" \
            "AnalisaTopologi 05_analisa_topologi_tunda kasi.infra"; do
    set -- $step
    sop complete 1 "$1" --data "$data/$2.yaml" --as "$3" >/dev/null 2>&1
done
sop diagram 1 -o "$tmp/instance.svg"
rsvg-convert -w 1800 "$tmp/bare.svg" -o docs/diagram-bare.png
# The same SOP written as a table (examples/.../tabel), compiled and laid out by `sop compile`'s own layouter.
.venv/bin/sop --db "$tmp/tabel.db" --definitions examples/interkoneksi_data_baru/tabel \
    diagram --process interkoneksi_data_baru -o "$tmp/tabel.svg"
rsvg-convert -w 1800 "$tmp/tabel.svg" -o docs/diagram-compiled-table.png
rsvg-convert -w 1800 "$tmp/instance.svg" -o docs/diagram-instance.png
sop sheet interkoneksi_data_baru -o "$tmp/sheet.pdf" 2>/dev/null
pdftoppm -r 90 -png "$tmp/sheet.pdf" "$tmp/sheet"
mv "$tmp/sheet-1.png" docs/sheet-identity.png
n=1
for page in "$tmp"/sheet-*.png; do
    mv "$page" "docs/sheet-flowchart-$n.png"
    n=$((n + 1))
done
# The web tasklist's pages, photographed by the browser tests (needs chromium and chromium-driver): the walk through
# both paths (docs/web-*.png), and every page of tests/web_pages.py at 1280x900 and 390x844 (docs/screens/*.png, each
# reduced to 128 colours).
SOP_SCREENSHOTS=1 .venv/bin/python -m pytest -q tests/test_web_browser.py \
    tests/test_web_browser_look.py::test_every_page_fits_a_phone_and_a_desktop
ls -l docs/*.png docs/screens/*.png
