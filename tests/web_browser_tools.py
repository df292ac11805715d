"""What the browser tests drive: a real `sop serve` in a subprocess on a free port, and headless Chromium (Selenium)
acting like an official: log in, open a task from "Tugas saya", fill its form from a scenario's data, submit."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def why_no_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import flask  # noqa: F401
        import gunicorn  # noqa: F401
        import selenium  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install '.[web,test]')"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return f"{path} is missing (Debian: apt-get install chromium chromium-driver)"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sop_command(paths: dict[str, str], *args: str) -> list[str]:
    """The `sop` command line on the test's store and definitions."""
    return [sys.executable, "-m", "runner.cli", "--db", paths["db"], "--definitions", paths["definitions"],
            "--forms", paths["forms"], *args]


def sop_env(language: str = "id") -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
            "SOP_LANG": language}


def cli_office(tmp_path: Path, password: str) -> dict[str, str]:
    """A store set up the way an administrator does it, through the CLI: the roles file (plus a second Tim Teknis
    member, and this OS account as the operator who runs the commands) pinned with `sop roles apply`, and each
    person's password set with `sop passwd LOGIN --password-stdin`."""
    from conftest import DEFINITIONS, FORMS
    from web_fixtures import SECOND_TEAM_MEMBER

    from engine import os_login

    definitions = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS, definitions)
    roles = definitions / "roles.yaml"
    admin = f'{os_login()}:\n  name: Admin Server\n  nip: "19700101 199001 1 001"\n  lanes: [OPD]\n  operator: true\n'
    roles.write_text(roles.read_text(encoding="utf-8") + SECOND_TEAM_MEMBER + admin, encoding="utf-8")
    paths = {"db": str(tmp_path / "sop.db"), "definitions": str(definitions), "forms": str(FORMS),
             "roles": str(roles)}
    logins = ["opd.dinkes", "kadis", "kabid.egov", "kasi.infra", "tim.jaringan", "dedi.jaringan", "sekretaris",
              "tu.umum"]
    for args, given in [(("roles", "apply"), None), *((("passwd", login, "--password-stdin"), password + "\n")
                                                      for login in logins)]:
        done = subprocess.run(sop_command(paths, *args), cwd=ROOT, env=sop_env(), input=given, capture_output=True,
                              text=True)
        assert done.returncode == 0, done.stderr
    return paths


@contextmanager
def served(paths: dict[str, str], log: Path, workers: int = 2, language: str = "id") -> Iterator[str]:
    """`sop serve` on a free port until the block ends (its pages in language); yields its base address."""
    port = free_port()
    command = sop_command(paths, "serve", "--port", str(port), "--workers", str(workers))
    with serving(command, port, log, cwd=ROOT, env=sop_env(language)) as base:
        yield base


@contextmanager
def serving(command: list[str], port: int, log: Path, *, cwd: Path, env: dict[str, str]) -> Iterator[str]:
    """A `sop serve` command line run (in cwd, with env) until the block ends, once it answers on port; yields its
    base address."""
    with server_process(command, port, log, cwd=cwd, env=env):
        yield f"http://127.0.0.1:{port}"


@contextmanager
def server_process(command: list[str], port: int, log: Path, *, cwd: Path,
                   env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """The same, yielding the server's (master) process; it is stopped when the block ends."""
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise AssertionError("sop serve did not start:\n" + log.read_text()) from None
                    time.sleep(0.2)
            yield server
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


class Official:
    """One browser window, used by one person at a time."""

    def __init__(self, base: str, width: int = 1100, height: int = 1500) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={width},{height}", "--lang=id"):
            options.add_argument(flag)
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.implicitly_wait(2)
        self.base = base

    def close(self) -> None:
        self.driver.quit()

    def find(self, css: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str) -> list[Any]:
        from selenium.webdriver.common.by import By

        return list(self.driver.find_elements(By.CSS_SELECTOR, css))

    def press(self, css: str) -> None:
        """Click the button or link css finds and wait until the next page has replaced this one and loaded (a
        click that lands while the page is still being swapped is tried again on the element found afresh)."""
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        for attempt in range(3):
            page = self.find("html")
            try:
                self.find(css).click()
                break
            except WebDriverException:  # stale, or chromedriver's "node does not belong to the document"
                if attempt == 2:
                    raise
                time.sleep(0.3)

        def replaced(_: Any) -> bool:
            try:
                page.is_enabled()
            except WebDriverException:  # the old page's node is gone (stale, or the same inspector error)
                return True
            return False

        WebDriverWait(self.driver, 30).until(replaced)
        self.loaded()

    def loaded(self) -> None:
        """Wait until the current page has finished loading."""
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(self.driver, 30).until(
            lambda driver: driver.execute_script("return document.readyState") == "complete")

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)
        self.loaded()

    @property
    def path(self) -> str:
        return str(self.driver.current_url).removeprefix(self.base)

    def log_in(self, login: str, password: str) -> None:
        self.open("/login")
        self.find("#login").send_keys(login)
        self.find("#password").send_keys(password)
        self.press("#login-submit")
        assert self.path == "/", self.driver.page_source[:2000]

    def log_out(self) -> None:
        self.press(".logout button")

    def open_task(self, instance: int, task: str) -> None:
        """Follow the task's link on the tasklist (it must be there)."""
        self.open("/")
        self.press(f'a.task-link[data-instance="{instance}"][data-task="{task}"]')

    def fill(self, schema: dict[str, Any], data: dict[str, Any], attach: list[tuple[str, str]] = ()) -> None:
        """Type a step's data into its form: rows added first ("Tambah baris"), then every input, files chosen."""
        from web.form_fields import flatten

        values, rows = flatten(schema, data)
        for array in sorted(rows, key=lambda p: p.count(".")):
            while int(self.find(f'input[name="_rows.{array}"]').get_attribute("value")) < rows[array]:
                self.press(f'button[value="add:{array}"]')
        for name, value in values.items():
            self.type(name, value)
        for field, path in attach:
            self.find(f'input[type=file][name="{field.split(".")[0]}"]').send_keys(str(Path(path).resolve()))

    def type(self, name: str, value: str) -> None:
        """One input set as a person would: choose, tick, or type (a date picker's value set directly)."""
        from selenium.webdriver.support.ui import Select

        found = self.all(f'[name="{name}"]')
        assert found, f"no input {name} on {self.path}"
        element = found[0]
        tag, kind = element.tag_name, element.get_attribute("type")
        if tag == "select":
            Select(element).select_by_value(value)
        elif kind == "checkbox":
            if element.is_selected() != (value == "true"):
                element.click()
        elif kind == "radio":
            next(e for e in found if e.get_attribute("value") == value).click()
        elif kind == "date":
            self.driver.execute_script("arguments[0].value = arguments[1]", element, value)
        else:
            element.clear()
            element.send_keys(value)

    def complete(self) -> None:
        self.press("#complete")

    def status(self) -> int | None:
        """The status an error page shows (its heading's data-status), or None on another page."""
        found = self.all("#status")
        return int(found[0].get_attribute("data-status")) if found else None

    def screenshot(self, path: Path) -> None:
        self.driver.save_screenshot(str(path))
