"""Limits a process sets in its YAML page: how many times data may make one step repeat (multi-instance counts), and
the on-time share at which the monitoring form says a step runs well."""

from __future__ import annotations

import math
from typing import Any

from engine.common.i18n import N_

THRESHOLD_KEY = "ambang_tepat_waktu"  # in the SOP page (NAME.yaml): percent, read by `sop monev`
DEFAULT_THRESHOLD = 80.0
COUNT_LIMIT_KEY = "batas_pengulangan"  # in the SOP page (NAME.yaml) or the SOP table (NAME.sop.yaml)
DEFAULT_COUNT_LIMIT = 1_000
MAX_COUNT_LIMIT = 100_000


def count_limit_problem(page: Any) -> str | None:
    """What is wrong with a page's count limit, or None when it is absent or a whole number in range."""
    if not isinstance(page, dict) or COUNT_LIMIT_KEY not in page:
        return None
    value = page[COUNT_LIMIT_KEY]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_COUNT_LIMIT:
        return (f"{COUNT_LIMIT_KEY} is {value!r}; give a whole number from 1 to {MAX_COUNT_LIMIT} (how many times "
                f"data may repeat a step; {DEFAULT_COUNT_LIMIT} when left out)")
    return None


def threshold_problem(page: Any) -> str | None:
    """What is wrong with a page's on-time threshold, or None when it is absent or a number from 0 to 100."""
    if not isinstance(page, dict) or THRESHOLD_KEY not in page:
        return None
    value = page[THRESHOLD_KEY]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or not 0 <= value <= 100:
        return N_("{key} is {value!r}; give a percentage from 0 to 100 without the percent sign (the on-time share at "
                  "which a step runs well; {default} when left out), e.g. {key}: 80",
                  key=THRESHOLD_KEY, value=value, default=int(DEFAULT_THRESHOLD))
    return None


def page_count_limit(page: Any) -> int:
    """The count limit a page sets (checked before), else the default."""
    if count_limit_problem(page) is None and isinstance(page, dict) and COUNT_LIMIT_KEY in page:
        return int(page[COUNT_LIMIT_KEY])
    return DEFAULT_COUNT_LIMIT


def count_limit(bundle: dict[str, Any]) -> int:
    """The count limit of a definition bundle, read from its pinned YAML page."""
    from engine.common.errors import EngineError
    from engine.common.yamlio import parse_yaml

    page = bundle.get("yaml") if isinstance(bundle, dict) else None
    if not isinstance(page, dict) or not isinstance(page.get("text"), str):
        return DEFAULT_COUNT_LIMIT
    try:
        return page_count_limit(parse_yaml(page["text"], str(page.get("file", "page"))))
    except EngineError:
        return DEFAULT_COUNT_LIMIT
