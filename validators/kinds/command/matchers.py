"""Problem matchers: findings read from what a tool prints, line by line, as VS Code's problem
matchers do. Built in: ruff (concise, full, JSON and JSON-lines output), mypy (text and
`-O json`), gcc-style `file:line:col: severity: message`; or a user's own regex.

A matcher sees each line once, without colour codes, and keeps only a bounded amount of state:
a tool that prints a million lines costs a million regex matches and no more memory."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from validators.engine.model import Finding, Severity

# Output kept to read a tool's JSON document (ruff --output-format json): past this it is
# not read, and a note says so.
MAX_JSON_BYTES = 32 * 1024 * 1024

_SEVERITIES = {
    "error": Severity.ERROR,
    "fatal error": Severity.ERROR,
    "fatal": Severity.ERROR,
    "failure": Severity.ERROR,
    "warning": Severity.WARNING,
    "warn": Severity.WARNING,
    "note": Severity.INFO,
    "info": Severity.INFO,
    "information": Severity.INFO,
    "hint": Severity.INFO,
}


def severity_of(word: str | None, default: Severity = Severity.ERROR) -> Severity:
    if not word:
        return default
    return _SEVERITIES.get(word.strip().lower(), default)


@dataclass(frozen=True)
class Pattern:
    """A user's matcher: a regex and the group numbers of each part (0: not captured)."""

    regex: re.Pattern[str]
    file: int
    message: int
    line: int = 0
    column: int = 0
    severity: int = 0
    code: int = 0
    default_severity: Severity = Severity.ERROR


@dataclass(frozen=True)
class Problem:
    """A finding before its path is made relative to the project."""

    severity: Severity
    rule: str
    message: str
    path: str | None
    line: int | None = None
    column: int | None = None
    hint: str | None = None


class Matcher:
    """Base: feed lines, then finish. `tally` keeps the tool's own closing count line."""

    name = "custom"

    def __init__(self) -> None:
        self.tally: str | None = None
        self.notes: list[str] = []

    def feed(self, line: str) -> Iterator[Problem]:
        return iter(())

    def finish(self) -> Iterator[Problem]:
        return iter(())


def _int(text: str | None) -> int | None:
    if text and text.isdigit():
        value = int(text)
        return value if value > 0 else None
    return None


class RegexMatcher(Matcher):
    def __init__(self, pattern: Pattern, name: str = "custom") -> None:
        super().__init__()
        self.pattern = pattern
        self.name = name

    def feed(self, line: str) -> Iterator[Problem]:
        m = self.pattern.regex.search(line)
        if m is None:
            return
        p = self.pattern

        def group(index: int) -> str | None:
            return m.group(index) if index else None

        path = group(p.file)
        message = (group(p.message) or "").strip()
        if not path or not message:
            return
        code = group(p.code)
        yield Problem(
            severity_of(group(p.severity), p.default_severity),
            f"{self.name}/{code}" if code else f"{self.name}/problem",
            message,
            path.strip(),
            _int(group(p.line)),
            _int(group(p.column)),
        )


_GCC = re.compile(
    r"^(?P<file>[^:\s][^:]*):(?P<line>\d+):(?:(?P<col>\d+):)?\s*"
    r"(?P<sev>fatal error|error|warning|note):\s*(?P<msg>.*?)(?:\s+\[(?P<flag>-W[^\]]+)\])?$"
)


class _NotesFollow(Matcher):
    """A diagnostic is held until the next line: the notes after it (gcc's, mypy's) explain
    it, and become its hint rather than findings of their own."""

    def __init__(self) -> None:
        super().__init__()
        self._last: Problem | None = None

    def _hold(self, problem: Problem) -> list[Problem]:
        """Hold `problem`; returns the one held before, now complete."""
        done = [self._last] if self._last is not None else []
        self._last = problem
        return done

    def _note(self, text: str) -> None:
        assert self._last is not None
        hint = f"{self._last.hint}\n{text}" if self._last.hint else text
        self._last = dataclasses.replace(self._last, hint=hint)

    def finish(self) -> Iterator[Problem]:
        if self._last is not None:
            yield self._last
            self._last = None


class GccMatcher(_NotesFollow):
    name = "gcc"

    def feed(self, line: str) -> Iterator[Problem]:
        m = _GCC.match(line)
        if m is None:
            return
        if m["sev"] == "note" and self._last is not None:
            self._note(m["msg"])
            return
        flag = m["flag"]
        rule = f"gcc/{flag}" if flag else f"gcc/{m['sev'].replace(' ', '-')}"
        yield from self._hold(
            Problem(severity_of(m["sev"]), rule, m["msg"], m["file"], _int(m["line"]), _int(m["col"]))
        )


_MYPY = re.compile(
    r"^(?P<file>[^:\s][^:]*):(?P<line>\d+):(?:(?P<col>\d+):)?(?:\d+:\d+:)?\s*"
    r"(?P<sev>error|warning|note):\s*(?P<msg>.*?)(?:\s+\[(?P<code>[a-z0-9-]+)\])?$"
)
_MYPY_TALLY = re.compile(r"^(Found \d+ errors? in \d+ files?.*|Success: no issues found.*)$")


class MypyMatcher(_NotesFollow):
    name = "mypy"

    def _problem(self, severity: str, message: str, path: str, line: object, col: object, code: object) -> Problem:
        return Problem(
            severity_of(severity),
            f"mypy/{code}" if code else f"mypy/{severity}",
            message,
            path,
            line if isinstance(line, int) and line > 0 else _int(str(line)),
            col if isinstance(col, int) and col > 0 else _int(str(col)),
        )

    def feed(self, line: str) -> Iterator[Problem]:
        if line.startswith("{"):
            # `mypy -O json`: one object per line.
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if isinstance(record, dict) and "file" in record and "message" in record:
                problem = self._problem(
                    str(record.get("severity") or "error"),
                    str(record["message"]),
                    str(record["file"]),
                    record.get("line"),
                    (record.get("column") or 0) + 1 if isinstance(record.get("column"), int) else None,
                    record.get("code"),
                )
                hint = record.get("hint")
                yield from self._hold(dataclasses.replace(problem, hint=str(hint) if hint else None))
                return
        m = _MYPY.match(line)
        if m is None:
            if _MYPY_TALLY.match(line):
                self.tally = line
            return
        if m["sev"] == "note" and self._last is not None and self._last.path == m["file"]:
            self._note(m["msg"])
            return
        yield from self._hold(self._problem(m["sev"], m["msg"], m["file"], m["line"], m["col"], m["code"]))


_RUFF_CONCISE = re.compile(
    r"^(?P<file>[^:\s][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+[0-9]+|[A-Za-z][A-Za-z-]*(?:Error)?):?"
    r"(?: \[\*\])? (?P<msg>.*)$"
)
_RUFF_HEAD = re.compile(r"^(?P<code>[A-Z]+[0-9]+|invalid-syntax|SyntaxError):?(?: \[\*\])? (?P<msg>.+)$")
_RUFF_ARROW = re.compile(r"^\s*--> (?P<file>.+?):(?P<line>\d+):(?P<col>\d+)\s*$")
_RUFF_TALLY = re.compile(r"^(Found \d+ errors?\..*|All checks passed!)$")


class RuffMatcher(Matcher):
    """`ruff check` in any of its output formats: concise lines, the full format (a
    `CODE message` line, then ` --> file:line:col`), JSON lines, or one JSON document."""

    name = "ruff"

    def __init__(self) -> None:
        super().__init__()
        self._head: tuple[str, str] | None = None  # full format: the line before the arrow
        self._json: list[str] | None = None
        self._json_bytes = 0
        self._started = False

    def feed(self, line: str) -> Iterator[Problem]:
        if self._json is not None:
            self._json_bytes += len(line) + 1
            if self._json_bytes <= MAX_JSON_BYTES:
                self._json.append(line)
            return
        if not self._started and line.strip():
            self._started = True
            if line.strip() == "[" or line.startswith("[{") or line.strip() == "[]":
                self._json = [line]
                self._json_bytes = len(line)
                return
        if line.startswith("{"):
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if isinstance(record, dict):
                problem = self._from_record(record)
                if problem is not None:
                    yield problem
                return
        m = _RUFF_CONCISE.match(line)
        if m is not None:
            yield self._problem(m["code"], m["msg"], m["file"], _int(m["line"]), _int(m["col"]))
            return
        arrow = _RUFF_ARROW.match(line)
        if arrow is not None and self._head is not None:
            code, message = self._head
            self._head = None
            yield self._problem(code, message, arrow["file"], _int(arrow["line"]), _int(arrow["col"]))
            return
        head = _RUFF_HEAD.match(line)
        if head is not None:
            self._head = (head["code"], head["msg"])
            return
        if _RUFF_TALLY.match(line):
            self.tally = line

    def _problem(self, code: str, message: str, path: str, line: int | None, col: int | None) -> Problem:
        rule = "ruff/syntax-error" if code in ("SyntaxError", "invalid-syntax") else f"ruff/{code}"
        return Problem(Severity.ERROR, rule, message.strip(), path, line, col)

    def _from_record(self, record: dict[str, object]) -> Problem | None:
        path = record.get("filename")
        message = record.get("message")
        if not isinstance(path, str) or not isinstance(message, str):
            return None
        location = record.get("location")
        line = col = None
        if isinstance(location, dict):
            row, column = location.get("row"), location.get("column")
            line = row if isinstance(row, int) and row > 0 else None
            col = column if isinstance(column, int) and column > 0 else None
        code = record.get("code")
        fix = record.get("fix")
        problem = self._problem(str(code) if code else "SyntaxError", message, path, line, col)
        if isinstance(fix, dict) and isinstance(fix.get("message"), str):
            return dataclasses.replace(problem, hint=str(fix["message"]))
        return problem

    def finish(self) -> Iterator[Problem]:
        if self._json is None:
            return
        if self._json_bytes > MAX_JSON_BYTES:
            self.notes.append(f"ruff's JSON output is over {MAX_JSON_BYTES // 2**20} MiB: not read into findings")
            return
        try:
            records = json.loads("\n".join(self._json))
        except ValueError as exc:
            self.notes.append(f"ruff's output looked like JSON but is not: {exc}")
            return
        if isinstance(records, list):
            for record in records:
                if isinstance(record, dict):
                    problem = self._from_record(record)
                    if problem is not None:
                        yield problem
            count = len(records)
            self.tally = f"Found {count} error{'s' * (count != 1)}." if count else "All checks passed!"


BUILT_IN = ("ruff", "mypy", "pytest", "gcc")


def make_matcher(kind: str | Pattern) -> Matcher | None:
    """The matcher for a `findings` value; None for pytest, which is read through its plugin."""
    if isinstance(kind, Pattern):
        return RegexMatcher(kind)
    if kind == "ruff":
        return RuffMatcher()
    if kind == "mypy":
        return MypyMatcher()
    if kind == "gcc":
        return GccMatcher()
    return None


def relative_path(path: str, cwd: Path, project_dir: Path) -> str:
    """A tool's path as the project knows it: relative to the project where it is inside."""
    full = Path(path) if Path(path).is_absolute() else cwd / path
    try:
        return full.resolve().relative_to(project_dir.resolve()).as_posix()
    except (ValueError, OSError):
        return path


def finding(problem: Problem, cwd: Path, project_dir: Path) -> Finding:
    return Finding(
        problem.severity,
        problem.rule,
        problem.message,
        relative_path(problem.path, cwd, project_dir) if problem.path else None,
        problem.line,
        problem.hint,
        column=problem.column,
    )
