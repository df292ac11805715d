"""Checks what `make demo` left in a fresh venv: the runtime dependencies only, no warning, both paths run.

Run by `make demo-test` (part of `make test`) as: python tests/demo_install_check.py VENV LOG
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# What the demo must not drag in: the test tools and the optional extras.
NOT_FOR_THE_DEMO = {"pytest", "ruff", "mypy", "hypothesis", "import-linter", "weasyprint", "psycopg", "types-pyyaml"}


def _machine_pip_config(line: str) -> bool:
    """pip's own note about a find-links folder of this machine's pip configuration that does not exist."""
    return line.startswith("WARNING: Location '") and "is ignored" in line


def main(venv: Path, log: Path) -> None:
    """Exit non-zero, saying why, when the demo venv holds more than the runtime or the demo's output is wrong."""
    listed = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "list", "--format", "json"],
                            capture_output=True, text=True, check=True)
    installed = {entry["name"].lower() for entry in json.loads(listed.stdout)}
    extra = sorted(installed & NOT_FOR_THE_DEMO)
    text = log.read_text()
    problems = []
    if extra:
        problems.append(f"make demo installed {', '.join(extra)}, which only the tests need")
    if "sop" not in installed:
        problems.append("make demo did not install sop")
    warned = [line for line in text.splitlines() if "warning" in line.lower() and not _machine_pip_config(line)]
    if warned:
        problems.append("make demo printed a warning: " + " | ".join(warned[:3]))
    if text.count("is completed;") < 2:
        problems.append("the demo's output does not show both paths run to the end")
    if problems:
        sys.exit("demo-test: " + "; ".join(problems))
    print(f"demo-test: make demo installed {len(installed)} packages (runtime only) and ran both paths")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
