"""The Markdown and HTML reports give each typed quote its verified verbatim and its recording
time code, once a transcript is attached (issue 21)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.recording_study import INVENTED, START, TRANSCRIPT, make_session
from tui.cli import main
from tui.domain.clock import to_iso
from tui.domain.notes import Note
from tui.services import recording
from tui.services.report import NONE_CHECKED
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


def test_a_quote_that_turns_what_was_said_around_is_not_given_as_its_verbatim(
    home, tmp_path, capsys
):
    """ "The tool costs no more than it saves" for the "costs more" said matched at 90: the
    report gave the words said as its verbatim, 'typed differently', under a quote saying the
    opposite. Now it says it is not what was said, and what differs."""
    session_id = make_session(home, shift=30.0)
    session_file = home.open_session(session_id)
    session_file.append_note(
        Note.from_typed(
            '"She said the tool costs no more than it saves #cost',
            session_id=session_id,
            author="Maya",
            started_at=to_iso(START + timedelta(seconds=86)),
            elapsed=86.0,
            question_id=None,
        ).to_doc()
    )
    session_file.close()
    recording.attach(home, session_id, TRANSCRIPT, offset=30.0, now=START)
    md = _report(tmp_path, "md")
    turned = md[md.index("> She said the tool costs no more") :].split("\n\n")[0]
    assert (
        "Not what was said: P7 at 01:42: \u201cShe said the tool costs more than it saves" in turned
    )
    assert "the quote has \u201cno\u201d, the transcript does not" in turned
    assert "Verbatim" not in turned
    assert main(["quotes", session_id]) == 0
    out = capsys.readouterr().out
    assert "not what was said: 01:42  P7: She said the tool costs more" in out


def _quote_at(store, session_id, text, at):
    """A quote typed by Maya at `at` on the recording (the session made with shift 30)."""
    session_file = store.open_session(session_id)
    session_file.append_note(
        Note.from_typed(
            text,
            session_id=session_id,
            author="Maya",
            started_at=to_iso(START + timedelta(seconds=at - 30.0)),
            elapsed=at - 30.0,
            question_id=None,
        ).to_doc()
    )
    session_file.close()


def test_a_quote_found_in_the_interviewers_words_is_not_given_as_the_participants(
    home, tmp_path, capsys
):
    """Maya's own question typed as a quote was verified at 100 and given as P7's words with
    'Verbatim, Maya at 01:30' under it; one running from P7's answer into Maya's question
    likewise. Neither is the participant's words, and the report says so."""
    session_id = make_session(home, shift=30.0)
    _quote_at(home, session_id, '"How did your manager react to that? #manager', 101.0)
    _quote_at(home, session_id, '"half of us. How did your manager react #manager', 102.0)
    recording.attach(home, session_id, TRANSCRIPT, offset=30.0, now=START)
    md = _report(tmp_path, "md")
    asked = md[md.index("> How did your manager react to that?") :].split("\n\n")[0]
    assert "Not the participant's words: Maya at 01:30" in asked
    assert "said by Maya, who took notes in this interview" in asked
    across = md[md.index("> half of us. How did") :].split("\n\n")[0]
    assert "runs across P7's and Maya's words" in across
    assert "Verbatim" not in asked + across
    assert main(["quotes", session_id]) == 0
    out = capsys.readouterr().out
    assert "not the participant's words: 01:30  Maya: How did your manager react" in out
    assert "0 of" not in out and "quotes found in the transcript" in out


def test_a_typed_quote_without_a_transcript_says_it_was_not_checked(home, tmp_path):
    """A quote of a session with no transcript stood in the report exactly as a verified one
    of a session with one (the CSV export says 'Not checked'): the reader could not tell the
    note-taker's typing from words checked against the recording."""
    from tests.analysis_study import write_study

    write_study(home)
    session_id = make_session(home, shift=30.0)  # the one session with a transcript
    recording.attach(home, session_id, TRANSCRIPT, offset=30.0, now=START)
    md = _report(tmp_path, "md")
    quote = md[md.index("> Setup took all week") :].split("\n\n")[0]
    assert "> Not checked: no transcript attached." in quote
    assert NONE_CHECKED not in md
    html = _report(tmp_path, "html")
    assert '<p class="verbatim">Not checked: no transcript attached.</p>' in html


def test_a_study_with_no_transcript_says_once_that_no_quote_is_checked(home, tmp_path):
    """ "Not checked: no transcript attached." stood under every quote of a study that has no
    transcript at all: to a reader, noise repeated thirty times. It is said once; a study
    with one transcript or more still says it under each quote not checked (above)."""
    from tests.analysis_study import write_study

    write_study(home)
    md = _report(tmp_path, "md")
    assert "Not checked: no transcript attached." not in md
    quotes = md[md.index("## Strongest quotes") : md.index("## Open follow-ups")]
    assert quotes.count(NONE_CHECKED) == 1 and "> Setup took all week" in quotes
    html = _report(tmp_path, "html")
    assert "Not checked" not in html and html.count(NONE_CHECKED) == 1


def test_a_quote_the_transcript_does_not_bear_out_is_cited_as_unverified(home, tmp_path):
    """An invented quote stood in the report as `— P7, 02:55`, the same line a verified one
    has, its check a smaller line under it: a reader who copies the quote and its speaker
    into a slide gives the participant words the transcript does not have. Its speaker says
    `unverified`, as the analysis screen's list does; a verified quote's does not."""
    session_id = make_session(home, shift=30.0)
    recording.attach(home, session_id, TRANSCRIPT, offset=30.0, now=START)
    md = _report(tmp_path, "md")
    assert "> I would pay double for a good dashboard\n> \u2014 P7, unverified, 02:55 (" in md
    assert "> She said the tool costs more than it saves\n> \u2014 P7, 01:55 (" in md
    html = _report(tmp_path, "html")
    invented = html[html.index("I would pay double") :].split("</blockquote>")[0]
    assert "<footer>\u2014 <bdi>P7</bdi>, unverified, 02:55 (" in invented
    assert "<bdi>P7</bdi>, unverified" not in html[: html.index("I would pay double")]


def test_a_quote_the_transcript_does_not_bear_out_goes_after_those_it_does(home, tmp_path):
    """The strongest quotes were ranked on severity alone: an invented quote rated 5 led its
    theme, above the words the transcript bears out, marked `unverified` but first. Now every
    quote the transcript bears out (or has no transcript to check) comes first."""
    from tui.domain.ratings import with_rating

    store = home
    session_id = make_session(store, shift=30.0)
    recording.attach(home, session_id, TRANSCRIPT, offset=30.0, now=START)
    session_file = store.open_session(session_id)
    invented = next(n for n in session_file.read().notes if n["text"] == INVENTED)
    session_file.change_note(invented["id"], lambda doc: with_rating(doc, 5, "Maya", "t0"))
    session_file.close()
    md = _report(tmp_path, "md")
    cost = md[md.index("### cost") :].split("\n### ")[0]
    sources = [line for line in cost.splitlines() if line.startswith("> \u2014 ")]
    assert len(sources) == 3 and "unverified" in sources[-1], cost
    assert all("unverified" not in line for line in sources[:-1]), cost


def test_a_long_quote_s_verbatim_is_cut_as_the_quote_is(home, tmp_path):
    """A quote over 400 characters was cut at a word with `[…]`, but the check under it
    gave the transcript's matching passage whole: the 3,000 characters the cut spared the
    reader came back in the line below. The passage is cut the same way, marked the same,
    its cue's time already saying where the whole is."""
    from tests.test_report import EXCERPT_LIMIT, LONG_WORDS

    said = LONG_WORDS[: LONG_WORDS.rindex(" ", 0, 1200)]  # some 1,200 characters said by P7
    vtt = tmp_path / "long.vtt"
    vtt.write_text(f"WEBVTT\n\n00:01:00.000 --> 00:02:00.000\n<v P7>{said}\n", encoding="utf-8")
    session_id = make_session(home, shift=30.0)
    _quote_at(home, session_id, f'"{said} #cost', 61.0)
    recording.attach(home, session_id, vtt, offset=30.0, now=START)
    kept = said[: said.rindex(" ", 0, EXCERPT_LIMIT + 1)]
    md = _report(tmp_path, "md")
    assert f"\n> Verbatim, P7 at 01:00: \u201c{kept} \\[\u2026\\]\u201d\n" in md
    assert said not in md and "word149" not in md
    html = _report(tmp_path, "html")
    assert f'<p class="verbatim">Verbatim, P7 at 01:00: \u201c{kept} [\u2026]\u201d</p>' in html
    assert "word149" not in html
