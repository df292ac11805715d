"""Judges a corpus diagram after `sop import` (tests/corpus_run.py's judge on the imported file and its generated
forms), and counts, per source, how many run to their end before and after.

`python tests/corpus_import.py` prints each diagram's outcome before -> after and the counts.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import corpus_run


def judge_imported(path: Path, folder: Path) -> dict[str, Any]:
    """The corpus runner's verdict on the diagram imported into folder (definitions/ and forms/ made there)."""
    from engine import EngineError, import_diagram

    try:
        import_diagram(path, definitions_dir=folder / "definitions", forms_dir=folder / "forms")
    except EngineError as exc:
        return {"lint": [], "outcome": "import-refused", "detail": str(exc)[:200]}
    saved = corpus_run.FORMS
    corpus_run.FORMS = folder / "forms"
    try:
        return corpus_run.judge(folder / "definitions" / path.name)
    finally:
        corpus_run.FORMS = saved


def main() -> None:
    """Every corpus diagram's outcome before and after import, then the runs per source."""
    before: Counter[str] = Counter()
    after: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for path in corpus_run.corpus_files():
        source = path.parent.name
        first = corpus_run.judge(path)["outcome"]
        folder = Path(tempfile.mkdtemp(prefix="sop-import-"))
        try:
            verdict = judge_imported(path, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        total[source] += 1
        before[source] += first == "runs"
        after[source] += verdict["outcome"] == "runs"
        why = verdict.get("lint") or verdict.get("detail", "")
        print(f"{path.relative_to(corpus_run.CORPUS)}: {first} -> {verdict['outcome']} {why}".rstrip(), flush=True)
    for source in sorted(total):
        print(f"{source}: {before[source]} -> {after[source]} of {total[source]}")
    print(f"all: {sum(before.values())} -> {sum(after.values())} of {sum(total.values())}")


if __name__ == "__main__":
    sys.path.insert(0, str(corpus_run.ROOT))
    main()
