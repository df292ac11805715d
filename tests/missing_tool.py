"""A test that needs a tool .ci/run installs skips, saying why, on a developer's machine; under CI=true it fails."""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    """True when the CI environment variable says so: tests must then fail, not skip, for a missing tool."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def missing(reason: str) -> None:
    """Skip the test saying why; under CI=true fail it instead, so CI cannot pass by skipping."""
    if in_ci():
        pytest.fail(f"CI=true and {reason}; .ci/run installs it, so CI cannot pass without it", pytrace=False)
    pytest.skip(reason)
