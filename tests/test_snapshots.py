"""SVG snapshots of the main screens at fixed sizes, with a frozen clock and fixed data.

Nothing drawn here depends on the run: the clock is the tests' FrozenClock (moved by hand),
the notes are typed by the test, note ids (random) and the temp data folder are never drawn,
and TMUX is unset so no tmux advice pops up. After a deliberate change to the look, review and
accept with `.venv/bin/pytest tests/test_snapshots.py --snapshot-update`; a failing run writes
snapshot_report.html with the old and new screens side by side.
"""

from __future__ import annotations

import pytest
import pytest_textual_snapshot

from tests.test_interview import commit
from tests.waiting import workers_done
from tui.widgets.note_input import NoteInput

# pytest-textual-snapshot 1.0.0 sets `_file_extension`; syrupy 5+ reads `file_extension`.
# Without this the snapshots are still compared, but saved as `.raw` instead of `.svg`.
pytest_textual_snapshot.SVGImageExtension.file_extension = "svg"


@pytest.fixture(autouse=True)
def outside_tmux(monkeypatch):
    monkeypatch.delenv("TMUX", raising=False)


def typed_interview(clock):
    """A few minutes in: a quote, a follow-up, the first question asked, a starred tagged note."""

    async def run_before(pilot) -> None:
        await commit(pilot, '"It took me three days to find the import button')
        clock.advance(45)
        await commit(pilot, "?ask how the team shares schedules")
        clock.advance(30)
        await pilot.press("ctrl+t")  # the current question: asked
        await pilot.pause()
        clock.advance(75)
        await commit(pilot, "* Wants bulk edit for recurring slots #need/bulk-edit !hopeful")
        # A steady cursor: on a loaded machine half a second passes before the picture.
        pilot.app.screen.query_one(NoteInput).cursor_blink = False
        await workers_done(pilot.app)
        await pilot.pause()

    return run_before


def test_interview_at_80x24(snap_compare, make_app, session_id, clock):
    app = make_app(session_id)
    assert snap_compare(app, terminal_size=(80, 24), run_before=typed_interview(clock))


def test_interview_at_100x30(snap_compare, make_app, session_id, clock):
    app = make_app(session_id)
    assert snap_compare(app, terminal_size=(100, 30), run_before=typed_interview(clock))


def test_interview_at_40x12(snap_compare, make_app, session_id, clock):
    app = make_app(session_id)
    assert snap_compare(app, terminal_size=(40, 12), run_before=typed_interview(clock))


def test_interview_at_40x24(snap_compare, make_app, session_id, clock):
    app = make_app(session_id)
    assert snap_compare(app, terminal_size=(40, 24), run_before=typed_interview(clock))


def test_home_at_80x24(snap_compare, make_app, session_id, store, clock):
    from tests.conftest import GUIDE
    from tui.domain.guide import parse_guide
    from tui.services.session_setup import create_session

    clock.advance(86400)
    create_session(
        store,
        title="Onboarding study - P8",
        participant="P8 (dispatcher)",
        goal="Why do trials stall in week one?",
        guide=parse_guide(GUIDE),
        now=clock(),
    )

    async def run_before(pilot) -> None:
        await workers_done(pilot.app)
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_interview_aids_at_80x24(snap_compare, make_app, session_id, clock):
    """The talk meter off target (amber), time per question, the parking lot open."""
    typed = typed_interview(clock)

    async def run_before(pilot) -> None:
        await typed(pilot)
        await pilot.press("f5")  # the interviewer
        clock.advance(30)
        await pilot.press("f5")  # the participant
        clock.advance(40)
        await commit(pilot, "?who approves the rota")
        await pilot.press("f2")
        await workers_done(pilot.app)
        await pilot.pause()

    app = make_app(session_id)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_debrief_at_80x24(snap_compare, make_app, session_id, clock):
    from tui.screens.debrief_screen import DebriefScreen

    typed = typed_interview(clock)

    async def run_before(pilot) -> None:
        await typed(pilot)
        await pilot.press("f12")
        while not isinstance(pilot.app.screen, DebriefScreen):
            await pilot.pause()
        await pilot.pause()

    app = make_app(session_id)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_goal_prompt_at_80x24(snap_compare, make_app, store, clock):
    """Asked on the sessions screen (g), never over a live interview."""
    from tests.conftest import GUIDE
    from tui.domain.guide import parse_guide
    from tui.services.session_setup import create_session

    create_session(
        store, title="Pricing - P9", participant="P9", guide=parse_guide(GUIDE), now=clock()
    )

    async def run_before(pilot) -> None:
        from textual.widgets import Input

        from tui.screens.prompt_screen import PromptScreen

        await workers_done(pilot.app)
        await pilot.pause()
        await pilot.press("g")
        while not (
            isinstance(pilot.app.screen, PromptScreen)
            and pilot.app.screen.query_one(Input).has_focus
        ):
            await pilot.pause()
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)
