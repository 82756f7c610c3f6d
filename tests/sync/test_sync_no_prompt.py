"""A sync run from the app never lets git ask anything on the terminal the app draws on: ssh
runs in batch mode (unless the user set their own ssh command) with no terminal to open, and
a question it could not ask is a sentence sending the user to `fieldnote sync` in a shell.
The CLI's sync still lets ssh ask."""

from __future__ import annotations

import os
import stat

from tests.conftest import FrozenClock
from tests.sync.laptops import Laptop, bare_remote, environment
from tests.waiting import wait_until
from tui.app import FieldnoteApp
from tui.screens.home_screen import HomeScreen
from tui.store import DataStore

# An ssh that knows one host once it was answered "yes" (the file `known`); until then it
# asks on the terminal, as ssh asks about a new host's key, or fails at once in batch mode.
# Every run is logged: its options, and whether it had a terminal to ask on.
FAKE_SSH = """#!/bin/sh
here=$(dirname "$0")
if (exec 3</dev/tty) 2>/dev/null; then tty=tty; else tty=no-tty; fi
echo "$tty $*" >> "$here/log"
for last; do :; done
if [ ! -e "$here/known" ]; then
    case "$*" in
    *BatchMode=yes*) echo "Host key verification failed." >&2; exit 255 ;;
    esac
    echo "asked $tty" >> "$here/log"
    touch "$here/known"
fi
exec sh -c "$last"
"""


def _fake_ssh(folder):
    folder.mkdir()
    ssh = folder / "ssh"
    ssh.write_text(FAKE_SSH)
    ssh.chmod(ssh.stat().st_mode | stat.S_IXUSR)
    return folder


def _shared_over_ssh(tmp_path):
    remote = bare_remote(tmp_path / "study.git")
    ana = Laptop(tmp_path / "ana", "ana")
    ana.ok("new", "Onboarding - P7")
    ana.ok("sync", "init")
    ana.git("remote", "add", "origin", f"ssh://fakehost{remote}")
    return ana


async def _sync_in_app(ana: Laptop) -> str:
    app = FieldnoteApp(DataStore(ana.home), author="ana", now=FrozenClock())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("S")
        await wait_until(pilot, lambda: app._notifications and not app.screen.syncing)
        return " ".join(n.message for n in app._notifications)


async def test_the_apps_sync_never_asks_and_says_to_answer_in_a_shell(tmp_path):
    ana = _shared_over_ssh(tmp_path)
    fake = _fake_ssh(tmp_path / "bin")
    os.environ.pop("GIT_SSH_COMMAND", None)
    with environment(PATH=f"{fake}:{os.environ['PATH']}"):
        said = await _sync_in_app(ana)
        log = (fake / "log").read_text()
        assert "BatchMode=yes" in log and "asked" not in log, log
        assert "no-tty" in log and " tty " not in log, log
        assert "run `fieldnote sync` in a shell once" in said, said
        assert not (fake / "known").exists()

        # The CLI lets ssh ask; once answered, the app's sync goes through.
        assert ana.sync().code == 0
        assert "asked" in (fake / "log").read_text()
        said = await _sync_in_app(ana)
    assert "Synced" in said, said


async def test_the_apps_sync_keeps_the_users_own_ssh_command(tmp_path):
    ana = _shared_over_ssh(tmp_path)
    fake = _fake_ssh(tmp_path / "bin")
    ana.git("config", "core.sshCommand", "ssh -o IdentitiesOnly=yes")
    (fake / "known").touch()
    with environment(PATH=f"{fake}:{os.environ['PATH']}"):
        said = await _sync_in_app(ana)
    log = (fake / "log").read_text()
    assert "IdentitiesOnly=yes" in log and "BatchMode" not in log, log
    assert "no-tty" in log, log
    assert "Synced" in said, said
