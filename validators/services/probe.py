"""Readiness probes, tried until one passes or time is up: a TCP connect, an HTTP GET answered
with a 2xx, or a line of the service's own output."""

from __future__ import annotations

import os
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass

import anyio
import anyio.abc

from validators.config.probe import Probe

INTERVAL_S = 0.1  # between attempts: a probe, not a test waiting on luck
ATTEMPT_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Readiness:
    ready: bool
    waited_s: float
    attempts: int
    last_error: str  # the last attempt's failure, "" once ready


def _reason(exc: BaseException) -> str:
    """The OS's words for a refused or unreachable connection, not a wrapper's."""
    seen: list[BaseException] = [exc]
    while seen:
        current = seen.pop()
        if isinstance(current, OSError) and current.errno:
            return os.strerror(current.errno)
        if isinstance(current, BaseExceptionGroup):
            seen.extend(current.exceptions)
        if current.__cause__ is not None:
            seen.append(current.__cause__)
    return str(exc) or type(exc).__name__


async def tcp_attempt(probe: Probe) -> str:
    """ "" when a connection was accepted, else why not."""
    try:
        with anyio.fail_after(ATTEMPT_TIMEOUT_S):
            stream = await anyio.connect_tcp(probe.host, probe.port)
    except TimeoutError:
        return f"no answer within {ATTEMPT_TIMEOUT_S:g} s"
    except OSError as exc:
        return f"{probe.host}:{probe.port}: {_reason(exc)}"
    await stream.aclose()
    return ""


_STATUS = re.compile(rb"^HTTP/\d(?:\.\d)? (\d{3})")


async def http_attempt(probe: Probe) -> str:
    """ "" on a 2xx answer; else the status line or why there was none. HTTP/1.1 by hand: one
    GET and its status line is all a probe needs, and no HTTP client is a dependency."""
    try:
        with anyio.fail_after(ATTEMPT_TIMEOUT_S):
            stream: anyio.abc.ByteStream = (
                await anyio.connect_tcp(
                    probe.host, probe.port, ssl_context=ssl.create_default_context(), tls_standard_compatible=False
                )
                if probe.tls
                else await anyio.connect_tcp(probe.host, probe.port)
            )
            try:
                request = (
                    f"GET {probe.path} HTTP/1.1\r\nHost: {probe.host}:{probe.port}\r\n"
                    "User-Agent: checkdeck-probe\r\nConnection: close\r\n\r\n"
                )
                await stream.send(request.encode("ascii", "replace"))
                head = b""
                while b"\r\n" not in head and len(head) < 4096:
                    try:
                        head += await stream.receive()
                    except anyio.EndOfStream:
                        break
            finally:
                await stream.aclose()
    except TimeoutError:
        return f"no answer within {ATTEMPT_TIMEOUT_S:g} s"
    except (OSError, anyio.BrokenResourceError, ssl.SSLError) as exc:
        return f"{probe.host}:{probe.port}: {_reason(exc)}"
    match = _STATUS.match(head)
    if match is None:
        return "the answer is not HTTP" if head else "the connection closed without an answer"
    code = int(match.group(1))
    if 200 <= code < 300:
        return ""
    status_line = head.split(b"\r\n", 1)[0][9:].decode("latin-1").strip()
    return f"HTTP {status_line}"


class LogWatch:
    """Lines of a service's output, matched against a log probe as they arrive."""

    def __init__(self, pattern: re.Pattern[str] | None) -> None:
        self.pattern = pattern
        self.seen = anyio.Event()
        self.lines = 0

    def feed(self, lines: list[str]) -> None:
        self.lines += len(lines)
        if self.pattern is not None and not self.seen.is_set():
            if any(self.pattern.search(_plain(line)) for line in lines):
                self.seen.set()


_SGR = re.compile(r"\x1b\[[0-9;:]*m")


def _plain(line: str) -> str:
    return _SGR.sub("", line)


async def wait_ready(probe: Probe, timeout_s: float, *, log: LogWatch, gone: Callable[[], str | None]) -> Readiness:
    """Try the probe until it passes, `timeout_s` passes, or `gone()` says the process ended."""
    start = time.monotonic()
    attempts = 0
    error = "not tried"
    with anyio.move_on_after(timeout_s):
        while True:
            ended = gone()
            if probe.kind == "log":
                attempts = log.lines
                if log.seen.is_set():
                    return Readiness(True, time.monotonic() - start, attempts, "")
                error = f"no line matched {probe.text[4:]!r} in {log.lines} lines of output"
                if ended:
                    return Readiness(False, time.monotonic() - start, attempts, f"{error}; {ended}")
                with anyio.move_on_after(INTERVAL_S):
                    await log.seen.wait()
                continue
            attempts += 1
            error = await (tcp_attempt(probe) if probe.kind == "tcp" else http_attempt(probe))
            if not error:
                return Readiness(True, time.monotonic() - start, attempts, "")
            if ended:
                return Readiness(False, time.monotonic() - start, attempts, f"{error}; {ended}")
            await anyio.sleep(INTERVAL_S)
    return Readiness(False, time.monotonic() - start, attempts, error)
