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
    r"|[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]"
)
_SGR = re.compile(r"\x1b\[[0-9;:]*m")


def sanitize(text: str) -> str:
    """Keep SGR colour codes, drop anything else that could corrupt a display."""
    return _CONTROL.sub("", text)


def strip_ansi(text: str) -> str:
    """Plain text: no colour codes either."""
    return _SGR.sub("", _CONTROL.sub("", text))
