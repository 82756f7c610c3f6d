"""Peak memory of `fieldnote import` on hostile files, beside a floor: the same command
importing a small valid transcript.

Each file is built in a temp folder and imported by `python -m tui import FILE` in a child
process of its own; its peak RSS comes from `os.wait4` (ru_maxrss), so each row is one
process. Target (issue 19): under 400 MB for any single import file. The hostile files:
- a `.qdpx` whose `project.qde` claims 100 bytes in its zip headers and inflates to 1 GB;
- a `.qdpx` holding a 450 MB `project.qde` (under the old 512 MB cap);
- a 50 MB WebVTT of 1 million cues;
- a `.qdpx` Fieldnote wrote whose session memo (tui/services/exchange/refi_memo.py) is JSON of
  a million values, small objects holding a string each, just under `refi_memo.MAX_VALUES`
  (parsed, JSON of 16 MB of `{},` would take 470 MB);
- a `.json` of 32 MB (`MAX_JSON_BYTES`) of `{},`, eleven million empty objects;
- a `.json` of objects nested 100 deep, each under a key of its own, the costliest kind
  found, just under `archive.MAX_VALUES`, all parsed before the file is found to be no export;
and, to show the limits themselves are safe, files just inside them:
- a valid `.json` export just under `archive.MAX_VALUES` and 32 MB, every session imported;
- a WebVTT of 50,000 cues (`MAX_CUES`), every one imported;
- a `.qdpx` with one source of 50,000 lines and 50,000 coded selections on it.
Run: python -m benchmarks.bench_import_memory [--quick]  (--quick skips the files at the limits)
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from benchmarks.targets import record

TARGET_MB = 400
MB = 1024 * 1024


def _timestamp(second: int) -> str:
    return f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}.000"


def _vtt(path: Path, cues: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write("WEBVTT\n\n")
        for n in range(cues):
            out.write(f"{_timestamp(n)} --> {_timestamp(n + 1)}\n<v Speaker {n % 3}>Cue {n}.\n\n")
    return path


def _patch_sizes(path: Path, name: str, claimed: int) -> None:
    """Make the local and central headers of `name` claim `claimed` bytes (the file is read
    in pieces: this process must stay small, or its children's peak would start high)."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    size = claimed.to_bytes(4, "little")
    with path.open("r+b") as out:
        out.seek(info.header_offset + 22)
        out.write(size)
        end = out.seek(0, os.SEEK_END)
        out.seek(max(0, end - 65536))
        tail_at = out.tell()
        central = tail_at + out.read().rfind(b"PK\x01\x02")
        out.seek(central + 24)
        out.write(size)


def _zip_stream(path: Path, name: str, chunks) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        info = zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as member:
            for chunk in chunks:
                member.write(chunk)
    return path


def _lying_bomb(path: Path) -> Path:
    head = b'<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0">'
    spaces = b" " * MB
    _zip_stream(path, "project.qde", [head, *(spaces for _ in range(1024))])
    _patch_sizes(path, "project.qde", 100)
    return path


def _big_project(path: Path) -> Path:
    head = b'<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0"><Sources>'
    source = b'<TextSource guid="s" name="x"><PlainTextContent>a</PlainTextContent></TextSource>'
    block = source * (MB // len(source))
    return _zip_stream(
        path, "project.qde", [head, *(block for _ in range(450)), b"</Sources></Project>"]
    )


def _project_at_limits(path: Path) -> Path:
    lines = [f"Speaker {n % 3}: line number {n} of the long source" for n in range(50_000)]
    text = "\n".join(lines) + "\n"
    selections, at = [], 0
    for n, line in enumerate(lines):
        start = at + line.index(": ") + 2
        selections.append(
            f'<PlainTextSelection guid="sel{n}" startPosition="{start}" endPosition="{start + 4}">'
            f'<Coding guid="cod{n}"><CodeRef targetGUID="c{n % 20}"/></Coding></PlainTextSelection>'
        )
        at += len(line) + 1
    codes = "".join(f'<Code guid="c{n}" name="code{n}" isCodable="true"/>' for n in range(20))
    qde = (
        '<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0">'
        f"<CodeBook><Codes>{codes}</Codes></CodeBook><Sources>"
        '<TextSource guid="s1" name="Long" plainTextPath="internal://s1.txt">'
        f"{''.join(selections)}</TextSource></Sources></Project>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", qde.encode())
        archive.writestr("sources/s1.txt", text.encode())
    path.write_bytes(buffer.getvalue())
    return path


def _memo_bomb(path: Path) -> Path:
    """A project as Fieldnote writes one, its session's memo a million values: a quarter of
    a million `{"a":[{"b":"..."}]}`, four each, all parsed before the memo is found wrong."""
    note, memo = "b0f4c1d2-1111-4222-8333-444455556666", "b0f4c1d2-1111-4222-8333-777788889999"
    qde = (
        '<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="x" '
        'origin="Fieldnote"><Sources>'
        f'<TextSource guid="{note}" name="x" plainTextPath="internal://{note}.txt">'
        f'<NoteRef targetGUID="{memo}"/></TextSource></Sources><Notes>'
        f'<Note guid="{memo}" name="memo" plainTextPath="internal://{memo}.txt">'
        "<Description>Fieldnote's memo of this session</Description></Note></Notes></Project>"
    )
    from tui.services.exchange.refi_memo import ABOUT, MAX_VALUES

    qde = qde.replace("Fieldnote's memo of this session", ABOUT)
    entry = b'{"a":[{"b":"' + b"x" * 44 + b'"}]}'
    head = b'{"format":"fieldnote-memo","version":1,"notes":['
    body = head + b",".join([entry] * (MAX_VALUES // 4 - 1000)) + b"]}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", qde.encode())
        archive.writestr(f"sources/{note}.txt", b"[00:00] Kim: words\n")
        archive.writestr(f"sources/{memo}.txt", body)
    path.write_bytes(buffer.getvalue())
    return path


def _json_bomb(path: Path) -> Path:
    """A `.json` as large as the import takes, of `{},` alone: the most objects per byte."""
    from tui.services.exchange.importing import MAX_JSON_BYTES

    count = (MAX_JSON_BYTES - 64) // 3
    with path.open("wb") as out:
        out.write(b'{"format":"fieldnote","version":1,"codebook":[],"sessions":[')
        block = b"{}," * 100_000
        for _ in range(count // 100_000):
            out.write(block)
        out.write(b"{}]}")
    return path


def _json_at_count(path: Path) -> Path:
    """A `.json` of just under `archive.MAX_VALUES` values of the costliest kind found:
    objects nested 100 deep, each holding the next under a key of its own (26 digits: no two
    alike, so none is shared, and the file stays under 32 MB), one value each, all parsed
    before the file is found to be no export (its sessions are no sessions). A million of
    the memo bomb's kind (`{"a":[{"b":"..."}]}`) take some 140 MB over the floor; these 300."""
    from tui.services.exchange.archive import MAX_VALUES

    depth, key = 100, 0
    with path.open("wb") as out:
        out.write(b'{"format":"fieldnote","version":1,"codebook":[],"sessions":[')
        for chain in range(MAX_VALUES // (depth + 1) - 10):
            keys = range(key, key + depth)
            key += depth
            opened = "".join(f'{{"{k:026d}":' for k in keys)
            out.write(((", " if chain else "") + opened + "null" + "}" * depth).encode())
        out.write(b"]}")
    return path


def _json_at_limit(path: Path) -> Path:
    """A valid JSON export as Fieldnote writes one (indented) of just under
    `archive.MAX_VALUES` values and `MAX_JSON_BYTES`, all imported: sessions of 500 notes,
    each coded and rated by two coders, the densest kind of study (some 28 bytes a value)."""
    import orjson

    from tui.services.exchange.archive import MAX_VALUES
    from tui.services.exchange.importing import MAX_JSON_BYTES
    from tui.store.storage import DUMP_OPTIONS

    def session(number: int) -> bytes:
        session_id = f"{number:032x}"
        at = "2026-11-28T09:00:00.000Z"
        notes = [
            {
                "id": f"{number:016x}{n:016x}",
                "session_id": session_id,
                "author": "Maya",
                "text": f"Note {n} of session {number} #theme/{n % 7}",
                "kind": "note",
                "started_at": at,
                "elapsed": float(n),
                "question_id": None,
                "starred": False,
                "emotions": [],
                "edited_at": None,
                "tags": [f"theme/{n % 7}"],
                "codings": [{"tag": f"theme/{n % 7}", "coder": c, "at": at} for c in ("Ana", "Bo")],
                "ratings": [{"severity": 3, "coder": c, "at": at} for c in ("Ana", "Bo")],
                "severity": 3,
            }
            for n in range(500)
        ]
        record = {"id": session_id, "title": f"Interview {number}", "created_at": at}
        entry = {"session": record, "guide": {}, "guide_state": {}, "notes": notes}
        return orjson.dumps({**entry, "excerpts": []}, option=DUMP_OPTIONS)

    values = size = number = 0
    with path.open("wb") as out:
        out.write(b'{"format":"fieldnote","version":1,"codebook":[],"sessions":[')
        while True:
            entry = session(number)
            count = entry.count(b"{") + entry.count(b"[") + entry.count(b",") + 1
            if values + count > MAX_VALUES - 100 or size + len(entry) > MAX_JSON_BYTES - 1000:
                break
            out.write((b"," if number else b"") + entry)
            values, size, number = values + count, size + len(entry) + 1, number + 1
        out.write(b"]}")
    return path


def measure(path: Path) -> tuple[float, float, int, str]:
    """(peak RSS in MB, seconds, exit code, last stderr line) of one import in a child."""
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, FIELDNOTE_HOME=home)
        began = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "tui", "import", str(path)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        err = child.stderr.read().decode("utf-8", "replace") if child.stderr else ""
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - began
    said = err.strip().splitlines()[-1] if err.strip() else ""
    return usage.ru_maxrss / 1024, seconds, os.waitstatus_to_exitcode(status), said


def run(quick: bool = False) -> list[tuple[str, float, bool]]:
    rows: list[tuple[str, float, bool]] = []
    floor = 0.0
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        files = [
            ("floor: a 3-cue WebVTT", _vtt(base / "small.vtt", 3)),
            ("qdpx member claims 100 B, inflates to 1 GB", _lying_bomb(base / "bomb.qdpx")),
            ("qdpx holding a 450 MB project.qde", _big_project(base / "big.qdpx")),
            ("50 MB WebVTT of 1 million cues", _vtt(base / "million.vtt", 1_000_000)),
            ("qdpx whose memo is a million JSON values", _memo_bomb(base / "memo.qdpx")),
            ("32 MB JSON of `{},`", _json_bomb(base / "bomb.json")),
            ("JSON just under the count of values", _json_at_count(base / "count.json")),
        ]
        if not quick:
            files += [
                ("at the limit: a JSON export, all imported", _json_at_limit(base / "limit.json")),
                ("at the limit: WebVTT of 50,000 cues", _vtt(base / "limit.vtt", 50_000)),
                (
                    "at the limit: qdpx, 50,000 lines + selections",
                    _project_at_limits(base / "limit.qdpx"),
                ),
            ]
        print(
            f"{'import':<48} {'size':>8} {'peak RSS':>9} {'time':>7}  exit  target {TARGET_MB} MB"
        )
        for label, path in files:
            rss, seconds, code, said = measure(path)
            met = rss < TARGET_MB
            size = path.stat().st_size / MB
            print(
                f"{label:<48} {size:>6.1f}MB {rss:>7.0f}MB {seconds:>6.1f}s  {code:>4}  "
                f"{'met' if met else 'MISSED'}",
                flush=True,
            )
            if code:
                print(f"    {said[:150]}")
            rows.append((label, rss, met))
            if label.startswith("floor"):
                floor = rss
            else:
                record(
                    f"import {label}: peak RSS < {TARGET_MB} MB",
                    f"{rss:.0f} MB, {seconds:.1f} s",
                    f"floor (3-cue WebVTT) {floor:.0f} MB",
                    met,
                )
    return rows


if __name__ == "__main__":
    run(quick="--quick" in sys.argv[1:])
