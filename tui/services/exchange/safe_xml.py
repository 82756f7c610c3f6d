"""Parsing XML from another program without trusting it.

An imported `.qdpx` or `.qdc` is someone else's file. A DOCTYPE can declare entities that
expand a few bytes into gigabytes (the "billion laughs") or pull in a local file or a URL
(external entities). REFI-QDA never needs a DTD, so any DOCTYPE, entity declaration or
external reference is refused outright, the way defusedxml does it, with the stdlib's expat
underneath. The document is fed to expat in chunks and its handlers keep only what the reader
needs, so a large file costs the memory of what is kept, not of a tree.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from xml.parsers import expat


class UnsafeXMLError(ValueError):
    """The XML declares a DTD or entities; the message says where."""


class BrokenXMLError(ValueError):
    """The XML is not well-formed (truncated, damaged); the message says where."""


Start = Callable[[str, dict[str, str]], None]


def parse_chunks(
    chunks: Iterable[bytes],
    start: Start,
    end: Callable[[str], None],
    data: Callable[[str], None],
) -> None:
    """Feed `chunks` through expat as they come (a zip member as it inflates), calling the
    handlers with ElementTree's `{ns}local` names; nothing is kept here, so memory stays that
    of one chunk plus what the handlers keep. An exception a handler raises stops the parse
    and comes out of here."""
    parser = expat.ParserCreate(namespace_separator="}")

    def refuse(*_args) -> None:
        raise UnsafeXMLError(
            f"line {parser.CurrentLineNumber}: it declares a DTD or entities, which "
            "REFI-QDA files never need"
        )

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = lambda name, attributes: start(
        _qualified(name), {_qualified(k): v for k, v in attributes.items()}
    )
    parser.EndElementHandler = lambda name: end(_qualified(name))
    parser.CharacterDataHandler = data
    parser.buffer_text = True
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as error:
        raise BrokenXMLError(
            f"line {error.lineno}: it is not well-formed XML "
            f"({expat.ErrorString(error.code)}), perhaps truncated"
        ) from None


def parse_xml(raw: bytes) -> ET.Element:
    """A whole document as an ElementTree (for small files: the tests read exports so)."""
    builder = ET.TreeBuilder()
    parse_chunks([raw], builder.start, builder.end, builder.data)
    return builder.close()


def _qualified(name: str) -> str:
    """expat's `ns}local` as ElementTree's `{ns}local`."""
    return "{" + name if "}" in name else name
