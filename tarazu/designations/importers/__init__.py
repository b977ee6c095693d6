"""Pure parsers of designation list files (no I/O: callers pass the file content)."""

from __future__ import annotations

from tarazu.designations.importers.ftm import parse_ftm_jsonl, read_ftm_jsonl
from tarazu.designations.importers.un_xml import parse_un_xml, read_un_xml
from tarazu.designations.model import Designation

__all__ = ["detect_format", "parse_designations", "parse_ftm_jsonl", "parse_un_xml",
           "read_ftm_jsonl", "read_un_xml"]


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

