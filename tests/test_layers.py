"""The package's shape: one installed name, layers that depend one way, no hidden imports.

The layers, lowest first (a module may import only from its own layer or a lower one):

- ``model``: the simulated world (Mesa), scenario files, parameters;
- ``results``: folders, manifests, readers and the tidy tables of the output contract;
- ``experiments``: engine, ensembles, designs, sweeps, outcomes, parameter sets;
- ``analyze``: comparison, explanation, sensitivity, spread, landscape (frames in, frames out);
- ``validation``: record, replay, hindcast, scores, calibration;
- ``charts``: style, registry, one module per folder kind (frames in, Figure out);
- ``cli``: the commands, which combine computing, drawing and writing;
- ``explorer``: the page in the browser, on the same layers as the commands (``cli explore`` starts it by
  module name, so the command line never imports Solara).
"""

from __future__ import annotations

import ast
import tokenize
from pathlib import Path

import pytest

from tests.conftest import ROOT

LAYERS = ("model", "results", "experiments", "analyze", "validation", "charts", "cli", "explorer")
ALLOWED_INNER = {
    # heavy optional dependencies, imported where used so that a plain run never loads them
}


def modules() -> dict[str, Path]:
    """Every installed module, by its dotted name under ``powershift``."""
    found: dict[str, Path] = {}
    for folder, package in (("model", "powershift.model"), ("analysis", "powershift.analysis")):
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            name = ".".join((package, *parts))
            found[name.removesuffix(".__init__")] = path
    return found


def layer(module: str) -> int:
    parts = module.split(".")
    if parts[1] == "model":
        return 0
    return LAYERS.index(parts[2]) if len(parts) > 2 else len(LAYERS)


def imports(path: Path, known: set[str]) -> list[tuple[str, int, bool]]:
    """(imported powershift module, line, at module level?) for every import in the file, even under
    ``if TYPE_CHECKING:`` or inside a function."""
    tree = ast.parse(path.read_text())
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name in known:
                found.append((name, node.lineno, id(node) in top))
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {
        name: {target for target, _, _ in imports(path, set(known)) if target != name} for name, path in known.items()
    }


def test_only_powershift_is_installed_at_top_level() -> None:
    from importlib.metadata import packages_distributions

    top = sorted(name for name, dists in packages_distributions().items() if "powershift" in dists)
    assert top == ["powershift"]


def test_every_module_belongs_to_a_layer() -> None:
    for name in modules():
        parts = name.split(".")
        assert parts[1] == "model" or len(parts) == 2 or parts[2] in LAYERS, name


def test_layers_depend_one_way() -> None:
    wrong = [
        f"{source} imports {target}"
        for source, targets in graph().items()
        for target in targets
        if layer(target) > layer(source)
    ]
    assert wrong == []


def test_no_import_cycle() -> None:
    edges = graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert cycles == []


@pytest.mark.parametrize("name", sorted(modules()))
def test_imports_are_at_module_level(name: str) -> None:
    """Imports placed inside functions hide the real dependencies; only the few listed for heavy
    optional libraries are allowed."""
    path = modules()[name]
    inner = [f"{target} (line {line})" for target, line, top in imports(path, set(modules())) if not top]
    assert inner == []


MAX_FUNCTION_LINES = 60


def comments(text: str) -> dict[int, str]:
    """The comment on each line of a source file, by line number (tokenized, so a '#' in a string is not one)."""
    lines = iter(text.splitlines(keepends=True))
    tokens = tokenize.generate_tokens(lambda: next(lines, ""))
    return {t.start[0]: t.string for t in tokens if t.type == tokenize.COMMENT}


def justified(node: ast.FunctionDef | ast.AsyncFunctionDef, notes: dict[int, str]) -> bool:
    """Whether a comment with "long:" and a reason stands on the line before the function (above its
    decorators, or just above the ``def``), on its signature, or between the signature and its first
    body line inclusive."""
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    places = [first - 1, node.lineno - 1, *range(node.lineno, node.body[0].lineno + 1)]
    reasons = [notes.get(line, "").partition("long:") for line in places]
    return any(found and reason.strip() for _, found, reason in reasons)


def test_no_function_is_over_sixty_lines_unless_it_says_why() -> None:
    """The rule of the project: a function over 60 lines (from ``def`` to its last line, decorators
    excluded) must justify its length in a comment containing "long:", or be split."""
    long = []
    for path in [*modules().values(), ROOT / "run.py"]:
        text = path.read_text()
        notes = comments(text)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES and not justified(node, notes):
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    assert long == []
