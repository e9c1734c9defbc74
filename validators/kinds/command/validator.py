"""The `command` validator: run a shell command line; passes on exit 0; understands pytest."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import anyio

from validators.engine.base import Option, Outcome, Validator
from validators.engine.model import Status
from validators.engine.run_context import RunContext
from validators.kinds.command.options import OPTIONS
from validators.kinds.command.pytest_tally import PytestTally
from validators.process.run import describe_exit

PLUGIN_DIR = Path(__file__).parent / "pytest_plugin"
_PYTEST = re.compile(r"(^|[\s/;&|(])(py\.test|pytest)(\s|$)|-m\s+pytest\b")


def is_pytest(command: str) -> bool:
    return bool(_PYTEST.search(command))


class CommandValidator(Validator):
    kind = "command"
    description = "Runs a shell command line; passes on exit 0. Reports pytest failures as findings."
    options: ClassVar[Mapping[str, Option]] = OPTIONS

    @property
    def command(self) -> str:
        return str(self.spec.options["run"])

    def describe(self) -> str:
        return f"$ {self.command}"

    def target(self) -> str:
        return self.command

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
            tally = PytestTally(cwd, self.project_dir)
            done = anyio.Event()
            async with anyio.create_task_group() as tg:
                tg.start_soon(tally.follow, events_path, ctx, done)
                try:
                    outcome = await ctx.run_process(self.command, cwd=cwd, env=env)
                finally:
                    done.set()
        code = outcome.exit_code
        if code == 5:
            return Outcome(Status.FAILED, "pytest collected no tests", code)
        if tally.total is None and not tally.seen:
            # pytest never reached collection (bad arguments, import error in conftest).
            status = Status.PASSED if code == 0 else Status.FAILED
            return Outcome(status, f"pytest did not run tests ({describe_exit(code)})", code)
        status = Status.PASSED if code == 0 else Status.FAILED
        return Outcome(status, tally.summary(code), code)
