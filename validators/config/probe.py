"""A service's readiness probe as written in config: `tcp://host:port`, `http(s)://…` (a 2xx
answer) or `log:REGEX` (a line of the service's output)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Probe:
    kind: Literal["tcp", "http", "log"]
    text: str  # as configured
    host: str = ""
    port: int = 0
    path: str = "/"  # http: the request target, query included
    tls: bool = False
    pattern: re.Pattern[str] | None = None

    def describe(self) -> str:
        if self.kind == "log":
            return f"a log line matching {self.text[4:]!r}"
        if self.kind == "tcp":
            return f"a TCP connection to {self.host}:{self.port}"
        return f"a 2xx answer from {self.text}"


def parse_probe(text: str) -> Probe:
    """The probe, or ValueError saying what is wrong and what is expected."""
    if text.startswith("log:"):
        try:
            return Probe("log", text, pattern=re.compile(text[4:]))
        except re.error as exc:
            raise ValueError(f"log probe: invalid regular expression: {exc}") from None
    parts = urlsplit(text)
    if parts.scheme not in ("tcp", "http", "https"):
        raise ValueError(
            f'unknown probe {text!r}: expected "tcp://HOST:PORT", "http://HOST:PORT/PATH" (a 2xx answer) or "log:REGEX"'
        )
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{text!r}: the port is not a number from 0 to 65535") from None
    if not parts.hostname:
        raise ValueError(f"{text!r}: no host")
    if port is None:
        if parts.scheme == "tcp":
            raise ValueError(f"{text!r}: a tcp probe needs a port (tcp://127.0.0.1:5432)")
        port = 443 if parts.scheme == "https" else 80
    if parts.scheme == "tcp":
        return Probe("tcp", text, parts.hostname, port)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Probe("http", text, parts.hostname, port, target, tls=parts.scheme == "https")


def probe_problem(text: str) -> str | None:
    try:
        parse_probe(text)
    except ValueError as exc:
        return str(exc)
    return None
