"""Several OS accounts share one store through a system-wide install, as docs/operators.md sets it up: the wheel
in a venv under /opt with a link on PATH, a group, a setgid folder; each person runs `sop` as themself."""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import DATA, DEFINITIONS, FORMS, ROOT
from missing_tool import missing

GROUP = "sopt"
OPD, KADIS = "sopt-opd", "sopt-kadis"
# The system's Python: a Python under root's home (pyenv) cannot be run by other accounts, so neither can its venvs.
SYSTEM_PYTHON = Path("/usr/bin/python3")


TOOLS = "/usr/sbin:/sbin:/usr/bin:/bin"


def tool(name: str) -> str:
    """An administration command by its full path (root's PATH under CI may lack /usr/sbin)."""
    return shutil.which(name, path=TOOLS) or name


def run_as(login: str, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a command as another OS account (a login shell's environment is not needed: SOP_* options are given)."""
    return subprocess.run([tool("runuser"), "-u", login, "--", *argv], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env={"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"})


@pytest.fixture(scope="module")
def system_install() -> Iterator[Path]:
    """The wheel installed in a venv under /opt, linked as /usr/local/bin/sop-<id> (every account can run it)."""
    if os.geteuid() != 0 or not shutil.which("runuser", path=TOOLS) or not shutil.which("useradd", path=TOOLS):
        missing("these tests need root with runuser and useradd (CI runs as root)")
    if subprocess.run([str(SYSTEM_PYTHON), "-c", "import ensurepip, venv"], capture_output=True).returncode:
        missing(f"{SYSTEM_PYTHON} with its venv module (Debian: python3-venv) is needed for a system-wide install")
    tag = uuid.uuid4().hex[:8]
    prefix, link = Path(f"/opt/sop-test-{tag}"), Path(f"/usr/local/bin/sop-test-{tag}")
    wheels = Path(f"/tmp/sop-test-wheel-{tag}")
    try:
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(ROOT)],
                       check=True, capture_output=True, timeout=300)
        subprocess.run([str(SYSTEM_PYTHON), "-m", "venv", str(prefix)], check=True, timeout=120)
        wheel = next(wheels.glob("sop-*.whl"))
        subprocess.run([str(prefix / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)], check=True,
                       capture_output=True, timeout=600)
        link.symlink_to(prefix / "bin" / "sop")
        for account in (OPD, KADIS):
            subprocess.run([tool("useradd"), "--no-create-home", "--shell", "/usr/sbin/nologin", account], check=True)
        subprocess.run([tool("groupadd"), GROUP], check=True)
        for account in (OPD, KADIS):
            subprocess.run([tool("usermod"), "-aG", GROUP, account], check=True)
        yield link
    finally:
        for account in (OPD, KADIS):
            subprocess.run([tool("userdel"), account], capture_output=True)
        subprocess.run([tool("groupdel"), GROUP], capture_output=True)
        link.unlink(missing_ok=True)
        shutil.rmtree(prefix, ignore_errors=True)
        shutil.rmtree(wheels, ignore_errors=True)


@pytest.fixture
def shared_folder(tmp_path: Path) -> Iterator[Path]:
    """The /srv/sop of docs/operators.md: group sopt, mode 2770, holding the definitions (with a roles file naming
    the two accounts), the forms and each step's data."""
    folder = Path(f"/srv/sop-test-{uuid.uuid4().hex[:8]}")
    folder.mkdir(parents=True)
    try:
        shutil.chown(folder, group=GROUP)
        folder.chmod(0o2770)
        shutil.copytree(DEFINITIONS, folder / "definitions", ignore=shutil.ignore_patterns("roles.yaml"))
        shutil.copytree(FORMS, folder / "forms")
        shutil.copy(DATA / "01_surat_permohonan.yaml", folder / "surat.yaml")
        shutil.copy(DATA / "02_disposisi_kadis.yaml", folder / "disposisi.yaml")
        (folder / "definitions" / "roles.yaml").write_text(
            f"{OPD}: {{name: Staf OPD, nip: '1', lanes: [OPD]}}\n"
            f"{KADIS}: {{name: Kepala Dinas, nip: '2', lanes: [Kepala Dinas]}}\n")
        for path in folder.rglob("*"):
            shutil.chown(path, group=GROUP)
            path.chmod(0o2770 if path.is_dir() else 0o660)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_two_accounts_share_one_store_each_in_their_own_lane(system_install: Path, shared_folder: Path) -> None:
    """The OPD account starts and submits its letter, the Kepala Dinas account dispositions it; each is refused the
    other's step; the history records who did what by OS account, and verify passes for either."""
    sop = str(system_install)
    options = ["--db", str(shared_folder / "sop.db"), "--definitions", str(shared_folder / "definitions"),
               "--forms", str(shared_folder / "forms")]
    started = run_as(OPD, sop, *options, "start", "interkoneksi_data_baru", cwd=shared_folder)
    assert started.returncode == 0, started.stderr
    instance = started.stdout.strip()
    store = shared_folder / "sop.db"
    assert grp.getgrgid(store.stat().st_gid).gr_name == GROUP
    assert store.stat().st_mode & stat.S_IWGRP, "the store must be writable by the group"

    early = run_as(KADIS, sop, *options, "complete", instance, "AjukanPermohonan", "--data",
                   str(shared_folder / "surat.yaml"), cwd=shared_folder)
    assert early.returncode == 1 and "lane" in early.stderr and "OPD" in early.stderr, early.stderr
    done = run_as(OPD, sop, *options, "complete", instance, "AjukanPermohonan", "--data",
                  str(shared_folder / "surat.yaml"), cwd=shared_folder)
    assert done.returncode == 0, done.stderr
    done = run_as(KADIS, sop, *options, "complete", instance, "DisposisiKadis", "--data",
                  str(shared_folder / "disposisi.yaml"), cwd=shared_folder)
    assert done.returncode == 0, done.stderr

    history = run_as(OPD, sop, *options, "history", instance, "--json", cwd=shared_folder)
    assert history.returncode == 0, history.stderr
    actors = {event["task"]: event["actor"] for event in json.loads(history.stdout) if event.get("task")}
    assert actors["AjukanPermohonan"] == OPD and actors["DisposisiKadis"] == KADIS
    for account in (OPD, KADIS):
        verified = run_as(account, sop, *options, "verify", cwd=shared_folder)
        assert verified.returncode == 0, verified.stderr
    for path in shared_folder.glob("sop.db*"):  # the -wal and -shm files too: the next account can open them
        assert pwd.getpwuid(path.stat().st_uid).pw_name in (OPD, KADIS)
        assert grp.getgrgid(path.stat().st_gid).gr_name == GROUP
