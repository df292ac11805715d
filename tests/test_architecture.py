"""The house has no import circle: no module of engine/, runner/ or web/ reaches back to one that imports it."""

from __future__ import annotations

import grimp


def _circles() -> list[list[str]]:
    """The strongly connected groups of more than one module, imports inside functions and TYPE_CHECKING
    blocks included (Tarjan's algorithm over grimp's graph, the one import-linter builds)."""
    graph = grimp.build_graph("engine", "runner", "web", include_external_packages=False)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph.find_modules_directly_imported_by(module)):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_circle_anywhere_in_the_house() -> None:
    """Not between packages, not between the modules of one package, not through a function's own import."""
    assert _circles() == []
