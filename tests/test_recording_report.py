"""The Markdown and HTML reports give each typed quote its verified verbatim and its recording
time code, once a transcript is attached (issue 21)."""

from __future__ import annotations

import pytest

from tests.recording_study import START, TRANSCRIPT, make_session
from tui.cli import main
from tui.services import recording
from tui.store import DataStore


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDNOTE_HOME", str(tmp_path / "home"))
    return DataStore(tmp_path / "home")


def _report(tmp_path, fmt: str) -> str:
    out = tmp_path / f"report.{fmt}"
    assert main(["report", "--format", fmt, "-o", str(out), "--force"]) == 0
    return out.read_text(encoding="utf-8")


def test_each_quote_gets_its_verbatim_and_time_code(home, tmp_path, capsys):
    session_id = make_session(home, shift=30.0)
    before = _report(tmp_path, "md")
    assert "Verbatim" not in before
    recording.attach(home, session_id, TRANSCRIPT, offset=30.0, now=START)
    md = _report(tmp_path, "md")
    # An exact quote: the words, the typed moment, then the verbatim at the cue's time.
    assert "> She said the tool costs more than it saves\n> \u2014 P7, 01:55" in md
    assert "> Verbatim, P7 at 01:42: \u201cShe said the tool costs more than it saves\u201d\n" in md
    # A slightly wrong one: what was said, marked as typed differently.
    assert "> Verbatim, P7 at 02:40: \u201cPricing was never the problem, the problem" in md
    assert "typed differently; match" in md
    # The invented one is said not to be there.
    assert "> Not found in the transcript near 02:55." in md
    html = _report(tmp_path, "html")
    assert '<p class="verbatim">Verbatim, P7 at 01:42: \u201cShe said the tool' in html
    assert '<p class="verbatim">Not found in the transcript near 02:55.</p>' in html
