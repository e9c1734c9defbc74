"""What the app knows about each validator: the runner's events folded into plain state.

No widget here: the app updates this state from runner events and widgets render it."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat
from pathlib import Path
from typing import NamedTuple

from rich.cells import cell_len

from validators.engine.model import Finding, LogBatch, Status, ValidatorResult, ValidatorSpec
from validators.engine.wording import plural

LOG_WINDOW = 10_000  # lines the app keeps per validator; the full log stays on disk

Clock = Callable[[], float]


class LogLineView(NamedTuple):
    """A tuple: the window may take in hundreds of thousands of lines a second."""

    at: datetime
    stream: str
    text: str


@dataclass
class LogWindow:
    """The newest lines of one attempt; older ones are only in the log file."""

    limit: int = LOG_WINDOW
    lines: deque[LogLineView] = field(default_factory=deque)
    total: int = 0
    widest: int = 0  # cells of the widest line taken in since the last clear

    def __post_init__(self) -> None:
        self.lines = deque(maxlen=self.limit)

    @property
    def dropped(self) -> int:
        return self.total - len(self.lines)

    def extend(self, batches: Sequence[LogBatch]) -> tuple[int, int]:
        """Append batches; returns (lines the window let go, cells of the widest new line).

        Only the newest `limit` lines are ever made into views: in a flood, most lines of a
        turn would be let go in the same turn, and touching each costs more than the rest of
        the UI together."""
        count = sum(batch.line_count for batch in batches)
        dropped = max(0, len(self.lines) + count - self.limit)
        need = self.limit
        kept: list[tuple[datetime, str, tuple[str, ...]]] = []
        for batch in reversed(batches):
            for chunk in reversed(batch.chunks):
                if need <= 0:
                    break
                lines = chunk.lines if len(chunk.lines) <= need else chunk.lines[-need:]
                kept.append((chunk.at, chunk.stream, lines))
                need -= len(lines)
        make = LogLineView._make
        widest = 0
        for at, stream, lines in reversed(kept):
            self.lines.extend(map(make, zip(repeat(at), repeat(stream), lines)))
            widest = max(widest, max((len(t) if t.isascii() else cell_len(t) for t in lines), default=0))
        self.total += count
        self.widest = max(self.widest, widest)
        return dropped, widest

    def clear(self) -> None:
        self.lines.clear()
        self.total = 0
        self.widest = 0


@dataclass
class Change:
    """How a validator's latest result differs from the previous run's."""

    previous: str | None  # previous status, None when there is no previous run
    new_findings: int = 0
    resolved_findings: int = 0

    def describe(self, status: Status) -> str:
        if self.previous is None:
            return ""
        parts = []
        if self.previous in ("passed", "skipped") and status.bad:
            parts.append("newly failing")
        elif self.previous in ("failed", "error") and status is Status.PASSED:
            parts.append("fixed")
        if self.new_findings:
            parts.append(f"+{plural(self.new_findings, 'new finding')}")
        if self.resolved_findings:
            parts.append(f"-{plural(self.resolved_findings, 'finding')} resolved")
        return ", ".join(parts)


def finding_key(f: Finding) -> tuple[object, ...]:
    return (f.rule, f.path, f.message)


@dataclass
class ValidatorState:
    spec: ValidatorSpec
    description: str = ""
    status: Status = Status.PENDING
    attempt: int = 0
    summary: str = ""
    started: float | None = None  # clock() when it started running
    elapsed: float | None = None  # frozen once it finished
    progress: tuple[int, int | None, str] | None = None
    progress_text: str = ""  # the validator's own wording of its progress, when it gives one
    findings: list[Finding] = field(default_factory=list)
    result: ValidatorResult | None = None
    log: LogWindow = field(default_factory=LogWindow)
    log_path: Path | None = None
    previous: ValidatorResult | None = None  # this validator in the previous run's summary
    change: Change | None = None
    last_final: Status | None = None  # the outcome of the attempt before the current one

    @property
    def name(self) -> str:
        return self.spec.name

    def elapsed_now(self, clock: Clock) -> float | None:
        if self.elapsed is not None:
            return self.elapsed
        if self.started is not None:
            return clock() - self.started
        return None

    def live_summary(self) -> str:
        if self.status is Status.PENDING:
            # Nothing of an earlier attempt stays on show while this one waits.
            return "waiting for a slot" if self.attempt else "waiting to start"
        if self.status is Status.RUNNING and self.progress_text:
            return self.progress_text
        if self.status is Status.RUNNING and self.progress is not None:
            done, total, label = self.progress
            return f"{done}/{total} {label}".strip() if total else f"{done} {label}".strip()
        if self.status is Status.RUNNING:
            errors = sum(1 for f in self.findings if f.severity.value == "error")
            return f"{plural(errors, 'error')} so far" if errors else "running"
        return self.summary

    def compare(self) -> None:
        """Fill `change` from the previous run, once this attempt has finished."""
        if self.previous is None:
            self.change = Change(None)
            return
        before = {finding_key(f) for f in self.previous.findings}
        now = {finding_key(f) for f in self.findings}
        self.change = Change(self.previous.status.value, len(now - before), len(before - now))


def totals(states: Iterable[ValidatorState]) -> dict[Status, int]:
    counts = {s: 0 for s in Status}
    for state in states:
        counts[state.status] += 1
    return counts


def monotonic() -> float:
    return time.monotonic()
