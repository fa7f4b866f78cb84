"""A minimal protobuf wire-format reader for the parts of an ONNX model the importer needs.

Why not ``onnx.load``: it reads and copies every byte of the file (a 2 GB model takes seconds
and its memory), and importing ``onnx`` costs more than the whole analysis. This reader walks
the file through ``mmap`` and skips tensor payloads by their length without touching them, so
the time depends on the graph, not on the weights. Every length and varint is bounds-checked:
truncated or non-protobuf bytes raise :class:`WireError`.
"""

from __future__ import annotations

import struct
from typing import Any, Iterator


class WireError(ValueError):
    """The bytes are not a well-formed protobuf message."""


def varint(buf: Any, pos: int, end: int) -> tuple[int, int]:
    """(value, next position) of the varint at ``pos``."""
    result = shift = 0
    while True:
        if pos >= end or shift > 63:
            raise WireError("truncated or overlong varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def fields(buf: Any, start: int, end: int) -> Iterator[tuple[int, int, Any]]:
    """(field number, wire type, value) of a message; length-delimited values are (start, end)
    spans into ``buf``, fixed32/64 are raw bytes, varints are ints."""
    pos = start
    while pos < end:
        key, pos = varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise WireError("field number 0")
        if wire == 0:
            value, pos = varint(buf, pos, end)
        elif wire == 2:
            length, pos = varint(buf, pos, end)
            if length > end - pos:
                raise WireError("length runs past the end of the data")
            value, pos = (pos, pos + length), pos + length
        elif wire == 5:
            if pos + 4 > end:
                raise WireError("truncated fixed32")
            value, pos = bytes(buf[pos:pos + 4]), pos + 4
        elif wire == 1:
            if pos + 8 > end:
                raise WireError("truncated fixed64")
            value, pos = bytes(buf[pos:pos + 8]), pos + 8
        else:
            raise WireError(f"unsupported wire type {wire}")
        yield number, wire, value


def text(buf: Any, span: tuple[int, int]) -> str:
    """A string field."""
    return bytes(buf[span[0]:span[1]]).decode("utf-8", "replace")


def int64s(buf: Any, wire: int, value: Any, out: list[int]) -> None:
    """Append a repeated int64 field's items (packed or not) to ``out``, as signed ints."""
    if wire == 0:
        out.append(value - (1 << 64) if value >= 1 << 63 else value)
        return
    pos, end = value
    while pos < end:
        v, pos = varint(buf, pos, end)
        out.append(v - (1 << 64) if v >= 1 << 63 else v)


def floats(buf: Any, wire: int, value: Any, out: list[float]) -> None:
    """Append a repeated float field's items (packed or not) to ``out``."""
    if wire == 5:
        out.append(struct.unpack("<f", value)[0])
        return
    raw = bytes(buf[value[0]:value[1]])
    if len(raw) % 4:
        raise WireError("packed floats of a length not a multiple of 4")
    out.extend(struct.unpack(f"<{len(raw) // 4}f", raw))


def count_field(buf: Any, start: int, end: int, number: int, limit: int) -> int:
    """How many times field ``number`` occurs (stops counting past ``limit``)."""
    n = 0
    for num, _, _ in fields(buf, start, end):
        if num == number:
            n += 1
            if n > limit:
                break
    return n
