"""A remote over http(s) that asks for a user name and a password (or a token): `fieldnote
sync` in a shell lets git ask on the terminal, where a person answers; the app's sync never
asks on the terminal it draws on and says to run `fieldnote sync` in a shell once.

The remote is a local web server that asks every request for credentials (HTTP 401), as a
hosted git remote does for a private study; git's own https/http transport talks to it."""

from __future__ import annotations

import base64
import http.server
import os
import select
import sys
import threading
import time

import pytest

from tests.sync.laptops import Laptop, environment
from tests.sync.test_sync_no_prompt import _sync_in_app


class _AsksForCredentials(http.server.BaseHTTPRequestHandler):
    seen: list[str]

    def do_GET(self) -> None:
        self.seen.append(self.headers.get("Authorization") or "")
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="study"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def private_remote():
    """The URL of a remote that wants credentials, and the Authorization headers it saw."""
    seen: list[str] = []
    handler = type("Handler", (_AsksForCredentials,), {"seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/study.git", seen
    finally:
        server.shutdown()
        server.server_close()


NO_HELPERS = {
    "GIT_ASKPASS": "",
    "SSH_ASKPASS": "",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}
"""No graphical password prompt and no credential helper of the machine's user: git asks on
the terminal, or fails where it cannot."""


def _shared_over_http(tmp_path, url: str) -> Laptop:
    ana = Laptop(tmp_path / "ana", "ana")
    ana.ok("new", "Onboarding - P7")
    ana.ok("sync", "init")
    ana.git("remote", "add", "origin", url)
    return ana


def _read_until(fd: int, wanted: bytes, seen: bytearray, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while wanted not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"waited for {wanted!r}, the terminal shows {bytes(seen)!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the terminal closed: the command ended
                chunk = b""
            assert chunk, f"ended before {wanted!r}, the terminal shows {bytes(seen)!r}"
            seen += chunk


def test_the_cli_sync_lets_git_ask_for_the_credentials_on_the_terminal(tmp_path, private_remote):
    url, seen = private_remote
    ana = _shared_over_http(tmp_path, url)
    env = {**os.environ, **NO_HELPERS, "FIELDNOTE_HOME": str(ana.home), "FIELDNOTE_AUTHOR": "ana"}
    env.pop("GIT_TERMINAL_PROMPT", None)
    pid, fd = os.forkpty()  # the command gets a terminal of its own, as in a shell
    if pid == 0:
        os.execve(sys.executable, [sys.executable, "-m", "tui", "sync", "--as", "ana"], env)
    shown = bytearray()
    try:
        _read_until(fd, b"Username for 'http://127.0.0.1", shown)
        os.write(fd, b"ana\n")
        _read_until(fd, b"Password for", shown)
        os.write(fd, b"s3cret\n")
        _read_until(fd, b"Authentication failed", shown)
        # A refused password is no network fault: the sentence says what to check instead.
        _read_until(fd, b"nothing was changed", shown)
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 1, bytes(shown)
    said = b" ".join(bytes(shown).split())
    assert b"did not accept the credentials" in said and b"check the network" not in said, said
    assert "Basic " + base64.b64encode(b"ana:s3cret").decode() in seen, seen


async def test_the_apps_sync_never_asks_for_credentials_and_says_where_to(tmp_path, private_remote):
    url, seen = private_remote
    ana = _shared_over_http(tmp_path, url)
    with environment(**NO_HELPERS):
        said = await _sync_in_app(ana)
    assert "run `fieldnote sync` in a shell once" in said, said
    assert "credential helper" in said, said
    assert not any(seen), seen


REFUSING_SSH = """#!/bin/sh
echo "git@fakehost: Permission denied (publickey)." >&2
exit 255
"""
"""An ssh that reached the host and had its key refused, as ssh says it (and ends) then."""


def _shared_over_refusing_ssh(tmp_path) -> Laptop:
    ana = Laptop(tmp_path / "ana", "ana")
    ana.ok("new", "Onboarding - P7")
    ana.ok("sync", "init")
    ana.git("remote", "add", "origin", "ssh://fakehost/study.git")
    ssh = tmp_path / "ssh"
    ssh.write_text(REFUSING_SSH)
    ssh.chmod(0o755)
    ana.ssh = str(ssh)
    return ana


REFUSED = "the remote did not accept the credentials"


async def test_a_refused_ssh_key_gets_one_sentence_in_the_app_and_the_cli(tmp_path):
    ana = _shared_over_refusing_ssh(tmp_path)
    with environment(GIT_SSH_COMMAND=ana.ssh):
        in_app = await _sync_in_app(ana)
        in_shell = ana.sync()
        status = ana.cli("sync", "status")
    assert in_shell.code == 1
    for said in (in_app, " ".join(in_shell.err.split())):
        assert "Permission denied (publickey)" in said, said
        assert REFUSED in said and "ssh-add" in said, said
        assert "must ask you something" not in said and "check the network" not in said, said
    assert status.code == 0, status.err
    assert REFUSED in " ".join(status.out.split()), status.out
