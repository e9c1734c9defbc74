"""A command's output as it arrives: findings through a matcher, and the first lines kept to
explain a command that could not start."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from validators.engine.model import Severity
from validators.engine.run_context import RunContext
from validators.engine.wording import plural
from validators.kinds.command.matchers import Matcher, Problem, finding
from validators.process.terminal_text import strip_ansi

# Findings reported one by one; past this they are counted, not kept (memory stays bounded
# when a matcher matches every line of a flood).
MAX_FINDINGS = 5000
FIRST_LINES = 20


class OutputReader:
    def __init__(self, ctx: RunContext, matcher: Matcher | None, cwd: Path, project_dir: Path) -> None:
        self._ctx = ctx
        self._matcher = matcher
        self._cwd = cwd
        self._project_dir = project_dir
        self.first_lines: list[str] = []
        self.count = 0
        self._severities: Counter[Severity] = Counter()

    async def observe(self, stream: str, texts: list[str]) -> None:
        if len(self.first_lines) < FIRST_LINES:
            self.first_lines.extend(strip_ansi(t) for t in texts[: FIRST_LINES - len(self.first_lines)])
        matcher = self._matcher
        if matcher is None:
            return
        for text in texts:
            plain = strip_ansi(text) if "\x1b" in text else text
            for problem in matcher.feed(plain):
                await self._add(problem)

    async def finish(self) -> None:
        if self._matcher is not None:
            for problem in self._matcher.finish():
                await self._add(problem)

    async def _add(self, problem: Problem) -> None:
        self.count += 1
        self._severities[problem.severity] += 1
        if self.count <= MAX_FINDINGS:
            await self._ctx.report(finding(problem, self._cwd, self._project_dir))

    def by_severity(self) -> dict[Severity, int]:
        return {s: self._severities[s] for s in Severity}

    def notes(self) -> list[str]:
        notes = list(self._matcher.notes) if self._matcher else []
        if self.count > MAX_FINDINGS:
            notes.append(
                f"{plural(self.count, 'problem')} read; the first {MAX_FINDINGS} are findings, the rest are in the log"
            )
        return notes
