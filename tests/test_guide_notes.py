"""Interviewer notes and `### sub-sections` in a guide: read, shown dimmed with their question,
kept through the session file and a JSON export and import, and left alone by the lint."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.test_layout import shown_text
from tests.waiting import wait_until
from tui.domain.guide import parse_guide
from tui.services.exchange.exporting import export
from tui.services.exchange.importing import import_files
from tui.services.guide_lint import lint_guide, load_rules
from tui.services.live_session import LiveSession
from tui.services.session_setup import create_session
from tui.store import DataStore
from tui.widgets.current_question import CurrentQuestion
from tui.widgets.guide_panel import GuidePanel

GUIDE = """# Prototype study
## First look
Consent first.
### Before the prototype
- Tell me how you plan a week today.
  - Who else plans with you?
Show the prototype now. Don't you think it's tempting to explain it? Don't, and wait.
- What do you make of this?
### After
- What happened the last time you tried something new?
"""
NOTE = "Show the prototype now. Don't you think it's tempting to explain it? Don't, and wait."


@pytest.fixture
def noted(store, clock) -> str:
    return create_session(
        store, title="Proto - P3", participant="P3", goal="g", guide=parse_guide(GUIDE), now=clock()
    )


def lines_of(widget) -> list[str]:
    return shown_text(widget).splitlines()


def test_the_lint_reads_no_note_as_a_question():
    guide = parse_guide(GUIDE)
    found = lint_guide(guide, load_rules().rules)
    # Linted as a question, the note is leading and double; as a note it is nothing.
    assert [f.question_id for f in found] == []
    as_question = lint_guide(parse_guide(f"## A\n- {NOTE}\n"), load_rules().rules)
    assert "leading" in {f.finding.rule for f in as_question}


async def test_the_pane_shows_the_note_dimmed_under_its_question_and_the_sub_sections(
    make_app, noted
):
    app = make_app(noted)
    async with app.run_test(size=(120, 30)) as pilot:
        panel = app.screen.query_one(GuidePanel)
        await wait_until(pilot, lambda: panel.display and app.screen.query(".guide-subsection"))
        subsections = [str(s.render()) for s in app.screen.query(".guide-subsection")]
        assert subsections == ["Before the prototype", "After"]
        # Three questions, numbered 1-3: the note is not one of them.
        assert len(panel._items) == 3
        first = " ".join(line.strip() for line in lines_of(app.screen.query_one("#question-q1")))
        assert first.startswith("\u25b6  1. Tell me how you plan")
        # The note under the question, before its probes.
        assert first.index("Tell me") < first.index("\u203a Show the prototype now.")
        assert first.endswith("and wait. \u00b7 Who else plans with you?")
        assert "2. What do you make of this?" in lines_of(app.screen.query_one("#question-q2"))[0]
        # Dimmed: the note's cells are italic and fainter than the question's words.
        item = app.screen.query_one("#question-q1")
        rows = item.render_lines(item.region.reset_offset)
        (asked,) = [seg.style for seg in rows[0] if "Tell" in seg.text]
        (note,) = [seg.style for row in rows for seg in row if "Show" in seg.text]
        assert note.italic and not asked.italic and note.color != asked.color


async def test_the_folded_guide_shows_the_note_before_the_probes_at_40_columns(make_app, noted):
    app = make_app(noted)
    async with app.run_test(size=(40, 24)) as pilot:
        current = app.screen.query_one(CurrentQuestion)
        await wait_until(pilot, lambda: current.display and current.region.height >= 3)
        shown = lines_of(current)
        assert shown[0].strip().startswith("Q1/3 Tell me how")
        assert shown[-2].strip().startswith("\u203a Show the prototype") and shown[-2].endswith(
            "\u2026"
        )
        assert shown[-1].strip() == "\u00b7 Who else plans with you?"


def test_notes_and_sub_sections_survive_the_session_file_and_a_json_round_trip(
    tmp_path, store, noted
):
    live = LiveSession(store, noted, "Maya")
    assert live.guide.to_doc() == parse_guide(GUIDE).to_doc()
    assert live.guide.questions[0].note == NOTE
    live.close()
    data, _ = export(store, [noted], "json")
    path = tmp_path / "study.json"
    path.write_bytes(data)
    other = DataStore(tmp_path / "other")
    try:
        result = import_files(other, [path], now=datetime(2026, 12, 1, tzinfo=UTC))
        (session_id, _, _) = result.sessions[0]
        guide = other.open_session(session_id).read().guide
        assert guide == parse_guide(GUIDE).to_doc()
        assert [s.get("level", 2) for s in guide["sections"]] == [2, 3, 3]
        assert export(other, [session_id], "json")[0] == data
    finally:
        other.codebook.close()
