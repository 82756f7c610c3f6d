"""REFI-QDA out and in: a `.qdpx` project (NVivo, ATLAS.ti, MAXQDA, QualCoder) and a `.qdc`
codebook. The tests validate every file written against the standard's schemas
(docs/ARCHITECTURE.md, "Exchange formats").

Out: each session is a plain-text source, its notes one per line as `[mm:ss] Author: text`;
each tagged note, and each span excerpt, a PlainTextSelection whose [start, end) (code points)
slices exactly its text out of the source; the codebook as nested Codes (`pain/onboarding` is
`onboarding` inside `pain`), with descriptions and colours; participants as Cases, authors as
Users. GUIDs derive from the ids, so the same data always exports the same way.

In: the sources become sessions of kind `transcript` (their lines read as `Name: text`), the
selections tags on the notes they cover, the codes tags. Member names are checked before
anything is read (no `..`, no absolute paths), sizes are capped, and the XML is parsed with no
DTD (tui/services/exchange/safe_xml.py).
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from tui.domain.clock import from_iso, to_iso
from tui.domain.codings import UNKNOWN_CODER, codings_of, with_coding
from tui.domain.notes import clean_tag_name, format_elapsed, new_id, tag_key
from tui.services.exchange.errors import bad_file
from tui.services.exchange.safe_xml import BrokenXMLError, UnsafeXMLError, parse_xml
from tui.services.exchange.study import SessionData, Study
from tui.services.exchange.transcripts import Segment, segments, transcript_session
from tui.store.codebook import new_tag

NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
_SPACE = uuid.UUID("5b0c5c8e-3d0e-4a43-9a0e-6a1f3c2b7d11")
_HEX_COLOR = re.compile(r"#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})")
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)
MAX_UNPACKED = 512 * 1024 * 1024
"""Bytes a project may unpack to; more is refused as a zip bomb before anything is read."""


def guid(*parts: str) -> str:
    """A GUID derived from `parts` (a name-based UUID, as uuid5 makes it, built from the hash
    directly: uuid5 costs ~20x more, which 20,000 selections notice)."""
    h = hashlib.sha1(_SPACE.bytes + "\x1f".join(parts).encode("utf-8")).hexdigest()
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
    """A session as plain text, a note a line, and where each note's text starts in it."""
    parts: list[str] = []
    starts: dict[str, int] = {}
    at = 0
    for note in data.notes:
        text = str(note.get("text") or "")
        prefix = f"[{format_elapsed(float(note.get('elapsed') or 0.0))}] "
        prefix += f"{' '.join(str(note.get('author') or '').split()) or 'unknown'}: "
        starts[str(note.get("id"))] = at + len(prefix)
        line = prefix + text + "\n"
        parts.append(line)
        at += len(line)
    return "".join(parts), starts


def _code_tree(study: Study) -> tuple[dict[str, Any], dict[str, str]]:
    """{segment: {"tag": doc or None, "children": {...}}}, and tag key -> code GUID."""
    tags = {tag_key(t["name"]): t for t in study.codebook}
    for name in study.used_tags():
        tags.setdefault(tag_key(name), new_tag(name, ""))
    root: dict[str, Any] = {}
    guids: dict[str, str] = {}
    for key in sorted(tags):
        path = clean_tag_name(tags[key]["name"]).split("/")
        level = root
        for depth, segment in enumerate(path):
            node = level.setdefault(
                segment, {"tag": None, "children": {}, "path": path[: depth + 1]}
            )
            if depth == len(path) - 1:
                node["tag"] = tags[key]
            level = node["children"]
    return root, guids


def _codes(parent: ET.Element, tree: dict[str, Any], guids: dict[str, str]) -> None:
    for segment, node in tree.items():
        full = "/".join(node["path"])
        code_guid = guid("code", tag_key(full))
        guids[tag_key(full)] = code_guid
        attributes = {
            "guid": code_guid,
            "name": segment,
            "isCodable": "true" if node["tag"] else "false",
        }
        color = _color(node["tag"].get("color")) if node["tag"] else None
        if color:
            attributes["color"] = color
        code = ET.SubElement(parent, "Code", attributes)
        description = (node["tag"] or {}).get("description")
        if description:
            ET.SubElement(code, "Description").text = description
        _codes(code, node["children"], guids)


def _codebook(parent: ET.Element, study: Study) -> dict[str, str]:
    tree, guids = _code_tree(study)
    if tree:
        codes = ET.SubElement(ET.SubElement(parent, "CodeBook"), "Codes")
        _codes(codes, tree, guids)
    return guids


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
    rather than by ElementTree, which spent half of a large export in its serializer, and so
    that characters XML cannot hold become U+FFFD instead of making the file unreadable."""
    out = ['<?xml version="1.0" encoding="utf-8"?>\n']

    def write(element: ET.Element) -> None:
        attributes = "".join(f' {k}="{_attr(v)}"' for k, v in element.attrib.items())
        if len(element) == 0 and not element.text:
            out.append(f"<{element.tag}{attributes}/>")
            return
        out.append(f"<{element.tag}{attributes}>")
        if element.text:
            out.append(_text(element.text))
        for child in element:
            write(child)
        out.append(f"</{element.tag}>")

    write(root)
    return "".join(out).encode("utf-8")


def export_qdc(study: Study) -> bytes:
    root = ET.Element("CodeBook", {"xmlns": CODEBOOK_NS, "origin": "Fieldnote"})
    tree, guids = _code_tree(study)
    codes = ET.SubElement(root, "Codes")
    if not tree:  # the schema wants at least one code
        tree = {"Fieldnote": {"tag": None, "children": {}, "path": ["Fieldnote"]}}
    _codes(codes, tree, guids)
    return _xml(root)


def _iso(moment: str) -> str | None:
    return moment.replace("Z", "") + "Z" if moment else None


def export_qdpx(study: Study) -> bytes:
    key_of = functools.cache(tag_key)  # a study repeats a few tags thousands of times
    root = ET.Element("Project", {"xmlns": NS, "name": study.label, "origin": "Fieldnote"})
    authors = {str(n.get("author") or "") for d in study.sessions for n in d.notes}
    # Coders too: each Coding names its coder as its creatingUser.
    authors |= {
        c["coder"] for d in study.sessions for n in [*d.notes, *d.excerpts] for c in codings_of(n)
    }
    authors = sorted(authors - {"", UNKNOWN_CODER})
    users = {name: guid("user", name) for name in authors}
    if users:
        users_el = ET.SubElement(root, "Users")
        for name, user_guid in users.items():
            ET.SubElement(users_el, "User", {"guid": user_guid, "name": name})
    code_guids = _codebook(root, study)
    participants: dict[str, list[str]] = {}
    for data in study.sessions:
        if data.participant.strip():
            participants.setdefault(data.participant.strip(), []).append(data.id)
    if participants:
        cases = ET.SubElement(root, "Cases")
        for name, session_ids in participants.items():
            case = ET.SubElement(
                cases, "Case", {"guid": guid("case", name.casefold()), "name": name}
            )
            for session_id in session_ids:
                ET.SubElement(case, "SourceRef", {"targetGUID": guid("source", session_id)})
    files: list[tuple[str, str]] = []
    sources_el = ET.SubElement(root, "Sources") if study.sessions else None
    for data in study.sessions:
        text, starts = source_text(data)
        source_guid = guid("source", data.id)
        path = f"{source_guid}.txt"
        files.append((path, text))
        attributes = {"guid": source_guid, "name": data.title or data.id}
        attributes["plainTextPath"] = f"internal://{path}"
        created = _iso(str(data.session.get("created_at") or ""))
        if created:
            attributes["creationDateTime"] = created
        source = ET.SubElement(sources_el, "TextSource", attributes)
        notes = {str(n.get("id")): n for n in data.notes}
        coded: list[tuple[str, int, int, list[str], str]] = []
        for note in data.notes:
            if note.get("tags"):
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
            if note is None or not excerpt.get("tags"):
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
        for key, start, end, codings, author in coded:
            selection_attributes = {
                "guid": guid("selection", data.id, key),
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
                ident = (data.id, key, key_of(each["tag"]))
                if each["coder"] != UNKNOWN_CODER:
                    ident += (each["coder"],)
                coding = ET.SubElement(selection, "Coding", {"guid": guid("coding", *ident)})
                if each["coder"] in users:
                    coding.set("creatingUser", users[each["coder"]])
                if each["at"]:
                    coding.set("creationDateTime", _iso(each["at"]))
                ET.SubElement(coding, "CodeRef", {"targetGUID": code_guid})
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


def _local(element: ET.Element) -> str:
    return element.tag.rpartition("}")[2]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child) == name]


def _xml_root(raw: bytes, path: Path, member: str = "") -> ET.Element:
    try:
        return parse_xml(raw)
    except (UnsafeXMLError, BrokenXMLError) as error:
        where = (
            f"{member}, {str(error).split(':', 1)[0]}" if member else str(error).split(":", 1)[0]
        )
        raise bad_file(
            path, str(error).split(": ", 1)[1] + "; it was not imported.", where=where
        ) from None


def read_codes(parent: ET.Element, now: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Codes (nested) as tag documents, and code GUID -> tag name."""
    tags: list[dict[str, Any]] = []
    names: dict[str, str] = {}

    def walk(element: ET.Element, prefix: str) -> None:
        for code in _children(element, "Code"):
            # Other tools allow spaces ("Pain points"); a tag must be typable as #tag.
            segment = "-".join((code.get("name") or "").replace("/", " ").split())
            name = clean_tag_name(f"{prefix}/{segment}" if prefix else segment)
            if not name:
                continue
            names[code.get("guid") or ""] = name
            if code.get("isCodable", "true") != "false":
                tag = new_tag(name, now)
                description = next((d.text or "" for d in _children(code, "Description")), "")
                tag["description"] = description.strip()
                color = code.get("color") or ""
                tag["color"] = color if _HEX_COLOR.fullmatch(color) else ""
                tags.append(tag)
            walk(code, name)

    walk(parent, "")
    return tags, names


def read_qdc(raw: bytes, path: Path, now: datetime) -> list[dict[str, Any]]:
    root = _xml_root(raw, path)
    if _local(root) != "CodeBook":
        raise bad_file(path, "it is XML but no REFI-QDA codebook (its root is not CodeBook).")
    codes = next(iter(_children(root, "Codes")), None)
    if codes is None:
        raise bad_file(path, "it holds no Codes; there is nothing to import.")
    return read_codes(codes, to_iso(now))[0]


def _safe_member(name: str) -> bool:
    pure = PurePosixPath(name.replace("\\", "/"))
    return not (pure.is_absolute() or ".." in pure.parts or re.match(r"^[A-Za-z]:", name))


def _open_zip(raw: bytes, path: Path) -> tuple[zipfile.ZipFile, set[str]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
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
        raise bad_file(path, "it unpacks to more than 512 MB, which no interview project needs.")
    return archive, {info.filename for info in infos}


def _member(archive: zipfile.ZipFile, name: str, path: Path) -> bytes:
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError) as error:
        raise bad_file(
            path, f"it cannot be unpacked ({error}); copy it again.", where=f"member {name}"
        ) from None


def _covered(segs: list[Segment], start: int, end: int) -> list[tuple[Segment, int, int]]:
    """The parts of [start, end) of a source that fall in each note's text."""
    parts = []
    for seg in segs:
        lo, hi = max(start, seg.offset), min(end, seg.offset + len(seg.text))
        if lo < hi:
            parts.append((seg, lo - seg.offset, hi - seg.offset))
    return parts


def read_qdpx(
    raw: bytes,
    path: Path,
    *,
    now: datetime,
    study: str = "",
    participant: str | None = None,
) -> Study:
    archive, members = _open_zip(raw, path)
    project_name = (
        "project.qde"
        if "project.qde" in members
        else next((m for m in sorted(members) if m.lower().endswith(".qde")), None)
    )
    if project_name is None:
        raise bad_file(path, "it holds no project.qde, so it is no REFI-QDA project.")
    root = _xml_root(_member(archive, project_name, path), path, project_name)
    if _local(root) != "Project":
        raise bad_file(path, "its project.qde is no REFI-QDA project (its root is not Project).")
    stamp = to_iso(now)
    codebook = next(iter(_children(root, "CodeBook")), None)
    codes = next(iter(_children(codebook, "Codes")), None) if codebook is not None else None
    tags, code_names = read_codes(codes, stamp) if codes is not None else ([], {})
    cases: dict[str, str] = {}
    for cases_el in _children(root, "Cases"):
        for case in _children(cases_el, "Case"):
            for ref in _children(case, "SourceRef"):
                cases[ref.get("targetGUID") or ""] = case.get("name") or ""
    users = {
        user.get("guid") or "": user.get("name") or ""
        for users_el in _children(root, "Users")
        for user in _children(users_el, "User")
    }
    sessions: list[SessionData] = []
    for sources in _children(root, "Sources"):
        for source in _children(sources, "TextSource"):
            sessions.append(
                _text_source(
                    source,
                    archive,
                    members,
                    path,
                    now,
                    cases,
                    code_names,
                    study,
                    participant,
                    users,
                )
            )
    if not sessions:
        raise bad_file(path, "it holds no text sources; Fieldnote imports text only.")
    return Study(sessions, tags, path.stem)


def _text_source(
    source: ET.Element,
    archive: zipfile.ZipFile,
    members: set[str],
    path: Path,
    now: datetime,
    cases: dict[str, str],
    code_names: dict[str, str],
    study: str,
    participant: str | None,
    users: dict[str, str],
) -> SessionData:
    name = source.get("name") or "Imported source"
    content = next((c.text or "" for c in _children(source, "PlainTextContent")), None)
    if content is None:
        reference = source.get("plainTextPath") or ""
        if not reference.startswith("internal://"):
            raise bad_file(
                path,
                "the source's text is outside the project; export it with its sources inside.",
                where=f"source {name}",
            )
        member = "sources/" + reference.removeprefix("internal://")
        if not _safe_member(member) or member not in members:
            raise bad_file(
                path, "the source's text file is missing from the zip.", where=f"source {name}"
            )
        try:
            content = _member(archive, member, path).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise bad_file(
                path, "the source's text is not UTF-8.", where=f"member {member}"
            ) from None
    segs = segments(content)
    who = cases.get(source.get("guid") or "", "")
    if participant:
        who = participant
    created = source.get("creationDateTime")
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
    for selection in _children(source, "PlainTextSelection"):
        try:
            start, end = (
                int(selection.get("startPosition", "")),
                int(selection.get("endPosition", "")),
            )
        except ValueError:
            raise bad_file(
                path, "a selection has no numeric start or end.", where=f"source {name}"
            ) from None
        # Each Coding's creatingUser is its coder (none named: `unknown`).
        codings = [
            (
                code_names[ref.get("targetGUID") or ""],
                users.get(coding.get("creatingUser") or "") or UNKNOWN_CODER,
                _moment(coding.get("creationDateTime")),
            )
            for coding in _children(selection, "Coding")
            for ref in _children(coding, "CodeRef")
            if (ref.get("targetGUID") or "") in code_names
        ]
        if not codings:
            continue
        for seg, lo, hi in _covered(segs, start, end):
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
