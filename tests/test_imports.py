"""The package picture holds: no import cycle between the parts of hiecheck, and none of the
imports that must never exist (the house picture's "never" arrows, written out here).

Parts: Faces (commands), Pipeline (hiecheck.check), Renderers (reports to words), Programs,
Evidence, HL7, P4P, Core (shared small pieces, the ground); any other subpackage (web, measures
…) is a part of its own. Every import counts, also those inside functions.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "hiecheck"

FACES = {
    "hiecheck.__main__",
    "hiecheck.cli",
    "hiecheck.cli_support",
    "hiecheck.programs.cli",
    "hiecheck.hl7.cli",
    "hiecheck.p4p.cli",
}
RENDERERS = {
    "hiecheck.programs.render_table",
    "hiecheck.programs.render_markdown",
    "hiecheck.programs.render_summary",
    "hiecheck.programs.render_programs",
    "hiecheck.programs.text_layout",
    "hiecheck.programs.report_digest",
    "hiecheck.hl7.render_table",
    "hiecheck.hl7.render_junit",
    "hiecheck.p4p.render",
}
AREAS = {"programs": "Programs", "evidence": "Evidence", "hl7": "HL7", "p4p": "P4P"}

NEVER = [
    ("Programs", "Evidence", "programs define the evidence protocol; evidence answers it"),
    ("HL7", "Faces", "the checker knows no command line"),
    ("HL7", "Programs", "the checker knows no program"),
    ("Programs", "Renderers", "reports never depend on their renderers"),
    ("P4P", "HL7", "scoring reads CSVs, not messages"),
    ("Evidence", "Renderers", "evidence produces values; words come later"),
    ("Programs", "Pipeline", "the pipeline composes programs, not the reverse"),
    ("Evidence", "Pipeline", "the pipeline composes evidence, not the reverse"),
    ("HL7", "Pipeline", "the checker knows no pipeline"),
    ("Portfolio", "Renderers", "the portfolio model and run never depend on their renderers"),
    ("Portfolio", "Faces", "a portfolio run knows no command line"),
    ("Pipeline", "Portfolio", "portfolios call the pipeline, not the reverse"),
]
"""(from, to, why): imports that must never exist."""

GROUND_ONLY = {"hiecheck.cli_support": "every area's command uses it: it may know only Core"}
"""Modules (besides Core) that may import nothing but Core, and why."""


def part(module: str) -> str:
    """The part a hiecheck module belongs to (any area's ``cli`` is a face, any ``render*``
    module a renderer)."""
    last = module.rsplit(".", 1)[-1]
    if module in FACES or last == "cli":
        return "Faces"
    if module in RENDERERS or last.startswith("render"):
        return "Renderers"
    if module == "hiecheck.check":
        return "Pipeline"
    pieces = module.split(".")
    if len(pieces) == 1 or (len(pieces) == 2 and (SRC / PACKAGE / f"{pieces[1]}.py").is_file()):
        return "Core"  # hiecheck itself and its top-level modules
    return AREAS.get(pieces[1], pieces[1].capitalize())


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(name: str, known: set[str]) -> str:
    """The longest known module prefix of a dotted import target."""
    while name not in known and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def imports() -> dict[str, set[str]]:
    """hiecheck module → hiecheck modules it imports (anywhere in the file)."""
    files = sorted((SRC / PACKAGE).rglob("*.py"))
    known = {_module_name(f) for f in files}
    graph: dict[str, set[str]] = defaultdict(set)
    for path in files:
        module = _module_name(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [f"{node.module}.{a.name}" for a in node.names]
            for target in targets:
                if target.split(".")[0] == PACKAGE:
                    graph[module].add(_resolve(target, known))
        graph.setdefault(module, set())
    return dict(graph)


def part_arrows() -> dict[tuple[str, str], list[str]]:
    """(from part, to part) → the imports that make the arrow."""
    arrows: dict[tuple[str, str], list[str]] = defaultdict(list)
    for module, targets in imports().items():
        for target in targets:
            a, b = part(module), part(target)
            if a != b:
                arrows[(a, b)].append(f"{module} -> {target}")
    return dict(arrows)


def _cycle(edges: set[tuple[str, str]]) -> list[str] | None:
    nodes = {n for e in edges for n in e}
    succ = {n: sorted(b for a, b in edges if a == n) for n in nodes}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in succ[n]:
            if state.get(m) == 1:
                return [*stack[stack.index(m) :], m]
            if m not in state and (found := visit(m)):
                return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(nodes):
        if n not in state and (found := visit(n)):
            return found
    return None


def test_every_module_has_a_part() -> None:
    assert {part(m) for m in imports()} >= {"Faces", "Renderers", "Pipeline", "Programs",
                                            "Evidence", "HL7", "P4P", "Core"}


def test_no_import_cycle_between_parts() -> None:
    arrows = part_arrows()
    cycle = _cycle(set(arrows))
    assert cycle is None, "import cycle " + " -> ".join(cycle) + ": " + "; ".join(
        arrows[pair][0] for pair in pairwise(cycle)
    )


def test_no_forbidden_import() -> None:
    arrows = part_arrows()
    bad = [
        f"{a} -> {b} ({why}): {', '.join(arrows[(a, b)])}"
        for a, b, why in NEVER
        if (a, b) in arrows
    ]
    bad += [
        f"Core -> {b} (core is the ground): {', '.join(found)}"
        for (a, b), found in arrows.items()
        if a == "Core"
    ]
    graph = imports()
    bad += [
        f"{module} -> {target} ({why})"
        for module, why in GROUND_ONLY.items()
        for target in sorted(graph.get(module, ()))
        if part(target) != "Core"
    ]
    assert bad == []


def test_the_checker_can_be_caught() -> None:
    """The test sees imports inside functions and resolves ``from X import name``."""
    graph = imports()
    assert "hiecheck.programs.evaluate" in graph["hiecheck.check"]
    assert part("hiecheck.programs.models") == "Programs" and part("hiecheck.errors") == "Core"
    assert _cycle({("A", "B"), ("B", "C"), ("C", "A")}) == ["A", "B", "C", "A"]
