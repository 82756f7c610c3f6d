"""Notes meet the recording on the tagging screen: each note's cue under it, a quote's verbatim
beside it (and in its place on a key), spans coded on a cue, and the play key."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.record_session import CUES, OFFSET, coded_cue_span, loaded, row_of, seed
from tests.services.test_playback import recording_player, stand_in
from tests.test_tagging import drawn_text, notes_by_id, ready, tagging_app
from tests.waiting import wait_until
from tui.domain.clock import to_iso
from tui.domain.notes import Note
from tui.domain.recording import Recording, RecordingCue
from tui.services.playback import LEAD_SECONDS
from tui.services.tagging import TaggingModel

CUE_TEXT = {cue_id: text for cue_id, _, _, _, text in CUES}


@pytest.fixture
def media(tmp_path):
    path = tmp_path / "interview.m4a"
    path.write_bytes(b"not really audio")
    return path


@pytest.fixture
def ids(store, clock, session_id, media):
    return seed(store, session_id, clock, media)


def stored(store, session_id):
    snap = store.open_session(session_id).read()
    return {n["id"]: n for n in snap.notes}, snap.excerpts


# -- the model -----------------------------------------------------------------------------------


def test_each_note_lists_its_cue_under_it_once(writes, session_id, ids):
    model = loaded(writes, session_id)
    listed = [(e.linked is not None, e.text) for e in model.shown]
    assert listed == [
        (False, '"We gave up on the invte flow on day two #pain/onboarding'),
        (True, CUE_TEXT["c2"]),
        (False, "Exports to a sheet, weekly"),
        (True, CUE_TEXT["c4"]),
        (False, "> Support answered within an hour"),
        (True, CUE_TEXT["c5"]),
        (False, '"I would pay double for a mobile app"'),  # its cue is listed above already
    ]
    cue = row_of(model, "c2", cue=True)
    assert cue.linked == ids[0] and cue.note["author"] == "Praline"
    assert cue.note["elapsed"] == 8.0 - OFFSET  # listed at its interview time, as notes are
    assert model.note_count == 4  # cues are no notes of the session


def test_a_quote_shows_its_verbatim_and_score(writes, session_id, ids):
    model = loaded(writes, session_id)
    wrong, exact, invented = (model.check_of(row_of(model, i)) for i in (ids[0], ids[2], ids[3]))
    assert wrong.found and wrong.score < 100
    assert "we gave up on the invite flow on day two" in wrong.verbatim.casefold()
    assert exact.found and exact.score == 100
    assert not invented.found
    assert model.check_of(row_of(model, ids[1])) is None  # a paraphrase is no quote


def test_the_verbatim_replaces_the_quote_and_the_typed_words_are_kept(
    writes, store, clock, session_id, ids
):
    model = loaded(writes, session_id)
    note = row_of(model, ids[0])
    typed = note.note_text
    assert model.use_verbatim(note, clock()).notice is None
    new = note.note_text
    assert new.startswith('"') and new.endswith(" #pain/onboarding")  # the syntax stays
    assert "invite flow on day two" in new and "invte" not in new
    assert model.check_of(note).score == 100  # checked again: now word for word
    assert writes.flush(timeout=10)
    on_disk = stored(store, session_id)[0][ids[0]]
    assert on_disk["text"] == new and on_disk["typed"] == typed
    assert on_disk["kind"] == "quote" and on_disk["tags"] == ["pain/onboarding"]
    # The key again puts the typed words back; they stay kept.
    assert model.use_verbatim(note, clock()).notice is None
    assert writes.flush(timeout=10)
    on_disk = stored(store, session_id)[0][ids[0]]
    assert on_disk["text"] == typed and on_disk["typed"] == typed


def test_a_quote_not_said_near_its_moment_stays_as_typed(writes, store, clock, session_id, ids):
    model = loaded(writes, session_id)
    outcome = model.use_verbatim(row_of(model, ids[3]), clock())
    assert "not found near this moment" in outcome.notice
    paraphrase = model.use_verbatim(row_of(model, ids[1]), clock())
    assert "Only a quote" in paraphrase.notice
    assert writes.flush(timeout=10)
    assert "typed" not in stored(store, session_id)[0][ids[3]]


def test_a_quote_of_a_session_without_a_transcript_says_how_to_attach_one(
    writes, store, clock, session_id
):
    """V on a quote with no transcript said only that none was attached, where p on the same
    note says how to attach one."""
    store.open_session(session_id).append_note(
        Note.from_typed(
            '"We never trust the portal',
            session_id=session_id,
            author="Maya",
            started_at=to_iso(clock()),
            elapsed=0.0,
            question_id=None,
        ).to_doc()
    )
    model = loaded(writes, session_id)
    outcome = model.use_verbatim(model.shown[0], clock())
    assert "No transcript is attached" in outcome.notice
    assert "fieldnote attach SESSION TRANSCRIPT" in outcome.notice
    assert "m on the sessions screen" in outcome.notice


def _turned_around_quote(
    store, session_id, clock, text='"Support never answered within an hour', elapsed=53.0
) -> str:
    """A quote typed at `elapsed` (by default one that says the opposite of what was said)."""
    doc = Note.from_typed(
        text,
        session_id=session_id,
        author="Maya",
        started_at=to_iso(clock() + timedelta(seconds=elapsed)),
        elapsed=elapsed,
        question_id=None,
    ).to_doc()
    session_file = store.open_session(session_id)
    session_file.append_note(doc)
    session_file.close()
    return doc["id"]


async def test_a_quote_that_turns_what_was_said_around_says_so_and_v_puts_the_words_said(
    writes, store, clock, session_id, ids
):
    """ "Support never answered" for the "Support answered" said matched at 90 and was shown
    as its verbatim, 'typed differently': the quote said the opposite and looked checked."""
    note_id = _turned_around_quote(store, session_id, clock)
    model = loaded(writes, session_id)
    check = model.check_of(row_of(model, note_id))
    assert not check.found and "never" in check.differs
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = app.screen
        row = next(e for e in screen.model.shown if e.note["id"] == note_id and e.span is None)
        detail = screen.detail_text(row).plain
        assert "Not what was said" in detail and "never" in detail
        assert "Support answered within an hour" in detail
    # V puts the words said in its place: the quote is then word for word.
    assert model.use_verbatim(row_of(model, note_id), clock()).notice is None
    assert model.check_of(row_of(model, note_id)).found


async def test_a_quote_running_into_the_interviewers_question_is_not_the_participants(
    writes, store, clock, session_id, ids
):
    """A quote typed across Praline's answer and the interviewer's next question was verified
    and V put the interviewer's words into the participant's quote."""
    text = '"nobody got the email. What did you do then'
    note_id = _turned_around_quote(store, session_id, clock, text, 20.0)
    model = loaded(writes, session_id)
    check = model.check_of(row_of(model, note_id))
    assert not check.found and "runs across Praline's and Interviewer's words" in check.not_theirs
    outcome = model.use_verbatim(row_of(model, note_id), clock())
    assert "not the participant's" in outcome.notice and outcome.severity == "warning"
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = app.screen
        row = next(e for e in screen.model.shown if e.note["id"] == note_id and e.span is None)
        detail = screen.detail_text(row).plain
        assert "Not the participant's words" in detail and "runs across" in detail
    assert writes.flush(timeout=10)
    assert stored(store, session_id)[0][note_id]["text"] == text


def test_a_span_of_the_quote_keeps_its_words_when_the_verbatim_comes_in(
    writes, store, clock, session_id, ids
):
    model = loaded(writes, session_id)
    note = row_of(model, ids[0])
    start = note.note_text.index("day two")
    model.move_to(model.index_of(note))
    model.set_span(start, start + len("day two"))
    model.apply_tag(note, "pain/onboarding", clock())
    model.use_verbatim(note, clock())
    (span,) = note.spans
    assert note.note_text[span["start"] : span["end"]] == "day two"
    assert writes.flush(timeout=10)
    notes, excerpts = stored(store, session_id)
    (on_disk,) = excerpts
    assert notes[ids[0]]["text"][on_disk["start"] : on_disk["end"]] == "day two"


def test_a_span_coded_on_a_cue_is_an_excerpt_of_the_cue_with_its_coder(
    writes, store, clock, session_id, ids
):
    model = loaded(writes, session_id, coder="Ana")
    cue = row_of(model, "c2", cue=True)
    model.move_to(model.index_of(cue))
    model.toggle_span()
    model.span_end_word(1)
    assert model.span == (0, len("Honestly we"))
    model.apply_tag(cue, "said/verbatim", clock())
    span_row = model.current
    assert span_row.span is not None and span_row.linked == ids[0]
    assert span_row.text == "Honestly we"
    assert model.coded_count == 1  # the quote's inline tag; a cue's span is no note's
    assert writes.flush(timeout=10)
    (excerpt,) = stored(store, session_id)[1]
    assert (excerpt["note_id"], excerpt["start"], excerpt["end"]) == ("c2", 0, 11)
    assert excerpt["codings"][0]["coder"] == "Ana"
    # Read again: the span is listed under its cue.
    again = loaded(writes, session_id)
    rows = [(e.linked, e.span is not None, e.text) for e in again.shown[:3]]
    assert rows[1:] == [(ids[0], False, CUE_TEXT["c2"]), (ids[0], True, "Honestly we")]


def test_tagging_a_whole_cue_codes_it_as_one_span(writes, store, clock, session_id, ids):
    model = loaded(writes, session_id)
    cue = row_of(model, "c4", cue=True)
    model.apply_tag(cue, "said/verbatim", clock())
    model.apply_tag(cue, "pain/onboarding", clock())  # the same span, a second tag
    assert "Tag the cue" not in (model.step_severity(cue, 1, clock()).notice or "")
    assert writes.flush(timeout=10)
    (excerpt,) = stored(store, session_id)[1]
    assert (excerpt["note_id"], excerpt["start"], excerpt["end"]) == ("c4", 0, len(CUE_TEXT["c4"]))
    assert excerpt["tags"] == ["said/verbatim", "pain/onboarding"] and excerpt["severity"] == 1


def test_rating_an_uncoded_cue_says_to_tag_it_first(writes, session_id, ids, clock):
    model = loaded(writes, session_id)
    outcome = model.step_severity(row_of(model, "c5", cue=True), 1, clock())
    assert "Tag the cue" in outcome.notice


def test_play_from_the_moment_or_from_the_words_a_late_note_was_typed_after(
    writes, session_id, ids, media
):
    model = loaded(writes, session_id)
    # Linked by its words to a cue said before its moment (15 s): from that cue's start.
    assert row_of(model, ids[0]) and model.link_of(row_of(model, ids[0])).by == "text"
    assert model.play_target(row_of(model, ids[0])) == (str(media), 8.0)
    # Linked by its time: from its own moment, elapsed + offset.
    assert model.link_of(row_of(model, ids[1])).by == "time"
    assert model.play_target(row_of(model, ids[1])) == (str(media), 36.0 + OFFSET)
    assert model.play_target(row_of(model, "c5", cue=True)) == (str(media), 45.0)


def test_alignment_is_worked_out_once_per_read_not_per_look(writes, session_id, ids, monkeypatch):
    import tui.services.recording.aligned as tagging

    calls = []
    real = tagging.link
    monkeypatch.setattr(tagging, "link", lambda *a: calls.append(1) or real(*a))
    model = loaded(writes, session_id)
    assert len(calls) == len(ids)
    for excerpt in model.shown:
        model.link_of(excerpt), model.check_of(excerpt), model.play_target(excerpt)
    assert len(calls) == len(ids)


# -- the screen ----------------------------------------------------------------------------------


async def test_the_screen_shows_the_cue_and_the_verbatim(store, clock, session_id, ids):
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        shown = drawn_text(app)
        assert "Praline: Honestly" in shown  # the cue row under the quote
        assert "Verbatim" in shown and "V uses it" in shown
        await pilot.press("V")
        await ready(pilot)
        notes, _ = notes_by_id(app, session_id)
        assert "invite flow" in notes[ids[0]]["text"]
        assert "V puts it back" in drawn_text(app)
        await pilot.press("j")  # the cue under it
        await ready(pilot)
        assert "Cue tags:" in drawn_text(app)
        screen = app.screen
        detail = screen.detail_text(screen.current).plain
        assert "Cue tags: on its spans (t codes the whole cue, v a part)" in detail


async def test_p_plays_the_moment_in_the_player_on_path(
    store, clock, session_id, ids, media, tmp_path, monkeypatch
):
    log = recording_player(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("j", "j")  # the paraphrase, linked by its time
        await pilot.press("p")
        await wait_until(pilot, log.exists)
        args = log.read_text(encoding="utf-8").splitlines()[2:]
        assert f"--start={36.0 + OFFSET - LEAD_SECONDS:.3f}" in args
        assert args[-1] == str(media.resolve())
        await wait_until(pilot, lambda: any("Playing" in n.message for n in app._notifications))


async def test_p_without_a_player_names_one_and_copies_the_time_code(
    store, clock, session_id, ids, tmp_path, monkeypatch
):
    import pyperclip

    copied: list[str] = []
    monkeypatch.setattr(pyperclip, "copy", copied.append)
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("p")
        await wait_until(pilot, lambda: copied)
        assert copied == ["00:08"]
        messages = [n.message for n in app._notifications]
        assert any("install mpv" in m and "00:08" in m for m in messages)


async def test_p_without_a_player_in_a_tmux_that_drops_copies_claims_no_copy(
    store, clock, session_id, ids, tmp_path, monkeypatch
):
    # Two notices came: "The time code 00:08 is copied instead." and "Not copied", the second
    # cut to its title at 80x24; one notice now says why and whether the copy arrived.
    import pyperclip

    import tui.app

    def no_mechanism(text: str) -> None:
        raise pyperclip.PyperclipException("no copy/paste mechanism")

    monkeypatch.setattr(pyperclip, "copy", no_mechanism)
    monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")
    monkeypatch.setattr(tui.app, "run_tmux", lambda args: "external\n")
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("p")
        await wait_until(pilot, lambda: any("00:08" in n.message for n in app._notifications))
        (said,) = [n for n in app._notifications if "00:08" in n.message or "copied" in n.message]
        assert "install mpv" in said.message and "Not copied: tmux drops it" in said.message
        assert "is copied" not in said.message
        assert (said.title, said.severity) == ("Recording", "warning")


async def test_p_with_the_recording_gone_is_one_sentence(store, clock, session_id, ids, media):
    media.unlink()
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("p")
        await wait_until(pilot, lambda: app._notifications)
        (message,) = [n.message for n in app._notifications]
        assert "is not there any more" in message and media.name in message


async def test_a_failing_player_is_one_sentence(
    store, clock, session_id, ids, tmp_path, monkeypatch
):
    stand_in(tmp_path / "bin", "mpv", "exit 4\n")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("p")
        await wait_until(pilot, lambda: app._notifications)
        (message,) = [n.message for n in app._notifications]
        assert "exit status 4" in message


# -- the analysis screen -------------------------------------------------------------------------


async def test_p_on_the_analysis_evidence_plays_its_moment(
    store, clock, session_id, ids, media, tmp_path, monkeypatch
):
    from tui.app import FieldnoteApp
    from tui.screens.analysis_screen import AnalysisScreen

    log = recording_player(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    app = FieldnoteApp(store, author="Maya", now=clock, analysis="")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert isinstance(app.screen, AnalysisScreen)
        await pilot.press("p")  # no evidence open yet: says how to get there
        await wait_until(pilot, lambda: app._notifications)
        assert "evidence" in [n.message for n in app._notifications][0]
        await pilot.press("enter")  # the evidence of #pain: the quote typed late
        await ready(pilot)
        await pilot.press("p")
        await wait_until(pilot, log.exists)
        args = log.read_text(encoding="utf-8").splitlines()[2:]
        # The quote was typed at 15 s; the words it was linked to were said from 8 s.
        assert f"--start={8.0 - LEAD_SECONDS:.3f}" in args
        assert args[-1] == str(media.resolve())


def test_a_quote_edited_elsewhere_meanwhile_keeps_that_edit(writes, store, clock, session_id, ids):
    from tui.store import DataStore

    model = loaded(writes, session_id)
    note = row_of(model, ids[0])
    # Another process (its own store) edits the quote after this screen read it.
    elsewhere = '"We gave up on invites #pain/onboarding'
    DataStore(store.home).open_session(session_id).update_note(ids[0], {"text": elsewhere})
    model.use_verbatim(note, clock())
    assert writes.flush(timeout=10)
    on_disk = stored(store, session_id)[0][ids[0]]
    assert on_disk["text"] == elsewhere and "typed" not in on_disk


@pytest.mark.parametrize(
    "typed, verbatim, expected",
    [
        (
            '* "We gave up on day 2" #pain !frustrated',
            "we gave up on day two",
            '* "we gave up on day two" #pain !frustrated',
        ),
        ('"gave up #pain on day 2', "gave up on day two", '"gave up on day two #pain'),
        ("> export it fridays #ops", "we export it on Fridays", "> we export it on Fridays #ops"),
        (
            "\u201cOn a abandonn\u00e9\u201d",
            "On a abandonn\u00e9 vite",
            "\u201cOn a abandonn\u00e9 vite\u201d",
        ),
        ('"[bold]x #a', "[/ said\nthis", '"[/ said this #a'),
    ],
)
def test_the_verbatim_keeps_the_quote_syntax(typed, verbatim, expected):
    from tui.domain.notes import parse_inline
    from tui.domain.quotes import with_verbatim

    replaced = with_verbatim(typed, verbatim)
    assert replaced == expected
    before, after = parse_inline(typed), parse_inline(replaced)
    assert (after.kind, after.starred, after.tags, after.emotions) == (
        before.kind,
        before.starred,
        before.tags,
        before.emotions,
    )


async def test_a_cue_and_speaker_that_look_like_markup_are_shown_as_typed(
    store, clock, session_id, tmp_path, monkeypatch
):
    from tui.domain.recording import Recording, RecordingCue

    hostile = "[/ [bold]x [@click=app.quit]x[/] \x1b[31mred"
    session_file = store.open_session(session_id)
    seed(store, session_id, clock, None)
    cues = (RecordingCue("h1", 0.0, 60.0, "[bold]Praline", hostile),)
    session_file.attach_recording(
        Recording("x.vtt", None, "2026-11-27T10:00:00Z", cues).to_doc(), 0
    )
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        await pilot.press("j")  # the cue row
        await ready(pilot)
        shown = drawn_text(app)
        assert "[bold]Praline" in shown and "[@click=app.quit]x[/]" in shown
        assert "\x1b" not in shown and app.is_running
        await pilot.press("p")  # no media attached: one sentence, still running
        await wait_until(pilot, lambda: app._notifications)
        assert "No audio or video file is attached" in [n.message for n in app._notifications][0]


def test_a_verbatim_that_would_read_as_a_tag_or_emotion_is_not_put_in(
    writes, store, clock, session_id, ids, media
):
    # The participant said "#urgent" and "!important": in the note's text they would become
    # a tag and an emotion on the note, and drop out of the quote's words.
    cues = [
        *CUES[:4],
        ("c5", 45.0, 60.0, "Praline", "Support #urgent answered within an !important hour"),
    ]
    recording = Recording("interview.vtt", str(media), "2026-11-27T10:00:00Z", ())
    doc = {**recording.to_doc(), "cues": [RecordingCue(*cue).to_doc() for cue in cues]}
    store.open_session(session_id).attach_recording(doc, OFFSET)
    model = loaded(writes, session_id)
    note = row_of(model, ids[2])
    outcome = model.use_verbatim(note, clock())
    assert outcome.notice is not None and "#urgent" in outcome.notice
    assert note.note_text == "> Support answered within an hour"
    assert writes.flush(timeout=10)
    on_disk = stored(store, session_id)[0][ids[2]]
    assert on_disk["text"] == "> Support answered within an hour" and on_disk["tags"] == []


async def test_repeat_on_next_goes_to_the_next_note_not_the_cue_under_this_one(
    store, clock, session_id, ids
):
    # With a transcript attached each note has its cue listed under it: `.` coded that cue
    # (someone's words the researcher never chose) instead of the next note, every other press.
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = app.screen
        await pilot.press("j")  # the cue under the first note
        await pilot.pause()
        assert screen.current.linked is not None
        await pilot.press("j")  # the second note
        await pilot.pause()
        assert screen.current.note["id"] == ids[1] and screen.current.linked is None
        await pilot.press("t", *"said/verb", "enter")
        await ready(pilot)
        await pilot.press(".")
        await ready(pilot)
        assert screen.current.note["id"] == ids[2] and screen.current.linked is None
        notes, excerpts = notes_by_id(app, session_id)
        assert [notes[i]["tags"] for i in ids[1:3]] == [["said/verbatim"], ["said/verbatim"]]
        assert excerpts == []  # no cue was coded


def test_a_coded_cue_no_note_links_to_any_more_is_still_listed_with_its_span(
    writes, store, clock, session_id, ids
):
    """A cue is listed under the first note linked to it. Once no note is (the offset
    corrected with ctrl+o moved every note's moment), its coded span was nowhere on the
    tagging screen, while the codebook, the exports and the analysis count it: its evidence
    opened on another row, and the coding could not be seen or taken back."""
    coded_cue_span(writes, store, clock, session_id)
    (excerpt,) = stored(store, session_id)[1]
    session_file = store.open_session(session_id)
    clock_doc = dict(session_file.read().session.get("clock") or {})
    session_file.update_session({"clock": {**clock_doc, "recording_offset": 300.0}})
    session_file.close()
    again = TaggingModel(writes, origin=session_id, focus=(session_id, "c2", excerpt["id"]))
    assert again.take(again.read(again.begin_read(with_index=True))) is True
    current = again.current
    assert current is not None and current.span is not None
    assert (current.note["id"], current.span["id"]) == ("c2", excerpt["id"])
    assert current.text == "Honestly we"
    assert current.linked is not None and again.note_count == 4  # a cue, no note


def test_a_blind_coder_cannot_rate_a_cue_only_another_coder_coded(
    writes, store, clock, session_id, ids
):
    """Blind, + on a cue that Ana coded whole changed her span's rating, and its success told
    Bo that someone had coded the cue."""
    ana = loaded(writes, session_id, coder="Ana")
    ana.apply_tag(row_of(ana, "c4", cue=True), "pain/onboarding", clock())
    assert writes.flush(timeout=10)
    bo = TaggingModel(writes, origin=session_id, coder="Bo", blind=True)
    assert bo.take(bo.read(bo.begin_read(with_index=True))) is True
    said = bo.step_severity(row_of(bo, "c4", cue=True), 1, clock())
    assert "Tag the cue" in (said.notice or "")
    assert writes.flush(timeout=10)
    (span,) = stored(store, session_id)[1]
    assert span["severity"] is None


def test_y_copies_a_quote_the_transcript_does_not_bear_out_with_what_its_check_found(
    writes, session_id, ids
):
    """The detail said 'Verbatim not found near this moment', yet y copied the quote as the
    participant's words like a checked one."""
    model = loaded(writes, session_id)
    assert model.quote(row_of(model, ids[3])) == (
        "I would pay double for a mobile app \u2014 P7 (ops lead), 01:00 "
        "[Not found in the transcript near 01:00.]"
    )
    assert model.quote(row_of(model, ids[2])) == (
        "Support answered within an hour \u2014 P7 (ops lead), 00:57"
    )


async def test_a_quote_given_the_verbatim_shows_its_check_when_the_transcript_changes_after(
    writes, store, clock, session_id, ids, media
):
    """After V put the verbatim in, the detail showed only the typed words: a transcript
    attached again with that cue corrected left the quote looking checked on the tagging
    screen while the report said it was not found."""
    model = loaded(writes, session_id)
    assert model.use_verbatim(row_of(model, ids[0]), clock()).notice is None
    assert writes.flush(timeout=10)
    corrected = [
        (cue_id, start, end, who, "Honestly the second day we dropped it, nobody read a mail.")
        if cue_id == "c2"
        else (cue_id, start, end, who, text)
        for cue_id, start, end, who, text in CUES
    ]
    doc = Recording(
        "interview.vtt",
        str(media),
        "2026-11-28T10:00:00Z",
        tuple(RecordingCue(*cue) for cue in corrected),
    )
    session_file = store.open_session(session_id)
    session_file.attach_recording(doc.to_doc(), OFFSET)
    session_file.close()
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = app.screen
        detail = screen.detail_text(screen.current).plain
        assert "Typed" in detail and "V puts it back" in detail
        assert "not found near this moment" in detail


@pytest.mark.parametrize("width", [80, 40])
async def test_a_row_keeps_its_words_and_the_detail_gives_both_times(
    store, clock, session_id, ids, width
):
    """At 80 columns (the list beside the detail) and in a 40-column pane, both times left a
    row 10-13 cells of words: the row gives the clock and keeps its words, the excerpt's
    detail gives both times."""
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(width, 24)) as pilot:
        await ready(pilot)
        lines = drawn_text(app).splitlines()
        note = next(line for line in lines if "\u270eMaya" in line)
        assert "00:10 \u270eMaya" in note and "(rec" not in note, note
        assert '\u25cf "We gave up on' in note, note
        screen = app.screen
        row = next(e for e in screen.shown if e.note.get("id") == ids[0] and e.span is None)
        detail = screen.detail_text(row).plain.splitlines()[0]
        assert detail.endswith("by Maya \u00b7 00:10 (rec 00:15)"), detail


async def test_a_wide_row_gives_its_place_on_the_recording_beside_the_clock(
    store, clock, session_id, ids
):
    """The rows gave the session's clock alone (`00:10`) where `fieldnote agree`, the report
    and the analysis cite the note's place on the recording (`00:15`, the offset being 5 s):
    a researcher cross-checking saw two times for one note. Where the recording is offset and
    the row has room, it gives both, as `agree` does."""
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(120, 24)) as pilot:
        await ready(pilot)
        lines = drawn_text(app).splitlines()
        note = next(line for line in lines if "\u270eMaya" in line)
        assert "00:10 (rec 00:15) \u270eMaya" in note, note
        cue = next(line for line in lines if "Praline:" in line)
        assert "\u25b8 00:03 (rec 00:08) Praline:" in cue, cue  # the cue as said at 00:08
        assert '\u25cf "We gave up on' in note, note  # and room for the words after them


async def test_a_study_s_rows_keep_their_words_and_the_detail_gives_both_times(
    store, clock, session_id, ids
):
    """In a list of several sessions each row names its participant too: at 80 columns both
    times would leave its words no room, so the row gives the clock and the excerpt's detail
    gives both."""
    from tests.conftest import GUIDE
    from tui.domain.guide import parse_guide
    from tui.services.session_setup import create_session

    guide = parse_guide(GUIDE)
    create_session(store, title="Other", participant="P8", goal="", guide=guide, now=clock())
    app = tagging_app(store, clock, session_id, scope="all")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        note = next(line for line in drawn_text(app).splitlines() if "\u270eMaya" in line)
        assert note.startswith("00:10 P7") and '\u25cf "We gave' in note, note
        screen = app.screen
        row = next(e for e in screen.shown if e.note.get("id") == ids[0] and e.span is None)
        detail = screen.detail_text(row).plain.splitlines()[0]
        assert detail.endswith("by Maya \u00b7 00:10 (rec 00:15)"), detail


def test_the_verbatim_brings_no_comma_that_led_on_to_words_not_quoted(
    writes, store, clock, session_id, ids
):
    """`V` on `> Support answered within an hour`, said as "Support answered within an hour,
    which saved the trial.", wrote `> Support answered within an hour,` into the note: the
    cue's comma, which led on to words the quote left out."""
    model = loaded(writes, session_id)
    note = row_of(model, ids[2])
    assert model.check_of(note).verbatim == "Support answered within an hour"
    outcome = model.use_verbatim(note, clock())
    assert outcome.notice == "The quote is word for word what was said already."
    assert writes.flush(timeout=10)
    assert stored(store, session_id)[0][ids[2]]["text"] == "> Support answered within an hour"


def test_a_moment_before_the_clock_s_zero_gives_its_seconds_before_it():
    """A cue said before the session clock's zero (its start on the recording less than the
    offset) was listed `00:00 (rec 00:00)` whether it was said 1 s or 5 s before the clock
    started, as if at the clock's zero. Its clock time is its whole seconds before the
    zero, signed, so both times differ by the offset as every other row's do; `agree`
    lists a cue's time the same way."""
    from tui.domain.quotes import clock_and_recording
    from tui.services.team.agreement import Unit

    assert clock_and_recording(-5.0, 5.0) == "-00:05 (rec 00:00)"
    assert clock_and_recording(-4.5, 5.0) == "-00:05 (rec 00:00)"  # in the 5th second before
    assert clock_and_recording(-0.2, 5.0) == "-00:01 (rec 00:04)"
    assert clock_and_recording(-65.0, 70.0) == "-01:05 (rec 00:05)"
    assert clock_and_recording(0.0, 5.0) == "00:00 (rec 00:05)"
    assert clock_and_recording(12.9, 5.0) == "00:12 (rec 00:17)"
    assert clock_and_recording(-3.0) == "-00:03"
    cue = Unit("s1", "Session", {"id": "c1", "elapsed": -5.0}, [], cue=True, recording_offset=5.0)
    assert cue.when == "-00:05 (rec 00:00)"


def test_a_note_taken_before_the_recording_started_says_so():
    """With the recording started 15 s after the clock (offset -00:15), a note at 00:10 was
    listed `00:10 (rec 00:00)`, as if said at the recording's start, which it was not: it is
    5 s before it. The recording's time is signed as the clock's is; playing it starts at
    the recording's start."""
    from tui.domain.quotes import clock_and_recording, recording_time
    from tui.domain.recording import moment
    from tui.services.playback import start_second
    from tui.services.team.agreement import Unit

    assert clock_and_recording(10.0, -15.0) == "00:10 (rec -00:05)"
    assert clock_and_recording(10.0, -10.5) == "00:10 (rec -00:01)"  # half a second before
    assert clock_and_recording(10.0, -10.0) == "00:10 (rec 00:00)"  # at its start
    assert clock_and_recording(130.0, -200.0) == "02:10 (rec -01:10)"
    assert recording_time(10.0, -15.0) == "-00:05"
    note = Unit("s1", "Session", {"id": "n1", "elapsed": 10.0}, [], recording_offset=-15.0)
    assert note.when == "00:10 (rec -00:05)"
    assert start_second(moment(10.0, -15.0)) == 0.0


def test_a_time_past_any_recording_s_length_is_said_not_a_crash():
    """A hand-edited session file (a shared study folder is anyone's) may hold a note at
    1.7e308 s on a recording offset as far: the recording's time is their sum, infinity,
    and every screen and report that gave it (the tagging rows, the report) stopped on an
    OverflowError. A time no clock could reach is shown as no time."""
    from tui.domain.notes import format_elapsed
    from tui.domain.quotes import clock_and_recording, recording_time

    assert recording_time(1.7e308, 1.7e308) == "--:--"
    assert clock_and_recording(1.7e308, 1.7e308).endswith("(rec --:--)")
    assert clock_and_recording(-1.7e308, -1.7e308) == "--:-- (rec --:--)"
    assert clock_and_recording(1.7e308, 0.0) == "--:--"  # no offset: the clock alone
    assert format_elapsed(float("nan")) == "--:--"
    assert format_elapsed(61.0) == "01:01"


@pytest.mark.parametrize(
    "width, shown", [(120, "-00:05 (rec 00:00) Intervi"), (80, "-00:05 Inter")]
)
async def test_a_cue_said_before_the_clock_started_shows_where_it_was_said(
    store, clock, session_id, ids, width, shown
):
    """The interviewer's first question, said at 00:00 on the recording, 5 s before the
    clock's zero, was listed `00:00 (rec 00:00)` under the note that links to it: the
    clock's part read as said at the clock's zero. Now `-00:05 (rec 00:00)`."""
    session_file = store.open_session(session_id)
    session_file.append_note(
        Note.from_typed(
            "Tell me about the first week with the product",
            session_id=session_id,
            author="Maya",
            started_at=to_iso(clock()),
            elapsed=1.0,
            question_id=None,
        ).to_doc()
    )
    session_file.close()
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(width, 24)) as pilot:
        await ready(pilot)
        lines = drawn_text(app).splitlines()
        cue = next(line for line in lines if "\u25b8 -" in line)
        assert f"\u25b8 {shown}" in cue, cue  # the speaker cut to its room
