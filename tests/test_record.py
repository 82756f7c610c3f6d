"""The record a researcher puts in front of stakeholders: only words that were said are quoted,
each with its speaker; and time per question and follow-up status read the same on the live
guide, in the Markdown export, on the analysis and in the report (tests/record_study.py)."""

from __future__ import annotations

import re

import html5lib
import pytest

from tests.record_study import (
    FOLLOWUPS,
    PARAPHRASE,
    STAGE,
    STUDY,
    pet_shop,
)
from tui.cli import main
from tui.domain.interview_record import followup_words
from tui.domain.notes import format_elapsed
from tui.domain.quotes import cite, quote_words
from tui.services.analysis import StudyAnalysis
from tui.services.live_session import LiveSession

NOT_SAID = ("Hamster died", "bangs it against counter", "warranty", "receipt", "shop promise")
"""Paraphrases, a stage direction and follow-ups: the note-takers' words."""


@pytest.fixture
def study(store, clock, monkeypatch):
    monkeypatch.setenv("FIELDNOTE_HOME", str(store.home))
    return pet_shop(store, clock)


def run(capsys, *args: str) -> str:
    capsys.readouterr()
    assert main(list(args)) == 0
    return capsys.readouterr().out


def section(markdown: str, title: str) -> str:
    """The text under a `## title` heading, up to the next heading of that level."""
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert found, title
    return found.group(1)


def test_the_report_quotes_only_words_said_each_with_its_speaker(study, capsys):
    text = run(capsys, "report", "--study", STUDY)
    quotes = section(text, "Strongest quotes")
    quoted = "\n".join(line for line in quotes.splitlines() if line.startswith("> "))
    for words in NOT_SAID:
        assert words not in quoted
    assert "> I wish to complain about this parrot\n> \u2014 Praline, 00:00" in quotes
    assert '> "Does it talk?" - "Not really, no."\n' in quotes  # every part keeps its marks
    # The shopkeeper's words are the shopkeeper's.
    assert "> It's pining for the fjords\n> \u2014 Shopkeeper, 00:10" in quotes
    # A theme raised only in a paraphrase shows it, labelled as the note-taker's.
    refund = quotes.split("### refund", 1)[1].split("###", 1)[0]
    assert (
        "- Hamster died two days after purchase (note by Sam, Praline - shop visit, 00:10)"
        in refund
    )
    assert "> " not in refund


def test_the_html_report_quotes_only_words_said(study, capsys):
    text = run(capsys, "report", "--study", STUDY, "--format", "html")
    tree = html5lib.parse(text, namespaceHTMLElements=False)
    blocks = ["".join(q.itertext()) for q in tree.iter("blockquote")]
    assert blocks and not [b for b in blocks if any(words in b for words in NOT_SAID)]
    assert any(b.startswith("It's pining for the fjords\u2014 Shopkeeper") for b in blocks)
    notes = ["".join(li.itertext()) for ul in tree.iter("ul") for li in ul.iter("li")]
    assert any(n.startswith("Hamster died two days after purchase (note by Sam") for n in notes)


def test_a_transcript_cue_counts_for_its_speaker_only(study, store):
    service = StudyAnalysis(store, STUDY)
    analysis = service.refresh().analysis
    service.close()
    (praline,) = analysis.participants
    cell = [analysis.evidence[i] for i in analysis.cell(praline.key, "pain/quality")]
    spoken = sorted(e.note_id for e in cell if e.kind == "transcript")
    assert spoken == ["cue2"]  # not the shopkeeper's cue3, nor "Mr Praline"'s cue4 (yet)
    excuse = analysis.theme("excuse")
    assert (excuse.excerpts, excuse.participants) == (2, 0)  # only the shopkeeper raised it
    (pining,) = [e for e in analysis.evidence if e.note_id == "cue1"]
    assert pining.attribution == "Shopkeeper"
    assert pining.citation() == "It's pining for the fjords \u2014 Shopkeeper, 00:10"
    (hamster,) = [e for e in analysis.evidence if e.text == PARAPHRASE]
    assert not hamster.said and hamster.attribution == "note by Sam"
    assert hamster.citation() == (
        "Hamster died two days after purchase (note by Sam, interview with Praline, 00:10)"
    )


def test_copies_cite_quotes_and_label_a_note_takers_words(study, store, clock):
    live_id, _ = study
    for author, expected in (
        ("Maya", "It's not pining, it's passed on \u2014 Praline, 01:00"),
        (
            "Sam",
            "Hamster died two days after purchase (note by Sam, interview with Praline, 00:10)",
        ),
    ):
        live = LiveSession(store, live_id, author, now=clock)
        try:
            assert live.quote_to_copy() == expected  # f4: the newest quote, else a note
        finally:
            live.close()
    stage = cite(STAGE, "note", author="Maya", participant="Praline", elapsed=15)
    assert stage == "bangs it against counter (note by Maya, interview with Praline, 00:15)"
    followup = cite(FOLLOWUPS[0], "followup", author="Sam", participant="Praline", elapsed=22)
    assert followup.endswith("(follow-up by Sam, interview with Praline, 00:22)")


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ('"Does it talk?" - "Not really, no."', '"Does it talk?" - "Not really, no."'),
        ('"Does it talk?" - "Not really, no. #parrot', '"Does it talk?" - "Not really, no."'),
        ("\u201cYes\u201d, then \u201cno\u201d", "\u201cYes\u201d, then \u201cno\u201d"),
        ('"We gave up on day two" #pain', "We gave up on day two"),
        ('"We gave up on day two', "We gave up on day two"),
        ('*"It said "error" twice"', '"It said "error" twice"'),
    ],
)
def test_quote_words_leave_no_stray_quote_mark(typed, words):
    assert quote_words(typed) == words
    assert quote_words(typed).count('"') % 2 == 0


def test_time_per_question_and_follow_ups_read_the_same_in_four_places(study, store, clock, capsys):
    live_id, _ = study
    live = LiveSession(store, live_id, "Maya", now=clock)
    try:
        questions = live.guide.questions
        live_times = [format_elapsed(live.aids.question_times()[q.id]) for q in questions]
        live_open = [followup_words(n.text) for n in live.aids.open_followups()]
        live_closed = {
            followup_words(n.text): live.aids.followup_status(n.id)
            for n in live.notes
            if n.kind == "followup" and live.aids.followup_status(n.id)
        }
    finally:
        live.close()
    # The time each question was the current one on the interview clock (the guide moved at
    # 00:27 and 00:56, the clock stopped at 01:30), not the gaps between notes.
    assert live_times == ["00:27", "00:29", "00:34"]
    assert live_open == ["receipt"]
    assert live_closed == {
        "ask about the warranty": "asked",
        "what did the shop promise": "dismissed",
    }

    export = run(capsys, "export", "--format", "md", live_id)
    rows = re.findall(r"^\| (.+?) \| (?:asked|skipped|not reached) \| (\S+) \|$", export, re.M)
    assert [time for _, time in rows] == live_times
    assert re.findall(r"^- \[ \] (.*)$", section(export, "Open follow-ups"), re.M) == live_open
    closed = re.findall(r"^- \[x\] (.*) _\((\w+)\)_$", section(export, "Closed follow-ups"), re.M)
    assert dict(closed) == live_closed
    assert "- **What surprised you?** He brought the bird" in section(export, "Debrief")
    # A quote typed by Maya is Praline's words, and says so.
    assert "  > I wish to complain about this parrot\n  > \u2014 Praline\n" in export

    service = StudyAnalysis(store, STUDY, now=clock)
    analysis = service.refresh().analysis
    service.close()
    assert [format_elapsed(c.mean_seconds) for c in analysis.coverage] == live_times
    assert [f.text for f in analysis.open_followups] == live_open
    assert {f.text: f.status for f in analysis.followups if f.status != "open"} == live_closed

    report = run(capsys, "report", "--study", STUDY)
    coverage = section(report, "Guide coverage")
    assert re.findall(r"\| (\d\d:\d\d) \|$", coverage, re.M) == live_times
    listed = re.findall(r"^- \[ \] (.*) \(follow-up by", section(report, "Open follow-ups"), re.M)
    assert listed == live_open


async def test_the_drill_down_says_whose_words_each_piece_of_evidence_is(study, store, clock):
    from tests.test_analysis_screen import analysis_app, settle
    from tui.widgets.theme_table import ThemeTable

    app = analysis_app(store, clock, STUDY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ThemeTable)
        table.move_to(table.keys.index("pain/quality"))
        await pilot.press("enter")
        await settle(pilot)
        evidence = app.screen.query_one("#evidence")
        rows = [evidence.get_row(row.key) for row in evidence.ordered_rows]
        shown = {str(row[0]): str(row[1]) for row in rows}
    assert shown["Hamster died two days after purchase"] == "note by Sam"
    assert shown["bangs it against counter"] == "note by Maya"
    assert shown["ask about the warranty"] == "follow-up by Sam"
    assert shown["\u201cI wish to complain about this parrot\u201d"] == "Praline"
    assert shown['"Does it talk?" - "Not really, no."'] == "Praline"
    assert shown["\u201cRemarkable bird, the Norwegian Blue\u201d"] == "Shopkeeper"
