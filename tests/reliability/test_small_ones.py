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
    app = FieldnoteApp(store, author="Maya", session_id=create_session(store, title="P7"))
    async with app.run_test(size=(80, 24)) as pilot:
        while not isinstance(app.screen, InterviewScreen):
            await pilot.pause(0.02)
        fill(tmpfs)
        for note in ("one", "two", "three"):
            await pilot.press(*note, "enter")
        while len(app._notifications) < 2:
            await pilot.pause(0.02)
        await pilot.press("ctrl+q")
        while not isinstance(app.screen, QuitScreen):
            await pilot.pause(0.02)
        failures = []
        told = app.live.on_event
        app.live.on_event = lambda state: (failures.append(state.error), told(state))
        while sum(1 for error in failures if error) < 3:  # retries fail while it is open
            await pilot.pause(0.02)
        await pilot.pause()
        assert not app._notifications, [n.message for n in app._notifications]
        dialog = app.screen.query_one(".dialog").region
        assert dialog.bottom <= 24 and dialog.right <= 80
        assert "only in memory" in str(app.screen.query_one("#quit-message").render())
        await pilot.press("s")
