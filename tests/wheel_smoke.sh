#!/bin/sh
# The installed wheel, run from an empty folder outside the source tree: lint, compile and the demo.
# Called by `make wheel-test` with REPO (the source tree, for its definitions and examples) and SOP (the wheel's sop).
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
python_of_sop=$(dirname "$SOP")/python
"$python_of_sop" - <<'PY'
import engine, runner, sys
for module in (engine, runner):
    if "site-packages" not in module.__file__:
        sys.exit(f"wheel-test: {module.__name__} was imported from the source tree, not the installed wheel")
PY
"$SOP" --definitions "$REPO/definitions" --forms "$REPO/forms" lint "$REPO/definitions"
"$SOP" --forms "$REPO/forms" compile "$REPO/examples/interkoneksi_data_baru/tabel/interkoneksi_data_baru.sop.yaml" \
    -o compiled.bpmn
grep -q "<bpmn:process" compiled.bpmn || grep -q "<process" compiled.bpmn
"$SOP" --db demo.db --definitions "$REPO/definitions" --forms "$REPO/forms" demo --examples "$REPO/examples" > demo.txt
grep -q "completed" demo.txt
# the compiled Indonesian catalog ships in the wheel
LANG=id_ID.UTF-8 "$SOP" --definitions "$REPO/definitions" --help | grep -q "Penggunaan:"
{ LANG=id_ID.UTF-8 "$SOP" --db missing.db --definitions "$REPO/definitions" show 1 2>&1 || true; } \
    | grep -q "^Galat: Tidak ada penyimpanan di 'missing.db'"
# the web tasklist's pages and style ship in the wheel; without the web extra `sop serve` says how to get it
"$python_of_sop" - <<'PY'
from importlib.resources import files
for name in ("templates/base.html", "templates/task.html", "templates/_fields.html", "static/sop.css"):
    if not files("web").joinpath(name).is_file():
        raise SystemExit(f"wheel-test: web/{name} is not in the wheel")
PY
if "$python_of_sop" -c "import flask" 2>/dev/null; then :; else
    { "$SOP" --db demo.db --definitions "$REPO/definitions" serve 2>&1 || true; } | grep -q "sop\[web\]"
fi
echo "wheel-test: lint, compile, demo and Indonesian messages passed with $SOP from $work"
