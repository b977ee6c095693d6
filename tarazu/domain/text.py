"""Names an outside party gives us that we repeat to users: an agency, an issuing court.

They reach notices, response documents and pages, so at intake they must be a plain, printable
name of bounded length: no markup, no control characters, no invisible or direction-changing
characters (a right-to-left override can make "Agency X" read as something else). The joiners
that Urdu, Pashto and Persian spelling needs (ZWNJ, ZWJ) are allowed."""

from __future__ import annotations

import unicodedata

#: Longest name of an authority we accept (the longest real ones are well under 150).
MAX_NAME = 200
#: Zero-width (non-)joiners: invisible, but part of correct spelling in Perso-Arabic scripts.
_JOINERS = frozenset({"\u200c", "\u200d"})
#: Characters that start markup in HTML or XML.
_MARKUP = frozenset("<>")
#: Look-alikes a plain-text notice shows instead of the characters that start markup.
_PLAIN = str.maketrans({"<": "\u2039", ">": "\u203a"})


def name_problem(value: str, max_length: int = MAX_NAME) -> str | None:
    """Why ``value`` is not a plain printable name (None: it is)."""
    if not value.strip():
        return "is required"
    if len(value) > max_length:
        return f"at most {max_length} characters (got {len(value)})"
    if any(c in _MARKUP for c in value):
        return "must be a plain name: markup ('<', '>') is not allowed"
    for c in value:
        if c in _JOINERS or c == " ":
            continue
        if unicodedata.category(c)[0] in "CZ":
            name = unicodedata.name(c, "a control character")
            return (f"contains an invisible or control character U+{ord(c):04X} ({name}); "
                    "only printable characters and spaces are allowed")
    return None


def plain(value: object) -> str:
    """A value as it may appear in a plain-text notice: control and invisible characters
    (other than line breaks and the joiners) removed, markup characters replaced by
    look-alikes — whatever shows the text (an e-mail client, a web page) cannot read a tag."""
    text = "" if value is None else str(value)
    kept = (c for c in text if c in "\n\t" or c in _JOINERS
            or unicodedata.category(c)[0] != "C")
    return "".join(kept).translate(_PLAIN)
