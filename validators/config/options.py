"""Checks for config values shared by several validator kinds."""

from __future__ import annotations

from collections.abc import Callable


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
