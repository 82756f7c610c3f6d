"""`fieldnote report -o` goes through the export's output path: it never follows a link, never
replaces a file without --force, writes 0600, cannot hang on a FIFO and leaves no half file
on a full disk. And its Markdown holds no HTML, image or link from what a user wrote. Every
fault is real: links, a FIFO, a full tmpfs, a Markdown renderer."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import html5lib
import pytest
from markdown_it import MarkdownIt

from tests.analysis_study import study_sessions, write_study
from tests.disk_faults import fill
from tui.cli import main
from tui.domain.analysis import SessionInput
from tui.store import DataStore


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("FIELDNOTE_HOME", str(home))
    write_study(DataStore(home))
    return home


def one_sentence(capsys, *words: str) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, err
    return err


def test_a_link_is_never_followed(home, tmp_path, capsys):
    target = tmp_path / "precious.txt"
    target.write_text("keep me", encoding="utf-8")
    link = tmp_path / "report.md"
    link.symlink_to(target)
    assert main(["report", "-o", str(link)]) == 1
    one_sentence(capsys, "already exists", "--force")
    assert main(["report", "-o", str(link), "--force"]) == 0
    assert target.read_text(encoding="utf-8") == "keep me"
    assert not link.is_symlink() and link.read_text(encoding="utf-8").startswith("# ")


def test_an_existing_file_is_replaced_only_with_force_and_ends_0600(home, tmp_path, capsys):
    out = tmp_path / "report.html"
    out.write_text("last week's report", encoding="utf-8")
    out.chmod(0o644)
    assert main(["report", "--format", "html", "-o", str(out)]) == 1
    one_sentence(capsys, "already exists", "--force")
    assert out.read_text(encoding="utf-8") == "last week's report"
    old = os.umask(0)
    try:
        assert main(["report", "--format", "html", "-o", str(out), "--force"]) == 0
        fresh = tmp_path / "fresh.md"
        assert main(["report", "-o", str(fresh)]) == 0
    finally:
        os.umask(old)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600


@pytest.mark.parametrize("force", [False, True])
def test_a_fifo_never_hangs(home, tmp_path, force):
    fifo = tmp_path / "report.md"
    os.mkfifo(fifo)
    argv = [sys.executable, "-m", "tui", "report", "-o", str(fifo)] + (["--force"] if force else [])
    # Opening a FIFO for writing blocks until a reader comes: a hang fails here, not forever.
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=os.environ)
    if force:
        assert done.returncode == 0, done.stderr
        assert stat.S_ISREG(fifo.lstat().st_mode)
    else:
        assert done.returncode == 1 and "already exists" in done.stderr
        assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_full_disk_leaves_the_old_file_or_none(home, tmpfs, capsys):
    kept = tmpfs / "kept.md"
    kept.write_text("the old report", encoding="utf-8")
    fill(tmpfs)
    (tmpfs / "filler").unlink()
    fill(tmpfs)  # anew, so even the last page's slack is taken
    for out, force in ((tmpfs / "new.md"), False), (kept, True):
        argv = ["report", "-o", str(out)] + (["--force"] if force else [])
        assert main(argv) == 1
        one_sentence(capsys, "the disk is full", "nothing was written", "report again")
    assert kept.read_text(encoding="utf-8") == "the old report"
    assert sorted(os.listdir(tmpfs)) == ["filler", "kept.md"]


@pytest.mark.parametrize(
    "command",
    [["report"], ["report", "--format", "html"], ["export", "--all", "--format", "md"], ["list"]],
)
def test_stdout_that_cannot_be_written_is_a_sentence(home, tmpfs, command):
    """`fieldnote report > out.md` on a full disk, `> /dev/full`, stdout closed (`>&-`): one
    sentence and exit 1, never a traceback (nor Python's complaint at exit)."""
    fill(tmpfs)
    (tmpfs / "filler").unlink()
    fill(tmpfs)
    argv = [sys.executable, "-m", "tui", *command]
    with open(tmpfs / "out", "wb") as full, open("/dev/full", "wb") as dev_full:
        for stdout, cause in (
            (full, "the disk is full"),
            (dev_full, "the disk is full"),
            (subprocess.DEVNULL, None),
        ):
            if stdout is subprocess.DEVNULL:  # closed, as a shell's >&- leaves it
                done = subprocess.run(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                    timeout=60,
                    env=os.environ,
                    preexec_fn=lambda: os.close(1),
                )
                cause = "it is closed"
            else:
                done = subprocess.run(
                    argv,
                    stdout=stdout,
                    stderr=subprocess.PIPE,
                    text=True,
                    timeout=60,
                    env=os.environ,
                )
            assert done.returncode == 1, done.stderr
            assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
            assert "Could not write to standard output because " + cause in done.stderr
            assert "incomplete" in done.stderr


PAYLOADS = (
    "</text><script>alert(5)</script>",
    "![img](http://evil.example/x.png)",
    '<img src=x onerror="alert(6)">',
    "[click](javascript:alert(7))",
)


def test_markdown_holds_no_html_image_or_link_from_user_text(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    monkeypatch.setenv("FIELDNOTE_HOME", str(home))
    sessions = study_sessions()
    guide = sessions[0].guide
    for n, payload in enumerate(PAYLOADS):
        notes = [
            {
                "id": f"h{n}",
                "text": f'"{payload} #pain/onboarding',
                "tags": ["pain/onboarding", payload],
                "elapsed": 3.0,
                "severity": 5,
                "question_id": "q1",
            }
        ]
        record = {"id": f"h{n}", "title": payload, "participant": payload, "study": "Onboarding"}
        sessions.append(SessionInput(f"h{n}", record, notes, [], guide, {"marks": {}}))
    write_study(DataStore(home), sessions)
    out = tmp_path / "report.md"
    assert main(["report", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    # An address is a code span: shown as typed, a link in no viewer.
    assert "\\<script\\>" in text and "!\\[img\\](`http://evil.example/x.png`)" in text
    # Every `<` in the file is escaped: none is the Fieldnote's own.
    assert text.count("<") == text.count("\\<")

    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    document = html5lib.parse(rendered, namespaceHTMLElements=False)
    tags = {element.tag for element in document.iter()}
    assert not tags & {"script", "img", "a"}, tags
    attributes = {name for element in document.iter() for name in element.attrib}
    assert not any(name.startswith("on") for name in attributes), attributes
    assert "alert(5)" in rendered  # the words are still there, as text
