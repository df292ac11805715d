"""The rules a step passes before anything is saved: the step's check and the never-stranded guard."""

from __future__ import annotations

import pytest

from engine.common.errors import EngineError, ValidationError
from engine.common.models import TaskView
from engine.runtime.step_checks import check_not_stranded, check_step

PROPS = {"check": 'Surat["jenis"] == ("izin" if Telaah["keputusan"] == "setuju" else "tolak")',
         "checkMessage": "jenis harus sesuai keputusan Telaah"}


def test_a_check_that_holds_passes_and_one_that_fails_gives_its_message() -> None:
    """The check sees earlier artefacts and the one being submitted; a false check uses checkMessage."""
    upstream = {"Telaah": {"keputusan": "setuju"}}
    check_step("Instance 1 task 'Surat'", PROPS, upstream, "Surat", {"jenis": "izin"})
    with pytest.raises(ValidationError, match=r"^Instance 1 task 'Surat': jenis harus sesuai keputusan Telaah; "
                                              r"nothing was saved$"):
        check_step("Instance 1 task 'Surat'", PROPS, upstream, "Surat", {"jenis": "tolak"})


def test_a_check_that_cannot_be_evaluated_is_a_refusal_not_a_crash() -> None:
    """A check reading a missing field is refused, naming the problem; without checkMessage the check is quoted."""
    with pytest.raises(ValidationError, match=r"its check could not be evaluated .*'Telaah', which is not set yet"):
        check_step("Instance 1 task 'Surat'", PROPS, {}, "Surat", {"jenis": "izin"})
    with pytest.raises(ValidationError, match=r"the check 'Surat\[\"jenis\"\] == \"x\"' does not hold"):
        check_step("Instance 1 task 'Surat'", {"check": 'Surat["jenis"] == "x"'}, {}, "Surat", {"jenis": "y"})


def test_a_running_instance_without_a_ready_step_is_refused() -> None:
    """An instance left running with nothing ready is refused; finished or with a ready step is fine."""
    ready = [TaskView(1, "Surat", "u", "Surat", "Lane", None, None, "t", "p")]
    check_not_stranded("running", ready, "x")
    check_not_stranded("completed", [], "x")
    with pytest.raises(EngineError, match=r"^Step X would leave instance 1 running with no step ready"):
        check_not_stranded("running", [], "Step X would leave instance 1")
