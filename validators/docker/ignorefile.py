"""Read a `.dockerignore` as moby's `ignorefile.ReadAll` does, keeping each pattern's line."""

from __future__ import annotations

from dataclasses import dataclass

from validators.docker.gosyntax import clean, trim_space

MAX_LINE = 64 * 1024  # bufio.Scanner's default token limit: a longer line fails the build


@dataclass(frozen=True)
class IgnoreLine:
    line: int  # 1-based line in the file
    text: str  # the line as written
    pattern: str  # what ReadAll hands to the matcher ("!" + cleaned for exceptions)


class IgnoreFileError(ValueError):
    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}")
        self.source = source
        self.line = line


def read_ignore(data: bytes, source: str = ".dockerignore") -> list[IgnoreLine]:
    # Go strings hold bytes; invalid UTF-8 survives as U+FFFD only when printed. Decoding
    # with surrogateescape keeps every byte distinct, which is what matching needs.
    text = data.decode("utf-8", errors="surrogateescape")
    out: list[IgnoreLine] = []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, raw in enumerate(lines, start=1):
        if raw.endswith("\r"):
            raw = raw[:-1]
        if len(raw.encode("utf-8", errors="surrogateescape")) > MAX_LINE:
            raise IgnoreFileError(source, number, "line too long (Docker reads at most 64 KiB a line)")
        pattern = raw[1:] if number == 1 and raw.startswith("\ufeff") else raw
        written = pattern
        if pattern.startswith("#"):
            continue
        pattern = trim_space(pattern)
        if not pattern:
            continue
        invert = pattern.startswith("!")
        if invert:
            pattern = trim_space(pattern[1:])
        if pattern:
            pattern = clean(pattern)
            if len(pattern) > 1 and pattern.startswith("/"):
                pattern = pattern[1:]
        if invert:
            pattern = "!" + pattern
        out.append(IgnoreLine(number, written, pattern))
    return out
