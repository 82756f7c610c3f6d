"""The layers are a test, not a hope (docs/ARCHITECTURE.md).

Every module of the domain, the store and the services loads in a fresh interpreter without
Textual, and each layer imports only the layers above it: domain <- store <- services <- UI <- CLI.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tui"
LAYERS = ("domain", "store", "services")
"""Below the UI, in order: each may import only itself and the ones before it."""


def _modules(layer: str) -> list[str]:
    return sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in (PACKAGE / layer).rglob("*.py")
    )


BELOW_THE_UI = [module for layer in LAYERS for module in _modules(layer)]


@pytest.mark.parametrize("module", [*BELOW_THE_UI, "tui.cli"])
def test_module_loads_without_textual(module):
    code = f"import sys, {module}; assert 'textual' not in sys.modules, sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def _imported_tui_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name == "tui" or name.startswith("tui.")}


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_imports_only_the_layers_above(layer):
    allowed = {f"tui.{name}" for name in LAYERS[: LAYERS.index(layer) + 1]}
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (PACKAGE / layer).rglob("*.py")
        for name in _imported_tui_modules(path)
        if not any(name == ok or name.startswith(ok + ".") for ok in allowed)
    ]
    assert offenders == []
