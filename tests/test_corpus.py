"""Real modelers' diagrams (tests/data/corpus) either run to their end or are refused by lint and loading alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from corpus_run import CORPUS, corpus_files, judge, sample_data

VERDICTS: dict[str, dict[str, Any]] = yaml.safe_load((CORPUS / "verdicts.yaml").read_text(encoding="utf-8"))
FILES = corpus_files()
COMPARED = ("lint", "load", "outcome")


def wrong(verdict: dict[str, Any]) -> str:
    """Why a verdict breaks the promise (one verdict per diagram), or "" when it keeps it."""
    if verdict["outcome"] == "internal-error" or verdict["load"] == "internal-error":
        return "internal error"
    if verdict["outcome"] in ("strands", "refused-at-start"):
        return "lints clean but cannot be run to its end"
    if bool(verdict["lint"]) != (verdict["load"] == "refused"):
        return "lint and loading disagree"
    return ""


def test_corpus_is_large_varied_and_recorded() -> None:
    """At least 150 diagrams from at least eight sources, the MIWG reference models among them, each diagram in
    the README and in verdicts.yaml, each source in the README's table of sources and licences."""
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    names = {str(p.relative_to(CORPUS)) for p in FILES}
    assert len(names) >= 150
    sources = {p.parent.name for p in FILES}
    assert len(sources) >= 8
    assert [s for s in sorted(sources) if f"| `{s}/` |" not in readme] == []
    miwg = {n.removeprefix("miwg/reference__").removesuffix(".bpmn") for n in names if n.startswith("miwg/reference__")}
    assert {"A.1.0", "A.4.1", "B.2.0", "C.1.0", "C.9.2"} <= miwg
    assert names == set(VERDICTS), "verdicts.yaml must list exactly the corpus files"
    assert [n for n in names if f"`{n}`" not in readme] == []


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CORPUS)) for p in FILES])
def test_diagram_gets_its_recorded_verdict(path: Path) -> None:
    """Lint's errors, loading's answer and the run's outcome are the recorded ones; a wrong verdict is only
    accepted when verdicts.yaml marks it as a known failure with its reason."""
    expected = VERDICTS[str(path.relative_to(CORPUS))]
    got = judge(path)
    assert {k: got[k] for k in COMPARED} == {k: expected[k] for k in COMPARED}, got.get("detail", "")
    why = wrong(got)
    if why:
        assert expected.get("known_failure"), f"{why}: {got.get('detail', '')}"
    else:
        assert not expected.get("known_failure"), "fixed: drop its known_failure from verdicts.yaml"


def test_generated_form_data_fills_required_fields() -> None:
    """The run's form data generator gives each field a value of its type, enums their first value."""
    schema = {"type": "object", "required": ["a"], "properties": {
        "a": {"type": "string", "minLength": 8}, "b": {"enum": ["pasang", "tunda"]}, "c": {"type": "integer"},
        "d": {"type": "array", "minItems": 1, "items": {"type": "boolean"}}, "e": {"type": "string", "format": "date"}}}
    assert sample_data(schema) == {"a": "contohxx", "b": "pasang", "c": 1, "d": [True], "e": "2026-01-05"}
