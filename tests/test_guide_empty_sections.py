"""A guide section with no question under it: the lint says so with its line, and the live
guide marks it as holding none, where the cursor (which moves between questions) never stops."""

from __future__ import annotations

import pytest

from tests.test_layout import shown_text
from tests.waiting import wait_until
from tui.cli import main
from tui.domain.guide import parse_guide
from tui.services.guide_lint import lint_guide, load_rules
from tui.services.session_setup import create_session
from tui.widgets.current_question import CurrentQuestion
from tui.widgets.guide_panel import GuidePanel

GUIDE = """# Study
## Warm-up
- Tell me about your role.
## Pricing
## First week
Consent first.
### Before the prototype
- Walk me through the first day.
### After
"""


def test_the_lint_names_each_empty_section_by_its_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FIELDNOTE_CONFIG", str(tmp_path / "config"))
    found = lint_guide(parse_guide(GUIDE), load_rules().rules)
    places = [(g.question_id, g.line, g.column, g.finding.rule) for g in found]
    # 'First week' holds its question in a sub-section: not empty.
    assert places == [(None, 4, 4, "empty-section"), (None, 9, 5, "empty-section")]
    guide = tmp_path / "guide.md"
    guide.write_text(GUIDE, encoding="utf-8")
    assert main(["lint", str(guide)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{guide}:4:4: empty-section: the section 'Pricing' has no question under it, so the "
        "interview never reaches it; try: add a '- question' under the heading, or remove the "
        "heading",
        f"{guide}:9:5: empty-section: the section 'After' has no question under it, so the "
        "interview never reaches it; try: add a '- question' under the heading, or remove the "
        "heading",
    ]


def test_a_section_whose_sub_sections_are_all_empty_is_empty_too():
    guide = parse_guide("## A\n- Tell me about it.\n## B\n### B1\n### B2\n")
    assert [s.title for s in guide.empty_sections()] == ["B", "B1", "B2"]


async def test_the_live_guide_marks_an_empty_section_and_the_cursor_never_stops_there(
    make_app, store, clock
):
    session_id = create_session(
        store, title="Empty", participant="P1", goal="g", guide=parse_guide(GUIDE), now=clock()
    )
    app = make_app(session_id)
    async with app.run_test(size=(120, 30)) as pilot:
        panel = app.screen.query_one(GuidePanel)
        await wait_until(pilot, lambda: panel.display and app.screen.query(".guide-section"))
        shown = app.screen.query(".guide-section, .guide-subsection")
        headings = {str(heading.render()): heading for heading in shown}
        assert set(headings) == {
            "Warm-up",
            "Pricing (no questions)",
            "First week",
            "Before the prototype",
            "After (no questions)",
        }
        for title in ("Pricing (no questions)", "After (no questions)"):
            assert headings[title].has_class("-empty")
        assert not headings["First week"].has_class("-empty")
        for key, current in (("ctrl+n", "q2"), ("ctrl+n", "q2"), ("ctrl+p", "q1")):
            await pilot.press(key)
            await pilot.pause()
            assert app.live.guide_state.current == current
        await pilot.resize_terminal(40, 24)  # folded: the question, never a section
        await pilot.pause()
        assert shown_text(app.screen.query_one(CurrentQuestion)).startswith("Q1/2 Tell me")


@pytest.mark.timeout(10)
def test_a_guide_of_many_headings_finds_its_empty_ones_in_one_pass():
    """A session synced from a shared study may carry a guide of any number of headings (the
    question limit keeps every empty one). Each section copied the list of those after it to
    look for its sub-sections: 20,000 headings took 0.5 s of CPU for every draw of the guide
    pane and every lint, 200,000 minutes. Only a section's own sub-sections are looked at."""
    text = "# G\n" + "## S\n" * 200_000 + "### Sub\n- Tell me about it.\n"
    guide = parse_guide(text)
    empty = guide.empty_sections()
    assert len(empty) == 199_999 and guide.sections[-2] not in empty
