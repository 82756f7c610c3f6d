"""The fence around Textual's private names (tui/textual_compat.py).

Each name Fieldnote relies on is still on the installed Textual, with the parameters used;
the overrides really run (a crash in a real process writes the rescue file and shows no
note; a code typed into a real terminal goes through Fieldnote's input loop); and outside
the compat module, tui/ names no underscored Textual attribute or module. `.ci/run` runs this
file against the newest Textual release as well as the pinned one.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import shutil
import subprocess
import sys
import textwrap
from functools import cache
from pathlib import Path

import pytest
import textual

from tests.reliability.test_crash_and_signals import CRASH, SECRET
from tests.test_terminal_loss import open_in_pty, read_until
from tui.services.session_setup import create_session
from tui.store import DataStore
from tui.textual_compat import RELIED_ON, Reliance

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tui"
COMPAT = PACKAGE / "textual_compat.py"
VERSION = textual.__version__


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and len(name) > 1


@cache
def _set_on_self(cls: type) -> frozenset[str]:
    """The attributes a class's own source assigns on `self` (its instance attributes)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError):
        return frozenset()
    return frozenset(
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.ctx, ast.Store)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )


def missing(reliance: Reliance) -> str | None:
    """None when the installed Textual still has the name as Fieldnote uses it, else the
    sentence that says what is gone."""
    where = (
        f"Textual {VERSION} has no {reliance.label}, which Fieldnote relies on "
        "(tui/textual_compat.py says why and what to use instead)"
    )
    if reliance.on_instances:
        if not any(reliance.name in _set_on_self(cls) for cls in reliance.owner.__mro__):
            return where + "."
        return None
    if not hasattr(reliance.owner, reliance.name):
        return where + "."
    if reliance.parameters is None:
        return None
    parameters = list(inspect.signature(getattr(reliance.owner, reliance.name)).parameters.values())
    leading = tuple(p.name for p in parameters[: len(reliance.parameters)])
    required_after = [
        p.name
        for p in parameters[len(reliance.parameters) :]
        if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    if leading != reliance.parameters or required_after:
        shown = ", ".join(p.name for p in parameters)
        used = ", ".join(reliance.parameters)
        return (
            f"Textual {VERSION} changed {reliance.label}: it takes ({shown}); Fieldnote uses "
            f"it as ({used}) (tui/textual_compat.py)."
        )
    return None


@pytest.mark.parametrize("reliance", RELIED_ON, ids=lambda reliance: reliance.label)
def test_each_name_fieldnote_relies_on_is_still_on_the_installed_textual(reliance):
    problem = missing(reliance)
    assert problem is None, problem


def test_a_name_taken_away_from_a_copy_of_textual_fails_the_check_with_a_sentence(tmp_path):
    """What a Textual release that renames `App._fatal_error` would do to this file: a copy of
    the installed Textual without it, first on the path of a fresh pytest."""
    copy = tmp_path / "textual"
    shutil.copytree(Path(textual.__file__).parent, copy, ignore=shutil.ignore_patterns("*.pyc"))
    app_py = copy / "app.py"
    source = app_py.read_text(encoding="utf-8")
    assert "def _fatal_error(self)" in source
    app_py.write_text(source.replace("def _fatal_error(self)", "def _fatal_exit(self)"))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"{__file__}::test_each_name_fieldnote_relies_on_is_still_on_the_installed_textual",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])},
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        f"Textual {VERSION} has no textual.app.App._fatal_error, which Fieldnote relies on"
        in result.stdout
    ), result.stdout
    assert "1 failed" in result.stdout, result.stdout


def test_a_changed_signature_is_named_with_what_it_takes_now(monkeypatch):
    from textual.app import App

    def handle(self, error, context):  # a release that adds a required parameter
        raise AssertionError("not called by the check")

    monkeypatch.setattr(App, "_handle_exception", handle)
    (reliance,) = [r for r in RELIED_ON if r.name == "_handle_exception"]
    assert missing(reliance) == (
        f"Textual {VERSION} changed textual.app.App._handle_exception: it takes "
        "(self, error, context); Fieldnote uses it as (self, error) (tui/textual_compat.py)."
    )


# -- the overrides really run ----------------------------------------------------------------


def test_a_crash_still_goes_through_fieldnotes_exception_hook(tmp_path):
    """A bug in a real app process: `_handle_exception` must write the rescue file and
    `_fatal_error` must print the report without the frame's local variables."""
    store = DataStore(tmp_path / "home")
    session_id = create_session(store, title="P7", goal="Why do trials stall?")
    result = subprocess.run(
        [sys.executable, "-c", CRASH, str(store.home), session_id],
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(tmp_path), "COLUMNS": "200"},
        timeout=120,
    )
    report = result.stdout + result.stderr
    assert "a bug in Fieldnote" in report, report
    assert list(tmp_path.glob("fieldnote-unsaved-*.json")), (
        f"Textual {VERSION} no longer calls Fieldnote's App._handle_exception on a crash: "
        "no rescue file was written."
    )
    assert SECRET not in report, (
        f"Textual {VERSION} no longer calls Fieldnote's App._fatal_error: the crash report "
        "shows the frame's local variables (note text)."
    )


@pytest.mark.slow
def test_a_key_read_by_the_real_linux_driver_goes_through_fieldnotes_input_loop(store, session_id):
    """Textual's own loop drops `ESC[31m` silently; Fieldnote's refuses it with a notice."""
    master, app = open_in_pty(store, session_id)
    try:
        assert b"asked" in read_until(master, b"asked", 20), "the interview screen never drew"
        os.write(master, b"\x1b[31m")
        assert b"Nothing of it" in read_until(master, b"Nothing of it", 10), (
            f"Textual {VERSION}'s Linux driver no longer runs Fieldnote's run_input_thread: "
            "a typed ESC[31m was not refused."
        )
    finally:
        app.kill()
        app.wait()
        os.close(master)


# -- nothing outside the fence names Textual's private names -----------------------------------


def _ui_modules() -> list[tuple[Path, str]]:
    modules = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == COMPAT or path.name == "__main__.py":
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules.append((path, ".".join(parts).removesuffix(".__init__")))
    return modules


@cache
def _textual_classes_private(cls: type) -> frozenset[str]:
    """The underscored names Textual's classes in `cls`'s MRO define or set on instances."""
    names: set[str] = set()
    for base in cls.__mro__:
        if base.__module__.split(".")[0] == "textual":
            names |= {name for name in vars(base) if _is_private(name)}
            names |= {name for name in _set_on_self(base) if _is_private(name)}
    return frozenset(names)


@cache
def _textual_private_anywhere() -> frozenset[str]:
    """Every underscored attribute or method name Textual's own source defines or uses."""
    names: set[str] = set()
    for path in Path(textual.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and _is_private(node.attr):
                names.add(node.attr)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _is_private(
                node.name
            ):
                names.add(node.name)
    return frozenset(names)


def _defined_by_fieldnote(trees: dict[Path, ast.Module]) -> frozenset[str]:
    names: set[str] = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return frozenset(name for name in names if _is_private(name))


def _is_self(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id in ("self", "cls")
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
    )


def _private_textual_uses(path: Path, module: str, tree: ast.Module, ours: frozenset[str]):
    """(line, what) for every underscored Textual name this module uses or overrides."""
    loaded = importlib.import_module(module)
    found: list[tuple[int, str]] = []
    # Modules imported whole from outside Textual: `os._exit` is the standard library's.
    others = {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name.split(".")[0] != "textual"
    }

    def visit(node: ast.AST, textual_names: frozenset[str]) -> None:
        if isinstance(node, ast.ClassDef):
            cls = getattr(loaded, node.name, None)
            inside = _textual_classes_private(cls) if isinstance(cls, type) else frozenset()
            for child in node.body:
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    if child.name in inside:
                        found.append((child.lineno, f"overrides Textual's {child.name}"))
                visit(child, inside)
            return
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] == "textual":
                parts = node.module.split(".") + [alias.name for alias in node.names]
                if any(_is_private(part) for part in parts):
                    found.append((node.lineno, f"imports from {node.module}"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "textual" and any(_is_private(part) for part in parts):
                    found.append((node.lineno, f"imports {alias.name}"))
        elif isinstance(node, ast.Attribute) and _is_private(node.attr):
            if _is_self(node.value):
                if node.attr in textual_names:
                    found.append((node.lineno, f"uses Textual's {node.attr}"))
            elif isinstance(node.value, ast.Name) and node.value.id in others:
                pass
            elif node.attr in _textual_private_anywhere() and node.attr not in ours:
                found.append((node.lineno, f"uses Textual's {node.attr}"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _is_private(node.args[1].value)
            and node.args[1].value in _textual_private_anywhere()
            and node.args[1].value not in ours
        ):
            found.append((node.lineno, f"uses Textual's {node.args[1].value}"))
        for child in ast.iter_child_nodes(node):
            visit(child, textual_names)

    visit(tree, frozenset())
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    return [f"{shown}:{line} {what}" for line, what in found]


def _all_uses() -> list[str]:
    modules = _ui_modules()
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path, _ in modules}
    ours = _defined_by_fieldnote(trees)
    return [
        use
        for path, module in modules
        for use in _private_textual_uses(path, module, trees[path], ours)
    ]


def test_outside_the_compat_module_tui_names_no_private_textual_name():
    assert _all_uses() == [], (
        "Textual's private names belong in tui/textual_compat.py, with why and what would "
        "let them go"
    )


def test_the_check_finds_a_private_name_used_outside_the_fence(tmp_path, monkeypatch):
    """Each kind of use the check above looks for, in a module of its own; a module imported
    from elsewhere may have a name Textual has too."""
    sample = tmp_path / "fenced_sample.py"
    sample.write_text(
        textwrap.dedent(
            """
            import os

            from textual._xterm_parser import XTermParser
            from textual.app import App

            class Sample(App):
                def _fatal_error(self):
                    self._exit_renderables.clear()
                    return self.own

                def bindings(self, node):
                    return node._bindings, getattr(node, "_bindings")

                def leave(self):
                    os._exit(0)  # the standard library's, not Textual's _exit
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    tree = ast.parse(sample.read_text())
    uses = _private_textual_uses(sample, "fenced_sample", tree, frozenset())
    assert [use.split(" ", 1)[1] for use in uses] == [
        "imports from textual._xterm_parser",
        "overrides Textual's _fatal_error",
        "uses Textual's _exit_renderables",
        "uses Textual's _bindings",
        "uses Textual's _bindings",
    ]
