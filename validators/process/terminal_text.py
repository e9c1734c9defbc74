"""Make process output safe to display: keep colour (SGR) codes, drop every other control sequence."""

from __future__ import annotations

import re

# CSI sequences ending in "m" are colours and are kept; other CSI (cursor moves, clears),
# OSC (titles, hyperlinks), other ESC sequences and C0 controls but tab are removed, since
# they would move the cursor or rewrite the screen of whoever displays the line.
_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-ln-~]"  # CSI not ending in m
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC ... BEL/ST
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC
    r"|\x1b[ -/]+[0-~]"  # nF: charset designation and the like
    r"|\x1b(?!\[)[0-~]"  # other two-byte escapes
    r"|\x1b(?!\[)"  # stray ESC
    r"|[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f]"  # C0 but tab and newline, DEL, C1 (U+009B is a CSI too)
)
_SGR = re.compile(r"\x1b\[[0-9;:]*m")


def sanitize(text: str) -> str:
    """Keep SGR colour codes, drop anything else that could corrupt a display."""
    return _CONTROL.sub("", text)


def strip_ansi(text: str) -> str:
    """Plain text: no colour codes either."""
    return _SGR.sub("", _CONTROL.sub("", text))


# A file name that is not UTF-8 arrives as lone surrogates (os.fsdecode); shown as \xNN.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_surrogate(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    """For a terminal: colours stay, every other control sequence goes, undecodable bytes show
    as \\xNN."""
    return _SURROGATE.sub(_escape_surrogate, _CONTROL.sub("", text))


def printable(text: str) -> str:
    """For a report or a widget: no control sequence at all, not even colour; undecodable bytes
    show as \\xNN."""
    return _SURROGATE.sub(_escape_surrogate, strip_ansi(text))
