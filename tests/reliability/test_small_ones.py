"""The smaller promises of item 13: an empty --as, the config folder, the demo folder."""

from __future__ import annotations

import pytest

from tui.cli import demo_home, main
from tui.services.keymap import config_path, load_keymap


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDNOTE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FIELDNOTE_DEMO_HOME", raising=False)
    return tmp_path / "home"


@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_as_is_refused_not_replaced_by_the_login_name(home, capsys, name):
    assert main(["new", "P7"]) == 0
    session_id = capsys.readouterr().out.strip()
    for argv in (["note", session_id, "text", "--as", name], ["open", session_id, "--as", name]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert "--as is empty" in err and err.count("\n") == 1
    assert main(["pair", session_id, "--with", " "]) == 1
    assert "--with is empty" in capsys.readouterr().err


def test_fieldnote_config_names_the_config_folder(tmp_path, monkeypatch):
    folder = tmp_path / "cfg"
    folder.mkdir()
    (folder / "config.toml").write_text('keymap = "emacs"\n', encoding="utf-8")
    monkeypatch.setenv("FIELDNOTE_CONFIG", str(folder))
    assert config_path() == folder / "config.toml"
    assert load_keymap().keys["home.cursor_down"] == "ctrl+n,down"


def test_the_demo_folder_is_inside_the_data_folder(home, monkeypatch, tmp_path):
    assert demo_home() == home / "demo"
    monkeypatch.setenv("FIELDNOTE_DEMO_HOME", str(tmp_path / "elsewhere"))
    assert demo_home() == tmp_path / "elsewhere"


async def test_the_quit_dialog_is_not_hidden_under_error_notices_at_80x24(
    tmpfs, tmp_path, monkeypatch
):
    from tests.disk_faults import fill
    from tui.app import FieldnoteApp
    from tui.screens.interview_screen import InterviewScreen
    from tui.screens.quit_screen import QuitScreen
    from tui.services.session_setup import create_session
    from tui.store import DataStore

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr("tui.services.write_queue.RETRY_SECONDS", 0.1)
    store = DataStore(tmpfs / "home")
    session_id = create_session(store, title="P7", goal="Why do trials stall?")
    app = FieldnoteApp(store, author="Maya", session_id=session_id)

    async def until(condition, what: str) -> None:
        for _ in range(1000):
            if condition():
                return
            await pilot.pause(0.02)
        raise AssertionError(f"never: {what} (on {type(app.screen).__name__})")

    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, InterviewScreen), "the interview")
        fill(tmpfs)
        for note in ("one", "two", "three"):
            await pilot.press(*note, "enter")
        await until(lambda: len(app._notifications) >= 2, "error notices")
        await pilot.press("ctrl+q")
        await until(lambda: type(app.screen).__name__ == "DebriefScreen", "the debrief")
        await pilot.press("escape")  # not now: on to quitting
        await until(lambda: isinstance(app.screen, QuitScreen), "the quit dialog")
        failures = []
        told = app.live.on_event
        app.live.on_event = lambda state: (failures.append(state.error), told(state))
        # Retries fail while the dialog is open; none of them may cover it.
        await until(lambda: sum(1 for error in failures if error) >= 3, "three failed retries")
        await pilot.pause()
        assert not app._notifications, [n.message for n in app._notifications]
        dialog = app.screen.query_one(".dialog").region
        assert dialog.bottom <= 24 and dialog.right <= 80
        # A full disk still takes the drafts file (its space taken at open): not "only in memory".
        assert "the 3 note(s) are kept in the session's drafts file" in str(
            app.screen.query_one("#quit-message").render()
        )
        await pilot.press("s")
