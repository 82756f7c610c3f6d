"""A tag name is at most `MAX_TAG_LEVEL_CHARS` characters and `MAX_TAG_DEPTH` levels, whichever way
it comes in; a longer `#word` typed in a note stays text, and a file that already holds one
shows it cut."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from textual import events

from tests.exchange_data import seed
from tests.test_interview import stored_notes
from tests.waiting import wait_until
from tui.cli import main
from tui.domain.display_text import TAG_LABEL_CHARS, tag_label
from tui.domain.notes import MAX_TAG_LEVEL_CHARS, inline_tokens, mark_spans, parse_inline
from tui.domain.tags import inline_name_problem
from tui.services.exchange.errors import ExchangeError
from tui.services.exchange.exporting import export
from tui.services.exchange.importing import import_files
from tui.services.tag_ops import rename_problem
from tui.services.team.note_coding import code_note
from tui.store import DataStore
from tui.store.errors import StoreError

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LONG = "a" * 20_000
LIMIT = f"at most {MAX_TAG_LEVEL_CHARS} characters between two /"


def test_a_word_longer_than_a_tag_may_be_stays_text_in_a_note():
    text = f"x #{LONG} #ok #{'b' * MAX_TAG_LEVEL_CHARS}"
    assert parse_inline(text).tags == ("ok", "b" * MAX_TAG_LEVEL_CHARS)
    assert [t.value for t in inline_tokens(text)] == ["ok", "b" * MAX_TAG_LEVEL_CHARS]
    assert LIMIT in inline_name_problem("c" * (MAX_TAG_LEVEL_CHARS + 1))
    assert inline_name_problem("c" * MAX_TAG_LEVEL_CHARS) is None
    assert inline_name_problem("/".join(["c" * MAX_TAG_LEVEL_CHARS] * 64)) is None


def test_an_emotion_longer_than_a_tags_level_stays_text_as_the_quote_reads_it():
    # A pasted run of letters after `!` was an emotion of any length, shown on every screen.
    long = "e" * (MAX_TAG_LEVEL_CHARS + 1)
    text = f"she sighed !{long} and !tired"
    assert parse_inline(text).emotions == ("tired",)
    assert [t.value for t in inline_tokens(text)] == ["tired"]
    # The marks a quote is cut from are the same ones: the long word stays in the words.
    assert [text[a:b] for a, b in mark_spans(text)] == ["!tired"]
    assert parse_inline("!" + "e" * MAX_TAG_LEVEL_CHARS).emotions == ("e" * MAX_TAG_LEVEL_CHARS,)


def test_fieldnote_note_and_fieldnote_tag_refuse_an_overlong_tag(store, monkeypatch, capsys):
    monkeypatch.setenv("FIELDNOTE_HOME", str(store.home))
    assert main(["new", "Long", "--participant", "Kim"]) == 0
    capsys.readouterr()
    assert main(["note", "Long", f"x #{LONG}"]) != 0
    err = capsys.readouterr().err
    assert LIMIT in err and "Nothing was added" in err and err.count("\n") == 1
    assert len(err) < 300  # the tag is named by its start, not printed whole
    assert main(["note", "Long", "x #fine"]) == 0
    note_id = capsys.readouterr().out.strip()
    session_id = store.resolve("Long")
    with pytest.raises(StoreError, match=LIMIT):
        code_note(store, session_id, note_id, [LONG], "Kim", "2026-12-01T09:00:00+00:00")
    assert [t["name"] for t in store.codebook.tags()] == ["fine"]


def test_a_rename_to_an_overlong_name_is_refused():
    assert LIMIT in rename_problem(lambda name: None, "old", "d" * (MAX_TAG_LEVEL_CHARS + 1))


@pytest.mark.parametrize("where", ["notes", "codebook"])
def test_an_import_holding_an_overlong_tag_is_refused_naming_it(tmp_path, store, where):
    source = DataStore(tmp_path / "source")
    data, _ = export(source, seed(source), "json")
    source.codebook.close()
    doc = orjson.loads(data)
    if where == "codebook":
        doc["codebook"][0]["name"] = LONG
    else:
        doc["sessions"][0]["notes"][0]["tags"] = [LONG]
    path = tmp_path / "study.json"
    path.write_bytes(orjson.dumps(doc))
    with pytest.raises(ExchangeError, match=f"study.json .*{LIMIT}, and #a+\u2026 has 20,000"):
        import_files(store, [path], now=NOW)
    assert store.list_sessions()[0] == [] and store.codebook.tags() == []


def test_a_label_cuts_an_overlong_name_from_an_old_file():
    assert tag_label(LONG) == "a" * (TAG_LABEL_CHARS - 1) + "\u2026"
    assert tag_label("pain/x\x1b[31m") == "pain/x\u241b[31m"


async def test_a_live_note_with_an_overlong_tag_is_kept_and_says_so(make_app, session_id):
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        app.post_message(events.Paste(f"x #{LONG} #short"))  # as the terminal delivers it
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, lambda: any(LIMIT in n.message for n in app._notifications))
        (note,) = stored_notes(app)
        assert note["text"] == f"x #{LONG} #short" and note["tags"] == ["short"]
        assert [t["name"] for t in app.store.codebook.tags()] == ["short"]
