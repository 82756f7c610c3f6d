"""The store is a layer below the UI: importing it must not load Textual."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_store_imports_no_textual() -> None:
    code = (
        "import sys, tui.store, tui.store.storage, tui.store.session, tui.store.codebook, "
        "tui.store.datastore, tui.services.tag_ops, tui.domain.tags; "
        "assert 'tinydb' in sys.modules; "
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')); "
        "assert not bad, bad"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_only_the_store_imports_tinydb() -> None:
    offenders = [
        path.relative_to(ROOT)
        for path in (ROOT / "tui").rglob("*.py")
        if "store" not in path.relative_to(ROOT / "tui").parts[:1]
        and any(
            line.lstrip().startswith(("import tinydb", "from tinydb"))
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    ]
    assert offenders == []


def test_the_store_uses_only_tinydbs_public_names() -> None:
    """No `_private` attribute of TinyDB's classes (`_update_table`, `_next_id`, ...) and no
    private module of it: a TinyDB patch release may change those without notice."""
    import ast

    import tinydb.database
    import tinydb.storages
    import tinydb.table

    # Their private methods, and the instance attributes a subclass could be tempted to set
    # (`_storage` and `_tables` are left out: our own classes use those names for their own).
    private = {
        name
        for cls in (tinydb.table.Table, tinydb.database.TinyDB, tinydb.storages.Storage)
        for name in vars(cls)
        if name.startswith("_") and not name.startswith("__")
    } | {"_next_id", "_query_cache", "_opened"}
    used = []
    for path in (ROOT / "tui" / "store").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in private:
                used.append(f"{path.name}:{node.lineno} .{node.attr}")
            if isinstance(node, ast.FunctionDef) and node.name in private:
                used.append(f"{path.name}:{node.lineno} def {node.name}")
    assert "_update_table" in private and "_get_next_id" in private
    assert not used, used
