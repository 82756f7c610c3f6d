"""Hostile files for `fieldnote import`, each written by the test: depth, huge times, lying
zips, giant members. Each gets one sentence, and nothing is written."""

from __future__ import annotations

import io
import os
import re
import resource
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from tests.exchange_data import seed
from tui.cli import main
from tui.domain.tags import MAX_TAG_DEPTH, inline_name_problem, tag_limit_problem
from tui.services.exchange.errors import ExchangeError
from tui.services.exchange.exporting import export
from tui.services.exchange.importing import import_files
from tui.store import DataStore

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _run(home, *argv: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, FIELDNOTE_HOME=str(home))
    return subprocess.run(
        [sys.executable, "-m", "tui", *argv], capture_output=True, text=True, env=env, timeout=120
    )


def test_a_tag_deeper_than_the_cap_is_refused_by_the_domain():
    assert tag_limit_problem("/".join(["a"] * MAX_TAG_DEPTH)) is None
    too_deep = "/".join(["a"] * (MAX_TAG_DEPTH + 1))
    assert f"at most {MAX_TAG_DEPTH} levels" in tag_limit_problem(too_deep)
    assert inline_name_problem(too_deep) == tag_limit_problem(too_deep)


def test_fieldnote_note_refuses_a_tag_of_1500_levels(tmp_path):
    home = tmp_path / "home"
    made = _run(home, "new", "Deep", "--participant", "Kim")
    assert made.returncode == 0, made.stderr
    deep = "#" + "/".join(["x"] * 1500)
    refused = _run(home, "note", "Deep", f"a note {deep}")
    assert refused.returncode != 0
    assert "at most 64 levels" in refused.stderr and "Nothing was added" in refused.stderr
    assert "Traceback" not in refused.stderr and refused.stderr.count("\n") == 1
    listed = _run(home, "list")
    assert " 0 notes" in listed.stdout


def _study_json(tmp_path: Path) -> dict:
    source = DataStore(tmp_path / "source")
    data, _ = export(source, seed(source), "json")
    source.codebook.close()
    return orjson.loads(data)


def _write_json(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / "study.json"
    path.write_bytes(orjson.dumps(doc))
    return path


def test_a_second_session_with_a_path_for_an_id_writes_nothing(tmp_path, store, capsys):
    doc = _study_json(tmp_path)
    doc["sessions"][1]["session"]["id"] = "../../evil"
    path = _write_json(tmp_path, doc)
    with pytest.raises(ExchangeError, match=r"study.json \(session 2\): its session id is not"):
        import_files(store, [path], now=NOW)
    assert not (tmp_path / "evil.json").exists() and store.list_sessions()[0] == []
    assert main(["import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1 and "nothing was imported" in err


@pytest.mark.parametrize(
    "table, field, value, said",
    [
        ("notes", "text", 5, "'text' that is not text"),
        ("session", "title", ["x"], "'title' that is not text"),
        ("excerpts", "start", "3", "'start' that is not a whole number"),
        ("guide", "guide", {"title": 7}, "'guide title' that is not text"),
    ],
)
def test_fields_of_the_wrong_type_are_refused_before_anything_is_written(
    tmp_path, store, monkeypatch, capsys, table, field, value, said
):
    monkeypatch.setenv("FIELDNOTE_HOME", str(store.home))
    doc = _study_json(tmp_path)
    entry = doc["sessions"][1]
    if table == "session":
        entry["session"][field] = value
    elif table == "guide":
        entry["guide"] = value
    else:
        entry[table][0][field] = value
    path = _write_json(tmp_path, doc)
    assert main(["import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "(session 2)" in err and said in err and "nothing was imported" in err
    assert err.count("\n") == 1
    assert store.list_sessions() == ([], [])
    assert main(["list"]) == 0


def test_a_codebook_tag_of_the_wrong_shape_or_depth_is_refused(tmp_path, store):
    doc = _study_json(tmp_path)
    doc["codebook"][0]["uses"] = "many"
    with pytest.raises(ExchangeError, match=r"\(tag 1\): .*'uses' that is not a whole number"):
        import_files(store, [_write_json(tmp_path, doc)], now=NOW)
    doc = _study_json(tmp_path)
    doc["codebook"][0]["name"] = "/".join(["deep"] * 1500)
    with pytest.raises(
        ExchangeError,
        match=r"\(tag 1\): A tag can have at most 64 levels .* has 1500; nothing was imp",
    ):
        import_files(store, [_write_json(tmp_path, doc)], now=NOW)
    assert store.list_sessions()[0] == [] and store.codebook.tags() == []


def test_a_coding_or_a_set_aside_coding_of_a_tag_past_the_limits_is_refused(tmp_path, store):
    """A tag of 1,500 levels was refused in `tags` alone: a coding of it, in force or set
    aside by a settlement (a JSON export, or the memo of a qdpx, which keeps the codings set
    aside), was imported as it was."""
    deep = "/".join(["deep"] * 1500)
    said = r"A tag can have at most 64 levels .* has 1500; nothing was imported"
    at = "2026-11-28T09:00:00.000Z"
    coding = {"tag": deep, "coder": "Ana", "at": at}
    for field, entry in (
        ("codings", coding),
        ("set_aside", {**coding, "settled": {"by": "team", "at": at}}),
    ):
        doc = _study_json(tmp_path)
        doc["sessions"][1]["notes"][0][field] = [entry]
        with pytest.raises(ExchangeError, match=rf"\(session 2\): {said}"):
            import_files(store, [_write_json(tmp_path, doc)], now=NOW)
    source = DataStore(tmp_path / "qdpx-source")
    data, _ = export(source, seed(source), "qdpx")
    source.codebook.close()
    with zipfile.ZipFile(io.BytesIO(data)) as project:
        members = {name: project.read(name) for name in project.namelist()}
    qde = members["project.qde"].decode("utf-8")
    memo = "sources/" + re.findall(r'<Note guid="([^"]+)"', qde)[0] + ".txt"
    doc = orjson.loads(members[memo])
    doc["notes"][0]["set_aside"] = [{**coding, "settled": {"by": "team", "at": at}}]
    members[memo] = orjson.dumps(doc)
    path = tmp_path / "deep.qdpx"
    path.write_bytes(_zip(members))
    with pytest.raises(ExchangeError, match=rf"deep.qdpx \(session 1\): {said}"):
        import_files(store, [path], now=NOW)
    assert store.list_sessions()[0] == []


def _nested_codes(depth: int) -> bytes:
    opening = "".join(f'<Code guid="g{n}" name="c{n}" isCodable="true">' for n in range(depth))
    return (
        '<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        f"{opening}{'</Code>' * depth}</Codes></CodeBook>"
    ).encode()


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("suffix", [".qdc", ".qdpx"])
def test_codes_nested_990_deep_are_a_sentence_not_a_recursion_error(tmp_path, store, suffix):
    codebook = _nested_codes(990)
    path = tmp_path / f"deep{suffix}"
    if suffix == ".qdc":
        path.write_bytes(codebook)
    else:
        qde = codebook.replace(b"<CodeBook", b"<Project", 1).replace(
            b"</CodeBook>", b"</CodeBook></Project>"
        )
        qde = qde.replace(b'codebook:1.0"><Codes>', b'project:1.0"><CodeBook><Codes>', 1)
        path.write_bytes(_zip({"project.qde": qde}))
    with pytest.raises(ExchangeError, match="its codes nest more than 64 levels deep"):
        import_files(store, [path], now=NOW)
    assert store.codebook.tags() == []


def test_a_codebook_of_more_codes_than_any_study_is_refused(tmp_path, store):
    """The number of codes had no limit: a 12 MB `.qdc` of 300,000 codes took 760 MB and put
    300,000 tags in the codebook, where every tag picker and codebook screen lists them. Past
    10,000 codes it is one sentence, and nothing is imported."""
    codes = "".join(f'<Code guid="g{n}" name="code {n}" isCodable="true"/>' for n in range(10_001))
    path = tmp_path / "many.qdc"
    path.write_text(
        '<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0">'
        f"<Codes>{codes}</Codes></CodeBook>",
        encoding="utf-8",
    )
    with pytest.raises(ExchangeError, match=r"many.qdc: it holds more than 10,000 codes"):
        import_files(store, [path], now=NOW)
    assert store.codebook.tags() == []


def test_codes_64_deep_still_import(tmp_path, store):
    path = tmp_path / "deep.qdc"
    path.write_bytes(_nested_codes(64))
    result = import_files(store, [path], now=NOW)
    assert len(result.tags_added) == 64 and result.tags_added[-1].count("/") == 63


CODES_ONLY = b"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="ATLAS.ti export">
 <CodeBook><Codes>
  <Code guid="a" name="Trust" isCodable="true"><Description>who they believe</Description>
   <Code guid="b" name="Price" isCodable="true"/></Code>
 </Codes></CodeBook>
</Project>
"""


def test_a_project_with_codes_and_no_sources_brings_its_codes(tmp_path, store, capsys):
    path = tmp_path / "atlas.qdpx"
    path.write_bytes(_zip({"project.qde": CODES_ONLY}))
    result = import_files(store, [path], now=NOW)
    assert result.sessions == [] and result.tags_added == ["Trust", "Trust/Price"]
    assert result.notices == ["atlas.qdpx holds no text sources, so it brought only its 2 code(s)."]
    assert store.codebook.get("trust")["description"] == "who they believe"
    other = DataStore(tmp_path / "other")
    os.environ["FIELDNOTE_HOME"] = str(other.home)
    try:
        assert main(["import", str(path)]) == 0
    finally:
        del os.environ["FIELDNOTE_HOME"]
    assert "holds no text sources" in capsys.readouterr().err


def _lying_zip(claimed: int, real: bytes, name: str = "project.qde") -> bytes:
    """A zip whose member's header claims `claimed` bytes; its data inflates to `real`."""
    data = bytearray(_zip({name: real}))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name)
    size = claimed.to_bytes(4, "little")
    data[info.header_offset + 22 : info.header_offset + 26] = size  # local header
    central = bytes(data).rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = size  # central directory
    return bytes(data)


def test_a_member_that_inflates_past_what_its_header_claims_is_refused(tmp_path, store):
    path = tmp_path / "liar.qdpx"
    path.write_bytes(_lying_zip(100, b"<Project>" + b" " * (20 * 1024 * 1024)))
    with pytest.raises(ExchangeError, match=r"liar.qdpx \(member project.qde\): it cannot be"):
        import_files(store, [path], now=NOW)


def test_a_project_qde_past_the_cap_is_refused_before_it_is_parsed(tmp_path, store):
    big = b'<Project xmlns="urn:QDA-XML:project:1.0">' + b" " * (65 * 1024 * 1024) + b"</Project>"
    path = tmp_path / "big.qdpx"
    path.write_bytes(_zip({"project.qde": big}))
    with pytest.raises(ExchangeError, match=r"big.qdpx \(member project.qde\): it unpacks to more"):
        import_files(store, [path], now=NOW)


def test_a_transcript_past_the_limits_is_refused_before_it_is_parsed(tmp_path, store):
    many = tmp_path / "many.vtt"
    cue = "00:00:01.000 --> 00:00:02.000\nhi\n\n"
    many.write_text("WEBVTT\n\n" + cue * 50_001, encoding="utf-8")
    with pytest.raises(ExchangeError, match="more than 50,000 cues"):
        import_files(store, [many], now=NOW)
    huge = tmp_path / "huge.srt"
    huge.write_bytes(b"x" * (16 * 1024 * 1024 + 1))
    with pytest.raises(ExchangeError, match="larger than 16 MB, more than any transcript"):
        import_files(store, [huge], now=NOW)


def test_a_json_export_of_more_values_than_any_study_is_refused_before_it_is_parsed(tmp_path):
    """32 MB of `{},` (the largest `.json` the import reads) parsed whole into a gigabyte of
    empty objects before the file was found to be no export: its values are counted first.
    Run as a person runs it, with the address space held to 1 GB, where parsing it failed."""
    from tui.services.exchange.archive import MAX_VALUES
    from tui.services.exchange.importing import MAX_JSON_BYTES

    path = tmp_path / "hostile.json"
    head = b'{"format": "fieldnote", "version": 1, "codebook": [], "sessions": ['
    with path.open("wb") as out:
        out.write(head + b"{}," * ((MAX_JSON_BYTES - len(head)) // 3 - 1) + b"{}]}")
    assert path.stat().st_size <= MAX_JSON_BYTES

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1024**3, 1024**3))

    home = tmp_path / "home"
    run = subprocess.run(
        [sys.executable, "-m", "tui", "import", str(path)],
        capture_output=True,
        text=True,
        env=dict(os.environ, FIELDNOTE_HOME=str(home)),
        preexec_fn=limit_memory,
        timeout=120,
    )
    assert run.returncode == 1, run.stderr
    assert run.stderr == (
        f"fieldnote: Cannot import {path}: it holds more than {MAX_VALUES:,} JSON values, more "
        "than a Fieldnote export of any study; export its sessions in parts (fieldnote export "
        "SESSION... or --study NAME) and import each (nothing was imported).\n"
    )
    assert not list(home.glob("sessions/*.json"))


def test_a_json_export_just_under_the_count_still_imports(tmp_path, store, monkeypatch):
    """The count refuses no export Fieldnote writes: a study's values, counted as the import
    counts them, are well under it (about 32 bytes a value, so 32 MB hold a million)."""
    from tui.services.exchange import archive

    seed(store)
    data, _ = export(store, [s.id for s in store.list_sessions()[0]], "json")
    values = data.count(b"{") + data.count(b"[") + data.count(b",")
    assert len(data) / values > 25
    path = tmp_path / "study.json"
    path.write_bytes(data)
    other = DataStore(tmp_path / "other")
    monkeypatch.setattr(archive, "MAX_VALUES", values - 1)
    with pytest.raises(ExchangeError, match="JSON values, more than a Fieldnote export"):
        import_files(other, [path], now=NOW)
    monkeypatch.setattr(archive, "MAX_VALUES", values)
    assert len(import_files(other, [path], now=NOW).sessions) == 2


def test_plain_text_lines_without_speakers_import_in_linear_time(tmp_path):
    """Lines that no speaker opens continue the note before them, and each one copied the
    whole note so far out of the file again: 16 MB of such lines (a book, or a transcript
    whose labels are not names) took many minutes. The real command, under the timeout every
    import here has."""
    path = tmp_path / "memo.txt"
    path.write_text("and then we talked about the setup again\n" * 390_000, encoding="utf-8")
    run = _run(tmp_path / "home", "import", str(path))
    assert run.returncode == 0, run.stderr
    (session,) = DataStore(tmp_path / "home").list_sessions()[0]
    assert session.note_count == 8  # 16 million characters, in notes of at most 2 million


def test_a_cue_longer_than_a_note_holds_is_notes_within_the_limit(tmp_path, store):
    """One cue of 15 million characters was imported as one note, which the tagging screen
    then took about a minute and 1.7 GB to list (a note typed or piped that long is refused
    for that reason). It is notes of at most MAX_NOTE_CHARS at the cue's moment, in order,
    by its speaker, holding every character."""
    from tui.domain.notes import MAX_NOTE_CHARS

    words = "".join(f"{n:07d} " for n in range(550_000))  # 4.4 million characters
    path = tmp_path / "monologue.vtt"
    path.write_text(
        f"WEBVTT\n\n00:00:01.000 --> 00:00:09.000\n<v Maya>{words}\n\n"
        "00:00:10.000 --> 00:00:12.000\n<v Sam>Thanks.\n",
        encoding="utf-8",
    )
    result = import_files(store, [path], now=NOW)
    notes = store.open_session(result.sessions[0][0]).read().notes
    assert [len(n["text"]) <= MAX_NOTE_CHARS for n in notes] == [True] * 4
    assert [(n["author"], n["elapsed"]) for n in notes] == [("Maya", 1.0)] * 3 + [("Sam", 10.0)]
    assert "".join(n["text"] for n in notes[:3]) == words.strip()


def test_a_json_note_longer_than_a_note_holds_is_refused(tmp_path, store):
    """A hand-edited export (or another tool's) with a note past MAX_NOTE_CHARS: refused with
    a sentence naming the session and the note's time; nothing is imported."""
    from tui.domain.notes import MAX_NOTE_CHARS

    ids = seed(store)
    data = orjson.loads(export(store, ids, "json")[0])
    data["sessions"][0]["notes"][0]["text"] = "x" * (MAX_NOTE_CHARS + 1)
    path = tmp_path / "edited.json"
    path.write_bytes(orjson.dumps(data))
    other = DataStore(tmp_path / "other")
    with pytest.raises(ExchangeError, match=r"\(session 1\): its note at \d\d:\d\d holds"):
        import_files(other, [path], now=NOW)
    assert other.session_paths() == []


def test_a_transcript_whose_cues_split_into_too_many_notes_is_refused(tmp_path, store):
    """The cue limit counted cues, but a cue with several voices is a note per voice: 49,000
    cues of 20 voices each (10 MB) imported as 980,000 notes, taking 57 s and 2.9 GB. The
    notes are counted too, against the same limit."""
    voices = " ".join(f"<v P{n}>word" for n in range(20))
    cue = f"00:00:01.000 --> 00:00:02.000\n{voices}\n\n"
    path = tmp_path / "crowd.vtt"
    path.write_text("WEBVTT\n\n" + cue * 2_600, encoding="utf-8")  # 52,000 notes
    with pytest.raises(ExchangeError, match=r"crowd.vtt: it holds more than 50,000 notes"):
        import_files(store, [path], now=NOW)
    assert store.session_paths() == []


PARROT = """WEBVTT

00:00:01.000 --> 00:00:03.000
<v Mr Praline>I wish to complain about this parrot.

00:00:03.000 --> 00:00:05.000
<v Shopkeeper>What's wrong with it?

00:00:05.000 --> 00:00:07.000
<v Praline>It's dead.
"""


def test_speaker_labels_get_one_name_before_anything_is_written(tmp_path, store, capsys):
    path = tmp_path / "parrot.vtt"
    path.write_text(PARROT, encoding="utf-8")
    os.environ["FIELDNOTE_HOME"] = str(store.home)
    try:
        argv = ["import", str(path), "--speaker", "mr praline=Praline", "--participant", "Praline"]
        assert main(argv) == 0
        session_id = capsys.readouterr().out.split()[0]
        snap = store.open_session(session_id).read()
        assert [n["author"] for n in snap.notes] == ["Praline", "Shopkeeper", "Praline"]
        assert snap.session["participant"] == "Praline"
        assert main(["import", str(path), "--speaker", "Mr Pralin=Praline"]) == 1
        assert "names no speaker" in capsys.readouterr().err
        assert main(["import", str(path), "--speaker", "Praline"]) == 1
        assert "is not LABEL=NAME" in capsys.readouterr().err
    finally:
        del os.environ["FIELDNOTE_HOME"]
    assert len(store.list_sessions()[0]) == 1
