"""A flood of sign-ins queues for the password check: at most two Argon2 verifications run at once in a process,
so a burst from many addresses costs the attacker time, not the office's cores and memory."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from web_fixtures import engine_as, office

from engine import LoginError


def test_at_most_two_password_checks_run_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight wrong sign-ins of eight logins from eight addresses at once: each is refused with the one answer,
    and no more than two of their checks ever overlap."""
    import engine.common.passwords as passwords

    paths = office(tmp_path)
    running, most, lock = [0], [0], threading.Lock()

    def counted(stored: str | None, password: str) -> bool:  # a wrong password's check, taking 0.2 s
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.2)
        with lock:
            running[0] -= 1
        return False

    monkeypatch.setattr(passwords, "verify_password", counted)
    logins = ["kadis", "kabid.egov", "kasi.infra", "tim.jaringan", "dedi.jaringan", "sekretaris", "tu.umum",
              "opd.dinkes"]
    answers: list[str] = []

    def guess(n: int) -> None:
        engine = engine_as(paths, "web")
        try:
            engine.people.check_login(logins[n], "salah-sekali-123", address=f"10.0.0.{n}")
        except LoginError as exc:
            answers.append(str(exc))
        finally:
            engine.close()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 8 and len(set(answers)) == 1 and "wrong" in answers[0]
    assert most[0] == 2
