"""The JSON export: lossless, versioned, and read back by `fieldnote import` exactly.

{"format": "fieldnote", "version": 1, "sessions": [{"session", "guide", "guide_state",
"notes", "excerpts", and "recording" where a transcript is attached}], "codebook": [tag, ...]},
keys sorted and indented as the session files
are, so exporting, importing into an empty folder and exporting again gives the same bytes.
Written a session at a time: each entry is dumped alone and indented to its depth, which gives
the bytes one dump of the whole document would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

import orjson

from tui.services.exchange.errors import bad_file
from tui.services.exchange.study import SessionData, Study
from tui.store.storage import DUMP_OPTIONS

FORMAT = "fieldnote"
VERSION = 1
MAX_VALUES = 1_000_000
"""JSON values an export may hold, counted as its `{`, `[` and `,` before it is parsed (as a
session's memo in a `.qdpx` is: tui/services/exchange/refi_memo.py). Fieldnote writes some
30 bytes a value at the densest (notes coded and rated by two coders), so an export as large
as the import takes (`importing.MAX_JSON_BYTES`, 32 MB) holds about a million. Parsed, a
million values of the costliest kind found (objects nested, each under a key of its own)
take some 300 MB, where 32 MB of `{},` took 1 GB (benchmarks/bench_import_memory.py)."""


def write_json(study: Study, out: BinaryIO) -> None:
    # The document's keys in sorted order: codebook, format, sessions, version.
    head = orjson.dumps({"codebook": study.codebook, "format": FORMAT}, option=DUMP_OPTIONS)
    out.write(head[:-2] + b',\n  "sessions": [')
    first = True
    for data in study.sessions:
        entry = _entry(data)
        # orjson escapes a line break inside a string, so every b"\n" is the layout's own.
        dumped = orjson.dumps(entry, option=DUMP_OPTIONS).replace(b"\n", b"\n    ")
        out.write((b"\n    " if first else b",\n    ") + dumped)
        first = False
    out.write(b"]" if first else b"\n  ]")
    out.write(b',\n  "version": ' + orjson.dumps(VERSION) + b"\n}\n")


def _entry(data: SessionData) -> dict[str, Any]:
    entry = {
        "session": data.session,
        "guide": data.guide,
        "guide_state": data.guide_state,
        "notes": data.notes,
        "excerpts": data.excerpts,
    }
    if data.recording is not None:  # absent otherwise: older exports stay byte for byte
        entry["recording"] = data.recording
    return entry


def read_json(raw: bytes, path: Path) -> Study:
    """A JSON export back into a Study; ExchangeError naming the file on anything else."""
    raw = raw.removeprefix(b"\xef\xbb\xbf")  # the mark an editor (Notepad) saved it with
    # Each value but a container's first follows a comma, so these bound the values.
    if raw.count(b"{") + raw.count(b"[") + raw.count(b",") > MAX_VALUES:
        raise bad_file(
            path,
            f"it holds more than {MAX_VALUES:,} JSON values, more than a Fieldnote export of "
            "any study; export its sessions in parts (fieldnote export SESSION... or --study "
            "NAME) and import each (nothing was imported).",
        )
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        line = raw[: error.pos].count(b"\n") + 1 if error.pos is not None else 0
        raise bad_file(
            path,
            "it is not valid JSON (truncated or damaged); export it again.",
            where=f"line {line}" if line else "",
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise bad_file(path, "it is JSON but not a Fieldnote export; export it with Fieldnote.")
    if doc.get("version") != VERSION:
        raise bad_file(
            path,
            f"it is a Fieldnote export of version {doc.get('version')!r}, and this Fieldnote "
            f"reads version {VERSION}; import it with a matching Fieldnote.",
        )
    sessions = doc.get("sessions")
    codebook = doc.get("codebook")
    if not isinstance(sessions, list) or not isinstance(codebook, list):
        raise bad_file(path, "its 'sessions' or 'codebook' is missing; export it again.")
    out = []
    for number, entry in enumerate(sessions, start=1):
        out.append(_session(entry, path, f"session {number}"))
    for number, tag in enumerate(codebook, start=1):
        if not isinstance(tag, dict) or not isinstance(tag.get("name"), str):
            raise bad_file(path, "a tag has no name; export it again.", where=f"tag {number}")
    return Study(out, codebook, path.stem)


def _session(entry: Any, path: Path, where: str) -> SessionData:
    def need(value: Any, kind: type, what: str) -> Any:
        if not isinstance(value, kind):
            raise bad_file(
                path, f"its {what} is missing or malformed; export it again.", where=where
            )
        return value

    entry = need(entry, dict, "session entry")
    session = need(entry.get("session"), dict, "session record")
    need(session.get("id"), str, "session id")
    notes = need(entry.get("notes"), list, "notes")
    excerpts = need(entry.get("excerpts"), list, "excerpts")
    for doc in [*notes, *excerpts]:
        need(doc, dict, "note or excerpt")
        need(doc.get("id"), str, "note or excerpt id")
    return SessionData(
        session=session,
        guide=need(entry.get("guide", {}), dict, "guide"),
        guide_state=need(entry.get("guide_state", {}), dict, "guide state"),
        notes=notes,
        excerpts=excerpts,
        recording=need(entry.get("recording"), dict | None, "recording"),
    )
