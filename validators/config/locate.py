"""Find the line of a key in TOML text, since tomllib gives values but no positions."""

from __future__ import annotations

import re

_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*([^\]]+?)\s*\]\]")
_TABLE_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]")
_KEY = re.compile(r"""^\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(?:\.|=)""")


def _opens_multiline_string(line: str) -> str | None:
    """The delimiter of a multi-line string this line opens and does not close, if any."""
    _, eq, value = line.partition("=")
    if not eq:
        return None
    for delimiter in ('"""', "'''"):
        position = value.find(delimiter)
        if position >= 0 and value.count(delimiter) % 2 == 1:
            other = '"""' if delimiter == "'''" else "'''"
            other_position = value.find(other)
            if other_position < 0 or position < other_position:
                return delimiter
    return None


def _dotted(header: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in header.split("."))


class KeyLocator:
    """Maps `(table path, array index or None, key)` to a 1-based line number.

    `prefix` is the table that holds checkdeck's settings: () in checkdeck.toml,
    ("tool", "checkdeck") in pyproject.toml.
    """

    def __init__(self, text: str, prefix: tuple[str, ...]) -> None:
        self.prefix = prefix
        # (table, index) -> {key: line}; (table, index) -> header line
        self.keys: dict[tuple[tuple[str, ...], int | None], dict[str, int]] = {}
        self.headers: dict[tuple[tuple[str, ...], int | None], int] = {}
        counts: dict[tuple[str, ...], int] = {}
        current: tuple[tuple[str, ...], int | None] = ((), None)
        in_string: str | None = None  # the delimiter of a multi-line string being skipped
        for number, line in enumerate(text.splitlines(), start=1):
            if in_string is not None:
                # A line inside a multi-line string is a value, never a key.
                if line.count(in_string) % 2 == 1:
                    in_string = None
                continue
            in_string = _opens_multiline_string(line)
            if line.lstrip().startswith("#"):
                continue
            if match := _ARRAY_HEADER.match(line):
                table = _dotted(match.group(1))
                index = counts.get(table, 0)
                counts[table] = index + 1
                current = (table, index)
                self.headers[current] = number
                continue
            if match := _TABLE_HEADER.match(line):
                table = _dotted(match.group(1))
                # `[validators.env]` belongs to the last `[[validators]]` element.
                parent, last = table[:-1], table[-1]
                if parent in counts:
                    current = (parent, counts[parent] - 1)
                    self.keys.setdefault(current, {}).setdefault(last, number)
                    current = (table, None)
                else:
                    current = (table, None)
                self.headers.setdefault(current, number)
                continue
            if match := _KEY.match(line):
                key = next(g for g in match.groups() if g is not None)
                self.keys.setdefault(current, {}).setdefault(key, number)

    def line(self, key_path: tuple[str | int, ...]) -> int | None:
        """Line of e.g. ("concurrency",), ("validators", 2, "timeout"), or ("validators", 2)."""
        table = self.prefix
        index: int | None = None
        best: int | None = self.headers.get((table, None))
        parts = list(key_path)
        while parts:
            part = parts.pop(0)
            if isinstance(part, int):
                index = part
                best = self.headers.get((table, index), best)
                continue
            found = self.keys.get((table, index), {}).get(part)
            if found is not None:
                best = found
            elif not parts:
                break
            table, index = (*table, part), None
            best = self.headers.get((table, None), best)
        return best
