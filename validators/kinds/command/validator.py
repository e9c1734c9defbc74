"""The `command` validator: run a shell command line; passes on exit 0; reads findings from
what pytest, ruff, mypy, gcc-style tools or a user's regex print."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import anyio

from validators.engine.base import Option, Outcome, Validator
from validators.engine.model import Finding, Severity, Status
from validators.engine.run_context import RunContext
from validators.engine.wording import plural
from validators.kinds.command.matchers import Matcher, make_matcher
from validators.kinds.command.not_installed import NotInstalled, missing_tool
from validators.kinds.command.options import OPTIONS, pattern_of
from validators.kinds.command.output_reader import OutputReader
from validators.kinds.command.pytest_tally import PytestTally
from validators.process.run import describe_exit

PLUGIN_DIR = Path(__file__).parent / "pytest_plugin"
_PYTEST = re.compile(r"(^|[\s/;&|(])(py\.test|pytest)(\s|$)|-m\s+pytest\b")
_RUFF = re.compile(r"(^|[\s/;&|(])ruff(\s+check)?(\s|$)|-m\s+ruff\b")
_MYPY = re.compile(r"(^|[\s/;&|(])(mypy|dmypy\s+run)(\s|$)|-m\s+mypy\b")
COLOR_VARS = {"FORCE_COLOR": "1", "CLICOLOR_FORCE": "1", "PY_COLORS": "1", "MYPY_FORCE_COLOR": "1"}


def is_pytest(command: str) -> bool:
    return bool(_PYTEST.search(command))


def findings_from_command(command: str) -> str | None:
    """The matcher a command line implies when config names none."""
    if is_pytest(command):
        return "pytest"
    if _RUFF.search(command) and "ruff format" not in command:
        return "ruff"
    if _MYPY.search(command):
        return "mypy"
    return None


class CommandValidator(Validator):
    kind = "command"
    description = "Runs a shell command line; passes on exit 0. Reads findings from pytest, ruff, mypy or gcc output."
    options: ClassVar[Mapping[str, Option]] = OPTIONS

    @property
    def command(self) -> str:
        return str(self.spec.options["run"])

    def describe(self) -> str:
        return f"$ {self.command}"

    def target(self) -> str:
        return self.command

    def findings_kind(self) -> tuple[str | None, str]:
        """(matcher, where that choice came from)."""
        declared = self.spec.options.get("findings")
        if isinstance(declared, dict):
            return "regex", "config"
        if isinstance(declared, str):
            return declared, "config"
        if self.spec.options.get("pytest") is True:
            return "pytest", "config (pytest = true)"
        if self.spec.options.get("pytest") is False:
            return None, "config (pytest = false)"
        implied = findings_from_command(self.command)
        return implied, "the command line"

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        extra = self.spec.options.get("env") or {}
        assert isinstance(extra, dict)
        wants_colour = self.spec.options.get("color", True) is not False
        decided = set(extra) & {*COLOR_VARS, "NO_COLOR"}
        if wants_colour and not decided and "NO_COLOR" not in os.environ:
            # Children write to a pipe, where tools turn colour off; the log keeps colour.
            env.update(COLOR_VARS)
        env.update(extra)
        return env

    async def run(self, ctx: RunContext) -> Outcome:
        cwd = self.project_dir / str(self.spec.options.get("cwd", "."))
        if not cwd.is_dir():
            return Outcome(Status.ERROR, f"working directory {cwd} does not exist")
        env = self.environment()
        kind, chosen_by = self.findings_kind()
        tty = self.spec.options.get("tty") is True
        if kind == "pytest":
            return await self._run_pytest(ctx, cwd, env, tty)
        declared = self.spec.options.get("findings")
        matcher: Matcher | None = None
        if isinstance(declared, dict):
            matcher = make_matcher(pattern_of(declared))
        elif kind is not None:
            matcher = make_matcher(kind)
        reader = OutputReader(ctx, matcher, cwd, self.project_dir)
        outcome = await ctx.run_process(self.command, cwd=cwd, env=env, observe=reader.observe, tty=tty)
        await reader.finish()
        code = outcome.exit_code
        details = [("findings read as", f"{kind} (chosen by {chosen_by})")] if matcher else []
        missing = missing_tool(self.command, code, reader.first_lines)
        if missing is not None and not reader.count:
            return await self._not_installed(ctx, missing, code, details)
        for note in reader.notes():
            await ctx.log(f"[checkdeck] {note}")
        status = Status.PASSED if code == 0 else Status.FAILED
        return Outcome(status, self._summary(code, reader, matcher), code, tuple(details))

    @staticmethod
    def _summary(code: int, reader: OutputReader, matcher: Matcher | None) -> str:
        if matcher is None:
            return describe_exit(code)
        parts = []
        if reader.count:
            parts.append(plural(reader.count, "problem"))
            by = reader.by_severity()
            if by.get(Severity.ERROR, 0) != reader.count:
                parts[-1] += " (" + ", ".join(plural(n, s.value) for s, n in by.items() if n) + ")"
        elif code == 0:
            parts.append("no problems")
        else:
            parts.append(f"no problems read from the output ({matcher.name} format)")
        if matcher.tally:
            parts.append(f"{matcher.name}: {matcher.tally}")
        if code != 0 or reader.count:
            parts.append(describe_exit(code))
        return " · ".join(parts)

    async def _not_installed(
        self, ctx: RunContext, missing: NotInstalled, code: int, details: list[tuple[str, str]]
    ) -> Outcome:
        await ctx.report(
            Finding(
                Severity.ERROR,
                "command/not-installed",
                f"{missing.what} is not installed: {missing.said}",
                hint=missing.advice(),
            )
        )
        summary = f"{missing.what} is not installed ({missing.said}); {missing.advice()}"
        return Outcome(Status.ERROR, summary, code, tuple(details))

    async def _run_pytest(self, ctx: RunContext, cwd: Path, env: dict[str, str], tty: bool) -> Outcome:
        reader = OutputReader(ctx, None, cwd, self.project_dir)
        with tempfile.TemporaryDirectory(prefix="checkdeck-pytest-") as tmp:
            events_path = Path(tmp) / "events.jsonl"
            events_path.touch()
            env["CHECKDECK_PYTEST_EVENTS"] = str(events_path)
            env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PLUGIN_DIR), env.get("PYTHONPATH", "")) if p)
            env["PYTEST_ADDOPTS"] = " ".join(p for p in (env.get("PYTEST_ADDOPTS", ""), "-p checkdeck_pytest") if p)
            tally = PytestTally(cwd, self.project_dir)
            done = anyio.Event()
            async with anyio.create_task_group() as tg:
                tg.start_soon(tally.follow, events_path, ctx, done)
                try:
                    outcome = await ctx.run_process(self.command, cwd=cwd, env=env, observe=reader.observe, tty=tty)
                finally:
                    done.set()
        code = outcome.exit_code
        if tally.total is None and not tally.seen:
            missing = missing_tool(self.command, code, reader.first_lines)
            if missing is not None:
                return await self._not_installed(ctx, missing, code, [])
        if code == 5:
            return Outcome(Status.FAILED, "pytest collected no tests", code)
        if tally.total is None and not tally.seen:
            # pytest never reached collection (bad arguments, import error in conftest).
            status = Status.PASSED if code == 0 else Status.FAILED
            return Outcome(status, f"pytest did not run tests ({describe_exit(code)})", code)
        status = Status.PASSED if code == 0 else Status.FAILED
        return Outcome(status, tally.summary(code), code)
