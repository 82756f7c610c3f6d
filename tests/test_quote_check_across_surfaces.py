"""Every surface that shows a typed quote's check against the attached transcript shows the same
check: the report (Markdown and HTML), the CSV export's `quote_check`, the Markdown export,
the analysis screen's evidence, the tagging screen and `fieldnote quotes`. The quotes cover each
outcome: word for word, typed differently, turned around, a word changed for another, a
note-taker's words, across two speakers, and not said."""

from __future__ import annotations

import csv
import html
import io
import json
import re

from tests.record_session import loaded, row_of
from tests.recording_study import START, TRANSCRIPT, make_session
from tests.test_analysis_screen import analysis_app, settle
from tests.test_recording_report import _quote_at
from tui.cli import main
from tui.domain.quotes import quote_words
from tui.domain.recording import describe
from tui.services import recording
from tui.services.exchange.exporting import export
from tui.services.exchange.markdown import md_line
from tui.widgets.theme_table import ThemeTable

ADDED = [
    # (recording time, the quote as typed): one tag each, so the report shows each of them
    (116.0, '"She said the tool costs no more than it saves #turned'),
    (117.0, '"She said the tool costs less than it saves #changed'),
    (101.0, '"How did your manager react to that? #asked'),
    (102.0, '"half of us. How did your manager react #across'),
]


def _study(store, monkeypatch) -> tuple[str, dict[str, str]]:
    """The recording study's session with its transcript attached: (its id, each quote's
    words by note id)."""
    monkeypatch.setenv("FIELDNOTE_HOME", str(store.home))
    session_id = make_session(store, shift=30.0)
    for at, text in ADDED:
        _quote_at(store, session_id, text, at)
    recording.attach(store, session_id, TRANSCRIPT, offset=30.0, now=START)
    snapshot, _ = store.read_session(session_id)
    quotes = {n["id"]: quote_words(n["text"]) for n in snapshot.notes if n.get("kind") == "quote"}
    assert len(quotes) == 9
    return session_id, quotes


def _report(tmp_path, fmt: str) -> dict[str, str]:
    """Each quote's words -> the check the report gives under it."""
    out = tmp_path / f"report.{fmt}"
    assert main(["report", "--format", fmt, "-o", str(out), "--force"]) == 0
    text = out.read_text(encoding="utf-8")
    if fmt == "html":
        found = re.findall(
            r'<blockquote><p>(.*?)</p><footer>.*?</footer><p class="verbatim">(.*?)</p>', text
        )
        return {html.unescape(words): html.unescape(line) for words, line in found}
    lines = {}
    for block in text.split("\n\n"):
        rows = block.split("\n")
        if len(rows) == 4 and rows[1].startswith("> \u2014 ") and rows[2] == ">":
            lines[rows[0].removeprefix("> ")] = rows[3].removeprefix("> ")
    return lines


def _markdown_export(store, session_id) -> dict[str, str]:
    data, _ = export(store, [session_id], "md")
    lines = {}
    for block in data.decode("utf-8").split("\n- "):
        rows = [r.strip() for r in block.split("\n") if r.strip().startswith(">")]
        if len(rows) == 4 and rows[2] == ">":
            lines[rows[0].removeprefix("> ")] = rows[3].removeprefix("> ")
    return lines


async def test_every_surface_gives_a_quote_the_same_check(
    store, clock, writes, tmp_path, monkeypatch, capsys
):
    session_id, quotes = _study(store, monkeypatch)

    model = loaded(writes, session_id)
    tagging = {note_id: model.check_of(row_of(model, note_id)) for note_id in quotes}
    assert all(check is not None for check in tagging.values())
    expected = {note_id: describe(check) for note_id, check in tagging.items()}
    # Each outcome is there, so agreeing is not agreeing on one kind of answer.
    outcomes = " ".join(expected.values())
    for outcome in ("Verbatim", "typed differently", "Not what was said", "Not found"):
        assert outcome in outcomes
    assert "said by Maya, who took notes" in outcomes and "runs across" in outcomes
    assert "the quote has \u201cless\u201d, the transcript \u201cmore\u201d" in outcomes

    assert main(["quotes", session_id, "--format", "json"]) == 0
    printed = {row["note"]: row for row in json.loads(capsys.readouterr().out)["quotes"]}
    for note_id, check in tagging.items():
        row = printed[note_id]
        assert (row["verbatim"], row["score"], row["found"]) == (
            check.verbatim,
            check.score,
            check.found,
        )
        assert (row["differs"], row["not_theirs"]) == (check.differs, check.not_theirs)
        assert (row["cue"] or {}).get("start") == (check.cue.start if check.cue else None)

    by_words = {words: expected[note_id] for note_id, words in quotes.items()}
    for fmt in ("md", "html"):
        shown = _report(tmp_path, fmt)
        if fmt == "md":
            by_md = {md_line(words): md_line(line) for words, line in by_words.items()}
            assert shown == by_md
        else:
            assert shown == by_words

    data, _ = export(store, [session_id], "csv")
    rows = csv.DictReader(io.StringIO(data.decode("utf-8")))
    cells = {quote_words(r["note_text"]): r["quote_check"] for r in rows if r["kind"] == "quote"}
    assert cells == by_words
    exported = _markdown_export(store, session_id)
    assert exported == {md_line(words): md_line(line) for words, line in by_words.items()}

    app = analysis_app(store, clock, study=None)
    screen_lines: dict[str, str] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ThemeTable)
        for key in list(table.keys):
            table.move_to(table.keys.index(key))
            await pilot.press("enter")
            await settle(pilot)
            for checked in app.screen.checked:
                if checked.line is not None:
                    screen_lines[checked.item.quote] = checked.line
            await pilot.press("escape")
            await settle(pilot)
    assert screen_lines == by_words
