"""A yes/no field from the command line: officials write ya or tidak (true and false still work), and a value that
is neither is refused in their words, "ya atau tidak", with nothing saved."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES, Sop, copy_definitions

from engine.common.identity import os_login
from engine.definitions.forms import coerce_assignments


def _at_paraf(tmp_path: Path) -> tuple[Sop, str]:
    definitions, forms = copy_definitions(tmp_path, roles=True)
    people = yaml.safe_load((definitions / "roles.yaml").read_text(encoding="utf-8"))
    people[os_login()] = {"name": "Petugas TU", "nip": "0", "lanes": ["OPD"], "operator": True}
    (definitions / "roles.yaml").write_text(yaml.safe_dump(people, allow_unicode=True), encoding="utf-8")
    sop = Sop(tmp_path / "s.db", definitions, forms)
    instance = str(sop.start())
    scenario = yaml.safe_load((EXAMPLES / "tunda.scenario.yaml").read_text(encoding="utf-8"))
    for step in scenario["steps"][:6]:
        done = sop("complete", instance, step["task"], "--data", str(EXAMPLES / step["data"]), "--as", step["as"])
        assert done.exit_code == 0, done.output
    return sop, instance


def test_a_paraf_takes_ya_and_refuses_a_word_that_is_neither_in_indonesian(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOP_LANG", "id")
    sop, instance = _at_paraf(tmp_path)
    before = sop.dump()
    refused = sop("complete", instance, "ParafKabid", "--set", "tanggal=2026-12-03", "--set", "diparaf=mungkin",
                  "--as", "kabid.egov")
    assert refused.exit_code == 1, refused.output
    assert "ya atau tidak" in refused.stderr and "true" not in refused.stderr, refused.stderr
    assert "Traceback" not in refused.output
    assert sop.dump() == before
    done = sop("complete", instance, "ParafKabid", "--set", "tanggal=2026-12-03", "--set", "diparaf=Ya",
               "--as", "kabid.egov")
    assert done.exit_code == 0, done.output
    [event] = [e for e in sop.json("history", instance) if e["task"] == "ParafKabid"]
    assert event["data"]["diparaf"] is True


def test_ya_and_tidak_are_booleans_only_where_the_field_is_one() -> None:
    schema = {"type": "object", "properties": {"setuju": {"type": "boolean"}, "catatan": {"type": "string"},
                                               "jumlah": {"type": "integer"}}}
    assert coerce_assignments(schema, [("setuju", "ya")]) == {"setuju": True}
    assert coerce_assignments(schema, [("setuju", "tidak")]) == {"setuju": False}
    assert coerce_assignments(schema, [("setuju", "TIDAK")]) == {"setuju": False}
    assert coerce_assignments(schema, [("setuju", "true")]) == {"setuju": True}
    assert coerce_assignments(schema, [("setuju", "false")]) == {"setuju": False}
    assert coerce_assignments(schema, [("catatan", "ya"), ("jumlah", "tidak")]) == {"catatan": "ya", "jumlah": "tidak"}
