"""Decode the `moby.buildkit.trace` messages of a BuildKit build made through the plain `/build`
API: each is a base64 protobuf `moby.buildkit.v1.StatusResponse` (buildkit `api/services/control/
control.proto`).

Decoded by hand, about fifty lines of wire format: the protobuf runtime would also need the
generated classes of control.proto and of the gogo and timestamp protos it imports, for four
messages and a dozen fields."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class Vertex:
    digest: str
    name: str = ""
    cached: bool = False
    started: float | None = None  # seconds since the epoch
    completed: float | None = None
    error: str = ""


@dataclass
class VertexLog:
    vertex: str
    stream: int  # 1 stdout, 2 stderr
    data: bytes


@dataclass
class StatusResponse:
    vertexes: list[Vertex] = field(default_factory=list)
    logs: list[VertexLog] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class TraceError(ValueError):
    """A trace message that is not the protobuf it should be."""


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise TraceError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise TraceError("varint too long")


def _fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value): an int for varints and fixed ints, bytes for length-delimited."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            yield number, value
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise TraceError("truncated field")
            yield number, data[pos : pos + length]
            pos += length
        elif wire == 1:
            yield number, int.from_bytes(data[pos : pos + 8], "little")
            pos += 8
        elif wire == 5:
            yield number, int.from_bytes(data[pos : pos + 4], "little")
            pos += 4
        else:
            raise TraceError(f"unsupported wire type {wire}")


def _text(value: int | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _timestamp(value: int | bytes) -> float | None:
    if not isinstance(value, bytes):
        return None
    seconds = nanos = 0
    for number, part in _fields(value):
        if number == 1 and isinstance(part, int):
            seconds = part
        elif number == 2 and isinstance(part, int):
            nanos = part
    return seconds + nanos / 1e9 if seconds or nanos else None


def _vertex(data: bytes) -> Vertex:
    vertex = Vertex("")
    for number, value in _fields(data):
        if number == 1:
            vertex.digest = _text(value)
        elif number == 3:
            vertex.name = _text(value)
        elif number == 4:
            vertex.cached = bool(value)
        elif number == 5:
            vertex.started = _timestamp(value)
        elif number == 6:
            vertex.completed = _timestamp(value)
        elif number == 7:
            vertex.error = _text(value)
    return vertex


def _log(data: bytes) -> VertexLog:
    log = VertexLog("", 1, b"")
    for number, value in _fields(data):
        if number == 1:
            log.vertex = _text(value)
        elif number == 3 and isinstance(value, int):
            log.stream = value
        elif number == 4 and isinstance(value, bytes):
            log.data = value
    return log


def _warning(data: bytes) -> str:
    short = ""
    for number, value in _fields(data):
        if number == 3:
            short = _text(value)
    return short


def decode(aux: str) -> StatusResponse:
    """One trace message (the `aux` string of the stream) as a StatusResponse."""
    try:
        data = base64.b64decode(aux, validate=True)
    except ValueError as exc:
        raise TraceError(f"not base64: {exc}") from exc
    out = StatusResponse()
    for number, value in _fields(data):
        if not isinstance(value, bytes):
            continue
        if number == 1:
            out.vertexes.append(_vertex(value))
        elif number == 3:
            out.logs.append(_log(value))
        elif number == 4:
            out.warnings.append(_warning(value))
    return out
