"""tmux settings checks and the pair command, with tmux's output faked."""

from __future__ import annotations

import shlex
import sys

import pytest

from tui.services.tmux import TmuxError, open_pair, pair_commands, setting_warnings, show_option


def fake_tmux(options: dict[str, str | None], calls: list | None = None):
    def run(args):
        if calls is not None:
            calls.append(list(args))
        if args[0] == "show-options":
            return None if options.get(args[-1]) is None else options[args[-1]] + "\n"
        if args[0] == "new-window":
            return "%7\n"
        return ""

    return run


def test_a_slow_escape_time_and_clipboard_off_are_warned_with_the_fix() -> None:
    warnings = setting_warnings(fake_tmux({"escape-time": "500", "set-clipboard": "off"}))
    assert len(warnings) == 2
    assert "Esc would lag" in warnings[0] and "500 ms" in warnings[0]
    assert "tmux set -g escape-time 10" in warnings[0] and "~/.tmux.conf" in warnings[0]
    assert "tmux set -g set-clipboard on" in warnings[1]


@pytest.mark.parametrize(
    "options",
    [
        {"escape-time": "50", "set-clipboard": "on"},
        {"escape-time": None, "set-clipboard": None},  # tmux not answering: say nothing
        {"escape-time": "garbage", "set-clipboard": ""},
    ],
)
def test_good_or_unknown_settings_say_nothing(options) -> None:
    assert setting_warnings(fake_tmux(options)) == []


def test_tmuxs_default_external_clipboard_is_warned_as_it_drops_the_apps_copies() -> None:
    (warning,) = setting_warnings(fake_tmux({"escape-time": "10", "set-clipboard": "external"}))
    assert "set-clipboard is external" in warning and "tmux set -g set-clipboard on" in warning


def test_only_the_bad_one_is_named() -> None:
    warnings = setting_warnings(fake_tmux({"escape-time": "51", "set-clipboard": "on"}))
    assert len(warnings) == 1 and "51 ms" in warnings[0]


def test_show_option_asks_tmux_for_the_global_value() -> None:
    calls: list = []
    assert show_option("escape-time", fake_tmux({"escape-time": "20"}, calls)) == "20"
    assert calls == [["show-options", "-gv", "escape-time"]]


def test_pair_opens_a_window_and_splits_it_with_one_instance_each(tmp_path) -> None:
    calls: list = []
    env = {"TMUX": "/tmp/tmux-1/default,1,0", "FIELDNOTE_HOME": str(tmp_path)}
    pane = open_pair(
        "abc123",
        "Pair test",
        ("Maya", "Jonas"),
        env=env,
        run=fake_tmux({}, calls),
        which=lambda name: "/usr/bin/tmux",
    )
    assert pane == "%7"
    window, split, select = calls
    assert window[0] == "new-window" and "-P" in window and "Pair test" in window
    assert split[:4] == ["split-window", "-h", "-t", "%7"]
    assert select == ["select-pane", "-t", "%7"]
    for call, author in ((window, "Maya"), (split, "Jonas")):
        assert f"FIELDNOTE_HOME={tmp_path}" in call  # tmux would not pass our environment
        command = shlex.split(call[-1])
        assert command == [sys.executable, "-m", "tui", "open", "abc123", "--as", author]


def test_pair_without_tmux_says_so() -> None:
    with pytest.raises(TmuxError, match="not in tmux"):
        open_pair("abc", "t", ("a", "b"), env={}, run=fake_tmux({}), which=lambda n: "/x")
    with pytest.raises(TmuxError, match="not installed"):
        open_pair("abc", "t", ("a", "b"), env={"TMUX": "x"}, which=lambda n: None)


def test_pair_reports_a_tmux_that_refuses() -> None:
    with pytest.raises(TmuxError, match="new window"):
        open_pair(
            "abc", "t", ("a", "b"), env={"TMUX": "x"}, run=lambda a: None, which=lambda n: "/x"
        )


def test_names_with_spaces_and_quotes_survive_the_shell() -> None:
    window, _ = pair_commands("abc", "t", ("Ana María", "O'Neil; rm -rf /"), env={})
    assert shlex.split(window[-1])[-1] == "Ana María"
    _, split = pair_commands("abc", "t", ("Ana María", "O'Neil; rm -rf /"), env={})
    assert shlex.split(split[-1])[-1] == "O'Neil; rm -rf /"


@pytest.mark.parametrize("module", ["tui.services.tmux", "tui.store.presence"])
def test_loads_without_textual(module) -> None:
    import subprocess

    code = f"import sys, {module}; assert 'textual' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
