"""Parsing XML from another program without trusting it.

An imported `.qdpx` or `.qdc` is someone else's file. A DOCTYPE can declare entities that
expand a few bytes into gigabytes (the "billion laughs") or pull in a local file or a URL
(external entities). REFI-QDA never needs a DTD, so any DOCTYPE, entity declaration or
external reference is refused outright, the way defusedxml does it, with the stdlib's expat
underneath; the tree is built with ElementTree's TreeBuilder as it parses.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.parsers import expat


class UnsafeXMLError(ValueError):
    """The XML declares a DTD or entities; the message says where."""


class BrokenXMLError(ValueError):
    """The XML is not well-formed (truncated, damaged); the message says where."""


def parse_xml(raw: bytes) -> ET.Element:
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")

    def refuse(*_args) -> None:
        raise UnsafeXMLError(
            f"line {parser.CurrentLineNumber}: it declares a DTD or entities, which "
            "REFI-QDA files never need"
        )

    def start(name: str, attributes: dict[str, str]) -> None:
        builder.start(_qualified(name), {_qualified(k): v for k, v in attributes.items()})

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: builder.end(_qualified(name))
    parser.CharacterDataHandler = builder.data
    parser.buffer_text = True
    try:
        parser.Parse(raw, True)
    except expat.ExpatError as error:
        raise BrokenXMLError(
            f"line {error.lineno}: it is not well-formed XML "
            f"({expat.ErrorString(error.code)}), perhaps truncated"
        ) from None
    return builder.close()


def _qualified(name: str) -> str:
    """expat's `ns}local` as ElementTree's `{ns}local`."""
    return "{" + name if "}" in name else name
