"""The zip of members deflated beforehand (tui/services/exchange/deflated_zip.py) reads back
with zipfile, CRCs checked: members of one piece and of several, deflated by separate
deflaters, and past the limits that take zip64 records."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from tui.services.exchange import deflated_zip
from tui.services.exchange.deflated_zip import DeflatedZip, Deflater, deflated


def pieces_of(parts: list[bytes]) -> tuple[deflated_zip.Packed, list[bytes]]:
    """`parts` deflated each by a deflater of its own, as two processes would, then joined."""
    joined, chunks = None, []
    for number, part in enumerate(parts):
        out = io.BytesIO()
        deflater = Deflater(out)
        deflater.write(part)
        packed = deflater.end(last=number == len(parts) - 1)
        joined = packed if joined is None else joined.then(packed)
        chunks.append(out.getvalue())
    assert joined is not None
    return joined, chunks


def test_members_of_one_piece_and_of_several_read_back_whole() -> None:
    rng = os.urandom(50_000)
    parts = [b"<head>" * 1000, b"", rng, "é<x/>".encode() * 20_000, b"</end>"]
    out = io.BytesIO()
    archive = DeflatedZip(out)
    packed, chunks = pieces_of(parts)
    archive.add("project.qde", packed, chunks)
    text = io.BytesIO()
    archive.add("sources/a.txt", deflated(b"a line\n" * 300, text), [text.getvalue()])
    archive.add("sources/empty.txt", deflated(b"", empty := io.BytesIO()), [empty.getvalue()])
    archive.add("sources/é.txt", deflated(b"x", other := io.BytesIO()), [other.getvalue()])
    archive.close()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as read:
        assert read.testzip() is None
        assert read.read("project.qde") == b"".join(parts)
        assert read.read("sources/a.txt") == b"a line\n" * 300
        assert read.read("sources/empty.txt") == b""
        assert read.read("sources/é.txt") == b"x"
        info = read.getinfo("project.qde")
        assert info.date_time == (2020, 1, 1, 0, 0, 0)
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert info.external_attr == 0o600 << 16


def test_a_member_whose_pieces_do_not_add_up_is_refused() -> None:
    packed, chunks = pieces_of([b"abc"])
    with pytest.raises(ValueError):
        DeflatedZip(io.BytesIO()).add("x", packed, chunks[:0])


def test_past_the_limits_it_writes_zip64_records(monkeypatch) -> None:
    monkeypatch.setattr(deflated_zip, "ZIP64_LIMIT", 100)
    monkeypatch.setattr(deflated_zip, "FILECOUNT_LIMIT", 3)
    out = io.BytesIO()
    archive = DeflatedZip(out)
    members = {f"m{number}.txt": os.urandom(150 + number) for number in range(5)}
    for name, data in members.items():
        archive.add(name, deflated(data, buffer := io.BytesIO()), [buffer.getvalue()])
    archive.close()
    raw = out.getvalue()
    assert b"PK\x06\x06" in raw and b"PK\x06\x07" in raw
    with zipfile.ZipFile(io.BytesIO(raw)) as read:
        assert read.testzip() is None
        assert {name: read.read(name) for name in read.namelist()} == members
