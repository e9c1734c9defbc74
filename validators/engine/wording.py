"""Counts in words: "1 file", "2 files". One place, so no message says "1 files"."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"
