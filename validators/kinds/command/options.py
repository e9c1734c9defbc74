"""The `command` kind's config keys."""

from __future__ import annotations

import re
from collections.abc import Mapping

from validators.config.options import boolean, string, string_table
from validators.engine.base import Option
from validators.engine.model import Severity
from validators.kinds.command.matchers import BUILT_IN, Pattern

_env = string_table(', e.g. env = { DEBUG = "1" }')


_GROUPS = ("file", "line", "column", "severity", "message", "code")


def findings(value: object) -> object:
    """A built-in matcher's name, or an inline one: a regex and its group numbers."""
    if isinstance(value, str):
        if value not in BUILT_IN:
            raise ValueError(
                f"expected one of {', '.join(repr(b) for b in BUILT_IN)} or an inline table, got {value!r}"
            )
        return value
    if not isinstance(value, dict):
        raise ValueError('expected "ruff", "mypy", "pytest", "gcc" or { regex = "...", file = 1, message = 2 }')
    unknown = sorted(set(value) - {"regex", "default_severity", *_GROUPS})
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r}; known: regex, {', '.join(_GROUPS)}, default_severity")
    regex = value.get("regex")
    if not isinstance(regex, str) or not regex:
        raise ValueError('needs regex = "..." (a Python regular expression, one line at a time)')
    try:
        compiled = re.compile(regex)
    except re.error as exc:
        raise ValueError(f"regex does not compile: {exc}") from None
    for key in ("file", "message"):
        if key not in value:
            raise ValueError(f"needs {key} = <group number>")
    for key in _GROUPS:
        group = value.get(key, 0)
        if not isinstance(group, int) or isinstance(group, bool) or not 0 <= group <= compiled.groups:
            raise ValueError(f"{key} = {group!r}: the regex has groups 1 to {compiled.groups}")
    severity = value.get("default_severity", "error")
    if severity not in ("error", "warning", "info"):
        raise ValueError(f'default_severity: expected "error", "warning" or "info", got {severity!r}')
    return dict(value)


def pattern_of(value: Mapping[str, object]) -> Pattern:
    def group(key: str) -> int:
        number = value.get(key, 0)
        return number if isinstance(number, int) else 0

    return Pattern(
        re.compile(str(value["regex"])),
        file=group("file"),
        message=group("message"),
        line=group("line"),
        column=group("column"),
        severity=group("severity"),
        code=group("code"),
        default_severity=Severity(str(value.get("default_severity", "error"))),
    )


OPTIONS: Mapping[str, Option] = {
    "run": Option("The shell command line to run.", required=True, check=string),
    "cwd": Option("Working directory, relative to the project.", check=string),
    "env": Option("Extra environment variables.", check=_env, type_name="table"),
    "pytest": Option(
        "Treat the command as pytest (default: when the command line mentions pytest).",
        check=boolean,
        type_name="boolean",
    ),
    "findings": Option(
        'Read findings from the output: "ruff", "mypy", "pytest", "gcc", or '
        '{ regex = "...", file = 1, line = 2, column = 3, severity = 4, message = 5, code = 6 } '
        "(default: from the command line, for ruff, mypy and pytest).",
        check=findings,
        type_name="string or table",
    ),
    "tty": Option(
        "Run under a pseudo-terminal, for tools that colour only a terminal (default: false).",
        check=boolean,
        type_name="boolean",
    ),
    "color": Option(
        "Ask tools for colour (FORCE_COLOR, CLICOLOR_FORCE, PY_COLORS, MYPY_FORCE_COLOR) "
        "unless env sets them or NO_COLOR is set (default: true).",
        check=boolean,
        type_name="boolean",
    ),
}
