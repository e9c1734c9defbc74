"""Checks for config values shared by several validator kinds."""

from __future__ import annotations

from collections.abc import Callable


class OptionError(ValueError):
    """A bad value inside an option's array or table: `subpath` (indexes and keys) lets the
    error name the exact element and its line, e.g. `contracts[1]`."""

    def __init__(self, message: str, subpath: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.subpath = subpath


def string(value: object) -> object:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty string")
    return value


def boolean(value: object) -> object:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def string_list(value: object) -> object:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError('expected a list of strings, e.g. ["app/**/*.py"]')
    return list(value)


def one_of(*choices: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(repr(c) for c in choices)}, got {value!r}")
        return value

    return check


def string_table(example: str) -> Callable[[object], dict[str, str]]:
    """A table of strings (numbers and booleans taken as TOML writes them: `true`, `1.5`);
    `example` ends the error message, e.g. `: { BASE = "python:3.11-slim" }`."""

    def check(value: object) -> dict[str, str]:
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str | int | float | bool) for k, v in value.items()
        ):
            raise ValueError(f"expected a table of strings{example}")
        return {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in value.items()}

    return check
