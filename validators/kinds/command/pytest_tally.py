"""Read the checkdeck pytest plugin's event file into checks, findings and progress."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import anyio

from validators.engine.model import Check, Finding, Severity, Status
from validators.engine.run_context import RunContext
from validators.process.run import describe_exit


class PytestTally:
    def __init__(self, cwd: Path, project_dir: Path) -> None:
        self.cwd = cwd
        self.project_dir = project_dir
        self.total: int | None = None
        self.counts: dict[str, int] = {"passed": 0, "failed": 0, "skipped": 0, "xfailed": 0, "xpassed": 0, "error": 0}
        self.seen = 0
        self._offset = 0
        self._partial = b""

    async def follow(self, path: Path, ctx: RunContext, done: anyio.Event) -> None:
        """Read new records until `done`, then once more. Ended by the event, never cancelled:
        a cancel while a record is being reported (a slow subscriber makes that likely)
        would drop the rest of the lines already read."""
        while not done.is_set():
            await self.read_new(path, ctx)
            with anyio.move_on_after(0.1):
                await done.wait()
        await self.read_new(path, ctx)

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
        if record.get("xfail") is True and outcome in ("skipped", "passed"):
            kind = "xfailed" if outcome == "skipped" else "xpassed"
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
        if kind in ("xfailed", "xpassed") and message:
            message = f"{kind}: {message}"
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
