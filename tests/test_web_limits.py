"""Request bodies are bounded before anything reads them: only a step's form with its files may be large."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from conftest import EXAMPLES
from test_web_tasks import letter_fields
from web_fixtures import PASSWORD, csrf_of, engine_as, logged_in, make_app, office, post

MIB = 1024 * 1024


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    return office(tmp_path)


def test_a_large_form_body_is_refused_before_sign_in_reads_it(paths: dict[str, str]) -> None:
    """A 2 MiB url-encoded body to /login (with or without a length) is a 413 page; no login failure is counted,
    so nothing of it was parsed; a normal sign-in still works."""
    client = make_app(paths).test_client()
    token = csrf_of(client)
    body = f"login=kadis&password=wrong&csrf_token={token}&pad=".encode() + b"x" * (2 * MIB)
    sized = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert sized.status_code == 413
    unsized = client.post("/login", input_stream=BytesIO(body), content_type="application/x-www-form-urlencoded",
                          headers={"Transfer-Encoding": "chunked"},
                          environ_overrides={"wsgi.input_terminated": True})  # as gunicorn hands a chunked body
    assert unsized.status_code == 413
    store = engine_as(paths, "tu.umum").context.store()
    with store.transaction() as tx:
        assert tx.login_failures(("login:kadis",), "2000-01-01T00:00:00.000Z") == []
    signed = client.post("/login", data={"login": "kadis", "password": PASSWORD, "csrf_token": token})
    assert signed.status_code == 303


def test_a_large_body_to_any_other_post_is_refused(paths: dict[str, str]) -> None:
    """Claims, drafts posted url-encoded, starts and sign-out take small bodies only."""
    engine = engine_as(paths, "tu.umum")
    instance = engine.instances.start("interkoneksi_data_baru", actor="opd.dinkes").instance
    client = logged_in(make_app(paths), "opd.dinkes")
    token = csrf_of(client, "/")
    pad = {"csrf_token": token, "pad": "x" * (2 * MIB)}
    for address in (f"/instances/{instance}/tasks/AjukanPermohonan/claim", "/processes/interkoneksi_data_baru/start",
                    f"/instances/{instance}/tasks/AjukanPermohonan", "/logout"):
        assert client.post(address, data=pad).status_code == 413, address
    assert engine.instance(instance).show().events == 1  # nothing was claimed, started or completed


def test_a_step_form_may_still_carry_a_file_over_the_small_bound(paths: dict[str, str]) -> None:
    """A scanned letter of 1.5 MiB uploads with its form (multipart, streamed to disk) and is attached."""
    engine = engine_as(paths, "tu.umum")
    instance = engine.instances.start("interkoneksi_data_baru", actor="opd.dinkes").instance
    fields = letter_fields()
    pdf = (EXAMPLES / "berkas" / "surat-permohonan-dinkes.pdf").read_bytes() + b"\n%" + b"0" * (3 * MIB // 2)
    client = logged_in(make_app(paths), "opd.dinkes")
    answer = post(client, f"/instances/{instance}/tasks/AjukanPermohonan",
                  {**fields, "pindaian_surat": (BytesIO(pdf), "surat.pdf")}, content_type="multipart/form-data")
    assert answer.status_code == 303, re.sub(r"\s+", " ", answer.get_data(as_text=True))[:500]
    assert [f.size for f in engine.instance(instance).attachments()] == [len(pdf)]
