"""100 KB typed into the note input as keystrokes, the way a slow paste arrives through tmux
(`send-keys -l` in 4 KB chunks, or a paste outside bracketed-paste mode).

Each 4 KB chunk goes through the input path of the real terminal driver (tui/terminal_input.py)
into the interview screen at 80x24, then Enter; timed until the note is durable on disk.
Side by side: the same text as one bracketed paste, and Textual's stock path (one key event per
character, each inserted on its own) over a smaller text, because it grows with the square of
the length (100 KB took about 20 minutes): the naive baseline. The bracketed paste is the floor:
the same text in one message. Budget: 100 KB as keystrokes under 5 s.
Run: python -m benchmarks.bench_typing [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from benchmarks.fixtures import GUIDE, START
from benchmarks.targets import record
from tui.app import FieldnoteApp
from tui.domain.guide import parse_guide
from tui.services.session_setup import create_session
from tui.store import DataStore
from tui.terminal_input import PASTE_END, PASTE_START, TerminalInput
from tui.textual_compat import XTermParser
from tui.widgets.note_input import NoteInput

BUDGET_S = 5.0
CHUNK = 4096
SENTENCE = "we moved the dock schedule to a shared sheet because nobody trusted the portal. "


def _text(size: int) -> str:
    return (SENTENCE * (size // len(SENTENCE) + 1))[:size]


async def _typed(data: str, *, stock: bool) -> float:
    """Seconds from the first chunk to the note on disk."""
    with tempfile.TemporaryDirectory(prefix="fieldnote-bench-") as tmp:
        store = DataStore(Path(tmp))
        session_id = create_session(
            store, title="Typing", participant="P1", goal="Why", guide=parse_guide(GUIDE), now=START
        )
        app = FieldnoteApp(store, author="Maya", session_id=session_id)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            note_input = app.screen.query_one(NoteInput)
            terminal = XTermParser() if stock else TerminalInput()
            began = time.perf_counter()
            for start in range(0, len(data), CHUNK):
                for message in terminal.feed(data[start : start + CHUNK]):
                    app.post_message(message)
                await asyncio.sleep(0)  # the next read comes after the loop had a turn
            wanted = len(data.removeprefix(PASTE_START).removesuffix(PASTE_END))
            while len(note_input.document.text) < wanted:
                await asyncio.sleep(0.005)
            await pilot.press("enter")
            assert app.live is not None and app.live.flush(timeout=30)
            elapsed = time.perf_counter() - began
            notes = store.open_session(session_id).read().notes
            assert len(notes[-1]["text"]) == wanted, "the note was not stored whole"
        return elapsed


def run(quick: bool = False) -> dict[str, float]:
    size, stock_size = (20_000, 4_000) if quick else (100_000, 20_000)
    text = _text(size)
    result = {
        "keystrokes_s": asyncio.run(_typed(text, stock=False)),
        "paste_s": asyncio.run(_typed(PASTE_START + text + PASTE_END, stock=False)),
        "stock_small_s": asyncio.run(_typed(_text(stock_size), stock=True)),
        "stock_half_s": asyncio.run(_typed(_text(stock_size // 2), stock=True)),
    }
    print("Text typed into the note input at 80x24, Enter, durable on disk; in seconds")
    print(f"  {size // 1000} KB as keystrokes, 4 KB reads:      {result['keystrokes_s']:8.2f}")
    print(f"  {size // 1000} KB as one bracketed paste:         {result['paste_s']:8.2f}")
    print(
        f"  stock Textual, one event per key: "
        f"{stock_size // 2000} KB {result['stock_half_s']:.2f}, "
        f"{stock_size // 1000} KB {result['stock_small_s']:.2f} "
        f"(x{result['stock_small_s'] / result['stock_half_s']:.1f} for twice the text)"
    )
    verdict = "within" if result["keystrokes_s"] < BUDGET_S else "OVER"
    print(f"keystrokes {verdict} the {BUDGET_S:.0f} s budget")
    record(
        f"{size // 1000} KB typed as keystrokes: < {BUDGET_S:g} s",
        f"{result['keystrokes_s']:.2f} s",
        f"floor: one paste {result['paste_s']:.2f} s; "
        f"naive stock Textual {stock_size // 1000} KB {result['stock_small_s']:.2f} s",
        result["keystrokes_s"] < BUDGET_S,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 KB instead of 100 KB")
    run(quick=parser.parse_args().quick)


if __name__ == "__main__":
    main()
