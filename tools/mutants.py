"""`make mutants`: mutation testing (mutmut) of the modules where a silent bug costs trust, each module against only
the tests that exercise it; writes the survivors and the kill rate over the non-equivalent mutants per module.

Usage: python tools/mutants.py [--resume | --retest] [--list] [--report] [MODULE ...]   (no MODULE: all, in order)

Each module runs in its own copy of the tracked files under build/mutants/work/MODULE (mutmut mutates a copy it makes
there, never the work tree), niced, with one worker. Its verdict is kept in build/mutants/MODULE.json as soon as it
ends, so an interrupted run keeps the modules that finished; --resume carries on a module's interrupted run;
--retest runs a finished module's survivors again against its tests as they are now (a killed mutant stays killed
when tests are added), for the survivors a new test was written for; those listed as equivalent are not run again.
tests/mutants_equivalent.md lists the survivors that no test can kill (the mutant behaves as the original), with why;
they are left out of the rate. build/mutants/survivors.txt holds every other survivor with its diff.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "mutants"
EQUIVALENT = ROOT / "tests" / "mutants_equivalent.md"
TARGET = 0.90

# module: (files mutated, the test files run against each mutant); smallest first, accounts last (see the docs).
MODULES: dict[str, tuple[list[str], list[str]]] = {
    "audit-chain": (["engine/audit/chain.py"],
                    ["tests/test_tamper.py", "tests/test_mutant_kills_audit.py"]),
    "roles-pinning": (["engine/definitions/roles_pinning.py"],
                      ["tests/test_hostile_roles.py", "tests/test_roles.py", "tests/test_mutant_kills_roles.py"]),
    "audit-service": (["engine/service/audit_service.py"],
                      ["tests/test_audit.py", "tests/test_mutant_kills_audit.py", "tests/test_attachments.py",
                       "tests/test_verify_derived.py"]),
    "audit-verify": (["engine/audit/verify.py"],
                     ["tests/test_tamper.py", "tests/test_verify_derived.py", "tests/test_mutant_kills_audit.py",
                      "tests/test_mutant_kills_roles.py", "tests/test_versions.py",
                      "tests/test_mutant_kills_accounts.py"]),
    "transition": (["engine/service/transition.py"],
                   ["tests/test_transition.py", "tests/test_outbox.py", "tests/test_tamper.py",
                    "tests/test_schedule.py", "tests/test_versions.py", "tests/test_mutant_kills_transition.py"]),
    "auditing": (["engine/service/auditing.py"],
                 ["tests/test_audit.py", "tests/test_tamper.py", "tests/test_mutant_kills_audit.py",
                  "tests/test_verify_derived.py"]),
    "store-core": (["engine/store/sql_core.py"],
                   ["tests/test_store.py", "tests/test_lane_filter.py", "tests/test_sla_report.py",
                    "tests/test_store_contract.py", "tests/test_mutant_kills_store.py"]),
    "web-security": (["web/security.py"],
                     ["tests/test_web_csrf.py", "tests/test_web_login.py", "tests/test_web_sessions.py",
                      "tests/test_web_limits.py", "tests/test_mutant_kills_web.py"]),
    "roles": (["engine/definitions/roles.py"],
              ["tests/test_roles.py", "tests/test_roles_file_checks.py", "tests/test_hostile_roles.py",
               "tests/test_mutant_kills_lanes.py", "tests/test_mutant_kills_roles_file.py",
               "tests/test_mutant_kills_roles_delegation.py"]),
    "store-writes": (["engine/store/sql_writes.py"],
                     ["tests/test_store.py", "tests/test_store_contract.py", "tests/test_outbox.py"]),
    "audit-records": (["engine/audit/records.py"],
                      ["tests/test_tamper.py", "tests/test_audit.py", "tests/test_mutant_kills_audit.py",
                       "tests/test_mutant_kills_history.py", "tests/test_returns.py"]),
    "audit-replay": (["engine/audit/replay.py", "engine/audit/derived.py", "engine/audit/lane_audit.py"],
                     ["tests/test_tamper.py", "tests/test_verify_derived.py", "tests/test_audit.py",
                      "tests/test_returns.py", "tests/test_mutant_kills_replay.py"]),
    "audit-bundle": (["engine/audit/bundle.py", "engine/audit/bundle_files.py"],
                     ["tests/test_audit.py", "tests/test_tamper.py"]),
    # tests/test_os_accounts.py is left out: it creates OS accounts (no other run may use them meanwhile) and takes
    # minutes per mutant; the accounts' rules it exercises through real logins are tested in-process beside it.
    "accounts": (["engine/service/people_service.py"],
                 ["tests/test_accounts.py", "tests/test_web_login.py", "tests/test_mutant_kills_accounts.py",
                  "tests/test_mutant_kills_people.py", "tests/test_setup.py"]),
    "accounts-log": (["engine/store/accounts_log.py"],
                     ["tests/test_accounts_log.py", "tests/test_mutant_kills_accounts.py"]),
}
# Folders the tests read beside the code (the code itself, engine runner web, mutmut copies).
ALSO_COPY = ["definitions", "forms", "examples", "babel.cfg"]
KILLED = {1, 3, 24, -24, 36, 37, 152, 255}  # a test failed, or the mutant hung past mutmut's timeout
EQUIVALENT_LINE = re.compile(r"^- `(?P<name>[^`]+)` `(?P<code>[^`]*)`:? (?P<why>.+)$")


def main() -> int:
    """Run the modules asked (all by default), then write the survivors and the per-module table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", metavar="MODULE", help="modules to run (default: all)")
    parser.add_argument("--resume", action="store_true", help="carry on an interrupted run of these modules")
    parser.add_argument("--retest", action="store_true", help="run the survivors of finished modules again")
    parser.add_argument("--list", action="store_true", help="list the modules, their files and tests; run nothing")
    parser.add_argument("--report", action="store_true", help="only rewrite the report from the kept verdicts")
    args = parser.parse_args()
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"unknown module(s) {', '.join(unknown)}; known: {', '.join(MODULES)}")
    if args.list:
        for name, (files, tests) in MODULES.items():
            print(f"{name}: {' '.join(files)}\n    tests: {' '.join(tests)}")
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    if not args.report:
        for name in args.modules or list(MODULES):
            if args.retest:
                retest_module(name)
            else:
                run_module(name, resume=args.resume)
    return report()


def run_module(name: str, *, resume: bool) -> None:
    """Mutate one module's files in a fresh copy of the tracked files and keep its verdicts."""
    files, tests = MODULES[name]
    work = OUT / "work" / name
    if not (resume and work.exists()):
        shutil.rmtree(work, ignore_errors=True)
        copy_tracked(work)
    write_config(work, files, [t for t in tests if (ROOT / t).exists()])
    print(f"mutants: {name} ({', '.join(files)}) ...", flush=True)
    started = dt.datetime.now(dt.UTC)
    code = mutmut_run(work, [])
    verdicts = read_verdicts(work, files)
    unchecked = [k for k, v in verdicts.items() if v is None]
    if code != 0 or not verdicts or unchecked:
        print(f"mutants: {name} did not finish (mutmut exit {code}, {len(unchecked)} unchecked); "
              f"see {work / 'mutmut.log'}; `python tools/mutants.py --resume {name}` carries on", flush=True)
        return
    survivors = {k: diff_of(work, k) for k, v in verdicts.items() if v not in KILLED}
    minutes = (dt.datetime.now(dt.UTC) - started).total_seconds() / 60
    result = {"module": name, "files": files, "tests": tests, "date": started.date().isoformat(),
              "minutes": round(minutes, 1), "total": len(verdicts),
              "killed": sum(1 for v in verdicts.values() if v in KILLED), "survivors": survivors,
              "exit_codes": verdicts}
    (OUT / f"{name}.json").write_text(json.dumps(result, indent=1, sort_keys=True))
    print(f"mutants: {name}: {result['killed']}/{result['total']} killed in {minutes:.0f} min", flush=True)


def retest_module(name: str) -> None:
    """Run a finished module's survivors again, against its tests as they are now, and keep the new verdicts."""
    path = OUT / f"{name}.json"
    work = OUT / "work" / name
    if not path.exists() or not work.exists():
        print(f"mutants: {name} has no finished run to retest; run it first", flush=True)
        return
    result = json.loads(path.read_text())
    files, tests = MODULES[name]
    listed = equivalents()  # an equivalent mutant survives any test: not run again
    survivors = sorted(k for k, diff in result["survivors"].items()
                       if k not in listed or " ".join(listed[k][0].split()) != mutated_line(diff))
    if not survivors:
        return
    copy_tracked(work, only="tests")
    shutil.copytree(work / "tests", work / "mutants" / "tests", dirs_exist_ok=True)
    write_config(work, files, [t for t in tests if (ROOT / t).exists()])
    print(f"mutants: {name}: retesting {len(survivors)} survivors ...", flush=True)
    code = mutmut_run(work, survivors)
    verdicts = read_verdicts(work, files)
    if code != 0 or any(verdicts.get(k) is None for k in survivors):
        print(f"mutants: {name}: the retest did not finish (mutmut exit {code}); see {work / 'mutmut.log'}")
        return
    for mutant in survivors:
        result["exit_codes"][mutant] = verdicts[mutant]
    result["survivors"] = {k: diff_of(work, k) for k, v in result["exit_codes"].items() if v not in KILLED}
    result["killed"] = sum(1 for v in result["exit_codes"].values() if v in KILLED)
    result["tests"] = tests
    result["retested"] = dt.datetime.now(dt.UTC).date().isoformat()
    path.write_text(json.dumps(result, indent=1, sort_keys=True))
    print(f"mutants: {name}: {result['killed']}/{result['total']} killed after the retest", flush=True)


def mutmut_run(work: Path, mutants: list[str]) -> int:
    """`mutmut run` in a module's work folder, niced, one worker; its output in mutmut.log there."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    mutmut = str(Path(sys.executable).parent / "mutmut")
    with (work / "mutmut.log").open("w") as log:
        return subprocess.call(["nice", "-n", "19", mutmut, "run", "--max-children", "1", *mutants], cwd=work,
                               env=env, stdout=log, stderr=subprocess.STDOUT)


def copy_tracked(work: Path, only: str = "") -> None:
    """The files git tracks (what a fresh clone holds) and the new ones it does not ignore, copied to the work
    folder (only: those under one folder)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", only or "."],
                            cwd=ROOT, capture_output=True, check=True).stdout
    for rel in filter(None, listed.decode().split("\0")):
        source = ROOT / rel
        if source.is_file():
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, work / rel)


def write_config(work: Path, files: list[str], tests: list[str]) -> None:
    """mutmut's settings for this module, appended to the copy's pyproject.toml."""
    text = (ROOT / "pyproject.toml").read_text()

    def toml_list(items: list[str]) -> str:
        return "[" + ", ".join(json.dumps(i) for i in items) + "]"

    text += ("\n[tool.mutmut]\n"
             'source_paths = ["engine", "runner", "web"]\n'
             f"only_mutate = {toml_list(files)}\n"
             f"also_copy = {toml_list(ALSO_COPY)}\n"
             f"pytest_add_cli_args_test_selection = {toml_list(tests)}\n"
             'pytest_add_cli_args = ["-p", "no:cacheprovider", "-p", "no:randomly"]\n'
             "use_git_change_detection = false\n")
    (work / "pyproject.toml").write_text(text)


def read_verdicts(work: Path, files: list[str]) -> dict[str, int | None]:
    """mutmut's exit code for each mutant of these files (None: not run yet)."""
    verdicts: dict[str, int | None] = {}
    for rel in files:
        meta = work / "mutants" / (rel + ".meta")
        if meta.exists():
            verdicts.update(json.loads(meta.read_text()).get("exit_code_by_key", {}))
    return verdicts


def diff_of(work: Path, mutant: str) -> str:
    """The mutant as a diff against the original (`mutmut show`)."""
    mutmut = str(Path(sys.executable).parent / "mutmut")
    shown = subprocess.run([mutmut, "show", mutant], cwd=work, capture_output=True, text=True)
    return shown.stdout.strip() or shown.stderr.strip()


def equivalents() -> dict[str, tuple[str, str]]:
    """The survivors tests/mutants_equivalent.md argues equivalent: name -> (the mutated code, why)."""
    found = {}
    for line in EQUIVALENT.read_text().splitlines() if EQUIVALENT.exists() else []:
        match = EQUIVALENT_LINE.match(line.strip())
        if match:
            found[match["name"]] = (match["code"], match["why"])
    return found


def mutated_line(diff: str) -> str:
    """The code a mutant puts in, whitespace squeezed (the `+` lines of its diff)."""
    added = [line[1:] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    return " ".join(" ".join(added).split())


def files_of(name: str) -> str:
    """A module's files as the table names them."""
    return ", ".join(f"`{f}`" for f in MODULES[name][0])


def report() -> int:
    """survivors.txt and report.md from the kept verdicts; exit 1 when a finished module is under the target."""
    listed = equivalents()
    rows, lines, below = [], [], []
    for name in MODULES:
        path = OUT / f"{name}.json"
        if not path.exists():
            rows.append(f"| {name} | {files_of(name)} | not run yet | | | | |")
            continue
        result = json.loads(path.read_text())
        equivalent, stale, live = {}, [], {}
        for mutant, diff in result["survivors"].items():
            code, why = listed.get(mutant, (None, None))
            if code is not None and " ".join(code.split()) == mutated_line(diff):
                equivalent[mutant] = why
            else:
                live[mutant] = diff
                if code is not None:
                    stale.append(mutant)
        counted = result["total"] - len(equivalent)
        rate = result["killed"] / counted if counted else 1.0
        if rate < TARGET:
            below.append(name)
        timeouts = sum(1 for v in result["exit_codes"].values() if v in KILLED - {1, 3, 37})
        rows.append(f"| {name} | {files_of(name)} | {result['total']} | {len(equivalent)} | "
                    f"{result['killed']} ({timeouts}) | {rate:.1%} | {result.get('retested') or result['date']} |")
        for mutant, diff in live.items():
            note = " (listed as equivalent, but its code no longer matches: re-check it)" if mutant in stale else ""
            lines.append(f"## {mutant}{note} [exit {result['exit_codes'][mutant]}]\n{diff}\n")
    table = ("| module | files | mutants | equivalent | killed (of which timed out) | killed of non-equivalent "
             "| date |\n"
             "| --- | --- | --- | --- | --- | --- | --- |\n" + "\n".join(rows) + "\n")
    (OUT / "survivors.txt").write_text("\n".join(lines) or "no survivors\n")
    (OUT / "report.md").write_text(table)
    print(table)
    print(f"survivors: {OUT / 'survivors.txt'} ({len(lines)})")
    if below:
        print(f"below {TARGET:.0%}: {', '.join(below)}")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
