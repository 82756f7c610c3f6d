"""The REFI-QDA export as other tools read it: unique code names (QualCoder keeps one code per
name), cases linked to their sources the way QualCoder reads them, `asked` marks that are not
notes, and a code tree of any depth."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from datetime import timedelta

import pytest
import xmlschema

from tests.exchange_data import PARTICIPANTS, START, read_back, schema_folder, seed
from tui.domain.clock import to_iso
from tui.domain.notes import Note, tag_key
from tui.services.exchange.exporting import export
from tui.services.exchange.importing import import_files
from tui.services.exchange.refi_qda import TYPED_ABOUT
from tui.services.exchange.study import read_study
from tui.store import DataStore


@pytest.fixture(scope="module")
def project_schema():
    return xmlschema.XMLSchema(str(schema_folder() / "Project.xsd"))


def _local(element) -> str:
    return element.tag.rpartition("}")[2]


def _project(data: bytes) -> tuple[ET.Element, zipfile.ZipFile]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return ET.fromstring(archive.read("project.qde")), archive


def _add_notes(
    store: DataStore, session_id: str, texts: list[str], *, kind: str = "", tags: tuple = ()
) -> None:
    """Notes as typed; `tags` are stored on each as given, as a file of an older Fieldnote
    (without codings, and without the limits on a tag name) holds them."""
    session_file = store.open_session(session_id)
    known = session_file.read().notes
    docs = []
    for number, text in enumerate(texts, start=len(known)):
        note = Note.from_typed(
            text,
            session_id=session_id,
            author="Jonas Berg",
            started_at=to_iso(START + timedelta(seconds=30 * number)),
            elapsed=30.0 * number,
            question_id="q1",
        )
        doc = note.to_doc()
        if kind:
            doc["kind"] = kind
        if tags:
            doc["tags"], doc["codings"] = list(tags), []
        docs.append(doc)
    session_file.append_notes(docs)
    session_file.close()


def _codes_by_guid(root: ET.Element) -> dict[str, tuple[ET.Element, list[str]]]:
    """Every Code by GUID, with the names of the codes it sits in."""
    found = {}
    stack = [(root, [])]
    while stack:
        element, above = stack.pop()
        for child in element:
            if _local(child) == "Code":
                found[child.get("guid")] = (child, above)
                stack.append((child, [*above, child.get("name")]))
            else:
                stack.append((child, above))
    return found


def test_a_leaf_tag_under_two_parents_gets_a_name_no_other_code_has(store, project_schema):
    ids = seed(store)
    _add_notes(store, ids[0], ["Loved the CSV import #delight/import", "Import again #import"])
    data, study = export(store, ids, "qdpx")
    project_schema.validate(zipfile.ZipFile(io.BytesIO(data)).read("project.qde").decode())
    root, _ = _project(data)
    codes = _codes_by_guid(root)
    names = [code.get("name") for code, _ in codes.values()]
    assert len({n.casefold() for n in names}) == len(names)  # unique, case aside
    assert {"import", "import (pain)", "import (delight)"} <= set(names)
    # Every coding resolves by the code's name alone (QualCoder's importer keeps one code per
    # name and drops the codings of a second), and to the tag it was made from.
    by_name = {code.get("name"): guid for guid, (code, _) in codes.items()}
    tagged = {
        tag_key(t) for s in study.sessions for d in [*s.notes, *s.excerpts] for t in d["tags"]
    }
    resolved = set()
    cases = {e.get("guid") for e in root.iter() if _local(e) == "Case"}
    for ref in root.iter():
        if _local(ref) != "CodeRef" or ref.get("targetGUID") in cases:
            continue
        code, above = codes[ref.get("targetGUID")]
        assert by_name[code.get("name")] == ref.get("targetGUID")
        segment = code.get("name").split(" (")[0]
        resolved.add("/".join([*above, segment]).casefold())
    assert resolved == tagged
    assert {"delight/import", "pain/import", "import"} <= resolved
    qdc, _ = export(store, ids, "qdc")
    qdc_names = [e.get("name") for e in ET.fromstring(qdc).iter() if _local(e) == "Code"]
    assert len({n.casefold() for n in qdc_names}) == len(qdc_names)


GUID = "6d0c6a51-3c1c-4a1b-9f5d-0000000000aa"


def test_a_name_given_its_context_reads_back_as_the_tag_it_was(store, tmp_path):
    """`import (pain)` under `pain` is `pain/import` again when Fieldnote reads the project
    back, with its codings."""
    ids = seed(store)
    _add_notes(store, ids[0], ["Loved the CSV import #delight/import", "Import again #import"])
    data, _ = export(store, ids, "qdpx")
    other, back = read_back(data, tmp_path)
    used = {tag_key(t) for s in back.sessions for d in [*s.notes, *s.excerpts] for t in d["tags"]}
    names = {tag_key(t["name"]) for t in other.codebook.tags()}
    assert {"pain/import", "delight/import", "import"} <= used <= names
    assert not any("(" in name for name in names)

    # Another tool's project with a code `import` read before an `import (pain)` under `pain`:
    # the second keeps its brackets rather than merging into the first.
    root, archive = _project(data)
    (pain,) = [e for e in root.iter() if _local(e) == "Code" and e.get("name") == "pain"]
    plain = ET.Element(pain[0].tag, {"guid": GUID, "name": "import", "isCodable": "true"})
    pain.insert(0, plain)
    edited = io.BytesIO()
    with zipfile.ZipFile(edited, "w") as out:
        for member in archive.namelist():
            content = archive.read(member)
            out.writestr(member, ET.tostring(root) if member == "project.qde" else content)
    third, _ = read_back(edited.getvalue(), tmp_path / "third")
    names = {tag_key(t["name"]) for t in third.codebook.tags()}
    assert {"pain/import", "pain/import-(pain)"} <= names


def test_every_case_is_a_code_coding_its_whole_sources_as_qualcoder_reads_it(tmp_path, store):
    ids = seed(store)
    data, _ = export(store, ids, "qdpx")
    root, archive = _project(data)
    codes = _codes_by_guid(root)
    sources = {e.get("guid"): e for e in root.iter() if _local(e) == "TextSource"}
    cases = [e for e in root.iter() if _local(e) == "Case"]
    assert {c.get("name") for c in cases} == set(PARTICIPANTS)
    for case in cases:
        code, above = codes[case.get("guid")]  # QualCoder: a Code with the Case's GUID
        assert above == [] and code.get("isCodable") == "true"
        refs = [r.get("targetGUID") for r in case if _local(r) == "SourceRef"]
        selection_refs = {r.get("targetGUID") for r in case if _local(r) == "SelectionRef"}
        assert len(refs) == 1 and len(selection_refs) == 1
        source = sources[refs[0]]
        member = "sources/" + source.get("plainTextPath").removeprefix("internal://")
        length = len(archive.read(member).decode("utf-8"))
        (whole,) = [
            sel
            for sel in source
            if _local(sel) == "PlainTextSelection"
            and any(r.get("targetGUID") == case.get("guid") for r in sel.iter())
        ]
        assert (whole.get("startPosition"), whole.get("endPosition")) == ("0", str(length))
        assert selection_refs == {whole.get("guid")}
    # Read back by Fieldnote, the case names the participant and is no tag on every note.
    path = tmp_path / "study.qdpx"
    path.write_bytes(data)
    other = DataStore(tmp_path / "other")
    result = import_files(other, [path], now=START)
    back = read_study(other, [sid for sid, _, _ in result.sessions])
    assert {s.participant for s in back.sessions} == set(PARTICIPANTS)
    tags = {tag_key(t) for s in back.sessions for d in [*s.notes, *s.excerpts] for t in d["tags"]}
    tags |= {tag_key(t["name"]) for t in other.codebook.tags()}
    assert not any("maya" in t or "łukasz" in t for t in tags)


def test_asked_marks_are_listed_as_such_and_the_selections_still_slice(store, project_schema):
    ids = seed(store)
    _add_notes(store, ids[0], ["Walk me through your week."], kind="asked")
    _add_notes(store, ids[0], ["After the question: the import broke #pain/import"])
    data, study = export(store, ids, "qdpx")
    qde = zipfile.ZipFile(io.BytesIO(data)).read("project.qde")
    project_schema.validate(qde.decode("utf-8"))
    root, archive = _project(data)
    source = next(e for e in root.iter() if _local(e) == "TextSource")
    text = archive.read(
        "sources/" + source.get("plainTextPath").removeprefix("internal://")
    ).decode("utf-8")
    assert "Walk me through your week." not in text  # no line as if someone had noted it
    description = next(e for e in source if _local(e) == "Description").text
    assert description == (
        f"{TYPED_ABOUT}\nGuide questions marked asked:\n[03:00] asked: Walk me through your week."
    )
    cases = {e.get("guid") for e in root.iter() if _local(e) == "Case"}
    got = [
        text[int(sel.get("startPosition")) : int(sel.get("endPosition"))]
        for sel in source
        if _local(sel) == "PlainTextSelection"
        and {r.get("targetGUID") for r in sel.iter() if _local(r) == "CodeRef"} - cases
    ]
    session = study.sessions[0]
    by_id = {n["id"]: n for n in session.notes}
    expected = [n["text"] for n in session.notes if n["tags"]]
    expected += [by_id[e["note_id"]]["text"][e["start"] : e["end"]] for e in session.excerpts]
    assert got == expected
    assert got[-3] == "After the question: the import broke #pain/import"  # after the mark


def _cli(home, *argv: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, FIELDNOTE_HOME=str(home))
    return subprocess.run(
        [sys.executable, "-m", "tui", *argv], capture_output=True, text=True, env=env, timeout=120
    )


def test_a_tag_of_1500_levels_in_an_old_file_exports_without_a_recursion_error(tmp_path):
    home = tmp_path / "home"
    store = DataStore(home)
    ids = seed(store)
    deep = "/".join(f"l{n}" for n in range(1500))
    # Written through the store as an older Fieldnote did: `note` took such a tag then.
    _add_notes(store, ids[0], [f"a very deep thought #{deep}"], tags=(deep,))
    store.codebook.ensure(["/".join(["x"] * 1500)], to_iso(START))
    for fmt in ("qdpx", "qdc"):
        out = tmp_path / f"deep.{fmt}"
        done = _cli(home, "export", "--all", "--format", fmt, "-o", str(out))
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        raw = out.read_bytes()
        if fmt == "qdpx":
            raw = zipfile.ZipFile(io.BytesIO(raw)).read("project.qde")
        depth = deepest = 0
        leaf_guid = None
        for event, element in ET.iterparse(io.BytesIO(raw), events=("start", "end")):
            if _local(element) != "Code":
                continue
            depth += 1 if event == "start" else -1
            deepest = max(deepest, depth)
            if event == "start" and element.get("name", "").startswith("l1499"):
                leaf_guid = element.get("guid")
        assert deepest == 1500
        if fmt == "qdpx":  # the note's coding points at the deepest code
            assert f'targetGUID="{leaf_guid}"' in raw.decode("utf-8")


def _sources_of(project: bytes) -> list[str]:
    root, _ = _project(project)
    return [e.get("guid") for e in root.iter() if _local(e) == "TextSource"]


def test_a_project_imported_again_is_refused_as_a_json_export_is(tmp_path, store):
    """Its sources are sessions of the data folder already, imported before or exported from
    it: importing them again would count every excerpt twice. Nothing is imported; the
    sentence says why."""
    from tui.services.exchange.errors import ExchangeError

    ids = seed(store)
    data, _ = export(store, ids, "qdpx")
    path = tmp_path / "study.qdpx"
    path.write_bytes(data)
    other = DataStore(tmp_path / "other")
    first = import_files(other, [path], now=START)
    assert len(first.sessions) == len(ids)
    for into in (other, store):  # imported before; exported from
        before = into.list_sessions()[0]
        with pytest.raises(ExchangeError, match="already in the data folder") as refused:
            import_files(into, [path], now=START)
        assert "nothing was imported" in str(refused.value)
        assert into.list_sessions()[0] == before
    # A project of those imported sessions keeps their sources' GUIDs: taken back to the
    # folder it came from, or to the first one (A to B and back), it is the same sources.
    again, _ = export(other, [sid for sid, _, _ in first.sessions], "qdpx")
    path.write_bytes(again)
    for into in (other, store):
        with pytest.raises(ExchangeError, match="already in the data folder"):
            import_files(into, [path], now=START)
    # A pseudonymised one names nothing of the plain export's, its GUIDs included.
    hidden, _ = export(other, [sid for sid, _, _ in first.sessions], "qdpx", pseudonymised=True)
    assert not set(_sources_of(hidden)) & set(_sources_of(again))


def test_a_json_export_of_sessions_imported_from_their_project_is_refused(tmp_path, store):
    """The other way round: a study's qdpx imported into a folder, then its json export (the
    exact way between folders) too. Refused the other way round already (the json first),
    this way every session came in twice and every excerpt counted twice; nothing is
    imported, and the sentence names the session that was imported from the project."""
    from tui.services.exchange.errors import ExchangeError

    ids = seed(store)
    other = DataStore(tmp_path / "other")
    for fmt in ("qdpx", "json"):
        data, _ = export(store, ids, fmt)
        (tmp_path / f"study.{fmt}").write_bytes(data)
    first = import_files(other, [tmp_path / "study.qdpx"], now=START)
    before = other.list_sessions()[0]
    with pytest.raises(ExchangeError, match="already in the data folder as") as refused:
        import_files(other, [tmp_path / "study.json"], now=START)
    assert "imported from a REFI-QDA project" in str(refused.value)
    assert "nothing was imported" in str(refused.value)
    assert any(sid[:8] in str(refused.value) for sid, _, _ in first.sessions)
    assert other.list_sessions()[0] == before


def test_a_sessions_study_goes_out_as_a_source_variable_and_comes_back(
    tmp_path, store, project_schema
):
    """A round trip through REFI-QDA lost every session's study: the project read back was
    one study-less heap, and the analysis of the study found nothing of it. The study is a
    text variable of each source (`Study`), which `--study` still overrides."""
    ids = seed(store, study="Onboarding <beta> & co")
    loose = store.open_session(ids[-1])
    loose.update_session({"study": ""})
    loose.close()
    data, _ = export(store, ids, "qdpx")
    root, archive = _project(data)
    project_schema.validate(archive.read("project.qde"))
    (variable,) = [e for e in root.iter() if _local(e) == "Variable"]
    assert (variable.get("name"), variable.get("typeOfVariable")) == ("Study", "Text")
    path = tmp_path / "study.qdpx"
    path.write_bytes(data)
    for study, expected in ((None, "Onboarding <beta> & co"), ("Pilot", "Pilot")):
        other = DataStore(tmp_path / f"into-{study}")
        imported = import_files(other, [path], now=START, study=study)
        studies = {}
        for session_id, _, _ in imported.sessions:
            snapshot, _ = other.read_session(session_id)
            studies[snapshot.session["title"]] = snapshot.session.get("study") or ""
        titles = [store.read_session(i)[0].session["title"] for i in ids]
        assert studies == {
            title: (study or "") if title == titles[-1] else expected for title in titles
        }


def test_two_sessions_from_one_imported_source_are_two_sources_of_the_project(tmp_path, store):
    """Two data folders that imported the same project and then shared one folder (or a copied
    session file) hold two sessions from one source GUID. Each kept it: the project had two
    TextSources of one GUID and two zip members of one name (zipfile's 'Duplicate name'
    warning on the terminal), and importing it anywhere refused the second as 'already in the
    data folder'. The first session keeps the GUID; a later one is a source of its own."""
    import warnings

    ids = seed(store)
    data, _ = export(store, ids[:1], "qdpx")
    path = tmp_path / "one.qdpx"
    path.write_bytes(data)
    twice = DataStore(tmp_path / "twice")
    for folder in ("a", "b"):  # each folder imports it; the sessions then meet in one
        imported = import_files(DataStore(tmp_path / folder), [path], now=START)
        (sid,) = [sid for sid, _, _ in imported.sessions]
        for file in (tmp_path / folder / "sessions").glob(f"{sid}.json*"):
            if not file.name.endswith(".lock"):
                (twice.sessions_dir).mkdir(parents=True, exist_ok=True)
                file.rename(twice.sessions_dir / file.name)
    both = [s.id for s in twice.list_sessions()[0]]
    assert len(both) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # zipfile's duplicate member is a UserWarning
        project, _ = export(twice, both, "qdpx")
    sources = _sources_of(project)
    assert len(set(sources)) == 2 and _sources_of(data)[0] in sources
    with zipfile.ZipFile(io.BytesIO(project)) as archive:
        names = archive.namelist()
    assert len(names) == len(set(names)) == 5  # the project, two texts and their memos
    path.write_bytes(project)
    again = import_files(DataStore(tmp_path / "fresh"), [path], now=START)
    assert len(again.sessions) == 2


def test_guids_after_some_parts_are_the_guids_of_all_of_them() -> None:
    from tui.services.exchange.refi_qda import guid, guids_after

    for salt in ("", "s4lt"):
        for parts, more in (
            (("coding", "sess"), ("note", "pain/x")),
            (("coding", "sess"), ("note", "pain/x", "Zoë")),
            (("selection", "é"), ("",)),
        ):
            assert guids_after(*parts, salt=salt)(*more) == guid(*parts, *more, salt=salt)
