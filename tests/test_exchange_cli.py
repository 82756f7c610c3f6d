"""`fieldnote export`, `fieldnote import` and `fieldnote note SESSION -` from a shell."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from tests.exchange_data import seed
from tui.cli import main
from tui.store import DataStore


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDNOTE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def seeded(home):
    return seed(DataStore(home))


def _run(*argv: str, stdin: bytes = b"", env_home=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, FIELDNOTE_HOME=str(env_home))
    return subprocess.run(
        [sys.executable, "-m", "tui", *argv], input=stdin, capture_output=True, env=env, timeout=60
    )


def test_export_writes_0600_and_never_overwrites_without_force(home, seeded, tmp_path, capsys):
    out = tmp_path / "debrief.md"
    assert main(["export", "--study", "Onboarding", "--format", "md", "-o", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "Exported 2 session(s)" in capsys.readouterr().err
    out.write_text("mine", encoding="utf-8")
    assert main(["export", "--all", "--format", "md", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err and err.count("\n") == 1
    assert out.read_text(encoding="utf-8") == "mine"
    assert main(["export", "--all", "--format", "md", "-o", str(out), "--force"]) == 0
    assert out.read_text(encoding="utf-8").startswith("# Onboarding")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_text_formats_pipe_and_binary_ones_refuse_the_terminal(home, seeded):
    piped = _run("export", "--all", "--format", "csv", env_home=home)
    assert piped.returncode == 0 and piped.stdout.startswith(b"session,study,participant")
    refused = _run("export", "--all", "--format", "qdpx", env_home=home)
    assert refused.returncode == 1 and refused.stdout == b""
    assert b"binary" in refused.stderr and b"-o" in refused.stderr
    assert b"Traceback" not in refused.stderr


def test_export_to_a_full_disk_is_a_sentence_and_leaves_nothing(home, seeded, tmpfs, capsys):
    from tests.disk_faults import fill

    fill(tmpfs)
    assert main(["export", "--all", "--format", "json", "-o", str(tmpfs / "out.json")]) == 1
    err = capsys.readouterr().err
    assert "the disk is full" in err and "nothing was written" in err
    assert sorted(p.name for p in tmpfs.iterdir()) == ["filler"]


def test_export_needs_one_way_to_choose_sessions(home, seeded, capsys):
    assert main(["export", "--format", "md"]) == 1
    assert "--study NAME or --all" in capsys.readouterr().err
    assert main(["export", "--study", "Nope", "--format", "md"]) == 1
    assert "there is no study named 'Nope' (studies: Onboarding)" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["export", "--study", "{}", "--format", "md"],
        ["agree", "--study", "{}"],
        ["report", "--study", "{}"],
        ["analyse", "--study", "{}"],
        ["code", "{}", "--study"],
    ],
    ids=lambda argv: argv[0],
)
def test_every_command_taking_a_study_names_the_studies_there_are(home, seeded, capsys, argv):
    """`fieldnote report --study Nope` listed the studies there are; export said only that no
    session belonged to 'Nope', and `code Nope --study` that no session matched it: the name
    could not be checked against anything. Every command gives the report's sentence, the
    name typed made safe to print."""
    seed(DataStore(home), study="Pilot")
    assert main([arg.format("No\x1b[2Jpe") for arg in argv]) == 1
    err = capsys.readouterr().err
    said = "there is no study named 'No\u241b[2Jpe' (studies: Onboarding, Pilot); set one with"
    assert said in err and err.count("\n") == 1 and "\x1b" not in err, err


def test_import_prints_sessions_through_visible(home, tmp_path, capsys):
    transcript = tmp_path / "call\x1b[31m.vtt"
    transcript.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Kim>Hi</v>\n")
    assert main(["import", str(transcript), "--participant", "Kim", "--study", "S"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "call\u241b[31m" in out
    (session,) = DataStore(home).list_sessions()[0]
    snap = DataStore(home).open_session(session.id).read()
    assert snap.session["study"] == "S" and snap.session["participant"] == "Kim"


def test_import_errors_name_the_file_and_exit_non_zero(home, tmp_path, capsys):
    bad = tmp_path / "bad.srt"
    bad.write_bytes(b"\xff\xfe nonsense")
    assert main(["import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("fieldnote: Cannot import ") and "bad.srt (line 1)" in err
    assert DataStore(home).list_sessions()[0] == []


def test_note_reads_a_megabyte_from_stdin(home, seeded):
    text = ("Ł" + "word " * 99 + "\n") * 2100  # over 1 MB, with line breaks
    assert len(text.encode("utf-8")) > 1_000_000
    done = _run(
        "note", seeded[0][:8], "-", "--as", "Kim", stdin=text.encode("utf-8"), env_home=home
    )
    assert done.returncode == 0, done.stderr
    note_id = done.stdout.decode().strip()
    notes = DataStore(home).open_session(seeded[0]).read().notes
    assert next(n for n in notes if n["id"] == note_id)["text"] == text.removesuffix("\n")
    bad = _run("note", seeded[0][:8], "-", stdin=b"\xff\xfe", env_home=home)
    assert bad.returncode == 1 and b"not UTF-8" in bad.stderr


def test_a_terminal_gets_control_characters_as_symbols_a_pipe_gets_bytes(home, seeded, capsys):
    import tui.cli as cli

    class Terminal:
        def __init__(self) -> None:
            self.written = []

        def isatty(self) -> bool:
            return True

        def write(self, text: str) -> None:
            self.written.append(text)

        def flush(self) -> None:
            pass

    terminal = Terminal()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli.sys, "stdout", terminal)
        assert main(["export", "--all", "--format", "csv"]) == 0
    shown = "".join(terminal.written)
    assert "\x1b" not in shown and "\u241b[31mred" in shown  # ESC drawn as a symbol
    piped = _run("export", "--all", "--format", "csv", env_home=home)
    assert b"\x1b[31mred" in piped.stdout  # the exact note, for a file or another program


def test_a_full_temporary_folder_is_named_as_what_is_full(
    home, seeded, tmpfs, tmp_path, monkeypatch, capsys
):
    """The export's own temporary file fails, not the file it writes: the sentence names the
    temporary folder and how to give it another, and leaves nothing where the export went."""
    import tempfile

    from tests.disk_faults import fill
    from tui.services.exchange import output

    fill(tmpfs)
    monkeypatch.setattr(tempfile, "tempdir", str(tmpfs))
    monkeypatch.setattr(output, "SPOOL_BYTES", 16)  # to disk at once
    out = tmp_path / "out.md"
    assert main(["export", "--all", "--format", "md", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"temporary file in {tmpfs} failed because the disk is full" in err
    assert "TMPDIR" in err and str(out) not in err
    assert main(["export", "--all", "--format", "md"]) == 1  # to standard output
    assert "TMPDIR" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["home", tmpfs.name])


SLOW_EXPORT = """
import sys, time
from tui.services.exchange import exporting
from tui.cli import main

def export_to(store, ids, fmt, out, **_):
    out.write(b"half an export")
    out.flush()
    print("writing", file=sys.stderr, flush=True)
    time.sleep(60)

exporting.export_to = export_to
sys.exit(main(sys.argv[1:]))
"""


def test_an_export_ended_by_kill_leaves_no_temp_file(home, seeded, tmp_path):
    """`kill` (SIGTERM) while the export is written: the command unwinds as on Ctrl-C, and
    no half-written temp file of notes is left beside the target."""
    import signal

    out = tmp_path / "out" / "study.json"
    out.parent.mkdir()
    env = dict(os.environ, FIELDNOTE_HOME=str(home))
    argv = ["export", "--all", "--format", "json", "-o", str(out)]
    command = subprocess.Popen(
        [sys.executable, "-c", SLOW_EXPORT, *argv], env=env, stderr=subprocess.PIPE
    )
    try:
        assert command.stderr.readline() == b"writing\n"
        # Half written, the temp file has no name yet (O_TMPFILE): nothing to leave behind.
        assert list(out.parent.iterdir()) == []
        command.send_signal(signal.SIGTERM)
        assert command.wait(timeout=30) == 128 + signal.SIGTERM
    finally:
        command.kill()
        command.wait()
    assert list(out.parent.iterdir()) == []


def test_a_report_to_a_pipe_is_written_into_it_and_the_pipe_stays(home, seeded, tmp_path):
    """`-o /dev/stdout`, `-o /dev/null` or a FIFO something reads: written into, as a shell's
    `>` would. The atomic replace of a file put a regular file in the device's place (as root:
    /dev/null). (A FIFO no one reads is never waited on: tests/reliability.)"""
    import threading
    import time

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reading = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader, before the writer comes
    os.set_blocking(reading, True)
    received: list[bytes] = []

    def read_all() -> None:
        while not (chunk := os.read(reading, 65536)) and not received:
            time.sleep(0.01)  # no writer yet: a read of a pipe without one ends at once
        while chunk:
            received.append(chunk)
            chunk = os.read(reading, 65536)

    reader = threading.Thread(target=read_all, daemon=True)
    reader.start()
    try:
        assert main(["report", "--study", "Onboarding", "--format", "md", "-o", str(fifo)]) == 0
        reader.join(timeout=30)
    finally:
        os.close(reading)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert b"".join(received).startswith(b"# Study: Onboarding")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "pipe"]


@pytest.mark.parametrize("force", [False, True])
def test_a_device_outside_dev_takes_force_and_is_written_into_never_replaced(
    home, seeded, tmp_path, capsys, force
):
    """A null device of the test's own (char 1,3, as /dev/null): refused as an existing name
    without --force; with it, written into, and still that device after (replaced, as root,
    /dev/null was a file)."""
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root (CAP_MKNOD)")
    argv = ["report", "--study", "Onboarding", "-o", str(device)] + (["--force"] if force else [])
    assert main(argv) == (0 if force else 1)
    out, err = capsys.readouterr()
    assert ("already exists" in err) is not force
    assert out == ""  # nothing names a stream as the file written
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "null"]


def test_report_to_dev_stdout_goes_where_the_shell_sent_it(home, seeded, tmp_path):
    """`-o /dev/stdout`: into a file the shell redirected to, or a pipe, as `>` would; the
    path is not printed after it into the same stream."""
    to_file = tmp_path / "r.md"
    with open(to_file, "wb") as sink:
        done = subprocess.run(
            [sys.executable, "-m", "tui", "report", "--study", "Onboarding", "-o", "/dev/stdout"],
            stdout=sink,
            stderr=subprocess.PIPE,
            env=dict(os.environ, FIELDNOTE_HOME=str(home)),
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    text = to_file.read_text(encoding="utf-8")
    assert text.startswith("# Study: Onboarding") and "/dev/stdout" not in text
    piped = _run("report", "--study", "Onboarding", "-o", "/dev/stdout", env_home=home)
    assert piped.returncode == 0 and piped.stdout.startswith(b"# Study: Onboarding")
    assert not piped.stdout.rstrip().endswith(b"/dev/stdout")


def test_a_disk_is_never_written(home, seeded, tmp_path, capsys):
    device = tmp_path / "disk"
    try:
        os.mknod(device, 0o600 | stat.S_IFBLK, os.makedev(7, 250))  # a loop device's numbers
    except PermissionError:
        pytest.skip("making a device node needs root (CAP_MKNOD)")
    assert main(["report", "--study", "Onboarding", "-o", str(device), "--force"]) == 1
    assert "is a disk, not a file" in capsys.readouterr().err
    assert stat.S_ISBLK(os.lstat(device).st_mode)


def test_import_counts_each_sessions_notes_as_the_list_does(seeded, home, tmp_path, capsys):
    """The marks of a question asked are no notes: the import's line for a session says what
    `fieldnote list` will."""
    store = DataStore(home)
    session_file = store.open_session(seeded[0])
    session_file.append_note(
        {"id": "mark", "kind": "asked", "text": "Tell me about your role.", "author": "Maya"}
        | {"started_at": "2026-11-27T10:00:00.000Z", "elapsed": 5.0}
    )
    session_file.close()
    out = tmp_path / "study.json"
    assert main(["export", "--all", "--format", "json", "-o", str(out)]) == 0
    fresh = tmp_path / "fresh"
    os.environ["FIELDNOTE_HOME"] = str(fresh)  # monkeypatched back by the home fixture
    capsys.readouterr()
    assert main(["import", str(out)]) == 0
    printed = {
        line.split()[0]: int(line.split()[1]) for line in capsys.readouterr().out.splitlines()
    }
    listed = {s.id: s.note_count for s in DataStore(fresh).list_sessions()[0]}
    assert printed == listed
    assert printed[seeded[0]] == len(store.open_session(seeded[0]).read().notes) - 1


SLOW_IMPORT = """
import sys, time
from tui.store import DataStore
from tui.cli import main

create_session = DataStore.create_session

def create_then_stall(self, *args, **kwargs):
    created = create_session(self, *args, **kwargs)
    print("wrote a session", file=sys.stderr, flush=True)
    time.sleep(60)  # the next session is never written: the command is ended here
    return created

DataStore.create_session = create_then_stall
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGKILL"])
def test_an_import_ended_half_way_leaves_no_session_and_can_be_run_again(
    seeded, tmp_path, signal_name
):
    """`kill` (SIGTERM) or `kill -9` after the first of the sessions is written: none of them
    is left in the folder (the sessions it lists, once another command opens it), so the same
    import can be run again instead of being refused as a copy of what is there."""
    import signal

    from tui.services.exchange.exporting import export

    data, _ = export(DataStore(tmp_path / "home"), seeded, "json")
    study = tmp_path / "study.json"
    study.write_bytes(data)
    target = tmp_path / "target"
    env = dict(os.environ, FIELDNOTE_HOME=str(target))
    command = subprocess.Popen(
        [sys.executable, "-c", SLOW_IMPORT, "import", str(study)], env=env, stderr=subprocess.PIPE
    )
    try:
        assert command.stderr.readline() == b"wrote a session\n"
        assert len(DataStore(target).session_paths()) == 1  # half-way: one of several
        command.send_signal(getattr(signal, signal_name))
        command.wait(timeout=30)
    finally:
        command.kill()
        command.wait()
    listed = _run("list", env_home=target)
    assert listed.returncode == 0 and b"No sessions yet" in listed.stderr, listed
    # The import lock stays, as a session's lock does: removing a lock file races its waiters.
    assert sorted(p.name for p in (target / "sessions").iterdir()) == [".imports.lock"]
    again = _run("import", str(study), env_home=target)
    assert again.returncode == 0, again.stderr
    assert len(DataStore(target).session_paths()) == len(seeded)


RACING_IMPORT = """
import os, sys, time
from pathlib import Path
from tui.services.exchange import importing
from tui.store import DataStore
from tui.cli import main

go = Path(os.environ["GO"])
if os.environ["ROLE"] == "first":  # looked at the folder; waits (5 s at most) to write
    create_session = DataStore.create_session

    def create_when_told(self, *args, **kwargs):
        print("looked", file=sys.stderr, flush=True)
        deadline = time.monotonic() + 5
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        return create_session(self, *args, **kwargs)

    DataStore.create_session = create_when_told
else:  # tells the first to write once it has looked at the folder itself
    in_the_folder = importing._in_the_folder

    def look_then_tell(store):
        found = in_the_folder(store)
        go.touch()
        return found

    importing._in_the_folder = look_then_tell
sys.exit(main(sys.argv[1:]))
"""


def test_two_imports_of_one_transcript_at_once_bring_it_once(tmp_path):
    """Two `fieldnote import call.vtt` at once (two terminals, a script run twice): each looked
    at the folder before the other wrote, found no session of that transcript and wrote one,
    so the folder held the interview twice and the report counted every quote twice. An
    import now looks and writes under the folder's import lock: the second is refused."""
    transcript = tmp_path / "call.vtt"
    transcript.write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Maya>The export is hidden.\n\n"
        "00:00:05.000 --> 00:00:09.000\n<v Sam>Where would you look for it?\n",
        encoding="utf-8",
    )
    target = tmp_path / "home"
    env = dict(os.environ, FIELDNOTE_HOME=str(target), GO=str(tmp_path / "go"))
    argv = [sys.executable, "-c", RACING_IMPORT, "import", str(transcript)]
    first = subprocess.Popen(argv, env=dict(env, ROLE="first"), stderr=subprocess.PIPE)
    try:
        assert first.stderr.readline() == b"looked\n"
        second = subprocess.run(argv, env=dict(env, ROLE="second"), capture_output=True, timeout=60)
        first.wait(timeout=60)
    finally:
        first.kill()
        first.wait()
    assert first.returncode == 0
    assert second.returncode == 1 and b"already in the data folder" in second.stderr, second
    assert len(DataStore(target).session_paths()) == 1


def test_a_title_of_100000_characters_keeps_the_import_to_a_line(home, seeded, tmp_path, capsys):
    """An export whose title a hand edit or another tool made 100,000 characters long, with a
    line break: the import's listing printed it whole (100 kB on one line, a second line
    starting mid-title), and so did the sentence refusing it a second time. Each is cut, as
    `fieldnote list` cuts it."""
    import orjson

    out = tmp_path / "study.json"
    assert main(["export", seeded[0], "--format", "json", "-o", str(out)]) == 0
    data = orjson.loads(out.read_bytes())
    data["sessions"][0]["session"]["title"] = "T\nsecond line " + "w" * 100_000
    out.write_bytes(orjson.dumps(data))
    os.environ["FIELDNOTE_HOME"] = str(tmp_path / "fresh")  # monkeypatched back by `home`
    capsys.readouterr()
    for code in (0, 1):  # imported, then refused as already there
        assert main(["import", str(out)]) == code
        printed = capsys.readouterr()
        for stream in (printed.out, printed.err):
            assert all(len(line) < 400 for line in stream.splitlines()), stream[:200]
            assert stream.count("\n") <= 1
