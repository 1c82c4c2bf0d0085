"""Reading gzip files as RFC 1952 and RFC 1951 lay them out, with Python's zlib: what the backup's gzip blocks
are checked against, by the shell tier and the host tier alike."""

from __future__ import annotations

import zlib


def stored_length(size: int) -> int:
    """A gzip member of `size` bytes in stored deflate blocks (RFC 1951, 3.2.4): 10 bytes of header, 5 before
    each block of at most 65535 bytes, 8 of trailer."""
    return 10 + size + 5 * -(-size // 65535) + 8


def member_headers(data: bytes) -> list[tuple[int, int, int]]:
    """(XFL, the member's length, its data's length) for each gzip member of `data` (RFC 1952, 2.3: XFL is the
    header's ninth byte; `gzip -1` writes 4 there, backup_data.sh's stored member 0)."""
    members = []
    while data:
        member = zlib.decompressobj(wbits=31)
        content = member.decompress(data)
        assert member.eof, "the data ends inside a member"
        members.append((data[8], len(data) - len(member.unused_data), len(content)))
        data = member.unused_data
    return members
