"""Hostile forms: a `$ref` reaches only the pinned forms of its version; no file is read, no request is made."""

from __future__ import annotations

import http.server
import json
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.common.errors import DefinitionError
from engine.definitions.forms import compile_form
from tests.conftest import CUTI, Sop

SECRET = "RAHASIA-7f3e9b"
AJUKAN = ("--set", "nama=Ani", "--set", "jenis=tahunan", "--set", "mulai=2026-12-01", "--set", "hari=3")


class _Server:
    """A local HTTP server that records every request it gets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                body = json.dumps({"type": "string", "description": SECRET}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()


@pytest.fixture
def server() -> Iterator[_Server]:
    """A local HTTP server in a thread, stopped after the test."""
    running = _Server()
    yield running
    running.httpd.shutdown()
    running.httpd.server_close()


def _folders(tmp_path: Path) -> tuple[Path, Path, Path]:
    definitions, forms = tmp_path / "definitions", tmp_path / "forms"
    shutil.copytree(CUTI / "definitions", definitions)
    shutil.copytree(CUTI / "forms", forms)
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"type": "string", "const": SECRET}))
    return definitions, forms, secret


def _hostile(form: dict[str, Any], server: _Server, secret: Path) -> dict[str, Any]:
    form = json.loads(json.dumps(form))
    form["properties"]["nama"] = {"$ref": secret.as_uri()}
    form["$defs"] = {"jauh": {"$ref": f"{server.url}/bentuk.json"}}
    form["properties"]["jenis"] = {"$ref": "#/$defs/jauh"}
    return form


def _no_leak(*outputs: str) -> None:
    for text in outputs:
        assert SECRET not in text
        assert "internal error" not in text and "Traceback" not in text


def test_refs_outside_the_forms_are_refused_by_lint_and_load(tmp_path: Path, server: _Server) -> None:
    """A form's file: and http: refs are lint errors naming the form and pointer; loading refuses the same."""
    definitions, forms, secret = _folders(tmp_path)
    cuti = json.loads((forms / "cuti.schema.json").read_text())
    (forms / "cuti.schema.json").write_text(json.dumps(_hostile(cuti, server, secret)))
    sop = Sop(tmp_path / "s.db", definitions, forms)
    linted = sop("lint", "--json")
    assert linted.exit_code == 1
    found = {(p["rule"], p["element"], p["message"].split(" at ")[1].split(",")[0]) for p in json.loads(linted.stdout)}
    assert found == {("form-ref-outside", "AjukanCuti", "/properties/nama/$ref"),
                     ("form-ref-outside", "AjukanCuti", "/$defs/jauh/$ref")}
    started = sop("start", "permohonan_cuti")
    assert started.exit_code == 1
    assert started.stderr.startswith("Error: ") and "rule form-ref-outside" in started.stderr
    assert "cuti.schema.json" in started.stderr and "/properties/nama/$ref" in started.stderr
    _no_leak(linted.output, started.output, sop("processes").output)
    assert server.requests == [] and not sop.db.exists()


def test_a_ref_to_another_form_pins_it_and_validates(tmp_path: Path, make_sop: Any) -> None:
    """A ref to another form of the folder by file name works, and that form is pinned with the version."""
    definitions, forms, _ = _folders(tmp_path)
    (forms / "umum.schema.json").write_text(json.dumps({"$defs": {"nama": {"type": "string", "minLength": 2}}}))
    cuti = json.loads((forms / "cuti.schema.json").read_text())
    cuti["properties"]["nama"] = {"$ref": "umum.schema.json#/$defs/nama"}
    (forms / "cuti.schema.json").write_text(json.dumps(cuti))
    sop = make_sop(definitions, forms)
    assert sop("lint").exit_code == 0
    instance = str(sop.start("permohonan_cuti"))
    refused = sop("complete", instance, "AjukanCuti", *AJUKAN[2:], "--set", "nama=A")
    assert refused.exit_code == 1 and "nama" in refused.stderr
    assert sop("complete", instance, "AjukanCuti", *AJUKAN).exit_code == 0
    (bundle,) = sqlite3.connect(sop.db).execute("SELECT bundle FROM definition_versions").fetchone()
    assert "umum.schema.json" in json.loads(bundle)["forms"]


def _tamper_pinned_form(db: Path, form: str, edit: Any) -> None:
    conn = sqlite3.connect(db)
    (version, text), = conn.execute("SELECT version, bundle FROM definition_versions").fetchall()
    bundle = json.loads(text)
    bundle["forms"][form] = json.dumps(edit(json.loads(bundle["forms"][form])))
    conn.execute("UPDATE definition_versions SET bundle = ? WHERE version = ?", (json.dumps(bundle), version))
    conn.commit()
    conn.close()


def test_a_pinned_form_with_outside_refs_fetches_nothing(tmp_path: Path, server: _Server) -> None:
    """A version pinned with a hostile form (stored before the rule, or edited in) makes complete and verify
    --bundle refuse, with no request sent, no file read, and the store unchanged."""
    definitions, forms, secret = _folders(tmp_path)
    sop = Sop(tmp_path / "s.db", definitions, forms)
    instance = str(sop.start("permohonan_cuti"))
    _tamper_pinned_form(sop.db, "cuti.schema.json", lambda f: _hostile(f, server, secret))
    before = sop.dump()
    completed = sop("complete", instance, "AjukanCuti", *AJUKAN)
    assert completed.exit_code == 1 and completed.stderr.startswith("Error: ")
    assert "outside the pinned forms" in completed.stderr
    assert sop.dump() == before
    bundle = tmp_path / "b.json"
    assert sop("export", instance, "-o", str(bundle)).exit_code == 0
    verified = sop("verify", "--bundle", str(bundle))
    assert verified.exit_code == 1
    _no_leak(completed.output, verified.output, sop("verify").output)
    assert server.requests == []


def test_compiled_forms_resolve_only_among_pinned_forms(server: _Server, tmp_path: Path) -> None:
    """The validator itself refuses any URI outside its pinned forms, naming the ref; nothing is fetched."""
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"const": SECRET}))
    for ref in (f"{server.url}/x.json", secret.as_uri(), "lain.schema.json"):
        form = compile_form(json.dumps({"properties": {"a": {"$ref": ref}}}), "uji.schema.json")
        with pytest.raises(DefinitionError) as info:
            form.problems({"a": "x"})
        assert repr(ref) in str(info.value) and SECRET not in str(info.value)
    pinned = {"lain.schema.json": json.dumps({"type": "integer"})}
    form = compile_form(json.dumps({"properties": {"a": {"$ref": "lain.schema.json"}}}), "uji.schema.json", pinned)
    assert form.problems({"a": "x"}) == ['a: expected a whole number; given "x"']
    assert server.requests == []
