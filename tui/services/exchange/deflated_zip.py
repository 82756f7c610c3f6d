"""A zip file made of members deflated beforehand, in pieces, by more than one process.

A REFI-QDA project's two writers (refi_qda.py, `_SecondWriter`) each deflate their half of the
project as they write it; the zip then joins the pieces as they are, without inflating or
deflating anything again. A member of several pieces is one deflate stream: every piece but
the last ends on a sync flush (byte-aligned, no final block), and its CRC-32 is joined from the
pieces' (`Packed.then`). zipfile cannot write a member whose bytes are deflated already, so
the headers are written here, as zipfile writes them (APPNOTE.TXT; zip64 records past its
limits).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from typing import BinaryIO, NamedTuple

LEVEL = 3
"""The deflate level: zlib's fastest kind (levels 1-3) at its best. A project of 500 sessions
x 100 notes (18 MB unpacked) took 115 ms to deflate at level 6, zipfile's default, into 2.24
MB; at level 3, 50 ms into 2.51 MB (docs/exchange.md)."""

ZIP64_LIMIT = (1 << 31) - 1
"""Sizes and offsets past this take zip64 records (zipfile's bound)."""
FILECOUNT_LIMIT = (1 << 16) - 1
"""Members past this take a zip64 end record."""
_DOS_DATE = (2020 - 1980) << 9 | 1 << 5 | 1  # 2020-01-01, 00:00: every member's, as ever
_VERSION, _ZIP64_VERSION, _UNIX, _DEFLATED = 20, 45, 3, 8
_FILE_MODE = 0o600 << 16  # zipfile's for a member written through `open`
_ZEROS = bytes(1 << 16)


class Packed(NamedTuple):
    """A piece of a member, deflated: the CRC-32 and size of its bytes, and its deflated size."""

    crc: int
    size: int
    packed: int

    def then(self, later: Packed) -> Packed:
        """This piece followed by `later`. CRC-32 is affine in its start value: crc32(B, s)
        is crc32(B) plus a share of `s` that depends on B's length alone, worked out over as
        many zero bytes."""
        share = zlib.crc32(b"", self.crc)
        plain = 0
        left = later.size
        while left:
            zeros = _ZEROS[: min(left, len(_ZEROS))]
            share, plain = zlib.crc32(zeros, share), zlib.crc32(zeros, plain)
            left -= len(zeros)
        return Packed(later.crc ^ share ^ plain, self.size + later.size, self.packed + later.packed)


class Deflater:
    """Bytes deflated into `out` as they are written, counted for the zip."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self._stream = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)  # raw deflate, as zip has it
        self._crc = self._size = self._packed = 0

    def write(self, data: bytes) -> None:
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        self._put(self._stream.compress(data))

    def end(self, *, last: bool = True) -> Packed:
        """What was written; `last=False`: a piece another may follow in the same member."""
        self._put(self._stream.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH))
        return Packed(self._crc, self._size, self._packed)

    def _put(self, deflated: bytes) -> None:
        if deflated:
            self.out.write(deflated)
            self._packed += len(deflated)


def deflated(data: bytes, out: BinaryIO) -> Packed:
    """`data` deflated whole into `out`."""
    deflater = Deflater(out)
    deflater.write(data)
    return deflater.end()


class DeflatedZip:
    """A zip written into `out` a member at a time (`add`), then its directory (`close`);
    `out` is only written to, so it may be a pipe."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.at = 0
        self.entries: list[tuple[bytes, int, Packed, int]] = []
        """(name, flags, sizes, offset of its header) of each member."""

    def add(self, name: str, packed: Packed, pieces: Iterable[bytes]) -> None:
        """A member whose deflated bytes, `packed.packed` of them, are `pieces` in turn."""
        encoded, flags = _name(name)
        sizes = [packed.size, packed.packed]
        extra = _zip64(sizes) if max(sizes) > ZIP64_LIMIT else b""
        self.entries.append((encoded, flags, packed, self.at))
        self._write(
            struct.pack(
                "<4s2B4HL2L2H",
                b"PK\003\004",
                _ZIP64_VERSION if extra else _VERSION,
                0,
                flags,
                _DEFLATED,
                0,
                _DOS_DATE,
                packed.crc,
                *([0xFFFFFFFF] * 2 if extra else [packed.packed, packed.size]),
                len(encoded),
                len(extra),
            )
            + encoded
            + extra
        )
        written = 0
        for piece in pieces:
            self._write(piece)
            written += len(piece)
        if written != packed.packed:
            raise ValueError(f"{name}: {written} deflated bytes, {packed.packed} announced")

    def close(self) -> None:
        start = self.at
        for encoded, flags, packed, offset in self.entries:
            wide = [v for v in (packed.size, packed.packed, offset) if v > ZIP64_LIMIT]
            extra = _zip64(wide) if wide else b""
            # Each field past the limit says so, and its value is in the zip64 extra field.
            size, packed_size, at = (
                0xFFFFFFFF if v > ZIP64_LIMIT else v for v in (packed.size, packed.packed, offset)
            )
            self._write(
                struct.pack(
                    "<4s4B4HL2L5H2L",
                    b"PK\001\002",
                    _ZIP64_VERSION if extra else _VERSION,
                    _UNIX,
                    _ZIP64_VERSION if extra else _VERSION,
                    0,
                    flags,
                    _DEFLATED,
                    0,
                    _DOS_DATE,
                    packed.crc,
                    packed_size,
                    size,
                    len(encoded),
                    len(extra),
                    0,
                    0,
                    0,
                    _FILE_MODE,
                    at,
                )
                + encoded
                + extra
            )
        count, size, end = len(self.entries), self.at - start, self.at
        if count > FILECOUNT_LIMIT or start > ZIP64_LIMIT or size > ZIP64_LIMIT:
            self._write(
                struct.pack(
                    "<4sQ2H2L4Q",
                    b"PK\x06\x06",
                    44,
                    _ZIP64_VERSION,
                    _ZIP64_VERSION,
                    0,
                    0,
                    count,
                    count,
                    size,
                    start,
                )
                + struct.pack("<4sLQL", b"PK\x06\x07", 0, end, 1)
            )
            count, size, start = min(count, 0xFFFF), min(size, 0xFFFFFFFF), min(start, 0xFFFFFFFF)
        self._write(struct.pack("<4s4H2LH", b"PK\005\006", 0, 0, count, count, size, start, 0))

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.at += len(data)


def _name(name: str) -> tuple[bytes, int]:
    """The member's name as the zip holds it, and the flag that says it is UTF-8 if it is not
    ASCII."""
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), 0x800


def _zip64(values: list[int]) -> bytes:
    return struct.pack(f"<2H{len(values)}Q", 1, 8 * len(values), *values)
