"""Transcripts and other tools' files in; bad files out with one sentence and nothing written."""

from __future__ import annotations

import io
import json
import os
import warnings
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.exchange_data import seed
from tui.services.exchange.errors import ExchangeError
from tui.services.exchange.exporting import export
from tui.services.exchange.importing import import_files
from tui.store import DataStore

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _import(store: DataStore, path: Path, **options):
    result = import_files(store, [path], now=NOW, **options)
    (session_id, _, _) = result.sessions[0]
    return store.open_session(session_id).read()


def _cues(snapshot) -> list[tuple[float, str, str]]:
    return [(n["elapsed"], n["author"], n["text"]) for n in snapshot.notes]


def _write(tmp_path: Path, name: str, text: str, *, bom: bool = False, crlf: bool = False) -> Path:
    if crlf:
        text = text.replace("\n", "\r\n")
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


VOICES = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Maya>So tell me about
the first week.</v>

00:00:04.500 --> 00:00:09.000
<v Kim>We gave up on day two.

01:02:03.250 --> 01:02:09.000
<v.loud Kim>Honestly &amp; truly</v> <v Maya>Really?</v>
"""


@pytest.mark.parametrize("bom, crlf", [(False, False), (True, True)])
def test_webvtt_voice_tags(tmp_path, store, bom, crlf):
    snap = _import(store, _write(tmp_path, "p1.vtt", VOICES, bom=bom, crlf=crlf), participant="kim")
    assert _cues(snap) == [
        (1.0, "Maya", "So tell me about the first week."),
        (4.5, "Kim", "We gave up on day two."),
        (3723.25, "Kim", "Honestly & truly"),
        (3723.25, "Maya", "Really?"),
    ]
    assert snap.session["participant"] == "Kim" and snap.session["kind"] == "transcript"
    assert snap.session["title"] == "p1"
    assert all(n["kind"] == "transcript" for n in snap.notes)


ZOOM = """WEBVTT

1
00:00:02.000 --> 00:00:05.000
Maya Okonkwo: How did the import go?

2
00:00:06.000 --> 00:00:12.000
Kim Lee: It rejected a third of the rows
because the dates were dd/mm.
Maya Okonkwo: Ouch.
"""


def test_webvtt_name_colon_cues_as_zoom_and_teams_write_them(tmp_path, store):
    snap = _import(store, _write(tmp_path, "zoom.vtt", ZOOM), study="Onboarding")
    assert _cues(snap) == [
        (2.0, "Maya Okonkwo", "How did the import go?"),
        (6.0, "Kim Lee", "It rejected a third of the rows because the dates were dd/mm."),
        (6.0, "Maya Okonkwo", "Ouch."),
    ]
    assert snap.session["study"] == "Onboarding"


SRT_LABELS = """1
00:00:01,000 --> 00:00:03,500
[SPEAKER_00]: Can you walk me
through it?

2
01:59:58,000 --> 02:00:01,000
[SPEAKER_01]: Sure.
"""

SRT_PLAIN = """1
00:00:01,000 --> 00:00:03,500
No labels here,
just words.

2
00:00:04,000 --> 00:00:05,000
Another cue.
"""


def test_srt_with_speaker_labels(tmp_path, store):
    path = _write(tmp_path, "whisper.srt", SRT_LABELS, bom=True, crlf=True)
    snap = _import(store, path, participant="SPEAKER_01")
    assert _cues(snap) == [
        (1.0, "SPEAKER_00", "Can you walk me through it?"),
        (7198.0, "SPEAKER_01", "Sure."),
    ]


def test_srt_without_labels(tmp_path, store):
    snap = _import(store, _write(tmp_path, "plain.srt", SRT_PLAIN))
    assert _cues(snap) == [(1.0, "", "No labels here, just words."), (4.0, "", "Another cue.")]


PLAIN = """Maya: Tell me about your role.
Kim: I run the night shift
and the weekend rota.

Maya: And the tool?
[1:02:03] Kim: Never again.
"""


def test_plain_name_colon_lines(tmp_path, store):
    snap = _import(store, _write(tmp_path, "notes.txt", PLAIN, crlf=True))
    assert [(a, t) for _, a, t in _cues(snap)] == [
        ("Maya", "Tell me about your role."),
        ("Kim", "I run the night shift and the weekend rota."),
        ("Maya", "And the tool?"),
        ("Kim", "Never again."),
    ]
    assert snap.notes[-1]["elapsed"] == 3723.0


def test_unknown_participant_is_a_sentence_naming_the_speakers(tmp_path, store):
    with pytest.raises(ExchangeError, match=r"Zed is not a speaker .*Maya, Kim"):
        import_files(store, [_write(tmp_path, "p1.vtt", VOICES)], now=NOW, participant="Zed")


def _project(qde: bytes, sources: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.qde", qde)
        for name, data in sources.items():
            archive.writestr(f"sources/{name}", data)
    return buffer.getvalue()


def _bad_zip_with(name: str) -> bytes:
    buffer = io.BytesIO()
    # A fixed date: the bytes (and so the test's id) are the same in every process, which
    # pytest-xdist's workers need to agree on what they collected.
    stamp = (2026, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(buffer, "w") as archive:
        project = b'<?xml version="1.0"?><Project name="x"/>'
        archive.writestr(zipfile.ZipInfo("project.qde", stamp), project)
        with warnings.catch_warnings():  # a second project.qde is one of the bad names
            warnings.simplefilter("ignore", UserWarning)
            archive.writestr(zipfile.ZipInfo(name, stamp), b"boom")
    return buffer.getvalue()


def _zip_marked(*, flag: int = 0, method: int | None = None) -> bytes:
    """A project whose member says, in its local and central headers, that it is encrypted
    (`flag` 1) or packed with another compression `method` (9: Deflate64, as Windows writes
    large archives): what a password-protected or Windows-made `.qdpx` holds."""
    data = bytearray(_bad_zip_with("sources/a.txt"))
    for signature, flags_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        at = data.find(signature)
        data[at + flags_at] |= flag
        if method is not None:
            data[at + method_at : at + method_at + 2] = method.to_bytes(2, "little")
    return bytes(data)


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="x" name="&lol2;" isCodable="true"/>
</Codes></CodeBook>"""

EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="x" name="&x;" isCodable="true"/>
</Codes></CodeBook>"""


@pytest.mark.parametrize(
    "name, content, message",
    [
        (
            "latin1.vtt",
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\ncaf\xe9\n".encode("latin-1"),
            r"latin1.vtt \(line 4\): it is not UTF-8",
        ),
        (
            "teams.srt",
            "1\n00:00:01,000 --> 00:00:02,000\nKim: hi\n".encode("utf-16-le"),
            r"teams.srt \(line 1\): it is not UTF-8 text \(it holds NUL bytes",
        ),
        (
            "nul.vtt",
            b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nKim: a\x00b\n",
            r"nul.vtt \(line 4\): it is not UTF-8 text \(it holds NUL bytes",
        ),
        ("empty.srt", b"", r"empty.srt: it is empty"),
        ("blank.txt", b"  \n\n", r"blank.txt: it is empty"),
        (
            "broken.vtt",
            b"WEBVTT\n\n00:00:01.000 --> 00:00:0x.000\nhi\n",
            r"broken.vtt \(line 3\): the cue timing is broken",
        ),
        (
            "backwards.vtt",
            b"WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nhi\n",
            r"backwards.vtt \(line 3\): the cue ends before it starts",
        ),
        ("nohead.vtt", b"00:00:01.000 --> 00:00:02.000\nhi\n", r"nohead.vtt \(line 1\)"),
        (
            "broken.srt",
            b"1\n00:00:01,000 --> 00:00:02,000\nhi\n\n2\n00:00:03,000 -> 00:00:04,000\n",
            r"broken.srt \(line 5\): the subtitle block is broken",
        ),
        (
            "other.json",
            b'{"format": "fieldnote", "version": 9, "sessions": [], "codebook": []}',
            r"other.json: it is a Fieldnote export of version 9",
        ),
        ("cut.json", b'{"format": "fieldnote", "version": 1, "sess', r"cut.json \(line 1\)"),
        ("bomb.qdc", BOMB, r"bomb.qdc \(line 2\): it declares a DTD or entities"),
        ("external.qdc", EXTERNAL, r"external.qdc \(line 2\): it declares a DTD"),
        (
            "cut.qdc",
            b'<?xml version="1.0"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Co',
            r"cut.qdc \(line 2\): it is not well-formed XML",
        ),
        ("cut.qdpx", _bad_zip_with("sources/a.txt")[:40], r"cut.qdpx: it is not a complete zip"),
        ("escape.qdpx", _bad_zip_with("../../evil.txt"), r"escape.qdpx \(member ../../evil.txt\)"),
        ("absolute.qdpx", _bad_zip_with("/etc/evil"), r"absolute.qdpx \(member /etc/evil\)"),
        (
            "twice.qdpx",
            _bad_zip_with("project.qde"),
            r"twice.qdpx \(member project.qde\): it holds two members of this name",
        ),
        (
            "locked.qdpx",
            _zip_marked(flag=1),
            r"locked.qdpx \(member project.qde\): it is encrypted \(a password protects it\)",
        ),
        (
            "windows.qdpx",
            _zip_marked(method=9),
            r"windows.qdpx \(member project.qde\): it is packed with a compression method",
        ),
        (
            "rich.qdpx",
            _project(
                b'<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0"><Sources>'
                b'<TextSource guid="44444444-4444-4444-4444-444444444444" name="Kim" '
                b'richTextPath="internal://k.docx"/></Sources></Project>',
                {"k.docx": b"PK"},
            ),
            r"rich.qdpx \(source Kim\): the source has no plain text, only a rich-text "
            r"version \(.docx\).*export it again with plain text",
        ),
        (
            "wide.qdpx",
            _project(
                b'<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0"><Sources>'
                b'<TextSource guid="44444444-4444-4444-4444-444444444444" name="Kim" '
                b'plainTextPath="internal://k.txt"/></Sources></Project>',
                {"k.txt": "Kim: hello\n".encode("utf-16")},
            ),
            r"wide.qdpx \(member sources/k.txt\): the source's text is not UTF-8.*; export",
        ),
        ("notes.docx", b"PK", r"notes.docx: Fieldnote imports .json"),
        (
            "huge-guide.json",
            json.dumps(
                {
                    "format": "fieldnote",
                    "version": 1,
                    "codebook": [],
                    "sessions": [
                        {
                            "session": {"id": "s1", "title": "Big"},
                            "guide": {
                                "title": "",
                                "sections": [
                                    {
                                        "title": "A",
                                        "questions": [
                                            {"id": f"q{n}", "text": "How?"} for n in range(501)
                                        ],
                                    }
                                ],
                            },
                            "notes": [],
                            "excerpts": [],
                        }
                    ],
                }
            ).encode(),
            r"huge-guide.json \(session 1\): its guide asks 501 questions, more than the 500",
        ),
    ],
)
def test_bad_files_get_one_sentence_and_nothing_is_imported(
    tmp_path, store, name, content, message
):
    good = _write(tmp_path, "good.vtt", VOICES)
    bad = tmp_path / name
    bad.write_bytes(content)
    with pytest.raises(ExchangeError, match=message) as raised:
        import_files(store, [good, bad], now=NOW)
    assert "\n" not in str(raised.value)
    assert store.list_sessions()[0] == []  # the good file before it was not imported either
    assert store.codebook.tags() == []


def test_a_file_of_another_kind_is_told_every_kind_that_imports(tmp_path, store):
    """notes.docx was told "Fieldnote imports .json, .qdc, .qdpx, .vtt, .srt and .txt files",
    but a plain-text transcript named .text or .md imports too: a transcript kept as
    notes.md was, by the message, not one Fieldnote takes."""
    from tui.services.exchange.importing import SUFFIXES

    bad = tmp_path / "notes.docx"
    bad.write_bytes(b"PK")
    with pytest.raises(ExchangeError) as raised:
        import_files(store, [bad], now=NOW)
    said = str(raised.value)
    assert [suffix for suffix in SUFFIXES if suffix not in said] == [], said


def test_a_full_disk_mid_import_removes_what_the_import_wrote(tmp_path, tmpfs, monkeypatch):
    from tests.disk_faults import fill

    source = DataStore(tmp_path / "source")
    data, _ = export(source, seed(source), "json")
    path = tmp_path / "study.json"
    path.write_bytes(data)
    store = DataStore(tmpfs / "data")
    original = store.create_session

    def fill_after_first(*args, **kwargs):
        if list(store.sessions_dir.glob("*.json")):
            fill(tmpfs)  # the disk fills up after the first session file is written
        return original(*args, **kwargs)

    monkeypatch.setattr(store, "create_session", fill_after_first)
    with pytest.raises(ExchangeError, match="the disk is full.*Nothing was imported"):
        import_files(store, [path], now=NOW)
    assert list(store.sessions_dir.glob("*.json")) == []
    assert not (tmpfs / "data" / "codebook.json").exists()


def test_qdc_merges_tags_and_keeps_existing_ones(tmp_path, store):
    store.codebook.create("pain/onboarding", "2026-01-01T00:00:00.000Z", description="ours")
    qdc = tmp_path / "codes.qdc"
    qdc.write_bytes(
        b'<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        b'<Code guid="a" name="Pain" isCodable="false">'
        b'<Code guid="b" name="onboarding" isCodable="true"><Description>theirs</Description>'
        b"</Code>"
        b'<Code guid="c" name="Slow exports" isCodable="true" color="#ff0000"/></Code>'
        b"</Codes></CodeBook>"
    )
    result = import_files(store, [qdc], now=NOW)
    assert result.tags_added == ["Pain/Slow-exports"]
    assert store.codebook.get("pain/onboarding")["description"] == "ours"
    assert store.codebook.get("pain/slow-exports")["color"] == "#ff0000"


OTHER_TOOL = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="From another tool">
 <CodeBook><Codes>
  <Code guid="11111111-1111-1111-1111-111111111111" name="Barriers" isCodable="true">
   <Code guid="22222222-2222-2222-2222-222222222222" name="Slow setup" isCodable="true"
         color="#AA0000"><Description>Setup took days</Description></Code>
  </Code>
 </Codes></CodeBook>
 <Cases><Case guid="33333333-3333-3333-3333-333333333333" name="Kim">
  <SourceRef targetGUID="44444444-4444-4444-4444-444444444444"/></Case></Cases>
 <Sources>
  <TextSource guid="44444444-4444-4444-4444-444444444444" name="Interview Kim"
      plainTextPath="internal://44444444-4444-4444-4444-444444444444.txt"
      creationDateTime="2026-10-01T09:00:00Z">
   <PlainTextSelection guid="55555555-5555-5555-5555-555555555555"
       startPosition="{a}" endPosition="{b}">
    <Coding guid="66666666-6666-6666-6666-666666666666">
     <CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/></Coding>
   </PlainTextSelection>
   <PlainTextSelection guid="77777777-7777-7777-7777-777777777777"
       startPosition="{c}" endPosition="{d}">
    <Coding guid="88888888-8888-8888-8888-888888888888">
     <CodeRef targetGUID="11111111-1111-1111-1111-111111111111"/></Coding>
   </PlainTextSelection>
  </TextSource>
 </Sources>
</Project>
"""


def test_a_qdpx_from_another_tool_becomes_a_transcript_session(tmp_path, store):
    text = "Interviewer: How was setup?\nKim: It took three days to set up 東京.\nKim: Then fine.\n"
    span = "three days"
    a = text.index(span)
    c = text.index("days")
    d = text.index("Then fine.") + len("Then")  # across two notes, part of each
    qde = OTHER_TOOL.format(a=a, b=a + len(span), c=c, d=d).encode("utf-8")
    path = tmp_path / "other.qdpx"
    path.write_bytes(_project(qde, {"44444444-4444-4444-4444-444444444444.txt": text.encode()}))
    snap = _import(store, path, study="Imported")
    assert snap.session["title"] == "Interview Kim" and snap.session["participant"] == "Kim"
    assert snap.session["created_at"] == "2026-10-01T09:00:00.000Z"
    assert [(n["author"], n["text"]) for n in snap.notes] == [
        ("Interviewer", "How was setup?"),
        ("Kim", "It took three days to set up 東京."),
        ("Kim", "Then fine."),
    ]
    notes = {n["id"]: n for n in snap.notes}
    spans = sorted(
        (notes[e["note_id"]]["text"][e["start"] : e["end"]], tuple(e["tags"]))
        for e in snap.excerpts
    )
    assert spans == [
        ("Then", ("Barriers",)),
        ("days to set up 東京.", ("Barriers",)),
        ("three days", ("Barriers/Slow-setup",)),
    ]
    assert [n["tags"] for n in snap.notes] == [[], [], []]
    tag = store.codebook.get("barriers/slow-setup")
    assert tag["description"] == "Setup took days" and tag["color"] == "#AA0000"
    assert tag["uses"] == 1


def test_an_entity_bomb_inside_a_qdpx_is_refused_naming_the_member(tmp_path, store):
    path = tmp_path / "bomb.qdpx"
    path.write_bytes(_project(BOMB, {}))
    with pytest.raises(ExchangeError, match=r"bomb.qdpx \(project.qde, line 2\): it declares"):
        import_files(store, [path], now=NOW)
    assert store.list_sessions()[0] == []


def test_a_transcript_imported_twice_is_refused_and_counted_once(tmp_path, store):
    """A JSON session is known by its id and a REFI-QDA source by its GUID, but a transcript
    was new every time: importing `kim.vtt` again (a command run twice, or the file named
    twice) made a second session of the same interview, and every quote of it counted twice
    in the analysis. It is now known by its bytes, in the folder and within one import."""
    path = _write(tmp_path, "kim.vtt", VOICES)
    first = _import(store, path, participant="Kim")
    copy = tmp_path / "renamed copy.vtt"
    copy.write_bytes(path.read_bytes())
    for paths in ([path], [copy], [tmp_path / "other.vtt", path]):
        if not paths[0].exists():
            paths[0].write_text(VOICES.replace("day two", "day three"), encoding="utf-8")
        with pytest.raises(
            ExchangeError, match=r"session 'kim' .*already in the data folder.*nothing was imported"
        ):
            import_files(store, paths, now=NOW, participant="Kim")
    assert [s.id for s in store.list_sessions()[0]] == [first.session["id"]]
    other = tmp_path / "other.vtt"
    with pytest.raises(ExchangeError, match="the same transcript as other.vtt"):
        import_files(store, [other, tmp_path / "other.vtt"], now=NOW, participant="Kim")
    assert len(store.list_sessions()[0]) == 1


def test_a_pseudonymised_copy_leaves_out_the_transcript_files_hash(tmp_path, store):
    """The hash that knows a transcript imported again would tie a pseudonymised export to
    the original file, as its name would: both are left out of the copy."""
    session = _import(store, _write(tmp_path, "kim.vtt", VOICES), participant="Kim")
    assert len(session.session["source_sha256"]) == 64
    plain, _ = export(store, [session.session["id"]], "json")
    copied, _ = export(store, [session.session["id"]], "json", pseudonymised=True)
    assert b"source_sha256" in plain and b"source_sha256" not in copied


def test_a_session_given_twice_in_one_import_is_not_said_to_be_in_the_folder(tmp_path, store):
    """An export or a project named twice on one command line (or an export holding a session
    twice) was refused as "already in the data folder", which it was not: `fieldnote list`
    showed nothing of it."""
    source = DataStore(tmp_path / "source")
    data, _ = export(source, seed(source)[:1], "json")
    path = tmp_path / "study.json"
    path.write_bytes(data)
    doc = json.loads(data)
    doc["sessions"] *= 2
    doubled = tmp_path / "doubled.json"
    doubled.write_text(json.dumps(doc), encoding="utf-8")
    text = "Kim: It took three days.\n"
    qde = OTHER_TOOL.format(a=0, b=3, c=5, d=9).encode("utf-8")
    project = tmp_path / "other.qdpx"
    project.write_bytes(_project(qde, {"44444444-4444-4444-4444-444444444444.txt": text.encode()}))
    for paths in ([path, path], [doubled], [project, project]):
        with pytest.raises(ExchangeError) as refused:
            import_files(store, paths, now=NOW)
        assert "already in the data folder" not in str(refused.value)
        assert "twice in this import" in str(refused.value), refused.value
    assert store.session_paths() == []


def test_an_export_saved_again_by_a_windows_editor_imports(tmp_path, store):
    """Notepad saves UTF-8 with a byte order mark (and CRLF): a JSON export opened and saved
    there was refused as "not valid JSON (truncated or damaged)"."""
    source = DataStore(tmp_path / "source")
    data, _ = export(source, seed(source)[:1], "json")
    path = tmp_path / "study.json"
    path.write_bytes(b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n"))
    result = import_files(store, [path], now=NOW)
    assert len(result.sessions) == 1
    again, _ = export(store, [result.sessions[0][0]], "json")
    assert again == data


@pytest.mark.parametrize("suffix", [".qdpx", ".qdc", ".json", ".vtt"])
def test_a_pipe_or_a_folder_to_import_is_said_to_be_no_file(tmp_path, store, suffix):
    """A FIFO was refused as "empty" and a folder as "not a complete zip file", sending the
    user to look inside a file that is not there."""
    pipe, folder = tmp_path / f"pipe{suffix}", tmp_path / f"folder{suffix}"
    os.mkfifo(pipe)
    folder.mkdir()
    for path in (pipe, folder):
        with pytest.raises(ExchangeError, match="it is no file but a pipe, a device or a folder"):
            import_files(store, [path], now=NOW)
