"""Lanes per unit: a process page's `unit_kerja` (or `unit`) names the unit (Bidang) its lanes act for, so one roles
file serves several Bidang; a lane then reads `Kepala Bagian (Bidang Pendidikan Dasar)` wherever the engine
compares lanes (ready rows, step records, the roles file), exactly as if the diagram had named it so."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.common.i18n import N_
from engine.common.lanes import lane_key, with_unit

UNIT_KEYS = ("unit_kerja", "unit")  # in the SOP page (NAME.yaml): one unit for every lane, or lane -> unit


def unit_problem(page: Any) -> str | None:
    """What is wrong with a page's unit_kerja/unit, or None when absent, one text, or a mapping of lane to text."""
    if not isinstance(page, dict):
        return None
    for key in UNIT_KEYS:
        if key not in page:
            continue
        value = page[key]
        if isinstance(value, str) and value.strip():
            continue
        if isinstance(value, dict) and value and all(isinstance(k, str) and k.strip() and isinstance(v, str)
                                                     and v.strip() and "(" not in v and ")" not in v
                                                     for k, v in value.items()):
            continue
        return N_("{key} is {value!r}; give the unit of every lane (`{key}: Bidang Pendidikan Dasar`) or of some "
                  "lanes by name (`{key}: {{Kepala Bagian: Bidang Pendidikan Dasar}}`), without parentheses",
                  key=key, value=value)
    if all(key in page for key in UNIT_KEYS):
        return N_("both unit_kerja and unit are given; keep one")
    return None


def page_lane_namer(page: Any) -> Callable[[str | None], str | None]:
    """How a page names its process's lanes: each lane with the unit the page gives it (checked before), else as
    the diagram names it."""
    value = next((page[key] for key in UNIT_KEYS if key in page), None) if isinstance(page, dict) else None
    if unit_problem(page) is not None or value is None:
        return _as_drawn
    if isinstance(value, str):
        unit = value.strip()
        return lambda lane: with_unit(lane, unit) if lane else lane
    units = {lane_key(k): v.strip() for k, v in value.items()}

    def named(lane: str | None) -> str | None:
        unit = units.get(lane_key(lane)) if lane else None
        return with_unit(lane, unit) if lane and unit else lane

    return named


def bundle_lane_namer(bundle: dict[str, Any]) -> Callable[[str | None], str | None]:
    """The lane namer of a definition bundle, read from its pinned YAML page (as drawn when it has none)."""
    from engine.common.errors import EngineError
    from engine.common.yamlio import parse_yaml

    page = bundle.get("yaml") if isinstance(bundle, dict) else None
    if not isinstance(page, dict) or not isinstance(page.get("text"), str):
        return _as_drawn
    if not any(key in page["text"] for key in UNIT_KEYS):
        return _as_drawn  # most pages name no unit: no second YAML parse
    try:
        return page_lane_namer(parse_yaml(page["text"], str(page.get("file", "page"))))
    except EngineError:
        return _as_drawn


def _as_drawn(lane: str | None) -> str | None:
    return lane



def drawn_lanes_known(page: Any, known: set[str]) -> set[str]:
    """The lane keys a roles file knows, plus each lane as the diagram draws it when the page's unit makes it one of
    them (`Kepala Bagian` with `unit_kerja: {Kepala Bagian: Bidang X}` is known when someone holds `Kepala Bagian
    (Bidang X)`): what lint's lane check compares a diagram of that page against."""
    from engine.common.lanes import split_unit

    named = page_lane_namer(page)
    if named is _as_drawn:
        return known
    drawn = set(known)
    for key in known:
        base, unit = split_unit(key)
        if unit is not None and lane_key(named(base) or "") == key:
            drawn.add(lane_key(base))
    return drawn
