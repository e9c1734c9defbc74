"""Parse human durations such as "90s", "10m", "1h30m", "250ms" or a bare number of seconds."""

from __future__ import annotations

import math
import re

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h)")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(value: object) -> float:
    """Seconds for a TOML value; raises ValueError with a message fit for the user."""
    if isinstance(value, bool):
        raise ValueError('expected a duration like "90s" or "10m", got a boolean')
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().lower()
        pos, seconds = 0, 0.0
        for match in _PART.finditer(text):
            if text[pos : match.start()].strip():
                break
            seconds += float(match.group(1)) * _UNIT_S[match.group(2)]
            pos = match.end()
        if pos == 0 or text[pos:].strip():
            raise ValueError(f'{value!r} is not a duration; write e.g. "90s", "10m" or "1h30m"')
    else:
        raise ValueError(f'expected a duration like "90s", got {type(value).__name__}')
    if not math.isfinite(seconds):
        raise ValueError(f'expected a finite duration like "90s", got {value!r}')
    if seconds <= 0:
        raise ValueError(f"duration must be positive, got {value!r}")
    return seconds


def format_duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
