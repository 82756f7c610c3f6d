"""REFI-QDA out and in: a `.qdpx` project (NVivo, ATLAS.ti, MAXQDA, QualCoder) and a `.qdc`
codebook. The tests validate every file written against the standard's schemas
(docs/ARCHITECTURE.md, "Exchange formats").

Out: each session is a plain-text source, its notes one per line as `[mm:ss] Author: text`
(`asked` marks are no notes: they are listed in the source's Description instead); each tagged
note, and each span excerpt, a PlainTextSelection whose [start, end) (code points) slices
exactly its text out of the source; the codebook as nested Codes (`pain/onboarding` is
`onboarding` inside `pain`), with descriptions and colours, every Code's name unique in the
project (`_unique_names`); participants as Cases, each also a Code with the Case's GUID that
codes the whole of their sources (how QualCoder reads a case's sources); authors as Users;
an attached transcript as a source of its own. What the format has no place for (ratings,
follow-ups, the guide, the attached transcript's tie to its session) goes into a memo of each
session, a Note its source names (tui/services/exchange/refi_memo.py). GUIDs derive from the
ids, so the same data always exports the same way; a pseudonymised study salts them
(`Study.guid_salt`), so they match nothing in the plain export.

In: a project Fieldnote wrote brings each session its memo describes back as it was, its
attached transcript with it (`_remembered`). Otherwise the sources become sessions of kind
`transcript` (their lines read as `Name: text`), except a live session's source in a project
Fieldnote wrote before memos, whose lines are typed notes again (`TYPED_ABOUT`); the
selections tags on the notes they cover, the codes tags; a project with codes and no sources
brings its codes alone. Member names are checked before anything is read (no `..`, no
absolute paths); members inflate in chunks against a running limit (never the header's word),
and the XML is parsed as it inflates, keeping only codes, cases, sources, selections and (in
a project Fieldnote wrote) its notes, with no DTD (tui/services/exchange/safe_xml.py). Codes
nest at most `MAX_TAG_DEPTH` deep.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import gc
import hashlib
import io
import itertools
import os
import re
import tempfile
import uuid
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import orjson

from tui.domain.clock import from_iso, to_iso

# The remembered `tag_key`: a study repeats a few tags thousands of times.
from tui.domain.codings import UNKNOWN_CODER, codings_of, tag_key, with_coding
from tui.domain.notes import clean_tag_name, format_elapsed, new_id, parse_inline
from tui.domain.tags import MAX_TAG_DEPTH
from tui.services.exchange.deflated_zip import DeflatedZip, Deflater, Packed, deflated
from tui.services.exchange.errors import bad_file
from tui.services.exchange.output import Spool
from tui.services.exchange.pseudonyms import COPY_FIELD
from tui.services.exchange.refi_memo import ABOUT as MEMO_ABOUT
from tui.services.exchange.refi_memo import MemoError, MemoTooLarge, read_memo, session_memo
from tui.services.exchange.safe_xml import BrokenXMLError, UnsafeXMLError, parse_chunks
from tui.services.exchange.study import Labeller, SessionData, Study
from tui.services.exchange.transcripts import (
    MAX_TRANSCRIPT_BYTES,
    Segment,
    TranscriptError,
    segments,
    transcript_session,
)
from tui.services.index_reader import can_fork, end_forked, end_with
from tui.store.codebook import new_tag
from tui.store.collector import collector_paused

NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
_SPACE = uuid.UUID("5b0c5c8e-3d0e-4a43-9a0e-6a1f3c2b7d11")
_HEX_COLOR = re.compile(r"#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})")
MB = 1024 * 1024
MAX_UNPACKED = 512 * MB
"""Bytes a project may unpack to in all (its members' headers are checked first, and the
bytes really inflated are counted as they come, since a header can lie)."""
MAX_PROJECT_XML = 64 * MB
"""Bytes a `project.qde` or `.qdc` may have: a study of 20,000 coded selections takes ~6 MB."""
MAX_MEMO_BYTES = 32 * MB
"""Bytes a session's memo may have (tui/services/exchange/refi_memo.py): one of as many values
as it may hold (`refi_memo.MAX_VALUES`) takes some 14 MB."""
MAX_NOTES = 100_000
"""Notes (source lines) one project may bring in all, and coded selections likewise."""
MAX_CODES = 10_000
"""Codes one project or codebook may bring: a large study's codebook holds a few hundred."""
_CHUNK = 1 << 16
_UNPACKED_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
"""The compression methods zipfile unpacks."""


SOURCE_FIELD = "refi_source"
"""The session record's field naming the REFI-QDA source GUID it was imported from."""
TYPED_ABOUT = "Notes typed in Fieldnote, a line each: [mm:ss] Author: text."
"""The first line of the Description of a session's source whose lines are notes typed in
Fieldnote (not a transcript's cues): Fieldnote's import reads them back as typed notes."""


def source_guid(session_id: str, salt: str = "") -> str:
    """The GUID of a session's TextSource in an export."""
    return guid("source", session_id, salt=salt)


_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _source_id(data: SessionData, salt: str, kept: set[str]) -> str:
    """The GUID of a session's TextSource: the one it was imported from, kept (so a project
    that went to another data folder and back is known as the same sources), else its own.
    A GUID an earlier session of the project kept (`kept`; two folders imported one project,
    then shared a folder) is that session's: a second source of one GUID would be one file
    in the zip and one source to every tool. A pseudonymised export's are salted: nothing in
    it matches a plain export's."""
    imported = data.session.get(SOURCE_FIELD)
    if not salt and isinstance(imported, str) and _GUID.fullmatch(imported):
        if imported.lower() not in kept:
            kept.add(imported.lower())
            return imported
    return source_guid(data.id, salt)


def guid(*parts: str, salt: str = "") -> str:
    """A GUID derived from `parts` (a name-based UUID, as uuid5 makes it, built from the hash
    directly: uuid5 costs ~20x more, which 20,000 selections notice). A pseudonymised export
    gives a random `salt`, so none of its GUIDs matches the plain export's."""
    return _as_guid(hashlib.sha1(_SPACE_BYTES + salt.encode() + "\x1f".join(parts).encode()))


def guids_after(*parts: str, salt: str = "") -> Callable[..., str]:
    """`guid(*parts, *more, salt=salt)` as a function of `more` (one part or more), the hash
    of `parts` taken once: a session's 100 selections and their codings share theirs."""
    begun = hashlib.sha1(_SPACE_BYTES + salt.encode() + "".join(p + "\x1f" for p in parts).encode())

    def of(*more: str) -> str:
        sha = begun.copy()
        sha.update("\x1f".join(more).encode())
        return _as_guid(sha)

    return of


def _as_guid(sha: Any) -> str:
    """A SHA-1 as a version-5 UUID's text (what uuid5 gives for the same hash)."""
    h = sha.hexdigest()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


_SPACE_BYTES = _SPACE.bytes
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


@functools.lru_cache(maxsize=4096)
def _code_guid(key: str, salt: str) -> str:
    """A tag's code GUID, derived once per export: its codings name it tens of thousands of
    times."""
    return guid("code", key, salt=salt)


@functools.lru_cache(maxsize=4096)
def _user_guid(name: str, salt: str) -> str:
    return guid("user", name, salt=salt)


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
    names: dict[str, str] = {}  # an author as the lines name them: a session has a few
    for note in data.notes:
        if note.get("kind") == "asked":
            continue
        text = str(note.get("text") or "")
        author = str(note.get("author") or "")
        if (name := names.get(author)) is None:
            name = names[author] = " ".join(author.split()) or "unknown"
        prefix = f"[{_clock(int(float(note.get('elapsed') or 0.0)))}] {name}: "
        starts[str(note.get("id"))] = at + len(prefix)
        line = prefix + text + "\n"
        parts.append(line)
        at += len(line)
    return "".join(parts), starts


_clock = functools.lru_cache(maxsize=16384)(format_elapsed)
"""`format_elapsed` of whole seconds, remembered: a study's notes fall on a few thousand."""


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


def _code_tree(codebook: list[dict[str, Any]], used: Iterable[str]) -> list[_Code]:
    """The codebook and the tags the sessions use (`used`, one spelling each), as a tree of
    codes (top level first)."""
    tags = {tag_key(t["name"]): t for t in codebook}
    for name in used:
        tags.setdefault(tag_key(name), new_tag(name, ""))
    root = _Code([])
    for key in sorted(tags):
        path = clean_tag_name(tags[key]["name"]).split("/")
        node = root
        for depth, segment in enumerate(path):
            node = node.children.setdefault(segment.casefold(), _Code(path[: depth + 1]))
        node.tag = tags[key]
    return list(root.children.values())


class _UsedTags:
    """The tags the sessions use, learnt a session at a time: one spelling per tag (the
    first in sorted order), and the keys of every level of each, to tell which tags have a
    code."""

    def __init__(self, codebook: list[dict[str, Any]]) -> None:
        self.spellings: dict[str, str] = {}
        self.levels: set[str] = set()
        self.uncoded: set[str] = set()
        """Tags of codings written with no Coding, having no code yet (a coding's tag that
        is not among its document's tags, in a file edited by hand or by another tool)."""
        for tag in codebook:
            self._levels(tag_key(tag["name"]))

    def add(self, data: SessionData) -> None:
        for doc in [*data.notes, *data.coded_spans().spans]:
            for tag in doc.get("tags") or []:
                key = tag_key(tag)
                if key not in self.spellings:
                    self._levels(key)
                if key not in self.spellings or tag < self.spellings[key]:
                    self.spellings[key] = tag

    def _levels(self, key: str) -> None:
        path = key.split("/")
        self.levels.update("/".join(path[: depth + 1]) for depth in range(len(path)))

    def used(self) -> list[str]:
        return [self.spellings[key] for key in sorted(self.spellings)]

    def join(self, later: dict[str, Any]) -> None:
        """Add what another writer learnt of the sessions after these (`doc`)."""
        for key, tag in later["spellings"].items():
            if key not in self.spellings or tag < self.spellings[key]:
                self.spellings[key] = tag
        self.levels.update(later["levels"])
        self.uncoded.update(later["uncoded"])

    def doc(self) -> dict[str, Any]:
        return {
            "spellings": self.spellings,
            "levels": sorted(self.levels),
            "uncoded": sorted(self.uncoded),
        }


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


_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'


def _xml(root: ET.Element) -> bytes:
    """The tree as UTF-8 XML (the root carries the namespace as its `xmlns`)."""
    return (_DECLARATION + _element(root)).encode("utf-8")


def _element(root: ET.Element) -> str:
    """One element and all inside it as XML text. Written here rather than by ElementTree,
    which spent half of a large export in its serializer (and recurses, as a 1,500-level code
    tree would not survive), and so that characters XML cannot hold become U+FFFD instead of
    making the file unreadable."""
    out: list[str] = []
    stack: list[ET.Element | str] = [root]  # an element to open, or a closing tag to write
    while stack:
        element = stack.pop()
        if isinstance(element, str):
            out.append(element)
            continue
        attributes = _attributes(element)
        if len(element) == 0 and not element.text:
            out.append(f"<{element.tag}{attributes}/>")
            continue
        out.append(f"<{element.tag}{attributes}>")
        if element.text:
            out.append(_text(element.text))
        stack.append(f"</{element.tag}>")
        stack.extend(reversed(element))
    return "".join(out)


def _attributes(element: ET.Element) -> str:
    return "".join(f' {k}="{_attr(v)}"' for k, v in element.attrib.items())


def _tag_codes(
    codebook: list[dict[str, Any]], used: list[str], salt: str
) -> tuple[list[_Code], dict[str, str]]:
    """The code tree with unique names, and tag key -> code GUID."""
    roots = _code_tree(codebook, used)
    nodes = _walk(roots)
    names = _unique_names([(n.path[-1], "/".join(n.path[:-1])) for n in nodes])
    guids = {}
    for node, name in zip(nodes, names, strict=True):
        node.name = name
        key = tag_key("/".join(node.path))
        guids[key] = _code_guid(key, salt)
    return roots, guids


def write_qdc(study: Study, out: BinaryIO) -> None:
    root = ET.Element("CodeBook", {"xmlns": CODEBOOK_NS, "origin": "Fieldnote"})
    used = _UsedTags(study.codebook)
    for data in study.sessions:
        used.add(data)
    roots, guids = _tag_codes(study.codebook, used.used(), study.guid_salt)
    codes = ET.SubElement(root, "Codes")
    if not roots:  # the schema wants at least one code
        roots = [_Code(["Fieldnote"], name="Fieldnote")]
        guids[tag_key("Fieldnote")] = guid("code", "fieldnote", salt=study.guid_salt)
    _codes(codes, roots, lambda node: guids[tag_key("/".join(node.path))])
    out.write(_xml(root))


_UTC_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z", re.ASCII)


def _iso(moment: str) -> str | None:
    """`moment` as an xsd:dateTime in UTC, or None when it is no time: a shared session file
    may hold any text there, and one attribute that is no dateTime makes the whole project
    invalid. A time without a zone is UTC, as Fieldnote writes them."""
    if not moment:
        return None
    try:
        when = from_iso(moment)
        if _UTC_MOMENT.fullmatch(moment):
            return moment  # as Fieldnote writes it: the same bytes as ever
        return to_iso(when if when.tzinfo else when.replace(tzinfo=UTC))
    except (ValueError, OverflowError):
        return None


SPLIT_FROM = 64
"""Sessions from which a project is written by two processes (`_SecondWriter`)."""


def write_qdpx(study: Study, out: BinaryIO) -> None:
    """The project a session at a time: each session's TextSource and source text go to
    temporary files as it is read, deflated, while what heads the project (its name, users,
    codes and cases, which depend on every session) is learnt; then `project.qde` (head, then
    the sources) and the source texts go into the zip as they are. A large study's later half
    is written by a second process meanwhile (`_SecondWriter`), to the same bytes."""
    sessions = study.sessions
    # Where the later half begins, which a second process may write: its sources are a piece
    # deflated on its own either way, so the bytes do not depend on who wrote them. (Each
    # half holds a session.)
    half = len(sessions) // 2 if len(sessions) >= max(SPLIT_FROM, 2) else None
    with (
        collector_paused(),  # as in the second writer: each session goes by its reference count
        Spool() as sources,
        Spool() as texts,
    ):
        first = _Sources(study, sources, texts)
        second = _SecondWriter.start(study, half) if half is not None else None
        with second if second is not None else contextlib.nullcontext():
            parts: list[_Sources | _SecondWriter] = [first]
            if second is None:
                for index, data in enumerate(sessions):  # iterated: a study read from the
                    if index == half:  # store reports progress
                        first.cut()
                    first.take(data)
            else:
                for index in range(second.begins):
                    first.take(sessions[index])
                if second.result(first):
                    first.join(second.learnt)
                    parts.append(second)
                else:  # it failed, or its half needs what this one learnt: written here
                    first.cut()
                    for index in range(second.begins, len(sessions)):
                        first.take(sessions[index])
            first.finish()
            _write_project(study, first, parts, out)


class _Sources:
    """The sources written by one process, in session order, and what they taught of the
    project's head: tags used, authors and coders, participants, the study's label."""

    def __init__(self, study: Study, sources: BinaryIO, texts: BinaryIO) -> None:
        self.salt = study.guid_salt
        self.used = _UsedTags(study.codebook)
        self.labeller = Labeller()
        self.authors: set[str] = set()
        self.participants: dict[str, list[list[str]]] = {}
        """Case-folded name -> [session id, its source's GUID] of each of their sessions."""
        self.spelling: dict[str, str] = {}  # case-folded name -> the first spelling
        self.studied = False
        """A session belongs to a study: the project declares the Study variable."""
        self.marked = False
        """A session is a pseudonymised copy: the project declares the copy mark's variable."""
        self.sources = sources
        """Each session's TextSource (and its transcript's), one after the other, deflated as
        one piece of `project.qde` (tui/services/exchange/deflated_zip.py)."""
        self._deflater = Deflater(sources)
        self._pieces: list[Packed] = []
        self.sources_packed = Packed(0, 0, 0)
        """What `sources` holds once `finish`ed: its pieces joined."""
        self.texts = texts
        self.files: list[tuple[str, int, int, int]] = []
        """(member, CRC-32, bytes, deflated bytes) of each source text in `texts` (each
        deflated whole), in order."""
        self.kept: set[str] = set()
        """The imported sources' GUIDs its sessions kept (`_source_id`), in lower case."""
        self.notes: list[str] = []
        """Each session's memo Note (tui/services/exchange/refi_memo.py) as XML text, in
        order: the project's Notes, after its Sources."""

    def take(self, data: SessionData) -> None:
        self.labeller.see(data)
        self.studied = self.studied or bool(data.study)
        self.marked = self.marked or bool(_copy_mark(data))
        self.used.add(data)
        self.authors.update(str(n.get("author") or "") for n in data.notes)
        source_id = _source_id(data, self.salt, self.kept)
        if name := data.participant.strip():
            sources = self.participants.setdefault(name.casefold(), [])
            sources.append([data.id, source_id])
            self.spelling.setdefault(name.casefold(), name)
        memo_id = guid("memo", data.id, salt=self.salt)
        text, starts = source_text(data)
        settlements: list[str] = []  # the GUIDs of the Codings that are settlements
        # Coders are Users too: `_source_xml` adds them.
        written = [
            (
                text,
                _source_xml(
                    data,
                    source_id,
                    text,
                    starts,
                    memo_id,
                    self.used,
                    self.salt,
                    self.authors,
                    settlements,
                ),
                source_id,
            )
        ]
        transcript = None
        if data.recording is not None:
            words, cue_starts = recording_text(data.recording)
            transcript_id = guid("recording", data.id, salt=self.salt)
            written.append(
                (
                    words,
                    _recording_xml(
                        data, transcript_id, cue_starts, self.used, self.salt, settlements
                    ),
                    transcript_id,
                )
            )
            transcript = (transcript_id, words, cue_starts)
        for plain, source, member in written:
            self._deflater.write(source.encode("utf-8"))
            packed = deflated(plain.encode("utf-8"), self.texts)
            self.files.append((f"sources/{member}.txt", *packed))
        # What the project has no place for, in a memo of the session its source names.
        memo = session_memo(
            data, (text, starts), transcript, _selection_guid(data.id, self.salt), settlements
        )
        self.files.append((f"sources/{memo_id}.txt", *deflated(memo, self.texts)))
        self.notes.append(_memo_xml(data, memo_id))

    def cut(self) -> None:
        """End the piece of `sources` here: the sessions after it begin one of their own, as
        in a second process (`_SecondWriter`)."""
        self._pieces.append(self._deflater.end(last=False))
        self._deflater = Deflater(self.sources)

    def finish(self) -> None:
        """Its sessions taken: `sources` ends as a piece that another may follow."""
        self._pieces.append(self._deflater.end(last=False))
        self.sources_packed = functools.reduce(Packed.then, self._pieces)

    def learnt(self) -> dict[str, Any]:
        """What `join` takes, and the files written, as JSON (once `finish`ed)."""
        return {
            "sources": list(self.sources_packed),
            "used": self.used.doc(),
            "labeller": self.labeller.learnt(),
            "authors": sorted(self.authors),
            "participants": list(self.participants.items()),
            "spelling": self.spelling,
            "studied": self.studied,
            "marked": self.marked,
            "files": self.files,
            "kept": sorted(self.kept),
            "notes": self.notes,
        }

    def join(self, later: dict[str, Any]) -> None:
        """Add what the sessions after these taught (`learnt` of another process)."""
        self.used.join(later["used"])
        self.labeller.join(later["labeller"])
        self.authors.update(later["authors"])
        for key, sessions in later["participants"]:
            self.participants.setdefault(key, []).extend(sessions)
        for key, name in later["spelling"].items():
            self.spelling.setdefault(key, name)
        self.studied = self.studied or later["studied"]
        self.marked = self.marked or later["marked"]
        self.kept.update(later["kept"])


def _write_project(
    study: Study, head_of: _Sources, parts: list[_Sources | _SecondWriter], out: BinaryIO
) -> None:
    """`project.qde` (its head, then each part's sources in turn) and each part's source
    texts into the zip, each part's deflated bytes as they are."""
    label = study.label if study.label is not None else head_of.labeller.label()
    head = _project_head(
        study,
        label,
        head_of.used.used(),
        head_of.authors,
        head_of.participants,
        head_of.spelling,
        head_of.studied,
        head_of.marked,
    )
    inside = [part for part in parts if part.files]  # their sources: the project's Sources
    notes = "".join(note for part in parts for note in part.notes)  # the sessions' memos
    opening, closing = io.BytesIO(), io.BytesIO()
    if len(head) == 0 and not inside:
        packed = deflated(_xml(head), opening)
    else:
        opened = f"<{head.tag}{_attributes(head)}>" + "".join(_element(c) for c in head)
        front, back = _DECLARATION + opened, "</Project>"
        if notes:
            back = f"<Notes>{notes}</Notes>{back}"
        if inside:
            front, back = front + "<Sources>", "</Sources>" + back
        deflater = Deflater(opening)
        deflater.write(front.encode("utf-8"))
        packed = deflater.end(last=False)
        for part in inside:
            packed = packed.then(part.sources_packed)
        packed = packed.then(deflated(back.encode("utf-8"), closing))
    archive = DeflatedZip(out)
    sources = (_chunks(part.sources, part.sources_packed.packed) for part in inside)
    archive.add(
        "project.qde",
        packed,
        itertools.chain([opening.getvalue()], *sources, [closing.getvalue()]),
    )
    for part in parts:
        part.texts.seek(0)
        for member, *sizes in part.files:
            packed = Packed(*sizes)
            archive.add(member, packed, _chunks(part.texts, packed.packed, rewind=False))
    archive.close()


class _SecondWriter:
    """A forked process writing the sessions from `begins` on, while this one writes those
    before: its sources and texts go to temporary files, and what they taught the project's
    head (`_Sources.learnt`) to a third, read once it ends. Its bytes are the ones this
    process would write, with one exception it tells: a coding whose tag had no code yet in
    its half (`_UsedTags.uncoded`), where the first half may have given it one. Then, or if it
    fails or dies, this process writes that half itself; if this process dies (SIGKILL
    included), the kernel ends it too (`end_with`). Forked only as the index's second reader
    is (tui/services/index_reader.py: Linux, one thread, two cores)."""

    def __init__(self, begins: int, pid: int, files: list[Any]) -> None:
        self.begins = begins
        self._pid: int | None = pid
        self.sources, self.texts, self._learnt = files
        self.files: list[tuple[str, int, int, int]] = []
        self.notes: list[str] = []
        self.sources_packed = Packed(0, 0, 0)
        self.learnt: dict[str, Any] = {}

    @classmethod
    def start(cls, study: Study, begins: int) -> _SecondWriter | None:
        if not can_fork():
            return None
        files: list[Any] = []
        parent = os.getpid()
        try:
            files += [tempfile.TemporaryFile() for _ in range(3)]
            pid = os.fork()
        except OSError:  # no room for its files, or no fork: one process writes it all
            for each in files:
                each.close()
            return None
        if pid == 0:  # the second process: it never returns
            code = 1
            try:
                # Its files are unnamed temporary ones: killed with this process, it leaves
                # nothing behind; orphaned, it would read the rest of the study for no one.
                end_with(parent)
                gc.disable()  # a short life: each session is let go by its reference count
                sources, texts, learnt = files
                half = _Sources(study, sources, texts)
                for index in range(begins, len(study.sessions)):
                    half.take(study.sessions[index])
                half.finish()
                learnt.write(orjson.dumps(half.learnt()))
                for each in files:
                    each.flush()
                code = 0
            finally:
                os._exit(code)
        return cls(begins, pid, files)

    def result(self, before: _Sources) -> bool:
        """Whether its half is written, once its process ended (then `files` and `learnt`
        say what it wrote); False: this process writes that half (`before`: the first
        half, and what it learnt)."""
        try:
            _, status = os.waitpid(self._pid, 0)
        except ChildProcessError:  # reaped already (SIGCHLD ignored): its end is unknown
            status = -1
        self._pid = None
        if status != 0:
            return False
        self._learnt.seek(0)
        try:
            learnt = orjson.loads(self._learnt.read())
        except orjson.JSONDecodeError:
            return False
        if set(learnt["used"]["uncoded"]) & before.used.levels:
            return False  # coded had this process written it
        if before.kept.intersection(learnt["kept"]):
            return False  # a source GUID the first half kept: its own one had this written it
        self.learnt, self.files = learnt, [tuple(each) for each in learnt["files"]]
        self.notes = learnt["notes"]
        self.sources_packed = Packed(*learnt["sources"])
        return True

    def __enter__(self) -> _SecondWriter:
        return self

    def __exit__(self, *_: object) -> None:
        if self._pid is not None:  # this process failed first: end the other
            end_forked(self._pid)
            self._pid = None
        for each in (self.sources, self.texts, self._learnt):
            each.close()


def _chunks(source: BinaryIO, size: int, *, rewind: bool = True) -> Iterator[bytes]:
    """The next `size` bytes of `source` (from its start: `rewind`), a chunk at a time."""
    if rewind:
        source.seek(0)
    while size > 0:
        chunk = source.read(min(size, _CHUNK))
        if not chunk:
            raise OSError(f"a temporary file of the export ended {size} bytes short")
        yield chunk
        size -= len(chunk)


def _project_head(
    study: Study,
    label: str,
    used: list[str],
    authors: set[str],
    participants: dict[str, list[list[str]]],
    spelling: dict[str, str],
    studied: bool,
    marked: bool = False,
) -> ET.Element:
    """The Project with its Users, CodeBook, Variables (the Study of a session that has one,
    the copy mark of a pseudonymised one) and Cases (no Sources)."""
    salt = study.guid_salt
    root = ET.Element("Project", {"xmlns": NS, "name": label, "origin": "Fieldnote"})
    names = sorted(filter(_is_user, authors))
    if names:
        users_el = ET.SubElement(root, "Users")
        for name in names:
            ET.SubElement(users_el, "User", {"guid": _user_guid(name, salt), "name": name})
    case_guids = {key: guid("case", key, salt=salt) for key in participants}
    # QualCoder links a case to its text only through a Code that has the Case's GUID: its
    # importer (ccbogel/QualCoder, src/qualcoder/refi.py) reads no SourceRef or SelectionRef
    # of a named Case (`parse_cases`), loads every Coding of a PlainTextSelection by its
    # CodeRef (`load_codings_for_text`), then turns the codings of any Code whose GUID equals
    # a Case's GUID into that case's text and deletes the Code
    # (`clean_up_case_codes_and_case_text`), as NVivo writes cases. So each participant is
    # also a Code with the Case's GUID, coding the whole of each of their sources; the Case
    # keeps its SourceRef (and a SelectionRef to that selection) for the tools that read those.
    roots, code_guids = _tag_codes(study.codebook, used, salt)
    nodes = _walk(roots)
    case_codes = [_Code([key]) for key in participants]
    unique = _unique_names(
        [(n.path[-1], "/".join(n.path[:-1])) for n in nodes]
        + [(spelling[code.path[0]], "case") for code in case_codes]
    )
    for node, name in zip([*nodes, *case_codes], unique, strict=True):
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
    if studied or marked:
        variables = ET.SubElement(root, "Variables")
        for name, wanted in ((STUDY_VARIABLE, studied), (COPY_VARIABLE, marked)):
            if wanted:
                variable = {"guid": _variable(name, salt), "name": name, "typeOfVariable": "Text"}
                ET.SubElement(variables, "Variable", variable)
    if participants:
        cases = ET.SubElement(root, "Cases")
        for key, sessions in participants.items():
            case = ET.SubElement(cases, "Case", {"guid": case_guids[key], "name": spelling[key]})
            for _, source_id in sessions:
                ET.SubElement(case, "SourceRef", {"targetGUID": source_id})
            for session_id, _ in sessions:
                ET.SubElement(
                    case, "SelectionRef", {"targetGUID": guid("whole", session_id, salt=salt)}
                )
    return root


def _source_xml(
    data: SessionData,
    source_id: str,
    text: str,
    starts: dict[str, int],
    memo_id: str,
    used: _UsedTags,
    salt: str,
    coders: set[str],
    settlements: list[str],
) -> str:
    """A session's TextSource element as XML text, over its source text (`text`, `starts`:
    `source_text`), naming its memo's Note (`memo_id`); adds the coder of every coding to
    `coders` (each Coding names its coder as its creatingUser, so coders are Users too) and
    the GUID of each Coding that is a resolver's settlement to `settlements` (the memo marks
    them).
    Written as text directly (as `_element` would write the element): a study has tens of
    thousands of selections. A coding's tag has a code when it is in the codebook or used by
    this session or one before it (`used`)."""
    spans = data.coded_spans()
    codings_by_doc = {  # a document with neither tags nor codings has no coding
        id(doc): codings_of(doc)
        for doc in [*data.notes, *spans.spans]
        if doc.get("tags") or doc.get("codings")
    }
    coders.update(c["coder"] for found in codings_by_doc.values() for c in found)
    head = f'<TextSource guid="{source_id}" name="{_attr(data.title or data.id)}"'
    head += f' plainTextPath="internal://{source_id}.txt"'
    created = _iso(str(data.session.get("created_at") or ""))
    if created:
        head += f' creationDateTime="{_attr(created)}"'
    out: list[str] = []
    # A transcript's cues are words said; a live session's lines are its note-takers' notes.
    about = [] if data.session.get("kind") == "transcript" else [TYPED_ABOUT]
    if marks := asked_marks(data):
        about.append(marks)
    if about:
        out.append(f"<Description>{_text(chr(10).join(about))}</Description>")
    coded: list[tuple[str, int, int, list[Any], str]] = []
    for note in data.notes:
        if note.get("tags") and (start := starts.get(note_id := str(note.get("id")))) is not None:
            coded.append(
                (
                    note_id,
                    start,
                    start + len(str(note.get("text") or "")),
                    codings_by_doc[id(note)],
                    str(note.get("author") or ""),
                )
            )
    notes = {str(n.get("id")): n for n in data.notes} if spans.spans else {}
    for excerpt in spans.spans:
        if spans.coded_on_cue(excerpt):
            continue  # in the transcript's source (`_recording_xml`)
        note = notes[str(excerpt.get("note_id"))]
        if not excerpt.get("tags") or str(note["id"]) not in starts:
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
                codings_by_doc[id(excerpt)],
                str(note.get("author") or ""),
            )
        )
    out += _selections_xml(coded, data.id, used, salt, settlements)
    if data.participant.strip():
        case = guid("case", data.participant.strip().casefold(), salt=salt)
        out.append(
            f'<PlainTextSelection guid="{guid("whole", data.id, salt=salt)}" startPosition="0"'
            f' endPosition="{len(text)}"><Coding guid="{guid("case-coding", data.id, salt=salt)}">'
            f'<CodeRef targetGUID="{case}"/></Coding></PlainTextSelection>'
        )
    out.append(f'<NoteRef targetGUID="{memo_id}"/>')
    out += _study_value(data, salt)
    return f"{head}>{''.join(out)}</TextSource>"


STUDY_VARIABLE = "Study"
"""The source variable a session's study goes out as, and is read back from."""
COPY_VARIABLE = "Fieldnote copy"
"""The source variable a pseudonymised session's copy mark goes out as, and is read back
from (exchange/pseudonyms.py: only the data folder it came from can read it)."""


def _variable(name: str, salt: str) -> str:
    return guid("variable", name.casefold(), salt=salt)


def _copy_mark(data: SessionData) -> str:
    mark = data.session.get(COPY_FIELD)
    return mark if isinstance(mark, str) else ""


def _study_value(data: SessionData, salt: str) -> list[str]:
    """The session's study and copy mark as its source's values of the Study and the copy
    variables (none without them)."""
    values = ((STUDY_VARIABLE, data.study), (COPY_VARIABLE, _copy_mark(data)))
    return [
        f'<VariableValue><VariableRef targetGUID="{_variable(name, salt)}"/>'
        f"<TextValue>{_text(value)}</TextValue></VariableValue>"
        for name, value in values
        if value
    ]


def _selection_guid(session_id: str, salt: str) -> Callable[[str], str]:
    """The GUID of the PlainTextSelection of a session's note or span, by its id (a span's,
    its memo names: tui/services/exchange/refi_memo.py)."""
    return guids_after("selection", session_id, salt=salt)


def _selections_xml(
    coded: list[tuple[str, int, int, list[Any], str]],
    session_id: str,
    used: _UsedTags,
    salt: str,
    settlements: list[str],
) -> list[str]:
    """A PlainTextSelection for each (key, start, end, codings, author), with one Coding per
    coder of a tag (its creatingUser). A resolver's settlement of a tag is a Coding by them of
    a GUID of its own, beside their own coding of the tag if they have one, and its GUID goes
    to `settlements`: REFI-QDA has no mark for a settlement (another tool reads it as the
    resolver's coding), the session's memo has."""
    out: list[str] = []
    levels = used.levels
    selection_guid = _selection_guid(session_id, salt)
    coding_guid = guids_after("coding", session_id, salt=salt)
    for key, start, end, codings, author in coded:
        selection = (
            f'<PlainTextSelection guid="{selection_guid(key)}"'
            f' startPosition="{start}" endPosition="{end}"{_creating(author, salt)}'
        )
        inside = []
        for each in codings:  # one Coding per coder of a tag: its creatingUser
            tag = tag_key(each["tag"])
            if tag not in levels:
                used.uncoded.add(tag)
                continue
            coder, at = each["coder"], each["at"]
            if each.get("settlement"):
                ident = coding_guid(key, tag, coder, "settlement")
                settlements.append(ident)
            elif coder == UNKNOWN_CODER:
                ident = coding_guid(key, tag)
            else:
                ident = coding_guid(key, tag, coder)
            inside.append(
                f'<Coding guid="{ident}"{_creating(coder, salt)}'
                + (f' creationDateTime="{when}"' if (when := _iso(at)) else "")
                + f'><CodeRef targetGUID="{_code_guid(tag, salt)}"/></Coding>'
            )
        if inside:
            out.append(f"{selection}>{''.join(inside)}</PlainTextSelection>")
        else:
            out.append(f"{selection}/>")
    return out


@functools.lru_cache(maxsize=4096)
def _creating(name: str, salt: str) -> str:
    """The creatingUser attribute naming `name`'s User, or "" when `name` is none."""
    return f' creatingUser="{_user_guid(name, salt)}"' if _is_user(name) else ""


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


def _recording_xml(
    data: SessionData,
    source_id: str,
    starts: dict[str, int],
    used: _UsedTags,
    salt: str,
    settlements: list[str],
) -> str:
    """A session's attached transcript as a source of its own (its TextSource, of GUID
    `source_id`, where each cue's words start in its text: `recording_text`): a span coded on
    one of its cues is a selection in it (a settlement's Coding added to `settlements`). (Its
    coders are Users already: `_source_xml` counts every excerpt's.) The session's memo names
    it, so Fieldnote's import attaches it to its session again."""
    recording = data.recording or {}
    title = data.title or data.id
    name = f"{title} \u2014 {recording.get('source') or 'transcript'}"
    head = f'<TextSource guid="{source_id}" name="{_attr(name)}"'
    head += f' plainTextPath="internal://{source_id}.txt"'
    about = f"The transcript attached to {title}, by recording time."
    out = [f"<Description>{_text(about)}</Description>"]
    cues = {str(c.get("id")): c for c in data.cues}
    coded: list[tuple[str, int, int, list[Any], str]] = []
    spans = data.coded_spans()
    for excerpt in spans.spans:
        if not spans.coded_on_cue(excerpt) or not excerpt.get("tags"):
            continue
        cue = cues[str(excerpt.get("note_id"))]
        begin, length = starts[str(cue["id"])], len(str(cue.get("text") or ""))
        lo = max(0, min(int(excerpt.get("start") or 0), length))
        hi = max(lo, min(int(excerpt.get("end") or 0), length))
        # No creatingUser on the selection: the speaker is no User; each Coding names its coder.
        coded.append((str(excerpt.get("id")), begin + lo, begin + hi, codings_of(excerpt), ""))
    out += _selections_xml(coded, data.id, used, salt, settlements)
    # Another tool (and an older Fieldnote) reads it as a source of its own, in the study.
    out += _study_value(data, salt)
    return f"{head}>{''.join(out)}</TextSource>"


def _memo_xml(data: SessionData, memo_id: str) -> str:
    """The Note holding a session's memo (tui/services/exchange/refi_memo.py), its text in
    `sources/` as a source's is; its Description says what it is, to a person and to the
    import."""
    name = f"Fieldnote memo: {data.title or data.id}"
    head = f'<Note guid="{memo_id}" name="{_attr(name)}" plainTextPath="internal://{memo_id}.txt"'
    created = _iso(str(data.session.get("created_at") or ""))
    if created:
        head += f' creationDateTime="{_attr(created)}"'
    return f"{head}><Description>{_text(MEMO_ABOUT)}</Description></Note>"


def _is_user(name: str) -> bool:
    """Whether a note author or coder is one of the project's Users."""
    return name not in ("", UNKNOWN_CODER)


# -- import -------------------------------------------------------------------------------------


def _local(name: str) -> str:
    return name.rpartition("}")[2]


def _typable(name: str) -> str:
    """A code's name as one level of a tag: other tools allow spaces ("Pain points"), and a
    tag must be typable as #tag."""
    return "-".join(name.replace("/", " ").split())


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
    selections: list[tuple[str, str, str, list[tuple[str, str, str]]]] = field(default_factory=list)
    """(guid, startPosition, endPosition, code GUIDs) as written."""
    study: str = ""
    """Its value of the project's Study variable (text), as Fieldnote's export gives it."""
    copy_mark: str = ""
    """Its value of the copy variable: a pseudonymised export's mark (`COPY_VARIABLE`)."""
    about: list[str] = field(default_factory=list)
    """Its Description, as read."""
    note_refs: list[str] = field(default_factory=list)
    """The GUIDs of the Notes its NoteRefs name (lower case): its memo, in a project
    Fieldnote wrote."""

    @property
    def name(self) -> str:
        return self.attributes.get("name") or "Imported source"

    @property
    def guid(self) -> str:
        return (self.attributes.get("guid") or "").strip().lower()

    @property
    def typed_notes(self) -> bool:
        """Its lines are notes typed in Fieldnote (`TYPED_ABOUT`), not words someone said."""
        return "".join(self.about).startswith(TYPED_ABOUT)


class _TooDeep(Exception):
    pass


class _ProjectReader:
    """expat handlers for a `project.qde` or `.qdc`: what the import needs, nothing more."""

    def __init__(self, now: str) -> None:
        self.now = now
        self.root = ""
        self.origin = ""
        """The project's `origin`: "Fieldnote" for a project Fieldnote's export wrote."""
        self.path: list[str] = []
        self.codes: list[_ReadCode] = []
        self.tags: list[dict[str, Any]] = []
        self.code_names: dict[str, str] = {}
        self.code_count = 0
        self._keys_read: set[str] = set()
        """The tag key of every code read so far."""
        self.has_codes = False
        self.case = ""
        self.case_guids: list[str] = []
        self.cases: dict[str, str] = {}
        self.sources: list[_Source] = []
        self.source: _Source | None = None
        self.notes: dict[str, _Source] = {}
        """The project's Notes by GUID (lower case), read in a project Fieldnote wrote alone:
        the sessions' memos (a Note is a TextSource as REFI-QDA describes it)."""
        self.note: _Source | None = None
        self.selection: tuple[str, str, str, list[tuple[str, str, str, str]]] | None = None
        """(guid, start, end, [(code GUID, creatingUser, creationDateTime, GUID) of each
        Coding])."""
        self.coding = ("", "", "")
        self.users: dict[str, str] = {}
        """User GUID -> name: a Coding's creatingUser is its coder."""
        self.capture: list[str] | None = None
        self.captured = 0
        self.selections = 0
        self.study_variables: set[str] = set()
        """GUIDs of the project's text variables named Study (any case)."""
        self.copy_variables: set[str] = set()
        """GUIDs of the project's text variables named as `COPY_VARIABLE` (any case)."""
        self.value: tuple[str, list[str]] | None = None
        """The VariableValue being read in a TextSource: (its VariableRef, its TextValue)."""

    def memo_of(self, source: _Source) -> _Source | None:
        """The Note holding the memo Fieldnote wrote of `source` (tui/services/exchange/
        refi_memo.py): one its NoteRefs name whose Description opens with `MEMO_ABOUT`, in a
        project whose origin is Fieldnote (no other project's notes are read)."""
        for ref in source.note_refs:
            note = self.notes.get(ref)
            if note is not None and "".join(note.about).startswith(MEMO_ABOUT):
                return note
        return None

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        local, parent = _local(tag), self.path[-1] if self.path else ""
        self.path.append(local)
        if len(self.path) == 1:
            self.root = local
            self.origin = attributes.get("origin") or ""
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
        elif local == "Description" and parent == "TextSource" and self.source:
            self.capture, self.captured = self.source.about, 0
        elif local == "PlainTextContent" and parent == "TextSource" and self.source:
            self.source.content = self.capture = []
            self.captured = 0
        elif local == "NoteRef" and parent == "TextSource" and self.source:
            self.source.note_refs.append((attributes.get("targetGUID") or "").strip().lower())
        elif local == "Note" and parent == "Notes" and self.origin == "Fieldnote":
            self.note = _Source(dict(attributes))
        elif local == "Description" and parent == "Note" and self.note:
            self.capture, self.captured = self.note.about, 0
        elif local == "PlainTextContent" and parent == "Note" and self.note:
            self.note.content = self.capture = []
            self.captured = 0
        elif local == "PlainTextSelection" and parent == "TextSource":
            self.selection = (
                attributes.get("guid", "").strip().lower(),
                attributes.get("startPosition", ""),
                attributes.get("endPosition", ""),
                [],
            )
        elif local == "Variable" and parent == "Variables":
            named = (attributes.get("name") or "").strip().casefold()
            if attributes.get("typeOfVariable") == "Text":
                variable = (attributes.get("guid") or "").lower()
                if named == STUDY_VARIABLE.casefold():
                    self.study_variables.add(variable)
                elif named == COPY_VARIABLE.casefold():
                    self.copy_variables.add(variable)
        elif local == "VariableValue" and parent == "TextSource":
            self.value = ("", [])
        elif local == "VariableRef" and parent == "VariableValue" and self.value is not None:
            self.value = ((attributes.get("targetGUID") or "").lower(), self.value[1])
        elif local == "TextValue" and parent == "VariableValue" and self.value is not None:
            self.capture, self.captured = self.value[1], 0
        elif local == "User" and parent == "Users":
            self.users[attributes.get("guid") or ""] = attributes.get("name") or ""
        elif local == "Coding" and parent == "PlainTextSelection":
            self.coding = (
                attributes.get("creatingUser") or "",
                attributes.get("creationDateTime") or "",
                (attributes.get("guid") or "").strip().lower(),
            )
        elif local == "CodeRef" and parent == "Coding" and self.selection is not None:
            self.selection[3].append((attributes.get("targetGUID") or "", *self.coding))

    def _start_code(self, attributes: dict[str, str]) -> None:
        if len(self.codes) >= MAX_TAG_DEPTH:
            raise _TooDeep
        self.code_count += 1  # every Code, not the GUIDs: a GUID may come many times
        if self.code_count > MAX_CODES:
            raise _TooManyCodes
        prefix = self.codes[-1].name if self.codes else ""
        raw = attributes.get("name") or ""
        # A name Fieldnote's export gave the context of (`import (pain)` under `pain`, as
        # `_unique_names` does for a name under two parents) is that name again under it,
        # unless a code of that name was read there already (one read after it shares its
        # tag, as two codes of one name under one parent always have).
        context = f" ({prefix})"
        if prefix and raw.endswith(context):
            bare = raw.removesuffix(context)
            if tag_key(f"{prefix}/{_typable(bare)}") not in self._keys_read:
                raw = bare
        segment = _typable(raw)
        skipped = bool(self.codes) and not prefix
        name = "" if skipped else clean_tag_name(f"{prefix}/{segment}" if prefix else segment)
        tag = None
        if name:
            self._keys_read.add(tag_key(name))
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
        elif local in ("Description", "PlainTextContent", "TextValue"):
            self.capture = None
        elif local == "VariableValue" and self.value is not None:
            ref, text = self.value
            if ref in self.study_variables and self.source is not None:
                self.source.study = " ".join("".join(text).split())
            elif ref in self.copy_variables and self.source is not None:
                self.source.copy_mark = "".join(text).strip()
            self.value = None
        elif local == "TextSource" and self.source is not None:
            self.sources.append(self.source)
            self.source = None
        elif local == "Note" and self.note is not None:
            self.notes[self.note.guid] = self.note
            self.note = None
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


class _TooManyCodes(Exception):
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
    except _TooManyCodes:
        raise bad_file(
            path,
            f"it holds more than {MAX_CODES:,} codes, more than any codebook; it was not imported.",
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
            # zipfile raises RuntimeError and NotImplementedError for these, once opened.
            if info.flag_bits & 0x1:
                raise bad_file(
                    path,
                    "it is encrypted (a password protects it); export the project again "
                    "without a password (nothing was imported).",
                    where=f"member {info.filename}",
                )
            if info.compress_type not in _UNPACKED_METHODS:
                raise bad_file(
                    path,
                    "it is packed with a compression method Fieldnote cannot unpack (such as "
                    "Deflate64); unzip it and zip it again, or export it again (nothing was "
                    "imported).",
                    where=f"member {info.filename}",
                )
        if sum(info.file_size for info in infos) > MAX_UNPACKED:
            self._too_large(MAX_UNPACKED, "")
        self.members = {info.filename for info in infos}
        if len(self.members) < len(infos):
            # zipfile reads the last of them, another tool perhaps the first: which one is
            # the project cannot be told, so neither is taken.
            counts = Counter(info.filename for info in infos)
            twice = next(name for name, count in counts.items() if count > 1)
            raise bad_file(
                path,
                "it holds two members of this name, which tools read differently; export it "
                "again (nothing was imported).",
                where=f"member {twice}",
            )

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
    # A project Fieldnote wrote: the sessions its memos describe, each with its transcript.
    remembered: dict[int, SessionData] = {}  # by id() of its source
    attached: set[str] = set()
    notes = 0
    for source in reader.sources:
        if (memo := reader.memo_of(source)) is not None:
            data, transcript = _remembered(source, memo, project, now, reader, study, participant)
            notes = _counted(notes, data, path)
            remembered[id(source)] = data
            if transcript:
                attached.add(transcript)
    sessions: list[SessionData] = []
    for source in reader.sources:
        if id(source) in remembered:
            data = remembered[id(source)]
        elif source.guid in attached:
            continue  # the transcript attached to a session, with it again
        else:
            data = _text_source(source, project, now, reader, study, participant)
            notes = _counted(notes, data, path)
        sessions.append(data)
    if not sessions and not reader.tags:
        raise bad_file(path, "it holds neither text sources nor codes; there is nothing to import.")
    return Study(sessions, reader.tags, path.stem)


def _counted(notes: int, data: SessionData, path: Path) -> int:
    """`notes` and the session's notes and cues: refused past `MAX_NOTES` in all."""
    notes += len(data.notes) + len(data.cues)
    if notes > MAX_NOTES:
        raise bad_file(
            path,
            f"its sources hold more than {MAX_NOTES:,} lines in all, more than any study; "
            "import it in parts.",
        )
    return notes


def _source_text(source: _Source, project: _Project) -> str:
    if source.content is not None:
        return "".join(source.content)
    raw, member = _source_bytes(source, project, MAX_TRANSCRIPT_BYTES)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise bad_file(
            project.path,
            "the source's text is not UTF-8, as REFI-QDA writes it; export the project again.",
            where=f"member {member}",
        ) from None


def _source_bytes(source: _Source, project: _Project, limit: int) -> tuple[bytes, str]:
    """The bytes of a source's (or Note's) text and the zip member holding them ("" for a
    text inside `project.qde`), refused past `limit`."""
    if source.content is not None:
        return "".join(source.content).encode("utf-8"), ""
    path, name = project.path, source.name
    reference = source.attributes.get("plainTextPath") or ""
    if not reference and source.attributes.get("richTextPath"):
        raise bad_file(
            path,
            "the source has no plain text, only a rich-text version (.docx), which Fieldnote "
            "does not read; export it again with plain text sources.",
            where=f"source {name}",
        )
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
    return b"".join(project.chunks(member, limit)), member


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
    who, now = _who_and_when(source, reader, now, participant)
    data = transcript_session(
        segs, title=name, now=now, participant=who, study=study or source.study, source=path.name
    )
    if reader.origin == "Fieldnote" and source.typed_notes:
        _typed_again(data)
    if guid_text := source.attributes.get("guid"):
        # Kept, so importing the project again is refused as a JSON export's second import is.
        data.session[SOURCE_FIELD] = guid_text.strip().lower()
    if source.copy_mark:  # a pseudonymised copy: its data folder knows it again
        data.session[COPY_FIELD] = source.copy_mark
    notes = data.notes  # in the order of `segs`, which is time order for a Fieldnote export
    by_segment = dict(zip((id(s) for s in sorted(segs, key=lambda s: s.start)), notes, strict=True))
    excerpts: list[dict[str, Any]] = []
    offsets = [seg.offset for seg in segs]  # segments come in text order
    for _, start_text, end_text, refs in source.selections:
        try:
            start, end = int(start_text), int(end_text)
        except ValueError:
            raise bad_file(
                path, "a selection has no numeric start or end.", where=f"source {name}"
            ) from None
        codings = _codings(refs, reader)
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


def _who_and_when(
    source: _Source, reader: _ProjectReader, now: datetime, participant: str | None
) -> tuple[str, datetime]:
    """A source's participant (its Case's name, or the one `--participant` gives) and when
    it was made (its creationDateTime, else `now`)."""
    who = participant or reader.cases.get(source.attributes.get("guid") or "", "")
    created = source.attributes.get("creationDateTime")
    if created:
        try:
            now = from_iso(created)
        except ValueError:
            pass  # a date another tool wrote oddly: the import time stands in
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
    return who, now


def _remembered(
    source: _Source,
    note: _Source,
    project: _Project,
    now: datetime,
    reader: _ProjectReader,
    study: str,
    participant: str | None,
) -> tuple[SessionData, str]:
    """A session as the memo of its source (`note`) describes it (tui/services/exchange/
    refi_memo.py): its notes' words from the source text, each tag from the selection the
    memo names with its coders, the rest from the memo; and the GUID of the source of its
    attached transcript ("" for none), whose words and selections it takes."""
    path, name = project.path, source.name
    transcript: _Source | None = None
    try:
        memo = read_memo(_source_bytes(note, project, MAX_MEMO_BYTES)[0])
        if memo.transcript:
            found = (s for s in reader.sources if s.guid == memo.transcript and s is not source)
            transcript = next(found, None)
        text = _source_text(source, project)
        words = _source_text(transcript, project) if transcript is not None else None
        who, created = _who_and_when(source, reader, now, participant)
        base = {"id": new_id(), "title": name, "participant": who, "created_at": to_iso(created)}
        if study or source.study:
            base["study"] = study or source.study
        data, selected = memo.session(text, words, base)
        if participant:  # `--participant` names the participant of every source
            data.session["participant"] = participant
    except MemoError as error:
        advice = (
            "move this session with --format json instead"
            if isinstance(error, MemoTooLarge)
            else "export the project again"
        )
        raise bad_file(
            path,
            f"the memo Fieldnote wrote of this source cannot be read ({error}); {advice} "
            "(nothing was imported).",
            where=f"source {name}",
        ) from None
    for each in (source, transcript) if transcript is not None else (source,):
        for selection, start, end, refs in each.selections:
            doc = selected.of(selection, start, end, transcript=each is transcript)
            if doc is not None:
                _code(doc, _codings(refs, reader, memo.settlements))
    if guid_text := source.attributes.get("guid"):
        data.session[SOURCE_FIELD] = guid_text.strip().lower()
    if source.copy_mark:
        data.session[COPY_FIELD] = source.copy_mark
    return data, memo.transcript if transcript is not None else ""


def _codings(
    refs: list[tuple[str, str, str, str]],
    reader: _ProjectReader,
    settlements: frozenset[str] = frozenset(),
) -> list[tuple[str, str, str | None, bool]]:
    """A selection's codings as (tag, coder, time, settlement): each Coding's creatingUser is
    its coder (none named: `unknown`), and one whose GUID is in `settlements` (the memo's) is
    a resolver's settlement; a Coding of no code of the project (a Case's) is none."""
    return [
        (
            reader.code_names[ref],
            reader.users.get(user) or UNKNOWN_CODER,
            _moment(at),
            ident in settlements,
        )
        for ref, user, at, ident in refs
        if ref in reader.code_names
    ]


def _typed_again(data: SessionData) -> None:
    """A live session's notes as Fieldnote's export wrote them, read back as typed notes: each
    line is its author's note, its kind, star and emotions read from its inline marks as when
    it was typed, its words unchanged (so the selections still fall on them). Read as
    transcript cues, the note-taker's paraphrases and follow-ups were words the note-taker
    said, quoted as such by the report, and counted for no participant. The session is a
    session again, not a transcript (one can be attached)."""
    data.session.pop("kind", None)
    for note in data.notes:
        marks = parse_inline(str(note.get("text") or ""))
        note["kind"] = marks.kind
        note["starred"] = marks.starred
        note["emotions"] = list(marks.emotions)
        note.pop("speech", None)


def _code(doc: dict[str, Any], codings: list[tuple[str, str, str | None, bool]]) -> dict[str, Any]:
    for tag, coder, at, settlement in codings:
        doc.update(with_coding(doc, tag, coder, at, settlement=settlement) or {})
    return doc


def _moment(value: str | None) -> str | None:
    """A Coding's creationDateTime as Fieldnote writes times; None when absent or odd."""
    try:
        return to_iso(from_iso(value)) if value else None
    except ValueError:
        return None
