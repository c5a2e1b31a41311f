"""The package's folders are layers: a module imports only from its own folder or folders below it.

Read from the source with ``ast``, so a lazy import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "formcheck"

#: Lowest first: the data flow, from plain values to the programs a user runs.
LAYERS = ["core", "io", "signal", "engine", "outputs", "session", "dev", "app", "cli"]


def _layer(module: str) -> int | None:
    """Layer index of ``formcheck.<folder>...``; None for the package root and its attributes
    (``__version__``), which every layer may use."""
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def _imports(source: str, package: tuple[str, ...]) -> list[tuple[int, str]]:
    """(line, absolute module) for every ``formcheck`` import in a module of ``package``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                target = ".".join(base + ([node.module] if node.module else []))
                names = [target] if node.module else [f"{target}.{alias.name}" for alias in node.names]
            else:
                names = [node.module or ""]
            found += [(node.lineno, name) for name in names if name.split(".")[0] == "formcheck"]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.split(".")[0] == "formcheck"]
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE)


def test_every_folder_is_a_known_layer() -> None:
    folders = {p.relative_to(PACKAGE).parts[0] for p in MODULES}
    assert folders == set(LAYERS)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_from_own_layer_or_below(path: Path) -> None:
    own = LAYERS.index(path.relative_to(PACKAGE).parts[0])
    package = path.relative_to(PACKAGE.parent).parent.parts
    upward = [f"line {line}: {module}" for line, module in _imports(path.read_text(), package)
              if (layer := _layer(module)) is not None and layer > own]
    assert not upward, f"{path.relative_to(PACKAGE)} imports from a layer above its own: {upward}"


def test_the_check_sees_relative_and_lazy_imports() -> None:
    """The parser itself: relative imports at any depth, and one inside a function, are all found."""
    source = ("import formcheck.io.video\nfrom ..outputs.report import x\nfrom . import rules\n"
              "def f():\n    from ..session import offline\n")
    found = sorted(m for _, m in _imports(source, ("formcheck", "engine")))
    assert found == ["formcheck.engine.rules", "formcheck.io.video", "formcheck.outputs.report",
                     "formcheck.session"]
    assert _layer("formcheck.session") > _layer("formcheck.engine.rules")
