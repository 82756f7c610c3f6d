"""Exports and imports: valid REFI-QDA, exact spans, lossless JSON, safe CSV, pseudonyms."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, datetime

import pytest
import xmlschema

from tests.exchange_data import AUTHORS, PARTICIPANTS, TEXTS, read_back, schema_folder, seed
from tui.domain.notes import new_id, tag_key
from tui.services.exchange.errors import ExchangeError
from tui.services.exchange.exporting import FORMATS, export
from tui.services.exchange.importing import import_files
from tui.services.exchange.refi_qda import source_text
from tui.services.exchange.safe_xml import parse_xml
from tui.services.exchange.study import read_study, select_sessions
from tui.services.exchange.table import neutralise
from tui.store import DataStore

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def schemas():
    folder = schema_folder()
    return (
        xmlschema.XMLSchema(str(folder / "Project.xsd")),
        xmlschema.XMLSchema(str(folder / "Codebook.xsd")),
    )


@pytest.fixture
def seeded(store):
    return seed(store)


def _local(element) -> str:
    return element.tag.rpartition("}")[2]


def test_qdpx_and_qdc_are_valid_and_each_selection_slices_its_excerpt(store, seeded, schemas):
    project_schema, codebook_schema = schemas
    for pseudonymised in (False, True):
        data, study = export(store, seeded, "qdpx", pseudonymised=pseudonymised)
        archive = zipfile.ZipFile(io.BytesIO(data))
        qde = archive.read("project.qde")
        project_schema.validate(qde.decode("utf-8"))
        root = parse_xml(qde)
        sources = [e for e in root.iter() if _local(e) == "TextSource"]
        assert len(sources) == 2
        expected = []  # (source text, [(start, end, text), ...]) from the study itself
        for session in study.sessions:
            text, starts = source_text(session)
            slices = []
            for note in session.notes:
                if note["tags"]:
                    slices.append(note["text"])
            by_id = {n["id"]: n for n in session.notes}
            for excerpt in session.excerpts:
                slices.append(by_id[excerpt["note_id"]]["text"][excerpt["start"] : excerpt["end"]])
            expected.append(slices)
        cases = {e.get("guid") for e in root.iter() if _local(e) == "Case"}
        for source, slices in zip(sources, expected, strict=True):
            member = "sources/" + source.get("plainTextPath").removeprefix("internal://")
            text = archive.read(member).decode("utf-8")
            selections = [sel for sel in source if _local(sel) == "PlainTextSelection"]
            got = [
                text[int(sel.get("startPosition")) : int(sel.get("endPosition"))]
                for sel in selections
                if {ref.get("targetGUID") for ref in sel.iter() if _local(ref) == "CodeRef"} - cases
            ]
            assert got == slices
            # The participant's case codes the whole source: how QualCoder links a case.
            (whole,) = [s for s in selections if s not in selections[: len(slices)]]
            assert (whole.get("startPosition"), whole.get("endPosition")) == ("0", str(len(text)))
        # Emoji, a combining mark and CJK are among the spans, so code points are counted.
        joined = " ".join(s for slices in expected for s in slices)
        assert "東京の倉庫" in joined and "😤👩🏽‍💻" in joined and "e\u0301" in joined
        assert "🙂" in joined
        qdc, _ = export(store, seeded, "qdc", pseudonymised=pseudonymised)
        codebook_schema.validate(qdc.decode("utf-8"))


def test_codes_nest_by_slash_with_descriptions_and_colours(store, seeded):
    data, _ = export(store, seeded, "qdc")
    root = parse_xml(data)
    pain = next(e for e in root.iter() if _local(e) == "Code" and e.get("name") == "pain")
    children = {c.get("name"): c for c in pain if _local(c) == "Code"}
    assert set(children) == {"onboarding", "import"}
    assert pain.get("isCodable") == "false"  # no tag `pain` of its own: only a folder
    assert children["import"].get("color") == "#2a9d8f"
    assert children["onboarding"].get("color") == "#800000"  # "red" as #RRGGBB
    description = next(d for d in children["onboarding"] if _local(d) == "Description")
    assert description.text == "Stuck in week one"


def test_cases_and_users_name_participants_and_authors(store, seeded):
    data, _ = export(store, seeded, "qdpx")
    root = parse_xml(zipfile.ZipFile(io.BytesIO(data)).read("project.qde"))
    assert {e.get("name") for e in root.iter() if _local(e) == "Case"} == set(PARTICIPANTS)
    assert {e.get("name") for e in root.iter() if _local(e) == "User"} == set(AUTHORS)


def test_json_round_trip_is_byte_identical(tmp_path, store, seeded):
    first, _ = export(store, seeded, "json")
    path = tmp_path / "study.json"
    path.write_bytes(first)
    empty = DataStore(tmp_path / "empty")
    result = import_files(empty, [path], now=NOW)
    assert len(result.sessions) == 2
    again, _ = export(empty, [sid for sid, _, _ in result.sessions], "json")
    assert again == first
    # Guide state, excerpts and the codebook came back too.
    snap = empty.open_session(seeded[0]).read()
    assert snap.guide_state["marks"] == {"q1": "asked"}
    assert len(snap.excerpts) == 2
    assert empty.codebook.get("pain/onboarding")["description"] == "Stuck in week one"


def test_json_import_twice_is_refused_whole(tmp_path, store, seeded):
    data, _ = export(store, seeded, "json")
    path = tmp_path / "study.json"
    path.write_bytes(data)
    with pytest.raises(ExchangeError, match="already in the data folder"):
        import_files(store, [path], now=NOW)
    assert len(store.list_sessions()[0]) == 2


def _spans(study) -> set[tuple[str, str, str]]:
    """(text tagged, tag, participant) for every tagged note and span."""
    found = set()
    for session in study.sessions:
        by_id = {n["id"]: n for n in session.notes}
        for note in session.notes:
            for tag in note["tags"]:
                found.add((note["text"], tag_key(tag), session.participant))
        for excerpt in session.excerpts:
            text = by_id[excerpt["note_id"]]["text"][excerpt["start"] : excerpt["end"]]
            for tag in excerpt["tags"]:
                found.add((text, tag_key(tag), session.participant))
    return found


def test_qdpx_round_trip_keeps_the_tags_on_the_same_spans(tmp_path, store, seeded):
    data, study = export(store, seeded, "qdpx")
    other, back = read_back(data, tmp_path, NOW)
    assert _spans(back) == _spans(study)
    assert {s.participant for s in back.sessions} == set(PARTICIPANTS)
    assert [n["text"] for n in back.sessions[0].notes] == list(TEXTS)


def test_a_fieldnote_projects_typed_notes_come_back_as_typed_notes_not_as_words_said(
    tmp_path, store, seeded
):
    """A study's qdpx imported into another Fieldnote folder read every line as a transcript
    cue spoken by its note-taker: the report quoted paraphrases and follow-ups as their words
    ("> ask Maya about the spreadsheet — Jonas Berg"), and every tag counted for no
    participant. A live session's source now says its lines are typed notes; they come back
    with the kind, star and emotions their marks give, by their authors."""
    from tui.services.analysis import StudyAnalysis

    data, _ = export(store, seeded, "qdpx")
    other, back = read_back(data, tmp_path, NOW)
    notes = back.sessions[0].notes
    assert [n["kind"] for n in notes] == ["quote", "note", "note", "followup", "note", "note"]
    assert [n["author"] for n in notes] == [AUTHORS[i % 2] for i in range(len(TEXTS))]
    assert notes[2]["starred"] is True and notes[0]["emotions"] == ["frustrated"]
    assert all(s.session.get("kind") != "transcript" for s in back.sessions)
    analysis = StudyAnalysis(other).refresh(force=True).analysis
    said = [e for e in analysis.evidence if e.said]
    assert said and all(e.kind == "quote" for e in said)  # the typed quotes alone
    assert {t.key: t.participants for t in analysis.themes}["pain"] == len(PARTICIPANTS)
    assert {t["name"] for t in other.codebook.tags()} >= {"pain/onboarding", "place/warehouse"}


def test_markdown_gives_no_time_to_a_question_never_current_as_the_analysis_does(store, seeded):
    """The seeded interviews never showed a question (no clock, no visits): the analysis and
    the report say "-" for its time, the Markdown debrief said 00:00, as if it had been the
    current question for no time."""
    one = export(store, seeded[:1], "md")[0].decode("utf-8")
    assert "| Tell me about your role. | asked | - |" in one
    assert "| Walk me through your week. | not reached | - |" in one


def test_csv_has_a_row_per_excerpt_and_untagged_note_and_neutralises_formulas(store, seeded):
    data, _ = export(store, seeded, "csv")
    assert data.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    first = [r for r in rows if r["participant"] == PARTICIPANTS[0]]
    # 6 notes: 2 tagged (one also with a span), 1 with only a span, 3 untagged.
    assert len(first) == 2 + 1 + 1 + 3
    formula = next(r for r in first if "SUM" in r["note_text"])
    assert formula["note_text"].startswith("*=SUM")  # starts with `*`: no formula
    span = next(r for r in first if r["excerpt_text"] == "東京の倉庫")
    assert span["tags"] == "place/warehouse" and span["severity"] == "3"
    tagged = next(r for r in first if r["tags"] == "pain/onboarding")
    assert tagged["emotions"] == "frustrated" and tagged["question"] == "Tell me about your role."
    for cell in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(cell) == "'" + cell
    assert neutralise("plain =1") == "plain =1"


def test_csv_formula_cells_from_notes_are_neutralised(store, seeded):
    session_file = store.open_session(seeded[0])
    note = session_file.read().notes[0]
    session_file.update_note(note["id"], {"text": '=HYPERLINK("http://x","y")', "author": "@me"})
    data, _ = export(store, seeded[:1], "csv")
    row = next(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    assert row["note_text"] == '\'=HYPERLINK("http://x","y")'
    assert row["author"] == "'@me"


def test_markdown_debrief_has_its_parts(store, seeded):
    one = export(store, seeded[:1], "md")[0].decode("utf-8")
    assert one.startswith("# Interview with Maya Okonkwo\n")
    for part in ("## Guide coverage", "## Starred moments", "## Notes", "## Tags", "## Open"):
        assert part in one
    assert "1 asked, 0 skipped, 1 not reached" in one
    assert "  > Maya Okonkwo here: I gave up on day two 😤👩🏽‍💻" in one  # a quote, set as one
    assert "- [ ] ask Maya about the spreadsheet" in one
    assert one.index("## Starred moments") < one.index("## Notes")
    assert "\\[/bold\\]" in one  # note text is escaped, not read as Markdown
    both = export(store, seeded, "md")[0].decode("utf-8")
    assert both.count("\n## Interview with") == 2
    assert "## Tags across the study" in both
    assert "| pain/onboarding | 2 | 2 | 2 |" in both


def test_pseudonymised_exports_name_nobody(tmp_path, store, seeded):
    names = [part for person in (*PARTICIPANTS, *AUTHORS) for part in person.split()]
    for name, fmt in FORMATS.items():
        data, study = export(store, seeded, name, pseudonymised=True)
        texts = [data]
        if fmt.binary:
            archive = zipfile.ZipFile(io.BytesIO(data))
            texts = [archive.read(m) for m in archive.namelist()]
            texts += [m.encode() for m in archive.namelist()]
        for blob in texts:
            decoded = blob.decode("utf-8")
            for person in names:
                assert person.casefold() not in decoded.casefold(), (name, person)
    _, study = export(store, seeded, "json", pseudonymised=True)
    assert [s.participant for s in study.sessions] == ["P1", "P2"]
    assert {n["author"] for s in study.sessions for n in s.notes} == {"I1", "I2"}
    assert study.sessions[0].title == "Interview with P1"
    assert study.sessions[0].notes[0]["text"].startswith('"P1 here:')
    # Span excerpts follow the shorter names: the same words are still tagged.
    note = next(n for n in study.sessions[0].notes if n["text"].startswith("P1 said"))
    span = next(e for e in study.sessions[0].excerpts if e["note_id"] == note["id"])
    assert (
        note["text"][span["start"] : span["end"]]
        == "P2 keeps the 'Doors' sheet; 日本語テキスト and 🙂"
    )


def test_sessions_are_chosen_by_ref_study_or_all(store, seeded):
    assert select_sessions(store, every=True) == seeded
    assert select_sessions(store, study="onboarding") == seeded
    assert select_sessions(store, ["Interview with Maya Okonkwo"]) == seeded[:1]
    with pytest.raises(ExchangeError, match="there is no study named"):
        select_sessions(store, study="Pricing")
    with pytest.raises(ExchangeError, match="one"):
        select_sessions(store, ["x"], every=True)


def test_an_unreadable_session_stops_an_export_of_all_or_a_study(store, seeded):
    """Chosen from the study index, warm or not: a file that cannot be read is named, never
    silently left out of an export of everything."""
    assert select_sessions(store, every=True) == seeded  # the index is warm now
    broken = store.sessions_dir / "broken.json"
    broken.write_text('{"session": {"1": {"id": "broken", "title": 5}}}')
    for chosen in ({"every": True}, {"study": "onboarding"}):
        with pytest.raises(ExchangeError, match="broken.*would leave that session out"):
            select_sessions(store, **chosen)
    assert select_sessions(store, seeded[:1]) == seeded[:1]  # by name: the others need no read


def test_a_session_without_a_study_field_exports(store):
    from tui.services.session_setup import append_note_now, create_session

    session_id = create_session(store, title="Old file", participant="Kim")
    append_note_now(store, session_id, "a note", "Jonas")
    assert read_study(store, [session_id]).sessions[0].study == ""
    data, _ = export(store, [session_id], "csv")
    assert b"Old file" in data


def test_control_characters_in_titles_and_descriptions_keep_the_xml_valid(store, seeded, schemas):
    project_schema, codebook_schema = schemas
    store.open_session(seeded[0]).update_session({"title": 'Bell \x07 & "quotes" \x1b[31m<x>'})
    store.codebook.update("pain/import", {"description": "line one\nline two \x00 end"})
    data, _ = export(store, seeded, "qdpx")
    qde = zipfile.ZipFile(io.BytesIO(data)).read("project.qde")
    project_schema.validate(qde.decode("utf-8"))
    names = [e.get("name") for e in parse_xml(qde).iter() if _local(e) == "TextSource"]
    assert 'Bell \ufffd & "quotes" \ufffd[31m<x>' in names
    codebook_schema.validate(export(store, seeded, "qdc")[0].decode("utf-8"))


def test_csv_gives_an_unrated_span_its_notes_severity_as_the_analysis_counts_it(store, seeded):
    """A note rated 4 with a span of it coded and not rated: the analysis and the report count
    the span as a 4 (`analysis.rated_span`). The note has no tags of its own, so the CSV has
    no row for it, and the span's row said no severity: the 4 was in no cell of the export."""
    session_file = store.open_session(seeded[0])
    note = next(n for n in session_file.read().notes if n["text"].startswith("Maya said"))
    session_file.update_note(note["id"], {"severity": 4})
    data, _ = export(store, seeded[:1], "csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    span = next(r for r in rows if r["tags"] == "workaround/spreadsheet")
    warehouse = next(r for r in rows if r["tags"] == "place/warehouse")
    assert (span["severity"], warehouse["severity"]) == ("4", "3")


def _rendered_md(text: str):
    """The Markdown as a GitHub-flavoured renderer reads it: its block tokens."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text)


def test_a_tilde_fence_in_a_session_stays_text_in_the_markdown_debrief(store, seeded):
    """A goal or note with a line of `~~~` opened a fenced code block: from a goal, every
    session after it (headings, notes, the study's tag table) became one block of code; from
    a quote, its speaker's name did; `~~a~~` was struck through. `~` is escaped like the rest
    of Markdown's punctuation."""
    first = store.open_session(seeded[0])
    first.update_session({"goal": "Why they stall\n~~~\nstill the goal"})
    quote = {"id": new_id(), "session_id": seeded[0], "kind": "quote", "author": "Jonas"}
    first.append_notes([{**quote, "text": '"said ~~this~~\n~~~ and more', "elapsed": 99.0}])
    text = export(store, seeded, "md")[0].decode("utf-8")
    tokens = _rendered_md(text)
    assert not [t for t in tokens if t.type in ("fence", "code_block")], text
    assert not [c for t in tokens for c in t.children or [] if c.type == "s_open"]
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings.count("Notes") == 2 and "Tags across the study" in headings
    shown = "".join(c.content for t in tokens for c in t.children or [] if c.type == "text")
    assert "~~~" in shown and "said ~~this~~" in shown and "still the goal" in shown


def test_a_line_break_in_a_one_line_field_keeps_the_markdown_debriefs_shape(store):
    """A guide question, author, participant or goal holding a line break (written by another
    tool into a shared session file) broke out of its place: the coverage table lost its row
    to a stray paragraph, a question's subheading kept only its first line, and a blank line
    in a goal ended the session's facts. Such a field is folded onto one line; a follow-up
    keeps its lines inside its list item, as a note's body does."""
    guide = {
        "title": "",
        "sections": [
            {
                "title": "A",
                "intro": "",
                "questions": [{"id": "q1", "text": "Tell me\nabout | it", "probes": []}],
            }
        ],
    }
    record = {
        "id": "s1",
        "title": "Shared",
        "participant": "Kim\n\n# Lee",
        "goal": "Why\n\n    they stall",
        "created_at": "2026-11-27T10:00:00.000Z",
        "clock": {"banked": 0, "running_since": None, "recording_offset": 0},
    }
    notes = [
        {"id": new_id(), "kind": "quote", "text": '"it hurts', "author": "Jo\n\nBerg"},
        {"id": new_id(), "kind": "note", "text": "plain", "author": "Ann"},
        {"id": new_id(), "kind": "followup", "text": "?ask\n\nabout | it", "author": "Ann"},
    ]
    for note in notes:
        note.update(session_id="s1", elapsed=1.0, question_id="q1", tags=[], emotions=[])
    store.create_session(record, guide, {"current": None, "marks": {}}).append_notes(notes)
    text = export(store, ["s1"], "md")[0].decode("utf-8")
    tokens = _rendered_md(text)
    kinds = [t.type for t in tokens]
    assert "code_block" not in kinds and kinds.count("table_open") == 1, text
    table = tokens[kinds.index("table_open") : kinds.index("table_close")]
    cells = [t.content for t in table if t.type == "inline"]
    assert cells == ["Question", "Status", "Time", "Tell me about | it", "not reached", "-"]
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[0] == "Shared" and "Tell me about \\| it" in headings
    # Every paragraph is inside the list of facts, notes or follow-ups, not loose at the top.
    loose = [t.map for t in tokens if t.type == "paragraph_open" and t.level == 0]
    assert len(loose) == 1, (loose, text)  # "0 asked, 0 skipped, 1 not reached ..."
    shown = "".join(c.content for t in tokens for c in t.children or [] if c.type == "text")
    for words in ("Kim", "Lee", "they stall", "Jo", "Berg", "ask", "about | it"):
        assert words in shown


def test_a_time_that_is_no_time_is_left_out_of_the_refi_qda_project(store, schemas):
    """A shared session file can hold any text as a session's `created_at` or a coding's
    `at`: the project wrote it with a `Z` added (`last tuesdayZ`), and one such attribute made
    the whole `project.qde` invalid against the REFI-QDA schema, so NVivo or ATLAS.ti would
    refuse the file. A time with an offset (`+01:00Z`) was invalid too. A time is written in
    UTC when it is one, and left out (the attribute is optional) when it is not."""
    project_schema, _ = schemas
    clock = {"banked": 0, "running_since": None, "recording_offset": 0}
    for sid, created, at in (
        ("a1", "last tuesday", "2026-13-45 nope"),
        ("a2", "2026-11-27T11:00:00+01:00", "2026-11-27T10:30:00.000Z"),
    ):
        record = {"id": sid, "title": sid, "participant": "P", "created_at": created}
        note = {"id": f"n{sid}", "session_id": sid, "kind": "note", "text": "hi #pain"}
        note |= {"author": "A", "elapsed": 1.0, "tags": ["pain"], "emotions": []}
        note["codings"] = [{"tag": "pain", "coder": "Bo", "at": at}]
        session = store.create_session({**record, "clock": clock}, {}, None)
        session.append_notes([note])
    data, _ = export(store, ["a1", "a2"], "qdpx")
    qde = zipfile.ZipFile(io.BytesIO(data)).read("project.qde").decode("utf-8")
    project_schema.validate(qde)
    root = parse_xml(qde.encode("utf-8"))
    sources = {e.get("name"): e for e in root.iter() if _local(e) == "TextSource"}
    assert "creationDateTime" not in sources["a1"].attrib
    assert sources["a2"].get("creationDateTime") == "2026-11-27T10:00:00.000Z"
    coded = [e for e in root.iter() if _local(e) == "Coding" and e.get("creatingUser")]
    times = [e.get("creationDateTime") for e in coded]
    assert sorted(times, key=str) == ["2026-11-27T10:30:00.000Z", None]


def test_a_span_beyond_its_note_quotes_only_words_of_the_note_where_it_lies(store):
    """A span whose offsets lie outside its note (a hand-edited or another tool's file):
    Python's negative slicing read a start of -6 from the note's end, so the CSV, the
    analysis and the report quoted `d note` for a span the REFI-QDA project (which clamps
    to the note) codes as `second`. Offsets are clamped to the note everywhere."""
    clock = {"banked": 0, "running_since": None, "recording_offset": 0}
    record = {"id": "x1", "title": "Spans", "participant": "P", "clock": clock}
    note = {"id": "n1", "session_id": "x1", "kind": "note", "text": "second note"}
    note |= {"author": "A", "elapsed": 1.0, "tags": [], "emotions": []}
    session = store.create_session(record, {}, None)
    session.append_notes([note])
    for n, (start, end) in enumerate([(-6, 6), (4, 1), (7, 99)]):
        span = {"id": f"e{n}", "note_id": "n1", "start": start, "end": end, "tags": ["t"]}
        session.add_excerpt(span)
    rows = list(csv.DictReader(io.StringIO(export(store, ["x1"], "csv")[0].decode("utf-8"))))
    assert [r["excerpt_text"] for r in rows] == ["second", "", "note"]
    qde = zipfile.ZipFile(io.BytesIO(export(store, ["x1"], "qdpx")[0])).read("project.qde")
    text = source_text(read_study(store, ["x1"]).sessions[0])[0]
    selections = [e for e in parse_xml(qde).iter() if _local(e) == "PlainTextSelection"]
    spans = [(int(e.get("startPosition")), int(e.get("endPosition"))) for e in selections]
    assert [text[a:b] for a, b in spans[:3]] == ["second", "", "note"]


def test_a_cell_that_opens_with_a_line_break_or_a_nul_is_neutralised(store, seeded):
    """A note or a name beginning with a line feed before `=` (`"\\n=HYPERLINK(...)"`, easy
    to write into a shared session file) went out as it was: quoted, as RFC 4180 asks, but
    not neutralised, and OWASP's list of cell starts to neutralise names the line feed as it
    does the carriage return; OWASP ASVS 1.2.10 names the NUL character too."""
    session_file = store.open_session(seeded[0])
    note = session_file.read().notes[0]
    session_file.update_note(note["id"], {"text": '\n=HYPERLINK("http://x","y")'})
    session_file.update_session({"participant": "\x00=cmd"})
    data, _ = export(store, seeded[:1], "csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[0]["note_text"] == '\'\n=HYPERLINK("http://x","y")'
    assert {row["participant"] for row in rows} == {"'\x00=cmd"}


def test_a_guide_mark_that_is_neither_asked_nor_skipped_is_not_reached_in_the_debrief(store):
    """The debrief's coverage table wrote a question's mark as the session file held it, and
    a shared file may hold any text there: `<img src=x onerror=alert(1)>|x` became an image
    and a cell of its own in the Markdown, while the line above counted that question as not
    reached (as the analysis and the report do). The table says what the count says."""
    guide = {
        "title": "",
        "sections": [
            {
                "title": "A",
                "intro": "",
                "questions": [
                    {"id": "q1", "text": "One?", "probes": []},
                    {"id": "q2", "text": "Two?", "probes": []},
                ],
            }
        ],
    }
    marks = {"q1": "<img src=x onerror=alert(1)>|x", "q2": "skipped"}
    clock = {"banked": 0, "running_since": None, "recording_offset": 0}
    record = {"id": "g1", "title": "Marks", "participant": "P", "clock": clock}
    store.create_session(record, guide, {"current": None, "marks": marks})
    text = export(store, ["g1"], "md")[0].decode("utf-8")
    assert "0 asked, 1 skipped, 1 not reached of 2 questions." in text
    assert "| One? | not reached | - |" in text and "| Two? | skipped | - |" in text
    assert "<img" not in text


def test_an_address_in_someone_s_words_is_text_not_a_link_in_the_markdown_debrief(store, seeded):
    """The report gives a web or e-mail address in someone's words as a code span, which no
    viewer links; the Markdown export let GitHub make each one a live link, from a quote, a
    note, a follow-up or the goal alike. Each is a code span there too, shown as typed."""
    from tests.test_report import LINKS

    first = store.open_session(seeded[0])
    first.update_session({"goal": LINKS})
    said = {"session_id": seeded[0], "author": "Jonas", "elapsed": 99.0}
    first.append_notes(
        [
            {**said, "id": new_id(), "kind": "quote", "text": f'"{LINKS}'},
            {**said, "id": new_id(), "kind": "note", "text": f"{LINKS}\n{LINKS}"},
            {**said, "id": new_id(), "kind": "followup", "text": f"?{LINKS}"},
        ]
    )
    text = export(store, seeded, "md")[0].decode("utf-8")
    coded = "see `https://example.com/a_b*c?d=1&e=2`, `www.example.org` and `maya.k@example.com`."
    assert text.count(coded) == 6, (
        text
    )  # the goal, the three notes (one of two lines), the follow-up listed
    outside = re.sub(r"`[^`\n]*`", "", text)
    assert not re.search(r"(?i)https?:|www\.|\w@\w", outside)
