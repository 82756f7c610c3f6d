"""REFI-QDA out and in: a `.qdpx` project (NVivo, ATLAS.ti, MAXQDA, QualCoder) and a `.qdc`
codebook. The tests validate every file written against the standard's schemas
(docs/ARCHITECTURE.md, "Exchange formats").

Out: each session is a plain-text source, its notes one per line as `[mm:ss] Author: text`
(`asked` marks are no notes: they are listed in the source's Description instead); each tagged
note, and each span excerpt, a PlainTextSelection whose [start, end) (code points) slices
exactly its text out of the source; the codebook as nested Codes (`pain/onboarding` is
`onboarding` inside `pain`), with descriptions and colours, every Code's name unique in the
project (`_unique_names`); participants as Cases, each also a Code with the Case's GUID that
codes the whole of their sources (how QualCoder reads a case's sources); authors as Users.
GUIDs derive from the ids, so the same data always exports the same way; a pseudonymised
study salts them (`Study.guid_salt`), so they match nothing in the plain export.

In: the sources become sessions of kind `transcript` (their lines read as `Name: text`), the
selections tags on the notes they cover, the codes tags; a project with codes and no sources
brings its codes alone. Member names are checked before anything is read (no `..`, no
absolute paths); members inflate in chunks against a running limit (never the header's word),
and the XML is parsed as it inflates, keeping only codes, cases, sources and selections, with
no DTD (tui/services/exchange/safe_xml.py). Codes nest at most `MAX_TAG_DEPTH` deep.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import io
import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from tui.domain.clock import from_iso, to_iso
from tui.domain.codings import UNKNOWN_CODER, codings_of, with_coding
from tui.domain.notes import clean_tag_name, format_elapsed, new_id, tag_key
from tui.domain.tags import MAX_TAG_DEPTH
from tui.services.exchange.errors import bad_file
from tui.services.exchange.safe_xml import BrokenXMLError, UnsafeXMLError, parse_chunks
from tui.services.exchange.study import SessionData, Study
from tui.services.exchange.transcripts import (
    MAX_TRANSCRIPT_BYTES,
    Segment,
    TranscriptError,
    segments,
    transcript_session,
)
from tui.store.codebook import new_tag

NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
_SPACE = uuid.UUID("5b0c5c8e-3d0e-4a43-9a0e-6a1f3c2b7d11")
_HEX_COLOR = re.compile(r"#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})")
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)
MB = 1024 * 1024
MAX_UNPACKED = 512 * MB
"""Bytes a project may unpack to in all (its members' headers are checked first, and the
bytes really inflated are counted as they come, since a header can lie)."""
MAX_PROJECT_XML = 64 * MB
"""Bytes a `project.qde` or `.qdc` may have: a study of 20,000 coded selections takes ~6 MB."""
MAX_NOTES = 100_000
"""Notes (source lines) one project may bring in all, and coded selections likewise."""
_CHUNK = 1 << 16


def guid(*parts: str, salt: str = "") -> str:
    """A GUID derived from `parts` (a name-based UUID, as uuid5 makes it, built from the hash
    directly: uuid5 costs ~20x more, which 20,000 selections notice). A pseudonymised export
    gives a random `salt`, so none of its GUIDs matches the plain export's."""
    h = hashlib.sha1(
        _SPACE.bytes + salt.encode("utf-8") + "\x1f".join(parts).encode("utf-8")
    ).hexdigest()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


def _color(value: Any) -> str | None:
    """A codebook colour as REFI-QDA's #RRGGBB, or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    if _HEX_COLOR.fullmatch(value):
        return value
    try:
        from rich.color import Color, ColorParseError

        triplet = Color.parse(value).get_truecolor()
    except (ColorParseError, ImportError):
        return None
    return triplet.hex


def source_text(data: SessionData) -> tuple[str, dict[str, int]]:
    """A session as plain text, a note a line, and where each note's text starts in it.
    `asked` marks are not in the text: they are the guide's words, not a note, and go to the
    source's description instead (`asked_marks`)."""
    parts: list[str] = []
    starts: dict[str, int] = {}
    at = 0
    for note in data.notes:
        if note.get("kind") == "asked":
            continue
        text = str(note.get("text") or "")
        prefix = f"[{format_elapsed(float(note.get('elapsed') or 0.0))}] "
        prefix += f"{' '.join(str(note.get('author') or '').split()) or 'unknown'}: "
        starts[str(note.get("id"))] = at + len(prefix)
        line = prefix + text + "\n"
        parts.append(line)
        at += len(line)
    return "".join(parts), starts


def recording_text(recording: dict[str, Any]) -> tuple[str, dict[str, int]]:
    """An attached transcript as plain text, a cue a line (`[mm:ss] Speaker: words`, at its
    recording time), and where each cue's words start in it."""
    parts: list[str] = []
    starts: dict[str, int] = {}
    at = 0
    cues = sorted(recording.get("cues") or [], key=lambda c: float(c.get("start") or 0.0))
    for cue in cues:
        prefix = f"[{format_elapsed(float(cue.get('start') or 0.0))}] "
        prefix += f"{' '.join(str(cue.get('speaker') or '').split()) or 'unknown'}: "
        starts[str(cue.get("id"))] = at + len(prefix)
        # One character for one, so a span's offsets in the cue hold in the line.
        words = str(cue.get("text") or "").replace("\r", " ").replace("\n", " ")
        line = prefix + words + "\n"
        parts.append(line)
        at += len(line)
    return "".join(parts), starts


def asked_marks(data: SessionData) -> str:
    """When each guide question was marked asked, a line each (`[mm:ss] asked: question`),
    for the source's description; "" when none was."""
    lines = [
        f"[{format_elapsed(float(n.get('elapsed') or 0.0))}] asked: "
        + " ".join(str(n.get("text") or "").split())
        for n in data.notes
        if n.get("kind") == "asked"
    ]
    return "Guide questions marked asked:\n" + "\n".join(lines) if lines else ""


@dataclass
class _Code:
    """A Code of the export: a tag, or a level of the hierarchy no tag names (a folder)."""

    path: list[str]
    tag: dict[str, Any] | None = None
    children: dict[str, _Code] = field(default_factory=dict)
    """By the segment's case-folded spelling, so `Pain/x` and `pain/y` share one `pain`."""
    name: str = ""
    """The Code's name, unique in the project (`_unique_names`)."""


def _code_tree(study: Study) -> list[_Code]:
    """The codebook and every tag the sessions use, as a tree of codes (top level first)."""
    tags = {tag_key(t["name"]): t for t in study.codebook}
    for name in study.used_tags():
        tags.setdefault(tag_key(name), new_tag(name, ""))
    root = _Code([])
    for key in sorted(tags):
        path = clean_tag_name(tags[key]["name"]).split("/")
        node = root
        for depth, segment in enumerate(path):
            node = node.children.setdefault(segment.casefold(), _Code(path[: depth + 1]))
        node.tag = tags[key]
    return list(root.children.values())


def _walk(roots: list[_Code]) -> list[_Code]:
    """Every code, parents before children, in document order; a loop, not a recursion, so a
    tag of any depth (an old file may hold one of 1,500 levels) cannot exhaust the stack."""
    out: list[_Code] = []
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.children.values()))
    return out


def _unique_names(wanted: list[tuple[str, str]]) -> list[str]:
    """A name for each (name, context) that no other has, case aside: QualCoder keeps one code
    per name and silently drops the codings of the others. A name that more than one entry
    wants gets its context in brackets (`import` under `pain` and under `delight` become
    `import (pain)` and `import (delight)`; an entry with no context keeps the bare name);
    a clash that remains (a tag literally named `import (pain)`) is numbered: `(2)`, `(3)`."""
    counts = Counter(name.casefold() for name, _ in wanted)
    names = [
        f"{name} ({context})" if counts[name.casefold()] > 1 and context else name
        for name, context in wanted
    ]
    taken: set[str] = set()
    out = []
    for name in names:
        unique, number = name, 1
        while unique.casefold() in taken:
            number += 1
            unique = f"{name} ({number})"
        taken.add(unique.casefold())
        out.append(unique)
    return out


def _codes(parent: ET.Element, roots: list[_Code], code_guid: Callable[[_Code], str]) -> None:
    """The codes as nested Code elements under `parent`, written with a stack of open
    elements rather than a recursion (see `_walk`)."""
    stack = [(parent, node) for node in reversed(roots)]
    while stack:
        element, node = stack.pop()
        attributes = {
            "guid": code_guid(node),
            "name": node.name,
            "isCodable": "true" if node.tag else "false",
        }
        color = _color(node.tag.get("color")) if node.tag else None
        if color:
            attributes["color"] = color
        code = ET.SubElement(element, "Code", attributes)
        description = (node.tag or {}).get("description")
        if description:
            ET.SubElement(code, "Description").text = description
        stack.extend((code, child) for child in reversed(node.children.values()))


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 cannot hold at all, even escaped (an ANSI escape in a title)."""
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\n": "&#10;",
        "\r": "&#13;",
        "\t": "&#9;",
    }
)


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value).translate(_TEXT_ESCAPES)


def _attr(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value).translate(_ATTR_ESCAPES)


def _xml(root: ET.Element) -> bytes:
    """The tree as UTF-8 XML (the root carries the namespace as its `xmlns`). Written here
    rather than by ElementTree, which spent half of a large export in its serializer (and
    recurses, as a 1,500-level code tree would not survive), and so that characters XML
    cannot hold become U+FFFD instead of making the file unreadable."""
    out = ['<?xml version="1.0" encoding="utf-8"?>\n']
    stack: list[ET.Element | str] = [root]  # an element to open, or a closing tag to write
    while stack:
        element = stack.pop()
        if isinstance(element, str):
            out.append(element)
            continue
        attributes = "".join(f' {k}="{_attr(v)}"' for k, v in element.attrib.items())
        if len(element) == 0 and not element.text:
            out.append(f"<{element.tag}{attributes}/>")
            continue
        out.append(f"<{element.tag}{attributes}>")
        if element.text:
            out.append(_text(element.text))
        stack.append(f"</{element.tag}>")
        stack.extend(reversed(element))
    return "".join(out).encode("utf-8")


def _tag_codes(study: Study, salt: str) -> tuple[list[_Code], dict[str, str]]:
    """The code tree with unique names, and tag key -> code GUID."""
    roots = _code_tree(study)
    nodes = _walk(roots)
    names = _unique_names([(n.path[-1], "/".join(n.path[:-1])) for n in nodes])
    guids = {}
    for node, name in zip(nodes, names, strict=True):
        node.name = name
        guids[tag_key("/".join(node.path))] = guid("code", tag_key("/".join(node.path)), salt=salt)
    return roots, guids


def export_qdc(study: Study) -> bytes:
    root = ET.Element("CodeBook", {"xmlns": CODEBOOK_NS, "origin": "Fieldnote"})
    roots, guids = _tag_codes(study, study.guid_salt)
    codes = ET.SubElement(root, "Codes")
    if not roots:  # the schema wants at least one code
        roots = [_Code(["Fieldnote"], name="Fieldnote")]
        guids[tag_key("Fieldnote")] = guid("code", "fieldnote", salt=study.guid_salt)
    _codes(codes, roots, lambda node: guids[tag_key("/".join(node.path))])
    return _xml(root)


def _iso(moment: str) -> str | None:
    return moment.replace("Z", "") + "Z" if moment else None


def _selections(
    source: ET.Element,
    coded: list[tuple[str, int, int, list[dict[str, Any]], str]],
    session_id: str,
    users: dict[str, str],
    code_guids: dict[str, str],
    key_of: Callable[[str], str],
    salt: str,
) -> None:
    """A PlainTextSelection in `source` for each (key, start, end, codings, author), with a
    Coding per coder of a tag (its creatingUser)."""
    for key, start, end, codings, author in coded:
        selection_attributes = {
            "guid": guid("selection", session_id, key, salt=salt),
            "startPosition": str(start),
            "endPosition": str(end),
        }
        if author in users:
            selection_attributes["creatingUser"] = users[author]
        selection = ET.SubElement(source, "PlainTextSelection", selection_attributes)
        for each in codings:  # one Coding per coder of a tag: its creatingUser
            code_guid = code_guids.get(key_of(each["tag"]))
            if code_guid is None:
                continue
            ident = (session_id, key, key_of(each["tag"]))
            if each["coder"] != UNKNOWN_CODER:
                ident += (each["coder"],)
            coding = ET.SubElement(selection, "Coding", {"guid": guid("coding", *ident, salt=salt)})
            if each["coder"] in users:
                coding.set("creatingUser", users[each["coder"]])
            if each["at"]:
                coding.set("creationDateTime", _iso(each["at"]))
            ET.SubElement(coding, "CodeRef", {"targetGUID": code_guid})


def export_qdpx(study: Study) -> bytes:
    salt = study.guid_salt
    key_of = functools.cache(tag_key)  # a study repeats a few tags thousands of times
    root = ET.Element("Project", {"xmlns": NS, "name": study.label, "origin": "Fieldnote"})
    authors = {str(n.get("author") or "") for d in study.sessions for n in d.notes}
    # Coders too: each Coding names its coder as its creatingUser.
    authors |= {
        c["coder"] for d in study.sessions for n in [*d.notes, *d.excerpts] for c in codings_of(n)
    }
    authors = sorted(authors - {"", UNKNOWN_CODER})
    users = {name: guid("user", name, salt=salt) for name in authors}
    if users:
        users_el = ET.SubElement(root, "Users")
        for name, user_guid in users.items():
            ET.SubElement(users_el, "User", {"guid": user_guid, "name": name})
    participants: dict[str, list[SessionData]] = {}  # case-folded name -> sessions
    spelling: dict[str, str] = {}  # case-folded name -> the first spelling
    for data in study.sessions:
        if name := data.participant.strip():
            participants.setdefault(name.casefold(), []).append(data)
            spelling.setdefault(name.casefold(), name)
    case_guids = {key: guid("case", key, salt=salt) for key in participants}
    # QualCoder links a case to its text only through a Code that has the Case's GUID: its
    # importer (ccbogel/QualCoder, src/qualcoder/refi.py) reads no SourceRef or SelectionRef
    # of a named Case (`parse_cases`), loads every Coding of a PlainTextSelection by its
    # CodeRef (`load_codings_for_text`), then turns the codings of any Code whose GUID equals
    # a Case's GUID into that case's text and deletes the Code
    # (`clean_up_case_codes_and_case_text`), as NVivo writes cases. So each participant is
    # also a Code with the Case's GUID, coding the whole of each of their sources; the Case
    # keeps its SourceRef (and a SelectionRef to that selection) for the tools that read those.
    roots, code_guids = _tag_codes(study, salt)
    nodes = _walk(roots)
    case_codes = [_Code([key]) for key in participants]
    names = _unique_names(
        [(n.path[-1], "/".join(n.path[:-1])) for n in nodes]
        + [(spelling[code.path[0]], "case") for code in case_codes]
    )
    for node, name in zip([*nodes, *case_codes], names, strict=True):
        node.name = name
    if roots or case_codes:
        codes_el = ET.SubElement(ET.SubElement(root, "CodeBook"), "Codes")
        _codes(codes_el, roots, lambda node: code_guids[tag_key("/".join(node.path))])
        for code in case_codes:
            ET.SubElement(
                codes_el,
                "Code",
                {"guid": case_guids[code.path[0]], "name": code.name, "isCodable": "true"},
            )
    if participants:
        cases = ET.SubElement(root, "Cases")
        for key, sessions in participants.items():
            case = ET.SubElement(cases, "Case", {"guid": case_guids[key], "name": spelling[key]})
            for data in sessions:
                ET.SubElement(case, "SourceRef", {"targetGUID": guid("source", data.id, salt=salt)})
            for data in sessions:
                ET.SubElement(
                    case, "SelectionRef", {"targetGUID": guid("whole", data.id, salt=salt)}
                )
    files: list[tuple[str, str]] = []
    sources_el = ET.SubElement(root, "Sources") if study.sessions else None
    for data in study.sessions:
        text, starts = source_text(data)
        source_guid = guid("source", data.id, salt=salt)
        path = f"{source_guid}.txt"
        files.append((path, text))
        attributes = {"guid": source_guid, "name": data.title or data.id}
        attributes["plainTextPath"] = f"internal://{path}"
        created = _iso(str(data.session.get("created_at") or ""))
        if created:
            attributes["creationDateTime"] = created
        source = ET.SubElement(sources_el, "TextSource", attributes)
        marks = asked_marks(data)
        if marks:
            ET.SubElement(source, "Description").text = marks
        notes = {str(n.get("id")): n for n in data.notes}
        coded: list[tuple[str, int, int, list[str], str]] = []
        for note in data.notes:
            if note.get("tags") and str(note.get("id")) in starts:
                start = starts[str(note["id"])]
                coded.append(
                    (
                        str(note["id"]),
                        start,
                        start + len(str(note.get("text") or "")),
                        codings_of(note),
                        str(note.get("author") or ""),
                    )
                )
        for excerpt in data.excerpts:
            note = notes.get(str(excerpt.get("note_id")))
            if note is None or not excerpt.get("tags") or str(note["id"]) not in starts:
                continue
            begin = starts[str(note["id"])]
            length = len(str(note.get("text") or ""))
            lo = max(0, min(int(excerpt.get("start") or 0), length))
            hi = max(lo, min(int(excerpt.get("end") or 0), length))
            coded.append(
                (
                    str(excerpt.get("id")),
                    begin + lo,
                    begin + hi,
                    codings_of(excerpt),
                    str(note.get("author") or ""),
                )
            )

        _selections(source, coded, data.id, users, code_guids, key_of, salt)
        if data.participant.strip():
            whole = ET.SubElement(
                source,
                "PlainTextSelection",
                {
                    "guid": guid("whole", data.id, salt=salt),
                    "startPosition": "0",
                    "endPosition": str(len(text)),
                },
            )
            coding = ET.SubElement(
                whole, "Coding", {"guid": guid("case-coding", data.id, salt=salt)}
            )
            ET.SubElement(
                coding, "CodeRef", {"targetGUID": case_guids[data.participant.strip().casefold()]}
            )
        if data.recording is not None:
            # The attached transcript is a source of its own; a span coded on one of its
            # cues is a selection in it.
            text, starts = recording_text(data.recording)
            source_guid = guid("recording", data.id, salt=salt)
            path = f"{source_guid}.txt"
            files.append((path, text))
            name = str(data.recording.get("source") or "transcript")
            attributes = {
                "guid": source_guid,
                "name": f"{data.title or data.id} \u2014 {name}",
                "plainTextPath": f"internal://{path}",
            }
            source = ET.SubElement(sources_el, "TextSource", attributes)
            ET.SubElement(
                source, "Description"
            ).text = f"The transcript attached to {data.title or data.id}, by recording time."
            cues = {str(c.get("id")): c for c in data.recording.get("cues") or []}
            coded = []
            for excerpt in data.excerpts:
                cue = cues.get(str(excerpt.get("note_id")))
                if cue is None or not excerpt.get("tags"):
                    continue
                begin, length = starts[str(cue["id"])], len(str(cue.get("text") or ""))
                lo = max(0, min(int(excerpt.get("start") or 0), length))
                hi = max(lo, min(int(excerpt.get("end") or 0), length))
                speaker = str(cue.get("speaker") or "")
                coded.append(
                    (str(excerpt.get("id")), begin + lo, begin + hi, codings_of(excerpt), speaker)
                )
            _selections(source, coded, data.id, users, code_guids, key_of, salt)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("project.qde", _ZIP_DATE), _xml(root), zipfile.ZIP_DEFLATED
        )
        for path, text in files:
            archive.writestr(
                zipfile.ZipInfo(f"sources/{path}", _ZIP_DATE),
                text.encode("utf-8"),
                zipfile.ZIP_DEFLATED,
            )
    return buffer.getvalue()


# -- import -------------------------------------------------------------------------------------


def _local(name: str) -> str:
    return name.rpartition("}")[2]


@dataclass
class _ReadCode:
    name: str
    """The tag name (the path of its parents), or "" for a code skipped with its children."""
    tag: dict[str, Any] | None
    description: list[str] = field(default_factory=list)


@dataclass
class _Source:
    attributes: dict[str, str]
    content: list[str] | None = None
    selections: list[tuple[str, str, list[tuple[str, str, str]]]] = field(default_factory=list)
    """(startPosition, endPosition, code GUIDs) as written."""

    @property
    def name(self) -> str:
        return self.attributes.get("name") or "Imported source"


class _TooDeep(Exception):
    pass


class _ProjectReader:
    """expat handlers for a `project.qde` or `.qdc`: what the import needs, nothing more."""

    def __init__(self, now: str) -> None:
        self.now = now
        self.root = ""
        self.path: list[str] = []
        self.codes: list[_ReadCode] = []
        self.tags: list[dict[str, Any]] = []
        self.code_names: dict[str, str] = {}
        self.has_codes = False
        self.case = ""
        self.case_guids: list[str] = []
        self.cases: dict[str, str] = {}
        self.sources: list[_Source] = []
        self.source: _Source | None = None
        self.selection: tuple[str, str, list[tuple[str, str, str]]] | None = None
        """(start, end, [(code GUID, creatingUser, creationDateTime) of each Coding])."""
        self.coding = ("", "")
        self.users: dict[str, str] = {}
        """User GUID -> name: a Coding's creatingUser is its coder."""
        self.capture: list[str] | None = None
        self.captured = 0
        self.selections = 0

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        local, parent = _local(tag), self.path[-1] if self.path else ""
        self.path.append(local)
        if len(self.path) == 1:
            self.root = local
        elif local == "Codes" and parent in ("CodeBook", "Project"):
            self.has_codes = True
        elif local == "Code" and parent in ("Codes", "Code"):
            self._start_code(attributes)
        elif local == "Description" and parent == "Code" and self.codes:
            self.capture, self.captured = self.codes[-1].description, 0
        elif local == "Case" and parent == "Cases":
            self.case = attributes.get("name") or ""
            self.case_guids.append(attributes.get("guid") or "")
        elif local == "SourceRef" and parent == "Case":
            self.cases[attributes.get("targetGUID") or ""] = self.case
        elif local == "TextSource" and parent == "Sources":
            self.source = _Source(dict(attributes))
        elif local == "PlainTextContent" and parent == "TextSource" and self.source:
            self.source.content = self.capture = []
            self.captured = 0
        elif local == "PlainTextSelection" and parent == "TextSource":
            self.selection = (
                attributes.get("startPosition", ""),
                attributes.get("endPosition", ""),
                [],
            )
        elif local == "User" and parent == "Users":
            self.users[attributes.get("guid") or ""] = attributes.get("name") or ""
        elif local == "Coding" and parent == "PlainTextSelection":
            self.coding = (
                attributes.get("creatingUser") or "",
                attributes.get("creationDateTime") or "",
            )
        elif local == "CodeRef" and parent == "Coding" and self.selection is not None:
            self.selection[2].append((attributes.get("targetGUID") or "", *self.coding))

    def _start_code(self, attributes: dict[str, str]) -> None:
        if len(self.codes) >= MAX_TAG_DEPTH:
            raise _TooDeep
        prefix = self.codes[-1].name if self.codes else ""
        # Other tools allow spaces ("Pain points"); a tag must be typable as #tag.
        segment = "-".join((attributes.get("name") or "").replace("/", " ").split())
        skipped = bool(self.codes) and not prefix
        name = "" if skipped else clean_tag_name(f"{prefix}/{segment}" if prefix else segment)
        tag = None
        if name:
            self.code_names[attributes.get("guid") or ""] = name
            if attributes.get("isCodable", "true") != "false":
                tag = new_tag(name, self.now)
                color = attributes.get("color") or ""
                tag["color"] = color if _HEX_COLOR.fullmatch(color) else ""
                self.tags.append(tag)
        self.codes.append(_ReadCode(name, tag))

    def end(self, tag: str) -> None:
        local = self.path.pop()
        if local == "Code" and self.path and self.path[-1] in ("Codes", "Code"):
            code = self.codes.pop()
            if code.tag is not None:
                code.tag["description"] = next(iter(code.description), "").strip()
        elif local in ("Description", "PlainTextContent"):
            self.capture = None
        elif local == "TextSource" and self.source is not None:
            self.sources.append(self.source)
            self.source = None
        elif local == "PlainTextSelection" and self.selection is not None:
            if self.source is not None:
                self.source.selections.append(self.selection)
                self.selections += 1
                if self.selections > MAX_NOTES:
                    raise _TooMany
            self.selection = None

    def data(self, text: str) -> None:
        if self.capture is None:
            return
        self.captured += len(text)
        if self.captured > MAX_TRANSCRIPT_BYTES:
            raise _TooLarge
        self.capture.append(text)


class _TooLarge(Exception):
    pass


class _TooMany(Exception):
    pass


def _parse(chunks: Iterable[bytes], path: Path, now: datetime, member: str = "") -> _ProjectReader:
    reader = _ProjectReader(to_iso(now))
    where = f"{member}, " if member else ""
    try:
        parse_chunks(chunks, reader.start, reader.end, reader.data)
    except (UnsafeXMLError, BrokenXMLError) as error:
        line, _, problem = str(error).partition(": ")
        raise bad_file(path, f"{problem}; it was not imported.", where=where + line) from None
    except _TooDeep:
        raise bad_file(
            path,
            f"its codes nest more than {MAX_TAG_DEPTH} levels deep, which no codebook needs; "
            "it was not imported.",
            where=member,
        ) from None
    except _TooMany:
        raise bad_file(
            path,
            f"it holds more than {MAX_NOTES:,} coded selections, more than any study; "
            "import it in parts.",
            where=member,
        ) from None
    except _TooLarge:
        raise bad_file(
            path,
            f"a source's text is larger than {MAX_TRANSCRIPT_BYTES // MB} MB, more than any "
            "transcript; it was not imported.",
            where=member,
        ) from None
    return reader


def _file_chunks(path: Path, limit: int) -> Iterator[bytes]:
    """A file's bytes in chunks, refused once past `limit`."""
    total = 0
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(_CHUNK):
                total += len(chunk)
                if total > limit:
                    raise bad_file(
                        path,
                        f"it is larger than {limit // MB} MB, more than any codebook needs; "
                        "it was not imported.",
                    )
                yield chunk
    except OSError as error:
        raise bad_file(path, f"it cannot be read ({error.strerror or error}).") from None


def read_qdc(path: Path, now: datetime) -> list[dict[str, Any]]:
    reader = _parse(_file_chunks(path, MAX_PROJECT_XML), path, now)
    if reader.root != "CodeBook":
        raise bad_file(path, "it is XML but no REFI-QDA codebook (its root is not CodeBook).")
    if not reader.has_codes:
        raise bad_file(path, "it holds no Codes; there is nothing to import.")
    return reader.tags


def _safe_member(name: str) -> bool:
    pure = PurePosixPath(name.replace("\\", "/"))
    return not (pure.is_absolute() or ".." in pure.parts or re.match(r"^[A-Za-z]:", name))


class _Project:
    """An open `.qdpx` whose members are inflated in chunks, counting every byte."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.unpacked = 0
        try:
            self.archive = zipfile.ZipFile(path)
            infos = self.archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
            raise bad_file(
                path, "it is not a complete zip file (truncated or damaged); copy it again."
            ) from None
        for info in infos:
            if not _safe_member(info.filename):
                raise bad_file(
                    path,
                    "a member's name leaves the project folder ('..' or an absolute path); "
                    "nothing was imported.",
                    where=f"member {info.filename}",
                )
        if sum(info.file_size for info in infos) > MAX_UNPACKED:
            self._too_large(MAX_UNPACKED, "")
        self.members = {info.filename for info in infos}

    def _too_large(self, limit: int, member: str) -> None:
        raise bad_file(
            self.path,
            f"it unpacks to more than {limit // MB} MB, which no interview project needs; "
            "nothing was imported.",
            where=f"member {member}" if member else "",
        )

    def chunks(self, name: str, limit: int) -> Iterator[bytes]:
        """A member's bytes as they inflate, refused past `limit` (or past the project's)."""
        try:
            info = self.archive.getinfo(name)
            if info.file_size > limit:
                self._too_large(limit, name)
            total = 0
            with self.archive.open(info) as stream:
                while chunk := stream.read(_CHUNK):
                    total += len(chunk)
                    self.unpacked += len(chunk)
                    if total > limit:
                        self._too_large(limit, name)
                    if self.unpacked > MAX_UNPACKED:
                        self._too_large(MAX_UNPACKED, "")
                    yield chunk
        except (zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError, zlib.error) as error:
            raise bad_file(
                self.path,
                f"it cannot be unpacked ({error}); copy it again.",
                where=f"member {name}",
            ) from None

    def close(self) -> None:
        self.archive.close()


def _covered(
    segs: list[Segment], offsets: list[int], start: int, end: int
) -> list[tuple[Segment, int, int]]:
    """The parts of [start, end) of a source that fall in each note's text (`offsets` are the
    notes' starts, in order, so a selection looks at its own notes only)."""
    parts = []
    for seg in segs[max(0, bisect.bisect_right(offsets, start) - 1) :]:
        if seg.offset >= end:
            break
        lo, hi = max(start, seg.offset), min(end, seg.offset + len(seg.text))
        if lo < hi:
            parts.append((seg, lo - seg.offset, hi - seg.offset))
    return parts


def read_qdpx(
    path: Path,
    *,
    now: datetime,
    study: str = "",
    participant: str | None = None,
) -> Study:
    project = _Project(path)
    try:
        return _read_project(project, now=now, study=study, participant=participant)
    finally:
        project.close()


def _read_project(
    project: _Project, *, now: datetime, study: str, participant: str | None
) -> Study:
    path, members = project.path, project.members
    project_name = (
        "project.qde"
        if "project.qde" in members
        else next((m for m in sorted(members) if m.lower().endswith(".qde")), None)
    )
    if project_name is None:
        raise bad_file(path, "it holds no project.qde, so it is no REFI-QDA project.")
    reader = _parse(project.chunks(project_name, MAX_PROJECT_XML), path, now, project_name)
    if reader.root != "Project":
        raise bad_file(path, "its project.qde is no REFI-QDA project (its root is not Project).")
    for case_guid in reader.case_guids:
        # A Code with a Case's GUID is that case, not a tag (NVivo's way, and the way
        # Fieldnote links cases for QualCoder): as QualCoder does, it is no code.
        if (case_code := reader.code_names.pop(case_guid, None)) is not None:
            reader.tags = [tag for tag in reader.tags if tag["name"] != case_code]
    sessions: list[SessionData] = []
    notes = 0
    for source in reader.sources:
        data = _text_source(source, project, now, reader, study, participant)
        notes += len(data.notes)
        if notes > MAX_NOTES:
            raise bad_file(
                path,
                f"its sources hold more than {MAX_NOTES:,} lines in all, more than any study; "
                "import it in parts.",
            )
        sessions.append(data)
    if not sessions and not reader.tags:
        raise bad_file(path, "it holds neither text sources nor codes; there is nothing to import.")
    return Study(sessions, reader.tags, path.stem)


def _source_text(source: _Source, project: _Project) -> str:
    if source.content is not None:
        return "".join(source.content)
    path, name = project.path, source.name
    reference = source.attributes.get("plainTextPath") or ""
    if not reference.startswith("internal://"):
        raise bad_file(
            path,
            "the source's text is outside the project; export it with its sources inside.",
            where=f"source {name}",
        )
    member = "sources/" + reference.removeprefix("internal://")
    if not _safe_member(member) or member not in project.members:
        raise bad_file(
            path, "the source's text file is missing from the zip.", where=f"source {name}"
        )
    raw = b"".join(project.chunks(member, MAX_TRANSCRIPT_BYTES))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise bad_file(path, "the source's text is not UTF-8.", where=f"member {member}") from None


def _text_source(
    source: _Source,
    project: _Project,
    now: datetime,
    reader: _ProjectReader,
    study: str,
    participant: str | None,
) -> SessionData:
    path, name = project.path, source.name
    try:
        segs = segments(_source_text(source, project))
    except TranscriptError as error:
        where = f"source {name}, {error.where}" if error.where else f"source {name}"
        raise bad_file(path, f"{error.problem}.", where=where) from None
    who = reader.cases.get(source.attributes.get("guid") or "", "")
    if participant:
        who = participant
    created = source.attributes.get("creationDateTime")
    if created:
        try:
            now = from_iso(created)
        except ValueError:
            pass  # a date another tool wrote oddly: the import time stands in
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
    data = transcript_session(
        segs, title=name, now=now, participant=who, study=study, source=path.name
    )
    notes = data.notes  # in the order of `segs`, which is time order for a Fieldnote export
    by_segment = dict(zip((id(s) for s in sorted(segs, key=lambda s: s.start)), notes, strict=True))
    excerpts: list[dict[str, Any]] = []
    offsets = [seg.offset for seg in segs]  # segments come in text order
    for start_text, end_text, refs in source.selections:
        try:
            start, end = int(start_text), int(end_text)
        except ValueError:
            raise bad_file(
                path, "a selection has no numeric start or end.", where=f"source {name}"
            ) from None
        # Each Coding's creatingUser is its coder (none named: `unknown`).
        codings = [
            (reader.code_names[ref], reader.users.get(user) or UNKNOWN_CODER, _moment(at))
            for ref, user, at in refs
            if ref in reader.code_names
        ]
        if not codings:
            continue
        for seg, lo, hi in _covered(segs, offsets, start, end):
            note = by_segment[id(seg)]
            if lo == 0 and hi == len(seg.text):
                _code(note, codings)
            else:
                span = {"id": new_id(), "note_id": note["id"], "start": lo, "end": hi}
                excerpts.append(_code({**span, "tags": [], "severity": None}, codings))
    data.excerpts = excerpts
    return data


def _code(doc: dict[str, Any], codings: list[tuple[str, str, str | None]]) -> dict[str, Any]:
    for tag, coder, at in codings:
        doc.update(with_coding(doc, tag, coder, at) or {})
    return doc


def _moment(value: str | None) -> str | None:
    """A Coding's creationDateTime as Fieldnote writes times; None when absent or odd."""
    try:
        return to_iso(from_iso(value)) if value else None
    except ValueError:
        return None
