"""Pure parsers of designation list files (no I/O: callers pass the file content)."""

from __future__ import annotations

from tarazu.designations.importers.ftm import parse_ftm_jsonl, read_ftm_jsonl
from tarazu.designations.importers.un_xml import parse_un_xml, read_un_xml
from tarazu.designations.model import Designation, ListProblem

__all__ = ["detect_format", "parse_designations", "parse_ftm_jsonl", "parse_un_xml",
           "read_designations"]


def detect_format(content: str) -> str:
    """"ftm" for FollowTheMoney JSON lines, "un_xml" for the UN consolidated list."""
    head = content.lstrip("\ufeff \t\r\n")[:4096]
    if head.startswith("{"):
        return "ftm"
    if head.startswith("<") and "<CONSOLIDATED_LIST" in head:
        return "un_xml"
    raise ValueError("unrecognised designation list format (expected FtM JSONL or UN XML)")


def parse_designations(content: str) -> list[Designation]:
    """Parse a list file of either supported format (ValueError on the first bad record)."""
    fmt = detect_format(content)
    return parse_ftm_jsonl(content) if fmt == "ftm" else parse_un_xml(content.encode("utf-8"))


def read_designations(content: str) -> tuple[str, list[Designation], list[ListProblem]]:
    """(format, designations, problems) of a list file: each record that cannot be read is a
    problem naming it, and every other record is kept. ValueError only when the file as a
    whole is unreadable (an unknown format, XML that is not well-formed)."""
    fmt = detect_format(content)
    found, problems = (read_ftm_jsonl(content) if fmt == "ftm"
                       else read_un_xml(content.encode("utf-8")))
    return fmt, found, problems
