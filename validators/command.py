"""The `command` validator: run a shell command line; passes on exit 0; understands pytest."""

from __future__ import annotations

import json
import os
import re
import shlex
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import anyio

from .base import Option, Outcome, Validator
from .context import RunContext
from .model import Check, Finding, Severity, Status
from .process import describe_exit

PLUGIN_DIR = Path(__file__).parent / "pytest_plugin"
_PYTEST = re.compile(r"(^|[\s/;&|(])(py\.test|pytest)(\s|$)|-m\s+pytest\b")


def _string(value: object) -> object:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty string")
    return value


def _env(value: object) -> object:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, (str, int, float, bool)) for k, v in value.items()
    ):
        raise ValueError('expected a table of strings, e.g. env = { DEBUG = "1" }')
    return {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in value.items()}


def _bool(value: object) -> object:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def is_pytest(command: str) -> bool:
    return bool(_PYTEST.search(command))


class CommandValidator(Validator):
    kind = "command"
    description = "Runs a shell command line; passes on exit 0. Reports pytest failures as findings."
    options: ClassVar[Mapping[str, Option]] = {
        "run": Option("The shell command line to run.", required=True, check=_string),
        "cwd": Option("Working directory, relative to the project.", check=_string),
        "env": Option("Extra environment variables.", check=_env, type_name="table"),
        "pytest": Option(
            "Treat the command as pytest (default: when the command line mentions pytest).",
            check=_bool,
            type_name="boolean",
        ),
    }

    @property
    def command(self) -> str:
        return str(self.spec.options["run"])

    def describe(self) -> str:
        return f"$ {self.command}"

    async def run(self, ctx: RunContext) -> Outcome:
        cwd = self.project_dir / str(self.spec.options.get("cwd", "."))
        if not cwd.is_dir():
            return Outcome(Status.ERROR, f"working directory {cwd} does not exist")
        env = dict(os.environ)
        extra = self.spec.options.get("env") or {}
        assert isinstance(extra, dict)
        env.update(extra)
        use_pytest = self.spec.options.get("pytest")
        if use_pytest is None:
            use_pytest = is_pytest(self.command)
        if not use_pytest:
            outcome = await ctx.run_process(self.command, cwd=cwd, env=env)
            status = Status.PASSED if outcome.exit_code == 0 else Status.FAILED
            return Outcome(status, describe_exit(outcome.exit_code), outcome.exit_code)
        return await self._run_pytest(ctx, cwd, env)

    async def _run_pytest(self, ctx: RunContext, cwd: Path, env: dict[str, str]) -> Outcome:
        with tempfile.TemporaryDirectory(prefix="checkdeck-pytest-") as tmp:
            events_path = Path(tmp) / "events.jsonl"
            events_path.touch()
            env["CHECKDECK_PYTEST_EVENTS"] = str(events_path)
            env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PLUGIN_DIR), env.get("PYTHONPATH", "")) if p)
            env["PYTEST_ADDOPTS"] = " ".join(p for p in (env.get("PYTEST_ADDOPTS", ""), "-p checkdeck_pytest") if p)
            tally = _PytestTally(cwd, self.project_dir)
            async with anyio.create_task_group() as tg:
                tg.start_soon(tally.follow, events_path, ctx)
                outcome = await ctx.run_process(self.command, cwd=cwd, env=env)
                tg.cancel_scope.cancel()
            await tally.read_new(events_path, ctx)
        code = outcome.exit_code
        if code == 5:
            return Outcome(Status.FAILED, "pytest collected no tests", code)
        if tally.total is None and not tally.seen:
            # pytest never reached collection (bad arguments, import error in conftest).
            status = Status.PASSED if code == 0 else Status.FAILED
            return Outcome(status, f"pytest did not run tests ({describe_exit(code)})", code)
        status = Status.PASSED if code == 0 else Status.FAILED
        return Outcome(status, tally.summary(code), code)


class _PytestTally:
    def __init__(self, cwd: Path, project_dir: Path) -> None:
        self.cwd = cwd
        self.project_dir = project_dir
        self.total: int | None = None
        self.counts: dict[str, int] = {"passed": 0, "failed": 0, "skipped": 0, "error": 0}
        self.seen = 0
        self._offset = 0
        self._partial = b""

    async def follow(self, path: Path, ctx: RunContext) -> None:
        while True:
            await self.read_new(path, ctx)
            await anyio.sleep(0.1)

    async def read_new(self, path: Path, ctx: RunContext) -> None:
        with open(path, "rb") as f:
            f.seek(self._offset)
            data = f.read()
        self._offset += len(data)
        data = self._partial + data
        *lines, self._partial = data.split(b"\n")
        for raw in lines:
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            await self._apply(record, ctx)

    def _relative(self, path: object) -> str | None:
        if not isinstance(path, str) or not path:
            return None
        full = (self.cwd / path).resolve()
        try:
            return full.relative_to(self.project_dir.resolve()).as_posix()
        except ValueError:
            return str(full)

    async def _apply(self, record: dict[str, object], ctx: RunContext) -> None:
        if record.get("event") == "collected":
            total = record.get("total")
            self.total = total if isinstance(total, int) else None
            await ctx.progress(self.seen, self.total, "tests")
            return
        if record.get("event") != "test":
            return
        nodeid = str(record.get("nodeid"))
        when = record.get("when")
        outcome = str(record.get("outcome"))
        kind = "error" if outcome == "failed" and when != "call" else outcome
        if when == "teardown" and outcome == "failed":
            self.counts["error"] += 1  # the test itself was counted at its call phase
        else:
            self.seen += 1
            self.counts[kind] = self.counts.get(kind, 0) + 1
        path = self._relative(record.get("path"))
        raw_line = record.get("line")
        line = raw_line if isinstance(raw_line, int) and raw_line > 0 else None
        message = str(record.get("message") or "")
        status = {"passed": Status.PASSED, "skipped": Status.SKIPPED, "failed": Status.FAILED}.get(
            outcome, Status.ERROR
        )
        if kind == "error":
            status = Status.ERROR
        duration = record.get("duration")
        classname, _, test_name = nodeid.rpartition("::")
        ctx.add_check(
            Check(
                name=test_name or nodeid,
                classname=classname.replace("/", ".").removesuffix(".py") or None,
                status=status,
                duration_s=float(duration) if isinstance(duration, (int, float)) else 0.0,
                message=message or None,
                path=path or self._relative(record.get("test_file")),
                line=line,
            )
        )
        if outcome == "failed":
            rule = "pytest/error" if kind == "error" else "pytest/failed"
            await ctx.report(
                Finding(
                    Severity.ERROR,
                    rule,
                    f"{nodeid}: {message}" if message else nodeid,
                    path,
                    line,
                    hint=f"rerun alone: pytest {shlex.quote(nodeid)}",
                )
            )
        await ctx.progress(self.seen, self.total, "tests")

    def summary(self, code: int) -> str:
        parts = [f"{n} {k}" for k, n in self.counts.items() if n]
        text = ", ".join(parts) or "no tests ran"
        if self.total is not None:
            text = f"{self.seen}/{self.total} tests: {text}"
        if code not in (0, 1):
            text += f" ({describe_exit(code)})"
        return text
