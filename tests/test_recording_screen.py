"""Attaching a transcript from the sessions screen (`m`, also in the palette): asks for the
transcript and the media file, and asks before replacing one (issue 21)."""

from __future__ import annotations

import os

from tests.recording_study import START, TRANSCRIPT, make_session
from tests.waiting import workers_done
from tui.commands import ScreenActions
from tui.services import recording


async def _settled(app, pilot) -> None:
    await workers_done(app)
    await pilot.pause()


async def _home(app, pilot):
    await pilot.wait_for_scheduled_animations()
    await _settled(app, pilot)
    return app.screen


async def _attach_again(app, pilot, transcript) -> None:
    """`m` on a session with a transcript, `y` to replace it, and `transcript` given: the
    media prompt is up when this returns."""
    await pilot.press("m")
    await _settled(app, pilot)
    await pilot.press("y")
    await pilot.pause()
    app.screen.query_one("Input").value = str(transcript)
    await pilot.press("enter")
    await pilot.pause()


async def test_the_sessions_screen_attaches_a_transcript(store, make_app, tmp_path):
    session_id = make_session(store)
    media = tmp_path / "interview.m4a"
    media.write_bytes(b"\0")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        home = await _home(app, pilot)
        assert "m Attach recording" in str(home.query_one("KeyBar").render())
        await pilot.press("m")
        await _settled(app, pilot)
        prompt = app.screen
        prompt.query_one("Input").value = str(tmp_path / "missing.vtt")
        await pilot.press("enter")
        assert app.screen is prompt  # no such file: the prompt says so and stays
        assert "There is no file" in str(prompt.query_one("#prompt-error").render())
        os.mkfifo(tmp_path / "pipe.vtt")  # there is one, and it is no file: said so
        prompt.query_one("Input").value = str(tmp_path / "pipe.vtt")
        await pilot.press("enter")
        assert app.screen is prompt
        said = str(prompt.query_one("#prompt-error").render())
        assert "pipe.vtt is no file but a pipe, a device or a folder" in said, said
        prompt.query_one("Input").value = str(TRANSCRIPT)
        await pilot.press("enter")
        await pilot.pause()
        app.screen.query_one("Input").value = str(media)
        await pilot.press("enter")
        await _settled(app, pilot)
        assert app.screen is home
    loaded = recording.load(store, session_id)
    assert loaded is not None and loaded.recording.media == str(media.resolve())
    assert len(loaded.recording.cues) == 9


async def test_enter_on_an_empty_transcript_field_asks_for_a_path(store, make_app):
    """Enter with nothing typed said ' is no file but a pipe, a device or a folder': the
    empty path read as the current folder, and the sentence named nothing."""
    make_session(store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _home(app, pilot)
        await pilot.press("m")
        await _settled(app, pilot)
        prompt = app.screen
        for typed in ("", "   "):
            prompt.query_one("Input").value = typed
            await pilot.press("enter")
            assert app.screen is prompt
            said = str(prompt.query_one("#prompt-error").render())
            assert said.startswith("Type the path of the transcript"), said
            assert "no file but" not in said


async def test_replacing_an_attached_transcript_asks_first(store, make_app, tmp_path):
    session_id = make_session(store)
    recording.attach(store, session_id, TRANSCRIPT, now=START)
    other = tmp_path / "second.srt"
    other.write_text("1\n00:00:40,000 --> 00:00:50,000\nP7: we went back\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        home = await _home(app, pilot)
        await pilot.press("m")
        await _settled(app, pilot)
        assert "interview.vtt" in str(app.screen.query_one(".dialog-help").render())
        await pilot.press("escape")  # no: nothing changes
        await _settled(app, pilot)
        assert app.screen is home
        assert recording.attached_source(store, session_id) == "interview.vtt"
        await _attach_again(app, pilot, other)
        await pilot.press("enter")  # no media
        await _settled(app, pilot)
    assert recording.attached_source(store, session_id) == "second.srt"


async def test_attaching_again_offers_the_media_attached_before(store, make_app, tmp_path):
    """The media prompt of a second attach was empty, and empty meant none: replacing the
    transcript dropped the recording `fieldnote attach` keeps. The prompt now holds the media
    attached now; Enter keeps it, and clearing the field takes it off."""
    session_id = make_session(store)
    media = tmp_path / "interview.m4a"
    media.write_bytes(b"\0")
    recording.attach(store, session_id, TRANSCRIPT, media=media, now=START)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _home(app, pilot)
        await _attach_again(app, pilot, TRANSCRIPT)
        assert app.screen.query_one("Input").value == str(media.resolve())
        said = str(app.screen.query_one(".dialog-help").render())
        assert "attached now" in said and "clear" in said, said
        await pilot.press("enter")
        await _settled(app, pilot)
        assert recording.load(store, session_id).recording.media == str(media.resolve())
        await _attach_again(app, pilot, TRANSCRIPT)  # again, the field cleared: no media
        app.screen.query_one("Input").value = ""
        await pilot.press("enter")
        await _settled(app, pilot)
    assert recording.load(store, session_id).recording.media is None


async def test_a_refused_attach_is_one_sentence_on_the_screen(store, make_app, tmp_path):
    session_id = make_session(store)
    empty = tmp_path / "empty.vtt"
    empty.write_text("WEBVTT\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _home(app, pilot)
        await pilot.press("m")
        await _settled(app, pilot)
        app.screen.query_one("Input").value = str(empty)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")
        await _settled(app, pilot)
        shown = [str(n.message) for n in app._notifications]
    assert any("Cannot attach" in message for message in shown)
    assert recording.attached_source(store, session_id) is None


async def test_an_untimed_srt_block_is_a_warning_of_its_own_on_the_screen(
    store, make_app, tmp_path
):
    make_session(store)
    srt = tmp_path / "untimed.srt"
    srt.write_text(
        "1\n00:00:20,000 --> 00:00:30,000\nP7: We gave up.\n\n2\nP7: No invite.\n\n"
        "3\n00:00:40,000 --> 00:00:50,000\nMaya: Then what?\n",
        encoding="utf-8",
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _home(app, pilot)
        await pilot.press("m")
        await _settled(app, pilot)
        app.screen.query_one("Input").value = str(srt)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")
        await _settled(app, pilot)
        shown = [(str(n.message), n.severity) for n in app._notifications]
    assert shown[0][0].startswith("Attached untimed.srt (3 cues")
    assert shown[1] == (
        "untimed.srt (line 5): a block with no timing, which players skip, is a cue of its "
        "own from 00:30 to 00:40; check its time.",
        "warning",
    )


async def test_the_palette_attaches_a_transcript_too(store, make_app):
    make_session(store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _home(app, pilot)
        hits = [hit async for hit in ScreenActions(app.screen).search("attach")]
        [hit] = [hit for hit in hits if hit.text == "Attach recording"]
        await hit.command()  # what Enter on it in the palette runs
        await _settled(app, pilot)
        assert "Attach a transcript to" in str(app.screen.query_one(".dialog-title").render())


async def test_attaching_names_the_offset_key_of_the_keymap_in_force(store, clock, tmp_path):
    # The dialog said "ctrl+o in the interview" whatever key a keymap gave the offset.
    from tui.app import FieldnoteApp
    from tui.services.keymap import layer_keymaps

    make_session(store)
    mine = tmp_path / "mine.toml"
    mine.write_text('"interview.set_offset" = "f11"\n', encoding="utf-8")
    app = FieldnoteApp(store, author="Maya", now=clock, keymap=layer_keymaps([mine]))
    async with app.run_test(size=(80, 24)) as pilot:
        await _home(app, pilot)
        await pilot.press("m")
        await _settled(app, pilot)
        said = app.screen.help_text
        assert "Attach a transcript to" in app.screen.title_text
        assert "f11 in the interview" in said and "ctrl+o" not in said
